"""Object storage: the only code that talks to S3, so evidence files are handled one way everywhere."""

from __future__ import annotations

from engagement_shared.s3.store import ErasureIncomplete, ObjectStore, ObjectVersion, PendingUpload

__all__ = ["ErasureIncomplete", "ObjectStore", "ObjectVersion", "PendingUpload"]
