"""Keeps the pupils evidence-store knows from the directory events, exactly once: the event ids
claimed and the writes share one transaction, so a redelivered event changes nothing."""

from __future__ import annotations

from collections.abc import Sequence

from engagement_shared.events.envelope import Event
from evidence_store.core.pupils import Pupil, pupil_after
from evidence_store.ports.store import EvidenceRepository


class DirectoryProjector:
    """Applies batches of directory events (events about outcomes are recorded and skipped)."""

    def __init__(self, repo: EvidenceRepository) -> None:
        self._repo = repo

    async def handle(self, events: Sequence[Event]) -> None:
        """Apply a batch in order."""
        async with self._repo.transaction() as tx:
            fresh = await tx.claim(events)
            ids = list({e.payload.pupil_id for e in fresh if hasattr(e.payload, "pupil_id")})  # type: ignore[attr-defined]
            known: dict[str, Pupil] = {p.pupil_id: p for p in await tx.pupils(ids)} if ids else {}
            changed: dict[str, Pupil] = {}
            for event in fresh:
                pupil_id = getattr(event.payload, "pupil_id", None)  # type: ignore[attr-defined]
                after = pupil_after(event, changed.get(pupil_id) or known.get(pupil_id)) if pupil_id else None
                if after is not None:
                    changed[after.pupil_id] = after
            if changed:
                await tx.save_pupils(list(changed.values()))
