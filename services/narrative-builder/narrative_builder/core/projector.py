"""Applies events to the projections exactly once per event.

The event ids claimed and every projection write share one transaction: a redelivered event is
skipped, and a crash before commit leaves nothing half-applied. Each pupil an event touches is
marked stale in the same transaction; :class:`~narrative_builder.core.profiles.ProfileService`
rebuilds stale profiles from the stored records, so a profile never misses a change.
"""

from __future__ import annotations

from collections.abc import Sequence

from engagement_shared.events.alerts import ProgressAlertRaised
from engagement_shared.events.directory import TrustConfigured
from engagement_shared.events.envelope import Event
from narrative_builder.core.directory_facts import apply_directory, directory_pupil
from narrative_builder.core.progress import apply_change, projected, summarise
from narrative_builder.core.records import ProjectedObservation, PupilRecord
from narrative_builder.ports.projection_store import ProjectionStore, ProjectionTransaction


def _observation_id(event: Event) -> str | None:
    payload = event.payload  # type: ignore[attr-defined]
    observation = getattr(payload, "observation", None)
    return observation.observation_id if observation is not None else getattr(payload, "observation_id", None)


def _key(event: Event) -> tuple[str, str] | None:
    """(pupil, observation) of an observation event; None for other events."""
    observation_id = _observation_id(event) if event.topic == "observations" else None
    return (event.payload.pupil_id, observation_id) if observation_id else None  # type: ignore[attr-defined]


class ProgressProjector:
    """The consumer of observation, directory and alert events."""

    def __init__(self, store: ProjectionStore) -> None:
        self._store = store

    async def handle(self, events: Sequence[Event]) -> None:
        """Apply a batch of events (any types; those it does not need are ignored but recorded)."""
        async with self._store.transaction() as tx:
            fresh = await tx.claim(events)
            stale = await self._observations(tx, fresh)
            stale |= await self._directory(tx, fresh)
            alerts = [(e, e.payload) for e in fresh if isinstance(e, ProgressAlertRaised)]
            if alerts:
                await tx.save_alerts(alerts)
            if stale:
                await tx.mark_stale(sorted(stale))

    @staticmethod
    async def _observations(tx: ProjectionTransaction, fresh: Sequence[Event]) -> set[str]:
        keys = [k for k in (_key(e) for e in fresh) if k]
        if not keys:
            return set()
        before = await tx.observations(keys)
        after: dict[str, ProjectedObservation] = {}
        for event in fresh:
            if _key(event) is None:
                continue
            observation_id = _observation_id(event)
            changed = projected(event, after.get(observation_id) or before.get(observation_id))  # type: ignore[arg-type]
            if changed is not None:
                after[observation_id] = changed  # type: ignore[index]
        if not after:
            return set()
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
        return set(progress)

    @staticmethod
    async def _directory(tx: ProjectionTransaction, fresh: Sequence[Event]) -> set[str]:
        touched: set[str] = set()
        pupil_ids = sorted({p for p in (directory_pupil(e) for e in fresh) if p})
        if pupil_ids:
            records: dict[str, PupilRecord] = await tx.pupils(pupil_ids)
            for event in fresh:
                pupil_id = directory_pupil(event)
                if pupil_id:
                    records[pupil_id] = apply_directory(records.get(pupil_id), event)
            await tx.save_pupils(list(records.values()))
            touched |= set(pupil_ids)
        for event in fresh:
            if isinstance(event, TrustConfigured):
                await tx.save_settings(event.payload)
                touched |= set(await tx.pupils_of_trust(event.payload.trust_id))
        return touched
