"""The access log a SENCO or the trust's data protection officer can query: who did what with a
pupil's evidence, when, and for which purpose.

Entries name people by their token subject (an id) and files by evidence id. When a pupil's
evidence is erased, their entries go too; what stays is a record that an erasure happened, which
names the pupil only by a one-way reference the DPO can recompute from the pupil's id.
"""

from __future__ import annotations

import hashlib
from datetime import datetime
from typing import Literal, Protocol

from pydantic import AwareDatetime, BaseModel

from engagement_shared.auth.principal import Principal, Role
from engagement_shared.events.envelope import utcnow
from engagement_shared.events.evidence import Purpose

Action = Literal["upload", "view", "preview", "consent", "attach", "detach", "export", "erase_item", "erase_pupil", "retention"]


class AccessRecord(BaseModel):
    """One audited action on a pupil's evidence."""

    trust_id: str
    school_id: str
    pupil_id: str
    evidence_id: str | None
    action: Action
    purpose: Purpose | None
    by_subject: str
    by_role: Role
    at: AwareDatetime


class AboutPupil(Protocol):
    """Anything that says which trust, school and pupil it concerns (a pupil, an evidence item)."""

    trust_id: str
    school_id: str
    pupil_id: str


def access_record(by: Principal, about: AboutPupil, action: Action, purpose: Purpose | None, evidence_id: str | None = None,
                  at: datetime | None = None) -> AccessRecord:
    """What the caller did, with whose evidence, now (or ``at``)."""
    return AccessRecord(trust_id=about.trust_id, school_id=about.school_id, pupil_id=about.pupil_id, evidence_id=evidence_id, action=action,
                        purpose=purpose, by_subject=by.subject, by_role=by.role, at=at or utcnow())


class ErasureRecord(BaseModel):
    """Proof that an erasure happened, with nothing that identifies the pupil."""

    trust_id: str
    school_id: str
    pupil_reference: str
    scope: Literal["item", "pupil"]
    reason: str
    items_erased: int
    object_versions_removed: int
    by_subject: str
    by_role: Role
    at: AwareDatetime


def pupil_reference(trust_id: str, pupil_id: str) -> str:
    """A one-way reference to a pupil: a DPO who knows the id can find the erasure record, nobody can go back."""
    return hashlib.sha256(f"erasure|{trust_id}|{pupil_id}".encode()).hexdigest()
