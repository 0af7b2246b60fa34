"""The moderator's work on an item: see it blind, judge it, see the original, agree.

Recording the agreement and queueing its events happen in one transaction, so an agreed change
reaches the observation store exactly once even if the service dies straight after.
"""

from __future__ import annotations

from engagement_shared.auth.principal import Principal
from engagement_shared.events.envelope import utcnow
from engagement_shared.events.moderation import AgreedJudgement, ModerationAmendmentRequested, ModerationJudgementAgreed
from moderation.core import access
from moderation.core.rounds import AgreementRecord, BlindJudgement, Item, Round, RoundAction, record_agreement, record_blind
from moderation.core.scheduling import PRODUCER
from moderation.core.views import ItemView, view
from moderation.ports.store import ModerationStore


class Judging:
    """Use cases of a round once it is drawn."""

    def __init__(self, store: ModerationStore) -> None:
        self._store = store

    async def round(self, by: Principal, round_id: str) -> Round:
        """A round and its plan, for its lead."""
        return access.require_lead(by, await self._store.round(round_id), round_id)

    async def rounds(self, by: Principal) -> list[Round]:
        """The rounds the caller leads, newest first."""
        return [r for r in await self._store.rounds(by.trust_id) if access.leads(by, r)]

    async def round_items(self, by: Principal, round_id: str) -> list[ItemView]:
        """Every item of a round, for its lead."""
        round_ = await self.round(by, round_id)
        return [view(i, round_.pseudonym_secret) for i in await self._store.items_of_round(round_id)]

    async def my_items(self, by: Principal) -> list[ItemView]:
        """The caller's items in every round, as a moderator may see them."""
        items = await self._store.items_of_moderator(by.trust_id, by.subject)
        rounds = {r.round_id: r for r in await self._store.rounds(by.trust_id)}
        return [view(i, rounds[i.round_id].pseudonym_secret) for i in items if i.round_id in rounds]

    async def item(self, by: Principal, item_id: str) -> ItemView:
        """One item: blind until the caller's judgement is recorded, pseudonymised across schools."""
        item, round_ = await self._load(by, item_id)
        return view(item, round_.pseudonym_secret)

    async def judge(self, by: Principal, item_id: str, judgement: BlindJudgement) -> ItemView:
        """Record the moderator's blind judgement; the original is revealed in the reply."""
        async with self._store.transaction() as tx:
            item, round_ = await self._load(by, item_id, moderator_only=True, tx=tx)
            updated = record_blind(item, judgement, round_.request.descriptor_scale, utcnow())
            await tx.save_item(updated)
        return view(updated, round_.pseudonym_secret)

    async def agree(self, by: Principal, item_id: str, agreed: AgreementRecord) -> ItemView:
        """Record the agreed judgement; a change goes back to the observation store as an amendment."""
        async with self._store.transaction() as tx:
            item, round_ = await self._load(by, item_id, tx=tx)
            updated = record_agreement(item, agreed, round_.request.descriptor_scale, by.subject, utcnow())
            await tx.save_item(updated)
            facts = AgreedJudgement(round_id=item.round_id, observation_id=item.observation_id, pupil_id=item.pupil_id,
                                    areas=agreed.areas, rationale=agreed.rationale, differs_from_original=bool(updated.differs_from_original))
            envelope = {"occurred_at": updated.agreed_at, "trust_id": item.trust_id, "school_id": item.school_id, "producer": PRODUCER}
            tx.emit(ModerationJudgementAgreed(**envelope, payload=facts))
            if updated.differs_from_original:
                tx.emit(ModerationAmendmentRequested(**envelope, payload=facts))
        return view(updated, round_.pseudonym_secret)

    async def add_action(self, by: Principal, round_id: str, action: RoundAction) -> Round:
        """Record an action the round agreed (e.g. training where judgements differed)."""
        async with self._store.transaction() as tx:
            round_ = access.require_lead(by, await tx.round(round_id), round_id)
            updated = round_.model_copy(update={"actions": [*round_.actions, action]})
            await tx.save_round(updated)
        return updated

    async def _load(self, by: Principal, item_id: str, *, moderator_only: bool = False, tx: ModerationStore | None = None) -> tuple[Item, Round]:
        reader = tx or self._store
        item = await reader.item(item_id)
        round_ = await reader.round(item.round_id) if item else None
        checked = access.require_item(by, item, round_, item_id, moderator_only=moderator_only)
        assert round_ is not None
        return checked, round_
