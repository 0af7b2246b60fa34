"""Who may do what in moderation, on top of the platform's trust and school boundaries."""

from __future__ import annotations

from engagement_shared.auth.principal import TRUST_WIDE, Principal, Role
from engagement_shared.errors import Forbidden, NotFound
from moderation.core.rounds import Item, Round

STAFF = {Role.TRUST_ADMIN, Role.CENTRAL_MODERATOR, Role.SENCO, Role.TEACHER, Role.TEACHING_ASSISTANT}


def trust_wide(by: Principal, trust_id: str) -> bool:
    """The trust's central team: trust admins and central moderators."""
    return by.role in TRUST_WIDE and by.trust_id == trust_id


def require_schedule(by: Principal, trust_id: str, scope: str, school_id: str | None) -> None:
    """Cross-school rounds are the central team's; a school's SENCO may run its own internal round."""
    if trust_wide(by, trust_id):
        return
    if scope == "internal" and school_id and by.role == Role.SENCO and by.in_school(trust_id, school_id):
        return
    raise Forbidden("only the trust's central team, or the school's SENCO for an internal round, may schedule moderation")


def leads(by: Principal, round_: Round) -> bool:
    """Whether the caller leads the round: the central team, or the school's SENCO for its internal round."""
    if trust_wide(by, round_.trust_id):
        return True
    school = round_.request.school_id
    return round_.request.scope == "internal" and school is not None and by.role == Role.SENCO and by.in_school(round_.trust_id, school)


def require_lead(by: Principal, round_: Round | None, round_id: str) -> Round:
    """The round, if the caller leads it; other trusts' rounds do not exist for them."""
    if round_ is None or round_.trust_id != by.trust_id:
        raise NotFound(f"round {round_id} not found")
    if not leads(by, round_):
        raise Forbidden("only the round's lead may do this")
    return round_


def require_item(by: Principal, item: Item | None, round_: Round | None, item_id: str, *, moderator_only: bool = False) -> Item:
    """The item, if the caller is its moderator (or, unless ``moderator_only``, the round's lead)."""
    if item is None or round_ is None or item.trust_id != by.trust_id:
        raise NotFound(f"item {item_id} not found")
    if by.role in STAFF and by.subject == item.moderator_id:
        return item
    if not moderator_only and leads(by, round_):
        return item
    raise Forbidden("only the item's moderator may do this" if moderator_only else "this item is not yours to see")


def require_staff(by: Principal, trust_id: str | None = None) -> None:
    """Exemplars are for the trust's staff, not parents or apps."""
    if by.role not in STAFF or (trust_id is not None and by.trust_id != trust_id):
        raise Forbidden("exemplars are for the trust's staff")


def require_central(by: Principal) -> None:
    """Trust-wide figures: the central team only."""
    if by.role not in TRUST_WIDE:
        raise Forbidden("only the trust's central team may see trust-wide moderation figures")
