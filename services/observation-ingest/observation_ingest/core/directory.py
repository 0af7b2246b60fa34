"""The trust directory: trusts, schools, classes, staff, pupils and EHC plan outcomes.

Pupils carry the personal details schools need for statutory returns; the facts other services
may know travel as ``PupilFacts`` without them.
"""

from __future__ import annotations

import re
from datetime import date
from typing import Annotated

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, field_validator

from engagement_shared.events.directory import OutcomeFacts, PupilFacts
from engagement_shared.events.vocabulary import AreaOfNeed, KeyStage, OutcomeTerm

UPN_PATTERN = re.compile(r"^[A-Z][0-9]{11}[0-9A-Z]$")


def normalise_upn(value: str) -> str:
    """Upper-case a unique pupil number and check its shape (13 characters)."""
    value = value.strip().upper()
    if not UPN_PATTERN.match(value):
        raise ValueError("must be a 13-character unique pupil number, e.g. A123456789012")
    return value


Upn = Annotated[str, AfterValidator(normalise_upn)]


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid")


class TrustInput(_Model):
    """A multi-academy trust's name."""

    name: str = Field(min_length=1, max_length=200)


class Trust(TrustInput):
    """A trust: the tenant of a deployment."""

    trust_id: str


class SchoolInput(_Model):
    """A school joining the trust's deployment."""

    name: str = Field(min_length=1, max_length=200)
    urn: str | None = Field(default=None, pattern=r"^\d{6,7}$", description="DfE unique reference number.")


class School(SchoolInput):
    """A school within a trust."""

    school_id: str
    trust_id: str


class ClassInput(_Model):
    """A class or teaching group."""

    name: str = Field(min_length=1, max_length=100)


class ClassGroup(ClassInput):
    """A class within a school."""

    class_id: str
    school_id: str
    trust_id: str


class StaffInput(_Model):
    """A member of staff or visiting professional who observes pupils."""

    display_name: str = Field(min_length=1, max_length=200)
    role: str = Field(min_length=1, max_length=60, description="e.g. teacher, teaching_assistant, therapist, senco")


class StaffMember(StaffInput):
    """A staff member of a school."""

    staff_id: str
    school_id: str
    trust_id: str


class PupilInput(_Model):
    """What a school records about a pupil when they join."""

    school_id: str
    first_name: str = Field(min_length=1, max_length=100)
    last_name: str = Field(min_length=1, max_length=100)
    date_of_birth: date
    upn: Upn | None = Field(default=None, description="Unique pupil number (13 characters).")
    mis_id: str | None = Field(default=None, max_length=64, description="The school MIS's own id, for re-imports.")
    class_id: str | None = None
    key_stage: KeyStage
    on_engagement_model: bool
    regressive_condition: bool = False

    @field_validator("date_of_birth")
    @classmethod
    def _plausible_birth(cls, value: date) -> date:
        if value > date.today() or value.year < 1990:
            raise ValueError("is not a plausible date of birth")
        return value


class PupilChanges(_Model):
    """Fields of a pupil that may change after registration."""

    first_name: str | None = Field(default=None, min_length=1, max_length=100)
    last_name: str | None = Field(default=None, min_length=1, max_length=100)
    upn: Upn | None = None
    class_id: str | None = None
    key_stage: KeyStage | None = None
    on_engagement_model: bool | None = None
    regressive_condition: bool | None = None


class Pupil(PupilInput):
    """A pupil on a school's roll."""

    pupil_id: str
    trust_id: str
    left_on: date | None = None

    def facts(self) -> PupilFacts:
        """What other services may know: no names, dates of birth or pupil numbers."""
        return PupilFacts(pupil_id=self.pupil_id, class_id=self.class_id, key_stage=self.key_stage,
                          on_engagement_model=self.on_engagement_model, regressive_condition=self.regressive_condition,
                          left_on=self.left_on)

    def on_roll(self, on: date) -> bool:
        """Whether the pupil was still at the school on a day."""
        return self.left_on is None or on <= self.left_on


class LeaveInput(_Model):
    """The day a pupil left the school."""

    left_on: date


class OutcomeInput(_Model):
    """An EHC plan outcome, or a medium/short-term target towards one."""

    area_of_need: AreaOfNeed
    term: OutcomeTerm
    description: str = Field(min_length=1, max_length=2000)
    target_date: date | None = None
    parent_outcome_id: str | None = None


class OutcomeChanges(_Model):
    """Fields of an outcome that may change at a review."""

    description: str | None = Field(default=None, min_length=1, max_length=2000)
    target_date: date | None = None
    achieved: bool | None = None


class Outcome(OutcomeInput):
    """An EHC plan outcome of a pupil."""

    outcome_id: str
    pupil_id: str
    school_id: str
    trust_id: str
    achieved: bool = False

    def facts(self) -> OutcomeFacts:
        """The outcome as other services see it."""
        return OutcomeFacts(outcome_id=self.outcome_id, pupil_id=self.pupil_id, area_of_need=self.area_of_need,
                            term=self.term, description=self.description, target_date=self.target_date,
                            parent_outcome_id=self.parent_outcome_id, achieved=self.achieved)
