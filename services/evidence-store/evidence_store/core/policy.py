"""A trust's evidence policy: which kinds of file it accepts, how large, and how long it keeps them.

Storage cost is one of schools' top complaints about evidence apps, and retention is a legal
duty, so both are the trust's decision; the defaults suit a special school that records video.
"""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field, model_validator

from evidence_store.core.content import DEFAULT_ALLOWED, Category, ContentInspector

MIB = 1 << 20
DEFAULT_MAX_BYTES: dict[str, int] = {"image": 30 * MIB, "video": 4096 * MIB, "audio": 500 * MIB, "document": 50 * MIB}


def category_of(media_type: str) -> Category:
    """The broad kind of a media type, which sets its size limit."""
    head = media_type.split("/", 1)[0]
    return head if head in ("image", "video", "audio") else "document"  # type: ignore[return-value]


class EvidencePolicy(BaseModel):
    """What a trust accepts and keeps; every field has a sensible default."""

    model_config = ConfigDict(extra="forbid")

    allowed_media_types: list[str] = Field(default_factory=lambda: sorted(DEFAULT_ALLOWED), min_length=1,
                                           description="Media types accepted, judged by content, never by file name.")
    max_bytes: dict[Category, int] = Field(
        default_factory=lambda: dict(DEFAULT_MAX_BYTES), description="Largest file accepted per kind, in bytes; kinds left out keep their default.")
    retention_years_after_leaving: int = Field(default=6, ge=0, le=30,
                                               description="Evidence is erased this many years after the pupil leaves.")
    object_lock_days: int = Field(default=0, ge=0, le=3650,
                                  description="Protect each new object from deletion for this many days (0: no lock). Erasure still works.")

    @model_validator(mode="after")
    def _known_types(self) -> EvidencePolicy:
        # Only types whose location metadata the service can remove (or that carry none it knows of)
        # may be allowed: HEIC photos, for one, would keep their GPS position.
        unknown = sorted(set(self.allowed_media_types) - DEFAULT_ALLOWED)
        if unknown:
            raise ValueError(f"allowed_media_types: unsupported media types {unknown}")
        if any(limit < 1 for limit in self.max_bytes.values()):
            raise ValueError("max_bytes: every limit must be at least one byte")
        self.max_bytes = {**DEFAULT_MAX_BYTES, **self.max_bytes}  # type: ignore[dict-item]
        return self

    def max_size(self, media_type: str) -> int:
        """The size limit for a file of this media type."""
        return self.max_bytes[category_of(media_type)]

    def inspector(self, media_type: str, size_bytes: int) -> ContentInspector:
        """The checks a declared file of this type and size must pass under this policy (raises ContentError at once if it cannot)."""
        return ContentInspector(media_type, size_bytes, set(self.allowed_media_types), self.max_size(media_type))
