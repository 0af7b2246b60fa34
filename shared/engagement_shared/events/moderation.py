"""Moderation events, published by the moderation service.

An agreed change of judgement travels back to observation-ingest as
``moderation.amendment_requested``, so the observation store stays the one system of record.
"""

from __future__ import annotations

from typing import ClassVar, Literal

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field

from engagement_shared.events.envelope import Event
from engagement_shared.events.observations import AreaJudgement


class RoundFacts(BaseModel):
    """A moderation round: internal to a school or across schools of a trust."""

    model_config = ConfigDict(extra="forbid")

    round_id: str
    scope: Literal["internal", "cross_school"]
    opens_at: AwareDatetime
    deadline: AwareDatetime
    moderator_ids: list[str]
    sample_size: int = Field(ge=1)
    seed: int


class RoundItemDue(BaseModel):
    """A reminder or overdue notice for one moderator's item in a round."""

    model_config = ConfigDict(extra="forbid")

    round_id: str
    item_id: str
    moderator_id: str
    overdue: bool


class AgreedJudgement(BaseModel):
    """The judgement moderators agreed for an observation, and why."""

    model_config = ConfigDict(extra="forbid")

    round_id: str
    observation_id: str
    pupil_id: str
    areas: list[AreaJudgement]
    rationale: str = Field(max_length=4000)
    differs_from_original: bool


class ModerationRoundScheduled(Event):
    """A round was scheduled; ``key_field`` is the round because rounds span pupils."""

    topic: ClassVar[str] = "moderation"
    key_field: ClassVar[str] = "round_id"
    type: Literal["moderation.round_scheduled"] = "moderation.round_scheduled"
    schema_version: Literal[1] = 1
    payload: RoundFacts


class ModerationItemDue(Event):
    """An item is due soon or overdue for a moderator."""

    topic: ClassVar[str] = "moderation"
    key_field: ClassVar[str] = "round_id"
    type: Literal["moderation.item_due"] = "moderation.item_due"
    schema_version: Literal[1] = 1
    payload: RoundItemDue


class ModerationJudgementAgreed(Event):
    """Moderators agreed a judgement for an observation."""

    topic: ClassVar[str] = "moderation"
    type: Literal["moderation.judgement_agreed"] = "moderation.judgement_agreed"
    schema_version: Literal[1] = 1
    payload: AgreedJudgement


class ModerationAmendmentRequested(Event):
    """An agreed judgement differs from the original: observation-ingest amends the observation."""

    topic: ClassVar[str] = "moderation"
    type: Literal["moderation.amendment_requested"] = "moderation.amendment_requested"
    schema_version: Literal[1] = 1
    payload: AgreedJudgement
