"""Reports as stored and as requested: versions with who changed them and what the language checks
found, and the bodies staff send to draft, edit and finalise."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

from engagement_shared.auth.principal import Principal, Role
from narrative_builder.core.report_model import LanguageFinding, ReportContent, ReportKind

PUPIL_REPORTS = {ReportKind.PARENT, ReportKind.EHC_REVIEW}
Period = Field(min_length=1, max_length=80, description="How the report names its period, e.g. '2026 to 2027'.")


class DraftRequest(BaseModel):
    """Ask for a draft: a pupil report (parent, EHC review) or a governors summary (a school, or the
    whole trust when ``school_id`` is empty)."""

    model_config = ConfigDict(extra="forbid")

    kind: ReportKind
    period: str = Period
    pupil_id: str | None = Field(default=None, max_length=64)
    school_id: str | None = Field(default=None, max_length=64)
    child_name: str | None = Field(default=None, max_length=60, description="How the parent report names the child; 'your child' if empty.")

    @model_validator(mode="after")
    def _subject(self) -> DraftRequest:
        if self.kind in PUPIL_REPORTS and not self.pupil_id:
            raise ValueError("pupil_id: a parent or EHC review report is about one pupil")
        if self.kind is ReportKind.GOVERNORS and self.pupil_id:
            raise ValueError("pupil_id: a governors summary is never about one pupil")
        return self


class EditRequest(BaseModel):
    """A staff edit: the whole new wording, and the version it was made from (so two people editing
    at once do not silently overwrite each other)."""

    model_config = ConfigDict(extra="forbid")

    base_version: int = Field(ge=1)
    content: ReportContent
    note: str | None = Field(default=None, max_length=500)


class FinaliseRequest(BaseModel):
    """Finalise the version the person has read."""

    model_config = ConfigDict(extra="forbid")

    base_version: int = Field(ge=1)


class ReportVersion(BaseModel):
    """One version of a report and what the language checks found in it."""

    version: int
    change: Literal["drafted", "edited", "finalised"]
    by: str = Field(description="The staff member's id (never a name).")
    by_role: Role
    at: datetime
    note: str | None = None
    content: ReportContent
    findings: list[LanguageFinding] = Field(default_factory=list)


class Report(BaseModel):
    """A report and its history."""

    report_id: str
    kind: ReportKind
    trust_id: str
    school_id: str | None = None
    pupil_id: str | None = None
    period: str
    status: Literal["draft", "final"] = "draft"
    batch_id: str | None = None
    versions: list[ReportVersion]

    @property
    def current(self) -> ReportVersion:
        """The newest version: what an edit builds on and what is rendered by default."""
        return self.versions[-1]


class ReportSummary(BaseModel):
    """A report in a list: no content."""

    report_id: str
    kind: ReportKind
    school_id: str | None = None
    pupil_id: str | None = None
    period: str
    status: Literal["draft", "final"]
    version: int
    updated_at: datetime


class Failure(BaseModel):
    """A pupil the run could not draft for, and why (no personal data in the reason)."""

    pupil_id: str
    reason: str


class Batch(BaseModel):
    """A stored run."""

    batch_id: str
    trust_id: str
    kind: ReportKind
    period: str
    school_id: str | None = None
    class_id: str | None = None
    requested_by: str
    requested_role: Role
    requested_schools: list[str]
    pupil_ids: list[str]
    done: list[str] = Field(default_factory=list)
    failed: list[Failure] = Field(default_factory=list)
    status: Literal["running", "complete"] = "running"
    created_at: datetime
    finished_at: datetime | None = None

    def remaining(self) -> list[str]:
        """Pupils still to draft, in the run's order."""
        finished = set(self.done) | {f.pupil_id for f in self.failed}
        return [p for p in self.pupil_ids if p not in finished]

    def requester(self) -> Principal:
        """The person who asked, with the permissions they had when they asked."""
        return Principal(subject=self.requested_by, role=self.requested_role, trust_id=self.trust_id,
                         school_ids=frozenset(self.requested_schools))
