"""Trust directory events: pupils and their EHC plan outcomes.

They deliberately carry no names or dates of birth: consumers need a pupil's school, key stage
and circumstances, never who the child is, so identifiers stay in observation-ingest.
"""

from __future__ import annotations

from datetime import date
from typing import ClassVar, Literal

from pydantic import BaseModel, ConfigDict, Field

from engagement_shared.events.envelope import Event
from engagement_shared.events.vocabulary import AreaOfNeed, KeyStage, OutcomeTerm


class PupilFacts(BaseModel):
    """What other services may know about a pupil: no direct identifiers."""

    model_config = ConfigDict(extra="forbid")

    pupil_id: str
    class_id: str | None = None
    key_stage: KeyStage
    on_engagement_model: bool
    regressive_condition: bool
    left_on: date | None = None


class OutcomeFacts(BaseModel):
    """One EHC plan outcome or target, with its area of need and target date."""

    model_config = ConfigDict(extra="forbid")

    outcome_id: str
    pupil_id: str
    area_of_need: AreaOfNeed
    term: OutcomeTerm
    description: str = Field(max_length=2000)
    target_date: date | None = None
    parent_outcome_id: str | None = None
    achieved: bool = False


class PupilRegistered(Event):
    """A pupil joined a school's roll on the platform."""

    topic: ClassVar[str] = "directory"
    type: Literal["pupil.registered"] = "pupil.registered"
    schema_version: Literal[1] = 1
    payload: PupilFacts


class PupilUpdated(Event):
    """A pupil's facts changed (class, key stage, engagement model, regressive condition)."""

    topic: ClassVar[str] = "directory"
    type: Literal["pupil.updated"] = "pupil.updated"
    schema_version: Literal[1] = 1
    payload: PupilFacts


class PupilLeft(Event):
    """A pupil left the school; retention clocks start from ``left_on``."""

    topic: ClassVar[str] = "directory"
    type: Literal["pupil.left"] = "pupil.left"
    schema_version: Literal[1] = 1
    payload: PupilFacts


class EhcOutcomeSet(Event):
    """An EHC plan outcome or target was added for a pupil."""

    topic: ClassVar[str] = "directory"
    type: Literal["ehc_outcome.set"] = "ehc_outcome.set"
    schema_version: Literal[1] = 1
    payload: OutcomeFacts


class EhcOutcomeUpdated(Event):
    """An EHC plan outcome changed (wording, target date, achieved)."""

    topic: ClassVar[str] = "directory"
    type: Literal["ehc_outcome.updated"] = "ehc_outcome.updated"
    schema_version: Literal[1] = 1
    payload: OutcomeFacts


ProgressPeriod = Literal["half_term", "term"]


class TrustSettings(BaseModel):
    """The parts of a trust's configuration other services reason with: the order of its words, how
    often its pupils should be observed and over what stretches their progress is told
    (observation-ingest keeps the rest)."""

    model_config = ConfigDict(extra="forbid")

    trust_id: str
    descriptor_scale: list[str] = Field(min_length=2, description="How established an area is, least to most.")
    prompt_hierarchy: list[str] = Field(min_length=2, description="Support levels, most support to independent.")
    observation_gap_days: int = Field(ge=1, description="Days without an observation before the SENCO is alerted.")
    target_warning_days: int = Field(default=42, ge=1, description="How long before an EHC target date a stall is flagged.")
    progress_period: ProgressPeriod = Field(default="half_term", description="The stretch of the school year progress is "
                                                                             "summarised over: half-terms or whole terms.")


class TrustConfigured(Event):
    """A trust saved its configuration; projections re-read progress in its words."""

    topic: ClassVar[str] = "directory"
    key_field: ClassVar[str] = "trust_id"
    type: Literal["trust.configured"] = "trust.configured"
    schema_version: Literal[1] = 1
    payload: TrustSettings
