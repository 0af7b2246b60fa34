"""Applies observation events to the projections exactly once per event.

The event ids claimed and the projection writes share one transaction: a redelivered event
is skipped, and a crash before commit leaves nothing half-applied.
"""

from __future__ import annotations

from collections.abc import Sequence

from engagement_shared.auth.principal import Principal
from engagement_shared.errors import Forbidden, NotFound
from engagement_shared.events.envelope import Event
from narrative_builder.core.progress import ProjectedObservation, PupilProgress, apply_change, projected, summarise
from narrative_builder.ports.projection_store import ProjectionStore


def _observation_id(event: Event) -> str | None:
    payload = event.payload  # type: ignore[attr-defined]
    observation = getattr(payload, "observation", None)
    return observation.observation_id if observation is not None else getattr(payload, "observation_id", None)


def _key(event: Event) -> tuple[str, str] | None:
    """(pupil, observation) of an observation event; None for other events."""
    observation_id = _observation_id(event)
    return (event.payload.pupil_id, observation_id) if observation_id else None  # type: ignore[attr-defined]


class ProgressProjector:
    """The first consumer of observation events: per-pupil progress per area."""

    def __init__(self, store: ProjectionStore) -> None:
        self._store = store

    async def handle(self, events: Sequence[Event]) -> None:
        """Apply a batch of events (any types; those it does not need are ignored but recorded)."""
        async with self._store.transaction() as tx:
            fresh = await tx.claim(events)
            keys = [k for k in (_key(e) for e in fresh) if k]
            if not keys:
                return
            before = await tx.observations(keys)
            after: dict[str, ProjectedObservation] = {}
            for event in fresh:
                observation_id = _observation_id(event)
                if observation_id is None:
                    continue
                changed = projected(event, after.get(observation_id) or before.get(observation_id))
                if changed is not None:
                    after[observation_id] = changed
            if not after:
                return
            await tx.save_observations([o for i, o in after.items() if i not in before], [o for i, o in after.items() if i in before])
            progress = await tx.progress_of(sorted({o.pupil_id for o in after.values()}))
            recompute: set[str] = set()
            for observation_id, observation in after.items():
                updated, stale = apply_change(progress.get(observation.pupil_id), before.get(observation_id), observation)
                progress[observation.pupil_id] = updated
                if stale:
                    recompute.add(observation.pupil_id)
            if recompute:
                for pupil_id, observations in (await tx.observations_of(sorted(recompute))).items():
                    progress[pupil_id] = summarise(pupil_id, observations)
            await tx.save_progress(list(progress.values()))

    async def progress(self, by: Principal, pupil_id: str) -> PupilProgress:
        """A pupil's progress, for callers who may see the pupil."""
        found = await self._store.progress(pupil_id)
        if found is None or found.trust_id != by.trust_id:
            raise NotFound(f"no progress recorded for pupil {pupil_id}")
        if not by.can_read_pupil(found.trust_id, found.school_id, found.pupil_id):
            raise Forbidden("you may not see this pupil")
        return found
