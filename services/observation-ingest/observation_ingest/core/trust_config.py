"""Per-trust configuration: the words a trust uses, with sensible defaults.

DfE defines no scale for "how established", so each trust chooses its descriptors (ordered,
never numbered), its prompt hierarchy and its context vocabularies; observations are checked
against them so reports speak one language across the trust's schools.
"""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field, model_validator

from engagement_shared.errors import Invalid
from engagement_shared.events.directory import ProgressPeriod
from engagement_shared.events.observations import ObservationContent
from engagement_shared.events.vocabulary import DEFAULT_DESCRIPTOR_SCALE

Vocabulary = list[str]


def _distinct(values: Vocabulary, field: str) -> None:
    if len({v.lower() for v in values}) != len(values):
        raise ValueError(f"{field} has repeated entries")


class TrustConfig(BaseModel):
    """A trust's descriptors and vocabularies; each list is ordered where order means something."""

    model_config = ConfigDict(extra="forbid")

    descriptor_scale: Vocabulary = Field(
        default_factory=lambda: list(DEFAULT_DESCRIPTOR_SCALE),
        min_length=2, max_length=12, description="How established an area is, least to most. Words, not numbers.")
    prompt_hierarchy: Vocabulary = Field(
        default_factory=lambda: ["fully_supported", "physical_prompt", "modelled", "gestural", "verbal", "independent"],
        min_length=2, max_length=12, description="Support levels, most support to independent.")
    settings: Vocabulary = Field(
        default_factory=lambda: ["classroom", "sensory_room", "hall", "dining_room", "outdoors", "hydrotherapy_pool",
                                 "soft_play", "community", "home"], min_length=1, max_length=60)
    times_of_day: Vocabulary = Field(
        default_factory=lambda: ["early_morning", "morning", "midday", "afternoon", "evening"], min_length=1, max_length=12)
    sensory_experiences: Vocabulary = Field(
        default_factory=lambda: ["visual", "auditory", "tactile", "olfactory", "gustatory", "vestibular", "proprioceptive"],
        min_length=1, max_length=30)
    observation_gap_days: int = Field(default=14, ge=1, le=120, description="Days without an observation before the SENCO is alerted.")
    target_warning_days: int = Field(default=42, ge=7, le=365,
                                     description="How long before an EHC target date the SENCO is alerted if its outcome shows no new progress.")
    progress_period: ProgressPeriod = Field(default="half_term", description="What progress is summarised over in profiles "
                                                                             "and reports: 'half_term' or 'term'.")

    @model_validator(mode="after")
    def _no_repeats(self) -> TrustConfig:
        for name in ("descriptor_scale", "prompt_hierarchy", "settings", "times_of_day", "sensory_experiences"):
            _distinct(getattr(self, name), name)
        return self

    def check(self, content: ObservationContent) -> None:
        """Raise Invalid, naming the field, for words outside the trust's vocabularies."""
        for i, judgement in enumerate(content.areas):
            self._require(judgement.established, self.descriptor_scale, f"areas.{i}.established")
        self._require(content.support_level, self.prompt_hierarchy, "support_level")
        self._require(content.context.setting, self.settings, "context.setting")
        self._require(content.context.time_of_day, self.times_of_day, "context.time_of_day")
        for i, sense in enumerate(content.context.sensory_experiences):
            self._require(sense, self.sensory_experiences, f"context.sensory_experiences.{i}")

    @staticmethod
    def _require(value: str | None, allowed: Vocabulary, field: str) -> None:
        if value is not None and value not in allowed:
            raise Invalid(f"{value!r} is not in the trust's list: {', '.join(allowed)}", field=field)
