"""Scheduling a round: draw the sample, assign moderators, record the plan, announce it.

The sample, its plan and the round's first events are written in one transaction, so a round
exists either whole, with its items and its announcement queued, or not at all.
"""

from __future__ import annotations

import secrets

from engagement_shared.auth.principal import Principal
from engagement_shared.errors import Invalid
from engagement_shared.events.envelope import new_id, utcnow
from engagement_shared.events.moderation import ModerationRoundScheduled, RoundFacts
from moderation.core import access
from moderation.core.assignment import assign
from moderation.core.candidates import PURPOSE_OF_SCOPE, StoredCandidate
from moderation.core.rounds import TRUST_WIDE_SCHOOL, Item, Round, RoundRequest
from moderation.core.sampling import SamplingPlan, allocate, consented, consented_strata, select
from moderation.ports.store import CandidateFilter, ModerationStore

PRODUCER = "moderation"


class RoundScheduler:
    """Turns a round request into a round with its sampled, assigned items."""

    def __init__(self, store: ModerationStore) -> None:
        self._store = store

    async def schedule(self, by: Principal, request: RoundRequest) -> Round:
        """Draw, assign and record a round; refuse one that could not be moderated."""
        access.require_schedule(by, by.trust_id, request.scope, request.school_id)
        seed = request.seed if request.seed is not None else secrets.randbelow(2**62)
        where = _filter(by.trust_id, request)
        purpose = PURPOSE_OF_SCOPE.get(request.scope)
        consenting = await self._store.consenting_pupils(by.trust_id, purpose) if purpose else None
        counts = await self._store.strata_counts_by_pupil(where, request.strata_by)
        population = sum(counts.values())
        available = consented_strata(counts, consenting)
        if not available:
            raise Invalid("no observations in this window can be moderated (check the dates, schools and consent)", field="observed_from")
        allocation = allocate(available, request.sample_size)
        chosen = await select(consented(self._store.stream_candidates(where), consenting), allocation, seed, request.strata_by)
        assigned, unassignable = assign(chosen, request.moderators, cross_school=request.scope == "cross_school")
        if unassignable:
            raise Invalid(f"{unassignable} sampled observations have no eligible moderator: a moderator may not judge their own "
                          "observations or, across schools, their own school's", field="moderators")
        plan = SamplingPlan(seed=seed, size=request.sample_size, strata_by=request.strata_by, population=population,
                            excluded_without_consent=population - sum(available.values()), available=available, allocation=allocation)
        now = utcnow()
        round_ = Round(round_id=new_id(), trust_id=by.trust_id, request=request, seed=seed, plan=plan, scheduled_by=by.subject,
                       scheduled_at=now, pseudonym_secret=secrets.token_hex(16))
        stored = {c.observation_id: c for c in await self._store.candidates([c.observation_id for c, _ in assigned])}
        items = [_item(round_, stored[c.observation_id], m.staff_id, m.school_id) for c, m in assigned]
        async with self._store.transaction() as tx:
            await tx.add_round(round_, items)
            tx.emit(ModerationRoundScheduled(
                occurred_at=now, trust_id=round_.trust_id, school_id=request.school_id or TRUST_WIDE_SCHOOL, producer=PRODUCER,
                payload=RoundFacts(round_id=round_.round_id, scope=request.scope, opens_at=request.opens_at, deadline=request.deadline,
                                   moderator_ids=[m.staff_id for m in request.moderators], sample_size=len(items), seed=seed)))
        return round_


def _filter(trust_id: str, request: RoundRequest) -> CandidateFilter:
    schools = [request.school_id] if request.scope == "internal" else request.school_ids
    return CandidateFilter(trust_id=trust_id, school_ids=schools or None, observed_from=request.observed_from.isoformat(),
                           observed_to=request.observed_to.isoformat())


def _item(round_: Round, candidate: StoredCandidate, moderator_id: str, moderator_school: str | None) -> Item:
    judgements = candidate.snapshot["areas"]
    return Item(item_id=new_id(), round_id=round_.round_id, trust_id=round_.trust_id, scope=round_.request.scope,
                observation_id=candidate.observation_id, pupil_id=candidate.pupil_id, school_id=candidate.school_id,
                observer_id=candidate.observer_id, moderator_id=moderator_id, moderator_school_id=moderator_school,
                deadline=round_.request.deadline, original=judgements, snapshot=candidate.snapshot)
