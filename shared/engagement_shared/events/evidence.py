"""Evidence events (photos, video, audio, documents), published by evidence-store.

Declared here now so apps and the other services can build against the contract before the
evidence-store service implements it.
"""

from __future__ import annotations

from typing import ClassVar, Literal

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field

from engagement_shared.events.envelope import Event


#: Purposes evidence may be used for; each needs its own recorded consent.
Purpose = Literal["internal_assessment", "share_with_parents", "cross_school_moderation", "exemplar_library"]


class EvidenceFacts(BaseModel):
    """An evidence item's identity and kind; never its file name or contents."""

    model_config = ConfigDict(extra="forbid")

    evidence_id: str
    pupil_id: str
    media_type: str = Field(max_length=100)
    size_bytes: int = Field(ge=0)
    sha256: str = Field(pattern=r"^[0-9a-f]{64}$")
    observation_ids: list[str] = Field(default_factory=list)


class EvidenceLink(BaseModel):
    """An evidence item attached to or detached from an observation."""

    model_config = ConfigDict(extra="forbid")

    evidence_id: str
    pupil_id: str
    observation_id: str


class ConsentChange(BaseModel):
    """Consent for one purpose given or withdrawn, and by whom (a role, not a name)."""

    model_config = ConfigDict(extra="forbid")

    pupil_id: str
    purpose: Purpose
    granted: bool
    given_by_role: str
    effective_at: AwareDatetime


class EvidenceErasure(BaseModel):
    """Evidence erased: one item, or everything about a pupil when ``evidence_id`` is empty."""

    model_config = ConfigDict(extra="forbid")

    pupil_id: str
    evidence_id: str | None = None


class EvidenceUploaded(Event):
    """A file was stored, checked and accepted as evidence."""

    topic: ClassVar[str] = "evidence"
    type: Literal["evidence.uploaded"] = "evidence.uploaded"
    schema_version: Literal[1] = 1
    payload: EvidenceFacts


class EvidenceAttached(Event):
    """Evidence now supports an observation."""

    topic: ClassVar[str] = "evidence"
    type: Literal["evidence.attached"] = "evidence.attached"
    schema_version: Literal[1] = 1
    payload: EvidenceLink


class EvidenceDetached(Event):
    """Evidence no longer supports an observation."""

    topic: ClassVar[str] = "evidence"
    type: Literal["evidence.detached"] = "evidence.detached"
    schema_version: Literal[1] = 1
    payload: EvidenceLink


class ConsentChanged(Event):
    """Consent for a purpose was given or withdrawn; access follows at once."""

    topic: ClassVar[str] = "evidence"
    type: Literal["evidence.consent_changed"] = "evidence.consent_changed"
    schema_version: Literal[1] = 1
    payload: ConsentChange


class EvidenceErased(Event):
    """Evidence was erased; every service drops its references."""

    topic: ClassVar[str] = "evidence"
    type: Literal["evidence.erased"] = "evidence.erased"
    schema_version: Literal[1] = 1
    payload: EvidenceErasure
