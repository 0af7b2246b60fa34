"""A pupil's progress profile: everything reports and staff screens say about progress, in words.

It is a pure function of the pupil's current observations, facts, outcomes and trust words
(:func:`narrative_builder.core.progress_rules.build_profile`), so a replay rebuilds it exactly and
no delivery order can change it. Counts here are of observations, for staff; no field is a score
of the pupil, and nothing compares one pupil with another.
"""

from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum

from pydantic import BaseModel, Field

from engagement_shared.events.directory import ProgressPeriod
from engagement_shared.events.vocabulary import Area, AreaOfNeed, OutcomeTerm, Quality


class ProgressKind(StrEnum):
    """The kinds of progress the guidance recognises, linear and lateral, and their absence."""

    FIRST_EVIDENCE = "first_evidence"        # the first period with evidence: the starting point
    NEW_SKILL = "new_skill"                  # more established than ever before (linear)
    GENERALISED = "generalised"              # a level already reached, now in new contexts (lateral)
    REDUCED_SUPPORT = "reduced_support"      # the same or more, with less help (lateral)
    CONSOLIDATED = "consolidated"            # the same level again, on more than one occasion (lateral)
    MAINTAINED = "maintained"                # held steady: an achievement for a regressive condition
    RECOVERED = "recovered"                  # back to an earlier level after a dip
    PLATEAU = "plateau"                      # unchanged for two periods, no lateral change either
    REGRESSION = "regression"                # less established than the period before


#: Kinds that count as new progress evidence (what a stall is the absence of).
PROGRESS_KINDS = frozenset({ProgressKind.NEW_SKILL, ProgressKind.GENERALISED, ProgressKind.REDUCED_SUPPORT,
                            ProgressKind.RECOVERED})


class Period(BaseModel):
    """A stretch of the school year progress is summarised over (half-terms unless the trust chose terms)."""

    period_id: str = Field(description="e.g. '2026-27-autumn-1'.")
    label: str = Field(description="Plain English, e.g. 'the first half of the autumn term 2026'.")
    starts: date
    ends: date


class TimelineEntry(BaseModel):
    """One judgement of one area, with the circumstances it was made in."""

    observation_id: str
    observed_at: datetime
    established: str
    support_level: str | None = None
    activity: str | None = None
    setting: str | None = None
    time_of_day: str | None = None
    adults: list[str] = Field(default_factory=list)
    communication_method: str | None = None
    evidence_ids: list[str] = Field(default_factory=list)


class Contexts(BaseModel):
    """Distinct circumstances a response has been seen in: the basis of generalisation."""

    settings: list[str] = Field(default_factory=list)
    times_of_day: list[str] = Field(default_factory=list)
    adults: list[str] = Field(default_factory=list)
    peers: list[str] = Field(default_factory=list)
    communication_methods: list[str] = Field(default_factory=list)

    def all(self) -> set[tuple[str, str]]:
        """Every (dimension, value) pair, for set arithmetic."""
        return {(name, v) for name, values in self.model_dump().items() for v in values}


class LateralDimensions(BaseModel):
    """Progress that is not "more established": independence, consistency, generalisation, accuracy."""

    independence: str | None = Field(default=None, description="The least support the highest level has been reached with.")
    typical_support: str | None = Field(default=None, description="The support most often given in the latest period.")
    consistency: bool = Field(default=False, description="The highest level seen on more than one occasion.")
    occasions_at_highest: int = 0
    contexts_at_highest: Contexts = Field(default_factory=Contexts, description="Where the highest level has been seen.")
    accuracy: Quality | None = Field(default=None, description="The most recent accuracy/fluency recorded.")


class Finding(BaseModel):
    """One kind of progress in one period, with the observations that show it."""

    kind: ProgressKind
    observation_ids: list[str]
    level: str | None = Field(default=None, description="The descriptor the finding is about, e.g. the new level.")
    previous_level: str | None = None
    support: str | None = None
    previous_support: str | None = None
    new_contexts: Contexts | None = None
    during_illness: bool = Field(default=False, description="Set on a regression when observers noted the pupil was unwell.")


class PeriodProgress(BaseModel):
    """What changed in one period, for one area or one EHC outcome."""

    period: Period
    observations: int
    typical_level: str | None = None
    highest_level: str | None = None
    typical_support: str | None = None
    findings: list[Finding]


class AreaProfile(BaseModel):
    """One area of engagement: how established over time, lateral dimensions, per-period progress."""

    area: Area
    observations: int = 0
    latest_established: str | None = None
    latest_observed_at: datetime | None = None
    latest_observation_id: str | None = None
    highest_level: str | None = None
    timeline: list[TimelineEntry] = Field(default_factory=list)
    lateral: LateralDimensions = Field(default_factory=LateralDimensions)
    periods: list[PeriodProgress] = Field(default_factory=list)


class OutcomeProgress(BaseModel):
    """Progress against one EHC plan outcome and its target date."""

    outcome_id: str
    description: str
    area_of_need: AreaOfNeed
    term: OutcomeTerm
    target_date: date | None = None
    achieved: bool = False
    observation_ids: list[str] = Field(default_factory=list)
    areas: list[Area] = Field(default_factory=list, description="Areas of engagement judged in its observations.")
    last_evidence_at: datetime | None = None
    last_progress_at: datetime | None = Field(default=None, description="The newest observation that showed new progress.")
    periods: list[PeriodProgress] = Field(default_factory=list)
    status: str = Field(description="achieved | progressing | consolidating | maintained | stalled | dipped | no_evidence, "
                                    "from the latest half-term with evidence")


class Factor(BaseModel):
    """Something associated with stronger engagement for this pupil (an activity, an adult, a time...)."""

    kind: str = Field(description="activity | provision | adult | time_of_day | setting | sensory | equipment")
    value: str
    occasions: int
    observation_ids: list[str]


class Baseline(BaseModel):
    """Where the pupil started: their highest-interest activities and first judgements."""

    activities: list[str] = Field(default_factory=list)
    first_levels: dict[Area, str] = Field(default_factory=dict)
    observation_ids: list[str] = Field(default_factory=list)


class PupilProfile(BaseModel):
    """Everything the projection knows about one pupil's progress."""

    pupil_id: str
    trust_id: str
    school_id: str
    class_id: str | None = None
    regressive_condition: bool = False
    observations: int = 0
    first_observed_at: datetime | None = None
    last_observed_at: datetime | None = None
    descriptor_scale: list[str]
    prompt_hierarchy: list[str]
    progress_period: ProgressPeriod = Field(default="half_term", description="What ``periods`` are: the trust's choice.")
    areas: dict[Area, AreaProfile]
    outcomes: list[OutcomeProgress] = Field(default_factory=list)
    baseline: Baseline = Field(default_factory=Baseline)
    what_works: list[Factor] = Field(default_factory=list)
