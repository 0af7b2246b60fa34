"""What narrative-builder keeps from other services' events: each observation at its newest
version, each pupil's facts and EHC outcomes, and each trust's words.

Kept apart from the rules that read them, so the same records feed the live projection, a
rebuild and the reports, and nothing personal beyond the pupil's id is held.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from pydantic import BaseModel, Field, field_validator

from engagement_shared.events.directory import OutcomeFacts, TrustSettings
from engagement_shared.events.observations import RecordedObservation
from engagement_shared.events.vocabulary import DEFAULT_DESCRIPTOR_SCALE, Area, KeyStage, Quality

DEFAULT_PROMPT_HIERARCHY = ("fully_supported", "physical_prompt", "modelled", "gestural", "verbal", "independent")


class ObservationContextRecord(BaseModel):
    """The circumstances generalisation and "what works" are judged across (no free text about health)."""

    setting: str | None = None
    time_of_day: str | None = None
    adults: list[str] = Field(default_factory=list)
    peers: list[str] = Field(default_factory=list)
    communication_method: str | None = None
    sensory_experiences: list[str] = Field(default_factory=list)
    favourite_equipment: str | None = None
    unwell: bool = Field(default=False, description="The observer noted the pupil's health; the note itself is not kept.")


class ProjectedObservation(BaseModel):
    """One observation at its newest version, as the projections need it."""

    observation_id: str
    pupil_id: str
    trust_id: str
    school_id: str
    version: int
    observed_at: datetime | None = None
    areas: dict[Area, str] = Field(default_factory=dict)
    withdrawn: bool = False
    activity: str | None = None
    context: ObservationContextRecord = Field(default_factory=ObservationContextRecord)
    support_level: str | None = None
    accuracy: Quality | None = None
    consistency: Quality | None = None
    provision: list[str] = Field(default_factory=list)
    baseline: bool = False
    ehc_outcome_ids: list[str] = Field(default_factory=list)
    evidence_ids: list[str] = Field(default_factory=list)

    @field_validator("observed_at")
    @classmethod
    def _milliseconds(cls, value: datetime | None) -> datetime | None:
        """MongoDB keeps milliseconds: cut the rest at once, so a value compared straight from an
        event and the same value read back from the database are equal (live == replayed)."""
        return value.replace(microsecond=value.microsecond // 1000 * 1000) if value else value

    @classmethod
    def of(cls, trust_id: str, o: RecordedObservation) -> ProjectedObservation:
        """The projection's copy of a recorded or amended observation."""
        c = o.context
        return cls(observation_id=o.observation_id, pupil_id=o.pupil_id, trust_id=trust_id, school_id=o.school_id,
                   version=o.version, observed_at=o.observed_at, areas={j.area: j.established for j in o.areas},
                   activity=o.activity,
                   context=ObservationContextRecord(setting=c.setting, time_of_day=c.time_of_day, adults=c.adults, peers=c.peers,
                                                    communication_method=c.communication_method,
                                                    sensory_experiences=c.sensory_experiences,
                                                    favourite_equipment=c.favourite_equipment, unwell=bool(c.health)),
                   support_level=o.support_level, accuracy=o.accuracy, consistency=o.consistency,
                   provision=[p.description for p in o.provision], baseline=o.baseline,
                   ehc_outcome_ids=list(o.ehc_outcome_ids), evidence_ids=list(o.evidence_ids))

    @property
    def counts(self) -> bool:
        """Whether it counts as evidence: dated and not withdrawn."""
        return not self.withdrawn and self.observed_at is not None


class PupilRecord(BaseModel):
    """A pupil's facts from the directory, and their EHC outcomes by id."""

    pupil_id: str
    trust_id: str
    school_id: str
    class_id: str | None = None
    key_stage: KeyStage | None = None
    on_engagement_model: bool = True
    regressive_condition: bool = False
    left_on: date | None = None
    outcomes: dict[str, OutcomeFacts] = Field(default_factory=dict)


def default_settings(trust_id: str) -> TrustSettings:
    """The words a trust uses until it saves its own (the same defaults observation-ingest applies)."""
    return TrustSettings(trust_id=trust_id, descriptor_scale=list(DEFAULT_DESCRIPTOR_SCALE),
                         prompt_hierarchy=list(DEFAULT_PROMPT_HIERARCHY), observation_gap_days=14)


@dataclass
class ProfileInputs:
    """Everything one pupil's profile is built from, read together; ``revision`` says which change
    the read saw, so a profile built from it is only marked fresh if nothing changed since."""

    pupil_id: str
    revision: int
    observations: list[ProjectedObservation]
    pupil: PupilRecord | None
    settings: TrustSettings | None
