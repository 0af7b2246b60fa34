"""Agreed moderation changes, applied to the observation store exactly once.

Moderation never writes observations itself: it asks, by event, and the observation store stays
the one system of record. The event id is claimed in the same transaction as the amendment and
its ``observation.amended`` event, so a redelivered request changes nothing, and the projections
see the change once. The audit trail names the round and keeps the moderators' rationale.
"""

from __future__ import annotations

from collections.abc import Sequence

from engagement_shared.auth.principal import Principal, Role
from engagement_shared.events.envelope import Event
from engagement_shared.events.moderation import ModerationAmendmentRequested
from observation_ingest.core.intake import ObservationIntake
from observation_ingest.core.observations import ObservationAmendment
from observation_ingest.ports.repositories import UnitOfWorkFactory

REASON_LIMIT = 1000


def moderation_principal(event: ModerationAmendmentRequested) -> Principal:
    """Who the audit trail says amended: the moderation round, acting for the trust."""
    return Principal(subject=f"moderation-round:{event.payload.round_id}", role=Role.TRUST_ADMIN, trust_id=event.trust_id)


def amendment_of(event: ModerationAmendmentRequested) -> ObservationAmendment:
    """The agreed judgements as an amendment of the observation's areas, with the rationale as reason."""
    reason = f"Agreed in moderation: {event.payload.rationale}"
    return ObservationAmendment(changes={"areas": [a.model_dump(mode="json") for a in event.payload.areas]},
                                reason=reason[:REASON_LIMIT])


class ModerationAmendments:
    """The consumer's handler for moderation's events."""

    def __init__(self, uow: UnitOfWorkFactory, intake: ObservationIntake) -> None:
        self._uow = uow
        self._intake = intake

    async def handle(self, events: Sequence[Event]) -> None:
        """Apply each new amendment request; other moderation events are recorded and skipped."""
        async with self._uow() as uow:
            for event in await uow.claim(events):
                if isinstance(event, ModerationAmendmentRequested):
                    await self._intake.amend_in(uow, moderation_principal(event), event.payload.observation_id, amendment_of(event))
