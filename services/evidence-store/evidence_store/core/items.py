"""Evidence items and upload sessions as the service keeps them.

An upload session is the resumable path: the client declares the file (size, type, sha256),
sends it in one or many requests, and the session remembers how much of it is safely stored.
An evidence item exists only once every byte was received, checked and accepted, so nothing
half-uploaded is ever visible as evidence.
"""

from __future__ import annotations

from typing import Literal

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field

from engagement_shared.auth.principal import Role
from evidence_store.core.content import Category

UploadStatus = Literal["receiving", "completing", "done", "aborted"]
PreviewStatus = Literal["none", "pending", "ready", "unavailable"]


class UploadRequest(BaseModel):
    """What a client declares before sending a file."""

    model_config = ConfigDict(extra="forbid")

    pupil_id: str = Field(min_length=1, max_length=100)
    media_type: str = Field(min_length=3, max_length=100, description="What the file is; checked against its content.")
    size_bytes: int = Field(ge=0, description="The file's exact size.")
    sha256: str = Field(pattern=r"^[0-9a-fA-F]{64}$", description="The file's SHA-256, checked when the last byte arrives.")
    observation_ids: list[str] = Field(default_factory=list, max_length=50, description="Observations this evidence supports.")


class UploadSession(BaseModel):
    """A file on its way in."""

    upload_id: str
    trust_id: str
    school_id: str
    pupil_id: str
    media_type: str
    size_bytes: int
    sha256: str
    observation_ids: list[str]
    uploaded_by: str
    uploaded_by_role: Role
    object_key: str
    s3_upload_id: str | None
    part_size: int
    parts: list[tuple[int, str]] = Field(default_factory=list)
    received_bytes: int = 0
    status: UploadStatus = "receiving"
    created_at: AwareDatetime
    expires_at: AwareDatetime
    evidence_id: str | None = None
    refusal: str | None = None


class EvidenceItem(BaseModel):
    """A stored, checked file that supports a pupil's observations."""

    evidence_id: str
    trust_id: str
    school_id: str
    pupil_id: str
    media_type: str
    category: Category
    size_bytes: int
    sha256: str = Field(description="SHA-256 of the file as uploaded (the key that makes the same file twice one item).")
    stored_sha256: str = Field(description="SHA-256 of what is stored, after location metadata was removed.")
    stored_size_bytes: int
    object_key: str
    preview_key: str | None = None
    preview: PreviewStatus = "none"
    observation_ids: list[str] = Field(default_factory=list)
    metadata_removed: list[str] = Field(default_factory=list)
    uploaded_by: str
    uploaded_by_role: Role
    uploaded_at: AwareDatetime


class EvidenceView(BaseModel):
    """An item as callers see it: no storage keys."""

    evidence_id: str
    pupil_id: str
    media_type: str
    category: Category
    size_bytes: int
    sha256: str
    observation_ids: list[str]
    metadata_removed: list[str]
    preview: PreviewStatus
    uploaded_by: str
    uploaded_at: AwareDatetime

    @classmethod
    def of(cls, item: EvidenceItem) -> EvidenceView:
        """The caller's view of a stored item."""
        return cls.model_validate(item.model_dump(include=set(cls.model_fields)))


class UploadView(BaseModel):
    """Where an upload stands: how many bytes are safely stored, and the evidence once complete."""

    upload_id: str
    status: UploadStatus
    size_bytes: int
    received_bytes: int = Field(description="Resume by sending the file from this byte on (header Upload-Offset).")
    part_size: int = Field(description="Send chunks whose length is a multiple of this, but for the last.")
    expires_at: AwareDatetime
    evidence: EvidenceView | None = None
    duplicate: bool = Field(default=False, description="True when this pupil already had this exact file: it is stored once.")

    @classmethod
    def of(cls, session: UploadSession, item: EvidenceItem | None = None, duplicate: bool = False) -> UploadView:
        """The client's view of a session."""
        return cls(upload_id=session.upload_id, status=session.status, size_bytes=session.size_bytes, received_bytes=session.received_bytes,
                   part_size=session.part_size, expires_at=session.expires_at, evidence=EvidenceView.of(item) if item else None,
                   duplicate=duplicate)
