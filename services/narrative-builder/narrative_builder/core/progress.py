"""A pupil's progress per area of engagement, folded from observation events.

Each observation is kept at its newest version only (events may arrive twice or out of order),
and the per-area summary is recomputed from those, so the projection is the same whatever the
delivery order and however often an event is replayed.
"""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, Field

from engagement_shared.events.envelope import Event
from engagement_shared.events.observations import ObservationAmended, ObservationRecorded, ObservationWithdrawn
from engagement_shared.events.vocabulary import Area


class ProjectedObservation(BaseModel):
    """What the projection keeps of one observation: enough to summarise, nothing personal."""

    observation_id: str
    pupil_id: str
    trust_id: str
    school_id: str
    version: int
    observed_at: datetime | None = None
    areas: dict[Area, str] = Field(default_factory=dict)
    withdrawn: bool = False


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
        o = event.payload.observation
        candidate = ProjectedObservation(observation_id=o.observation_id, pupil_id=o.pupil_id, trust_id=event.trust_id,
                                         school_id=o.school_id, version=o.version, observed_at=o.observed_at,
                                         areas={j.area: j.established for j in o.areas})
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
