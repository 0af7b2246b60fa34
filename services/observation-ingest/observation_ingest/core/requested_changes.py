"""Changes other services ask of the observation store, applied exactly once: a moderation
round's agreed judgement, and the removal of references to evidence that was erased.

Other services never write observations themselves: they ask, by event, and the observation
store stays the one system of record. The event id is claimed in the same transaction as the
amendment and its ``observation.amended`` event, so a redelivered request changes nothing, and
the projections see the change once. The audit trail names who asked and why.
"""

from __future__ import annotations

from collections.abc import Sequence

from engagement_shared.auth.principal import Principal, Role
from engagement_shared.events.envelope import Event
from engagement_shared.events.evidence import EvidenceErased
from engagement_shared.events.moderation import ModerationAmendmentRequested
from observation_ingest.core.intake import ObservationIntake
from observation_ingest.core.observations import ObservationAmendment
from observation_ingest.ports.repositories import UnitOfWork, UnitOfWorkFactory

REASON_LIMIT = 1000


def moderation_principal(event: ModerationAmendmentRequested) -> Principal:
    """Who the audit trail says amended: the moderation round, acting for the trust."""
    return Principal(subject=f"moderation-round:{event.payload.round_id}", role=Role.TRUST_ADMIN, trust_id=event.trust_id)


def amendment_of(event: ModerationAmendmentRequested) -> ObservationAmendment:
    """The agreed judgements as an amendment of the observation's areas, with the rationale as reason."""
    reason = f"Agreed in moderation: {event.payload.rationale}"
    return ObservationAmendment(changes={"areas": [a.model_dump(mode="json") for a in event.payload.areas]},
                                reason=reason[:REASON_LIMIT])


ERASURE_REASON = "Evidence erased at the request of the school or trust (erasure, or the end of its keeping period)"


def erasure_principal(event: EvidenceErased) -> Principal:
    """Who the audit trail says amended: evidence-store's erasure, acting for the trust."""
    return Principal(subject="evidence-store:erasure", role=Role.TRUST_ADMIN, trust_id=event.trust_id)


class RequestedChanges:
    """The consumer's handler for moderation's and evidence-store's events."""

    def __init__(self, uow: UnitOfWorkFactory, intake: ObservationIntake) -> None:
        self._uow = uow
        self._intake = intake

    async def handle(self, events: Sequence[Event]) -> None:
        """Apply each new request; other events on these topics are recorded and skipped."""
        async with self._uow() as uow:
            for event in await uow.claim(events):
                if isinstance(event, ModerationAmendmentRequested):
                    await self._intake.amend_in(uow, moderation_principal(event), event.payload.observation_id, amendment_of(event))
                elif isinstance(event, EvidenceErased):
                    await self._forget_evidence(uow, event)

    async def _forget_evidence(self, uow: UnitOfWork, event: EvidenceErased) -> None:
        """Drop the erased item (or, for a whole pupil, every item) from the pupil's current observations."""
        erased = event.payload.evidence_id
        for stored in await uow.observations.list_for_pupil(event.payload.pupil_id, include_withdrawn=False):
            ids = stored.observation.evidence_ids
            remaining = [] if erased is None else [e for e in ids if e != erased]
            if len(remaining) != len(ids):
                amendment = ObservationAmendment(changes={"evidence_ids": remaining}, reason=ERASURE_REASON)
                await self._intake.amend_in(uow, erasure_principal(event), stored.observation.observation_id, amendment)
