"""What a moderator may see of an item: blind until they judge, pseudonymised across schools.

In a cross-school round the moderator must not learn who the child is, which school they are at,
or who taught them. Observation events carry no names or dates of birth, but free text written
by staff can (a pupil's first name in a note, a colleague in the activity), so cross-school views
carry only the structured record — the areas observed, responses, support, context words and
the quality of the response — and say which free-text fields were withheld. The pupil appears as
a pseudonym that is stable within the round and unlinkable across rounds.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
from datetime import date, datetime
from typing import Any

from pydantic import BaseModel

from engagement_shared.events.observations import AreaJudgement
from moderation.core.rounds import AgreementRecord, BlindJudgement, Item, ItemStatus

#: Parts of an observation that are vocabulary words or flags, safe to show across schools.
STRUCTURED_FIELDS = ("subtle_responses", "support_level", "accuracy", "confidence", "consistency", "intentional",
                     "caused_by_stimulus", "baseline")
STRUCTURED_CONTEXT = ("setting", "time_of_day", "sensory_experiences", "communication_method")
#: Free text staff write, withheld across schools because it may name people.
FREE_TEXT_FIELDS = ("activity", "notes", "context.favourite_equipment", "context.mood", "context.health", "context.sleep",
                    "context.adults", "context.peers", "provision", "areas.note", "contributors")


class ItemView(BaseModel):
    """An item as its moderator (or the round's lead) sees it."""

    item_id: str
    round_id: str
    status: ItemStatus
    deadline: datetime
    pupil: str
    school_id: str | None
    observer: str
    observed_on: date
    areas_observed: list[str]
    observation: dict[str, Any]
    withheld: list[str]
    evidence: list[str]
    original: list[AreaJudgement] | None
    blind: BlindJudgement | None
    agreed: AgreementRecord | None


def pseudonym(secret: str, pupil_id: str) -> str:
    """A pupil's name within one round: stable there, meaningless elsewhere."""
    digest = hmac.new(secret.encode(), pupil_id.encode(), hashlib.sha256).digest()
    return "Pupil " + base64.b32encode(digest[:5]).decode()


def evidence_reference(secret: str, evidence_id: str) -> str:
    """An evidence item's reference within one round, so its id cannot be looked up elsewhere."""
    return "evidence-" + hmac.new(secret.encode(), evidence_id.encode(), hashlib.sha256).hexdigest()[:16]


def _structured(snapshot: dict[str, Any]) -> dict[str, Any]:
    context = snapshot.get("context") or {}
    shown: dict[str, Any] = {f: snapshot.get(f) for f in STRUCTURED_FIELDS}
    shown["context"] = {f: context.get(f) for f in STRUCTURED_CONTEXT}
    shown["context"]["adults_present"] = len(context.get("adults") or [])
    shown["context"]["peers_present"] = len(context.get("peers") or [])
    shown["provision_used"] = len(snapshot.get("provision") or [])
    return shown


def _without_judgements(snapshot: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in snapshot.items() if k not in ("areas", "version")}


def _without_notes(judgements: list[AreaJudgement]) -> list[AreaJudgement]:
    return [j.model_copy(update={"note": None}) for j in judgements]


def view(item: Item, secret: str) -> ItemView:
    """The item as its moderator may see it now: the original judgement only once theirs is recorded."""
    snapshot = item.snapshot
    cross = item.scope == "cross_school"
    revealed = item.status != "awaiting_judgement"
    evidence = [str(e) for e in snapshot.get("evidence_ids") or []]  # type: ignore[union-attr]
    return ItemView(
        item_id=item.item_id, round_id=item.round_id, status=item.status, deadline=item.deadline,
        pupil=pseudonym(secret, item.pupil_id) if cross else item.pupil_id,
        school_id=None if cross else item.school_id,
        observer=str(snapshot.get("observer_role")) if cross else item.observer_id,
        observed_on=datetime.fromisoformat(str(snapshot["observed_at"])).date(),
        areas_observed=[a.area for a in item.original],
        observation=_structured(snapshot) if cross else _without_judgements(snapshot),
        withheld=list(FREE_TEXT_FIELDS) if cross else [],
        evidence=[evidence_reference(secret, e) for e in evidence] if cross else evidence,
        original=(_without_notes(item.original) if cross else item.original) if revealed else None,
        blind=item.blind, agreed=item.agreed,
    )
