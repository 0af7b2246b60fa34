"""Observation events: what an observer saw, in the terms the guidance asks them to record.

``ObservationContent`` is both the public API body and the event payload's content, so an app
that builds against the JSON Schema builds against the API too.
"""

from __future__ import annotations

from datetime import datetime
from typing import ClassVar, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator

from engagement_shared.events.envelope import Event
from engagement_shared.events.vocabulary import Area, ContributorRole, Quality, SubtleResponse

Text = Field(max_length=4000)


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class AreaJudgement(_Strict):
    """How established one area of engagement was, in a descriptor of the trust's scale."""

    area: Area
    established: str = Field(min_length=1, max_length=60, description="A descriptor from the trust's scale, e.g. 'developing'.")
    note: str | None = Field(default=None, max_length=2000)


class ObservationContext(_Strict):
    """The circumstances of a response; generalisation is judged across these."""

    setting: str | None = Field(default=None, max_length=80, description="From the trust's settings vocabulary.")
    time_of_day: str | None = Field(default=None, max_length=40, description="From the trust's times-of-day vocabulary.")
    adults: list[str] = Field(default_factory=list, max_length=20, description="Roles or staff ids of adults present.")
    peers: list[str] = Field(default_factory=list, max_length=40, description="Peers present (ids or descriptions).")
    favourite_equipment: str | None = Field(default=None, max_length=200)
    sensory_experiences: list[str] = Field(default_factory=list, max_length=10, description="From the trust's sensory vocabulary.")
    communication_method: str | None = Field(default=None, max_length=120)
    mood: str | None = Field(default=None, max_length=200)
    health: str | None = Field(default=None, max_length=200)
    sleep: str | None = Field(default=None, max_length=200)


class ProvisionUse(_Strict):
    """A special educational provision or adaptation used, and the effect staff saw."""

    description: str = Field(min_length=1, max_length=500)
    effect: str | None = Field(default=None, max_length=1000)


class Contributor(_Strict):
    """Someone who contributed to the observation beyond the observer."""

    role: ContributorRole
    person_id: str | None = Field(default=None, max_length=64)


class ObservationContent(_Strict):
    """Everything an observer records about one episode of a pupil's engagement."""

    pupil_id: str = Field(min_length=1, max_length=64)
    observed_at: datetime
    areas: list[AreaJudgement] = Field(min_length=1, max_length=5)
    activity: str = Field(min_length=1, max_length=500, description="The activity or stimulus.")
    context: ObservationContext = Field(default_factory=ObservationContext)
    subtle_responses: list[SubtleResponse] = Field(default_factory=list)
    support_level: str | None = Field(default=None, max_length=60, description="From the trust's prompt hierarchy.")
    accuracy: Quality | None = None
    confidence: Quality | None = None
    consistency: Quality | None = None
    intentional: bool = Field(description="The observer confirms the response was intentional, not reflexive.")
    caused_by_stimulus: bool = Field(description="The observer confirms the stimulus caused the response.")
    provision: list[ProvisionUse] = Field(default_factory=list, max_length=20)
    baseline: bool = Field(default=False, description="Recorded during the pupil's highest-interest activity.")
    ehc_outcome_ids: list[str] = Field(default_factory=list, max_length=20)
    contributors: list[Contributor] = Field(default_factory=list, max_length=20)
    notes: str | None = Field(default=None, max_length=4000)
    evidence_ids: list[str] = Field(default_factory=list, max_length=50)

    @field_validator("observed_at")
    @classmethod
    def _aware(cls, value: datetime) -> datetime:
        if value.tzinfo is None:
            raise ValueError("must include a timezone, e.g. 2026-11-03T10:15:00Z")
        return value

    @field_validator("areas")
    @classmethod
    def _distinct_areas(cls, value: list[AreaJudgement]) -> list[AreaJudgement]:
        names = [judgement.area for judgement in value]
        if len(set(names)) != len(names):
            raise ValueError("each area may be judged once per observation")
        return value


class RecordedObservation(ObservationContent):
    """An observation as the platform holds it: content plus identity, observer and version."""

    observation_id: str
    school_id: str
    observer_id: str
    observer_role: str
    version: int = Field(ge=1)


class ObservationRecordedPayload(_Strict):
    """Payload of ``observation.recorded`` and ``observation.amended``."""

    observation: RecordedObservation
    pupil_id: str
    reason: str | None = None


class ObservationWithdrawnPayload(_Strict):
    """Payload of ``observation.withdrawn``: the observation no longer counts as evidence."""

    observation_id: str
    pupil_id: str
    version: int
    reason: str


class ObservationRecorded(Event):
    """A new observation was accepted."""

    topic: ClassVar[str] = "observations"
    type: Literal["observation.recorded"] = "observation.recorded"
    schema_version: Literal[1] = 1
    payload: ObservationRecordedPayload


class ObservationAmended(Event):
    """An observation's content changed; carries the whole new version."""

    topic: ClassVar[str] = "observations"
    type: Literal["observation.amended"] = "observation.amended"
    schema_version: Literal[1] = 1
    payload: ObservationRecordedPayload


class ObservationWithdrawn(Event):
    """An observation was withdrawn (kept for audit, excluded from progress)."""

    topic: ClassVar[str] = "observations"
    type: Literal["observation.withdrawn"] = "observation.withdrawn"
    schema_version: Literal[1] = 1
    payload: ObservationWithdrawnPayload
