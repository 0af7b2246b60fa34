"""Consent per pupil and purpose: evidence is used only for purposes someone with the right to
decide has agreed to, and withdrawing consent takes effect at once.

Video and photographs of a pupil need parental and legal permission (Data Protection Act 2018,
UK GDPR). Each purpose is decided separately, and every decision is kept with who recorded it,
on whose behalf and when, so a school can show its basis for any use of a file.
"""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field

from engagement_shared.auth.principal import Principal, Role
from engagement_shared.events.evidence import Purpose

#: Who gave (or withdrew) consent; the platform records the role, never a name.
GivenBy = Literal["parent_or_carer", "pupil", "local_authority", "school_legal_basis"]
#: The consent an upload needs: keeping the file at all, for the pupil's own assessment.
UPLOAD_PURPOSE: Purpose = "internal_assessment"
PURPOSES: tuple[Purpose, ...] = ("internal_assessment", "share_with_parents", "cross_school_moderation", "exemplar_library")


class ConsentRequest(BaseModel):
    """A consent decision as a person records it."""

    model_config = ConfigDict(extra="forbid")

    granted: bool
    given_by: GivenBy = Field(description="On whose authority: a parent or carer, the pupil, the local authority, or the school's legal basis.")
    note: str | None = Field(default=None, max_length=500, description="E.g. where the signed form is kept. No names, please.")


class ConsentDecision(BaseModel):
    """One decision, as stored and audited."""

    pupil_id: str
    purpose: Purpose
    granted: bool
    given_by: GivenBy
    note: str | None = None
    recorded_by: str
    recorded_by_role: Role
    effective_at: AwareDatetime


class ConsentState(BaseModel):
    """A pupil's current consent per purpose (absent means never given), with the history behind it."""

    pupil_id: str
    current: dict[Purpose, bool]
    history: list[ConsentDecision]


def state_of(pupil_id: str, history: list[ConsentDecision]) -> ConsentState:
    """The current decision per purpose is the latest one recorded."""
    ordered = sorted(history, key=lambda d: d.effective_at)
    return ConsentState(pupil_id=pupil_id, current={d.purpose: d.granted for d in ordered}, history=ordered)


def may_record(by: Principal, trust_id: str, school_id: str, pupil_id: str) -> bool:
    """The trust admin, the school's SENCO (recording a form), or the pupil's own parent or carer."""
    if by.role == Role.PARENT:
        return by.trust_id == trust_id and pupil_id in by.pupil_ids
    return by.can_manage_school(trust_id, school_id)


def decision(by: Principal, pupil_id: str, purpose: Purpose, request: ConsentRequest, at: datetime) -> ConsentDecision:
    """The stored form of a request; a parent's own decision is always theirs."""
    given_by = "parent_or_carer" if by.role == Role.PARENT else request.given_by
    return ConsentDecision(pupil_id=pupil_id, purpose=purpose, granted=request.granted, given_by=given_by, note=request.note,
                           recorded_by=by.subject, recorded_by_role=by.role, effective_at=at)
