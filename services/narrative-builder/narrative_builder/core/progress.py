"""A pupil's running summary per area of engagement (counts, latest judgement), folded from observation events.

The summary is cheap to keep exactly in step with every event; the full profile
(:mod:`narrative_builder.core.progress_rules`) is rebuilt from the same observations.

Each observation is kept at its newest version only (events may arrive twice or out of order).
A pupil's summary is updated by the difference each observation's change makes; when the change
removes the latest judgement of an area, the summary is recomputed from the pupil's observations,
so the projection equals :func:`summarise` whatever the delivery order and however often an
event is replayed.
"""

from __future__ import annotations

from datetime import UTC, datetime

from pydantic import BaseModel, Field

from engagement_shared.events.envelope import Event
from engagement_shared.events.observations import ObservationAmended, ObservationRecorded, ObservationWithdrawn
from engagement_shared.events.vocabulary import Area
from narrative_builder.core.records import ProjectedObservation


class AreaProgress(BaseModel):
    """One area: how many observations judged it, and the most recent judgement."""

    observations: int = 0
    latest_established: str | None = None
    latest_observed_at: datetime | None = None
    latest_observation_id: str | None = None


class PupilProgress(BaseModel):
    """The projection's view of one pupil."""

    pupil_id: str
    trust_id: str
    school_id: str
    observations: int
    areas: dict[Area, AreaProgress]


def projected(event: Event, current: ProjectedObservation | None) -> ProjectedObservation | None:
    """The observation after this event, or None if the event is older than what is held."""
    if isinstance(event, (ObservationRecorded, ObservationAmended)):
        candidate = ProjectedObservation.of(event.trust_id, event.payload.observation)
    elif isinstance(event, ObservationWithdrawn):
        p = event.payload
        base = current.model_dump() if current else {"observation_id": p.observation_id, "pupil_id": p.pupil_id,
                                                      "trust_id": event.trust_id, "school_id": event.school_id}
        candidate = ProjectedObservation(**{**base, "version": p.version, "withdrawn": True})
    else:
        return None
    if current is not None and current.version >= candidate.version:
        return None
    return candidate


def summarise(pupil_id: str, observations: list[ProjectedObservation]) -> PupilProgress:
    """Recompute a pupil's progress from their current observations (withdrawn ones excluded)."""
    counted = sorted((o for o in observations if not o.withdrawn and o.observed_at), key=lambda o: (o.observed_at, o.observation_id))
    areas = {area: AreaProgress() for area in Area}
    for o in counted:
        for area, established in o.areas.items():
            progress = areas[area]
            progress.observations += 1
            progress.latest_established = established
            progress.latest_observed_at = o.observed_at
            progress.latest_observation_id = o.observation_id
    anchor = observations[-1]
    return PupilProgress(pupil_id=pupil_id, trust_id=anchor.trust_id, school_id=anchor.school_id,
                         observations=len(counted), areas=areas)


def counts(observation: ProjectedObservation | None) -> bool:
    """Whether an observation counts as evidence: known, dated and not withdrawn."""
    return observation is not None and not observation.withdrawn and observation.observed_at is not None


def _order(observation_id: str | None, observed_at: datetime | None) -> tuple[datetime, str]:
    return observed_at or datetime.min.replace(tzinfo=UTC), observation_id or ""


def apply_change(progress: PupilProgress | None, before: ProjectedObservation | None, after: ProjectedObservation) -> tuple[PupilProgress, bool]:
    """A pupil's summary after one observation changed from ``before`` to ``after``.

    Returns the summary and whether it must be recomputed (a latest judgement was taken away).
    """
    if progress is None:
        progress = PupilProgress(pupil_id=after.pupil_id, trust_id=after.trust_id, school_id=after.school_id,
                                 observations=0, areas={area: AreaProgress() for area in Area})
    stale: set[Area] = set()
    if counts(before):
        progress.observations -= 1
        for area in before.areas:  # type: ignore[union-attr]
            progress.areas[area].observations -= 1
            if progress.areas[area].latest_observation_id == before.observation_id:  # type: ignore[union-attr]
                stale.add(area)
    if counts(after):
        progress.observations += 1
        for area, established in after.areas.items():
            held = progress.areas[area]
            held.observations += 1
            if _order(after.observation_id, after.observed_at) >= _order(held.latest_observation_id, held.latest_observed_at):
                held.latest_established, held.latest_observed_at, held.latest_observation_id = established, after.observed_at, after.observation_id
                stale.discard(area)
    return progress, bool(stale)
