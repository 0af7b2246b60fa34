"""Moderation rounds and their items: the blind second judgement, then the agreed one.

An item's original judgement stays hidden from its moderator until the moderator has recorded
their own; only then is it revealed and the two discussed. The agreed judgement and rationale
are kept, and a changed judgement goes back to the observation store as an amendment.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Literal

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field, model_validator

from engagement_shared.errors import Conflict, Invalid
from engagement_shared.events.observations import AreaJudgement
from engagement_shared.events.vocabulary import DEFAULT_DESCRIPTOR_SCALE
from moderation.core.assignment import Moderator
from moderation.core.sampling import SamplingPlan, StratumDimension

Scope = Literal["internal", "cross_school"]
ItemStatus = Literal["awaiting_judgement", "judged", "agreed"]
TRUST_WIDE_SCHOOL = "*"


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class RoundRequest(_Strict):
    """What a trust or school asks for when it schedules a round."""

    title: str = Field(min_length=1, max_length=200)
    scope: Scope
    school_id: str | None = Field(default=None, description="The school, for an internal round.")
    school_ids: list[str] = Field(default_factory=list, description="Schools taking part in a cross-school round; empty means all.")
    moderators: list[Moderator] = Field(min_length=1, max_length=200)
    opens_at: AwareDatetime
    deadline: AwareDatetime
    observed_from: date = Field(description="Observations recorded on or after this day are sampled.")
    observed_to: date = Field(description="…and on or before this day.")
    sample_size: int = Field(ge=1, le=5000)
    seed: int | None = Field(default=None, ge=0, le=2**62, description="Chosen at random if not given; recorded either way.")
    strata_by: list[StratumDimension] = Field(default_factory=lambda: ["school", "area"], min_length=1, max_length=4)
    descriptor_scale: list[str] = Field(default_factory=lambda: list(DEFAULT_DESCRIPTOR_SCALE), min_length=2, max_length=12,
                                        description="The trust's ordered 'how established' descriptors, least to most.")

    @model_validator(mode="after")
    def _consistent(self) -> RoundRequest:
        if self.deadline <= self.opens_at:
            raise ValueError("deadline must be after opens_at")
        if self.observed_to < self.observed_from:
            raise ValueError("observed_to must not be before observed_from")
        if self.scope == "internal" and not self.school_id:
            raise ValueError("school_id is required for an internal round")
        if len(set(self.strata_by)) != len(self.strata_by):
            raise ValueError("strata_by has repeated entries")
        if len({m.staff_id for m in self.moderators}) != len(self.moderators):
            raise ValueError("moderators has repeated staff")
        return self


class RoundAction(_Strict):
    """An action the moderators agreed, e.g. training on a descriptor where they disagreed."""

    text: str = Field(min_length=3, max_length=2000)


class Round(_Strict):
    """A scheduled round, with the plan that drew its sample."""

    round_id: str
    trust_id: str
    request: RoundRequest
    seed: int
    plan: SamplingPlan
    scheduled_by: str
    scheduled_at: datetime
    actions: list[RoundAction] = Field(default_factory=list)
    pseudonym_secret: str = Field(exclude=True, repr=False, description="Keys the round's pupil pseudonyms; never shown.")


class BlindJudgement(_Strict):
    """A moderator's own judgement, recorded before the original is revealed."""

    areas: list[AreaJudgement] = Field(min_length=1, max_length=5)
    note: str | None = Field(default=None, max_length=4000)


class AgreementRecord(_Strict):
    """The judgement moderators agreed after discussion, and why."""

    areas: list[AreaJudgement] = Field(min_length=1, max_length=5)
    rationale: str = Field(min_length=3, max_length=4000)


class Item(_Strict):
    """One sampled observation in a round, assigned to one moderator."""

    item_id: str
    round_id: str
    trust_id: str
    scope: Scope
    observation_id: str
    pupil_id: str
    school_id: str
    observer_id: str
    moderator_id: str
    moderator_school_id: str | None
    deadline: datetime
    original: list[AreaJudgement]
    snapshot: dict[str, object] = Field(description="The observation as sampled, so the moderator judges what was sampled.")
    status: ItemStatus = "awaiting_judgement"
    blind: BlindJudgement | None = None
    judged_at: datetime | None = None
    agreed: AgreementRecord | None = None
    agreed_by: str | None = None
    agreed_at: datetime | None = None
    differs_from_original: bool | None = None
    reminded: bool = False
    overdue_notified: bool = False


def _check_areas(areas: list[AreaJudgement], expected: list[AreaJudgement], scale: list[str], field: str) -> None:
    if sorted(a.area for a in areas) != sorted(a.area for a in expected):
        raise Invalid(f"must judge exactly the areas observed: {', '.join(sorted(a.area for a in expected))}", field=field)
    for i, judgement in enumerate(areas):
        if judgement.established not in scale:
            raise Invalid(f"{judgement.established!r} is not in the round's scale: {', '.join(scale)}", field=f"{field}.{i}.established")


def record_blind(item: Item, judgement: BlindJudgement, scale: list[str], now: datetime) -> Item:
    """The moderator's own judgement; only once, and before anything is revealed."""
    if item.status != "awaiting_judgement":
        raise Conflict("this item's blind judgement is already recorded")
    _check_areas(judgement.areas, item.original, scale, "areas")
    return item.model_copy(update={"blind": judgement, "judged_at": now, "status": "judged"})


def record_agreement(item: Item, agreed: AgreementRecord, scale: list[str], by: str, now: datetime) -> Item:
    """The agreed judgement, after the blind one; it is final."""
    if item.status == "awaiting_judgement":
        raise Conflict("the moderator's blind judgement comes first")
    if item.status == "agreed":
        raise Conflict("this item's agreed judgement is already recorded")
    _check_areas(agreed.areas, item.original, scale, "areas")
    original = {a.area: a.established for a in item.original}
    differs = any(original[a.area] != a.established for a in agreed.areas)
    return item.model_copy(update={"agreed": agreed, "agreed_by": by, "agreed_at": now, "status": "agreed", "differs_from_original": differs})
