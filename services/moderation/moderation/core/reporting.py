"""Agreement figures, their trend, the CPD record and the report for the central team and governors.

Everything here is about judgements and rounds — never a pupil, never a ranking of pupils.
"""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel

from engagement_shared.auth.principal import Principal
from engagement_shared.errors import Forbidden
from moderation.core import access
from moderation.core.agreement import (Agreement, GroupAgreement, ItemGroup, JudgementCount, agreement, breakdown, contingency,
                                       disagreement_hotspots, judgement_counts)
from moderation.core.rounds import Round
from moderation.ports.store import ModerationStore


class RoundAgreement(BaseModel):
    """A round's agreement overall and per area, school and original descriptor."""

    round_id: str
    title: str
    scheduled_at: datetime
    overall: Agreement
    by_area: list[GroupAgreement]
    by_school: list[GroupAgreement]
    by_descriptor: list[GroupAgreement]


class Coverage(BaseModel):
    """How much moderation happened."""

    rounds: int
    cross_school_rounds: int
    items_sampled: int
    items_judged: int
    items_agreed: int
    judgements_changed: int
    schools_covered: int
    areas_covered: list[str]


class ModerationReport(BaseModel):
    """For the trust's central team and governors: rounds, coverage, agreement and its trend, actions."""

    coverage: Coverage
    trend: list[RoundAgreement]
    disagreement_concentrates: list[GroupAgreement]
    actions: dict[str, list[str]]


class CpdEntry(BaseModel):
    """One round's moderation by one member of staff, for their CPD record."""

    round_id: str
    title: str
    scope: str
    items_assigned: int
    items_judged: int
    items_agreed: int
    first_judged_at: datetime | None
    last_judged_at: datetime | None


def _agreement_of(round_: Round, counts: list[JudgementCount]) -> RoundAgreement:
    scale = round_.request.descriptor_scale
    return RoundAgreement(round_id=round_.round_id, title=round_.request.title, scheduled_at=round_.scheduled_at,
                          overall=agreement(contingency(counts, scale)), by_area=breakdown(counts, scale, "area"),
                          by_school=breakdown(counts, scale, "school_id"), by_descriptor=breakdown(counts, scale, "original"))


def _coverage(rounds: list[Round], groups: list[ItemGroup]) -> Coverage:
    return Coverage(rounds=len(rounds), cross_school_rounds=sum(r.request.scope == "cross_school" for r in rounds),
                    items_sampled=sum(g.count for g in groups), items_judged=sum(g.count for g in groups if g.status != "awaiting_judgement"),
                    items_agreed=sum(g.count for g in groups if g.status == "agreed"),
                    judgements_changed=sum(g.count for g in groups if g.differs_from_original),
                    schools_covered=len({g.school_id for g in groups}), areas_covered=sorted({a for g in groups for a in g.areas}))


class Reporting:
    """Read-only figures over rounds and their judgements."""

    def __init__(self, store: ModerationStore) -> None:
        self._store = store

    async def round_agreement(self, by: Principal, round_id: str) -> RoundAgreement:
        """Agreement of one round, for its lead."""
        round_ = access.require_lead(by, await self._store.round(round_id), round_id)
        return _agreement_of(round_, judgement_counts(await self._store.item_groups(round_.trust_id, [round_id])))

    async def report(self, by: Principal) -> ModerationReport:
        """The trust's moderation report; aggregate only, from one pass over the trust's items."""
        access.require_central(by)
        rounds = sorted(await self._store.rounds(by.trust_id), key=lambda r: r.scheduled_at)
        groups = await self._store.item_groups(by.trust_id, None)
        counts = judgement_counts(groups)
        of_round: dict[str, list[JudgementCount]] = {}
        for c in counts:
            of_round.setdefault(c.round_id, []).append(c)
        scale = rounds[-1].request.descriptor_scale if rounds else []
        return ModerationReport(
            coverage=_coverage(rounds, groups), trend=[_agreement_of(r, of_round.get(r.round_id, [])) for r in rounds],
            disagreement_concentrates=disagreement_hotspots(counts, scale)[:10],
            actions={r.round_id: [a.text for a in r.actions] for r in rounds if r.actions})

    async def cpd(self, by: Principal, staff_id: str) -> list[CpdEntry]:
        """Who moderated what, when: the member of staff themselves, or the central team."""
        if by.subject != staff_id and not access.trust_wide(by, by.trust_id):
            raise Forbidden("a CPD record is for its owner and the trust's central team")
        rounds = {r.round_id: r for r in await self._store.rounds(by.trust_id)}
        entries: dict[str, list] = {}  # type: ignore[type-arg]
        for item in await self._store.items_of_moderator(by.trust_id, staff_id):
            entries.setdefault(item.round_id, []).append(item)
        result = []
        for round_id, items in entries.items():
            judged = sorted(i.judged_at for i in items if i.judged_at)
            round_ = rounds[round_id]
            result.append(CpdEntry(round_id=round_id, title=round_.request.title, scope=round_.request.scope, items_assigned=len(items),
                                   items_judged=len(judged), items_agreed=sum(i.status == "agreed" for i in items),
                                   first_judged_at=judged[0] if judged else None, last_judged_at=judged[-1] if judged else None))
        return sorted(result, key=lambda e: rounds[e.round_id].scheduled_at)
