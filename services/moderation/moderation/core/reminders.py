"""Reminders and overdue notices for moderators, as events other services and apps can act on.

Each item is reminded once when its deadline is near and noticed once when it has passed; the
flag and the event are written together, so a notice is never lost or sent twice.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from engagement_shared.events.moderation import ModerationItemDue, RoundItemDue
from moderation.core.scheduling import PRODUCER
from moderation.ports.store import ModerationStore


class Reminders:
    """Finds items due soon or overdue and announces them."""

    def __init__(self, store: ModerationStore, notice: timedelta = timedelta(days=2)) -> None:
        self._store = store
        self._notice = notice

    async def send(self, now: datetime) -> int:
        """Announce every item now due soon or overdue that has not been announced; returns how many."""
        sent = 0
        async with self._store.transaction() as tx:
            for item in await tx.items_awaiting_judgement_before(now + self._notice):
                overdue = item.deadline <= now
                if (overdue and item.overdue_notified) or (not overdue and item.reminded):
                    continue
                await tx.save_item(item.model_copy(update={"overdue_notified": True, "reminded": True} if overdue else {"reminded": True}))
                tx.emit(ModerationItemDue(occurred_at=now, trust_id=item.trust_id, school_id=item.moderator_school_id or "*", producer=PRODUCER,
                                          payload=RoundItemDue(round_id=item.round_id, item_id=item.item_id, moderator_id=item.moderator_id,
                                                               overdue=overdue)))
                sent += 1
        return sent
