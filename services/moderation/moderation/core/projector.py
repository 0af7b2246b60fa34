"""Keeps moderation's candidates and consents from observation and evidence events, exactly once,
and takes erased evidence out of the items already sampled.

The event ids claimed and the writes share one transaction, so a redelivered event changes
nothing and a crash before commit leaves nothing half-applied.
"""

from __future__ import annotations

from collections.abc import Sequence

from engagement_shared.events.envelope import Event
from engagement_shared.events.evidence import ConsentChanged, EvidenceErased
from moderation.core.candidates import Consent, StoredCandidate, candidate_after, consent_after, item_without_erased_evidence
from moderation.ports.store import ModerationStore


def _observation_id(event: Event) -> str | None:
    payload = event.payload  # type: ignore[attr-defined]
    observation = getattr(payload, "observation", None)
    return observation.observation_id if observation is not None else getattr(payload, "observation_id", None)


class CandidateProjector:
    """Applies batches of events to the candidates and consents."""

    def __init__(self, store: ModerationStore) -> None:
        self._store = store

    async def handle(self, events: Sequence[Event]) -> None:
        """Apply a batch (events moderation does not need are recorded and skipped)."""
        async with self._store.transaction() as tx:
            fresh = await tx.claim(events)
            ids = [i for i in (_observation_id(e) for e in fresh) if i]
            known: dict[str, StoredCandidate] = {c.observation_id: c for c in await tx.candidates(ids)} if ids else {}
            changed: dict[str, StoredCandidate] = {}
            consents: dict[tuple[str, str], Consent] = {}
            for event in fresh:
                observation_id = _observation_id(event)
                if observation_id:
                    after = candidate_after(event, changed.get(observation_id) or known.get(observation_id))
                    if after is not None:
                        changed[observation_id] = after
                elif isinstance(event, ConsentChanged):
                    key = (event.payload.pupil_id, event.payload.purpose)
                    current = consents.get(key) or await tx.consent(*key)
                    updated = consent_after(event, current)
                    if updated is not None:
                        consents[key] = updated
                elif isinstance(event, EvidenceErased):
                    for item in await tx.items_of_pupil(event.trust_id, event.payload.pupil_id):
                        cleaned = item_without_erased_evidence(event, item)
                        if cleaned is not None:
                            await tx.save_item(cleaned)
            if changed:
                await tx.save_candidates(list(changed.values()))
            if consents:
                await tx.save_consents(list(consents.values()))
