"""An asyncio façade over minio, so services store evidence without blocking their event loop.

minio is synchronous: every call here runs in a worker thread through ``asyncio.to_thread``, on
one shared client per store. Multipart uploads are driven by the caller, part by part, so a
service can stream an upload of any size with flat memory and resume or abort it; minio exposes
no public API for that, so this module uses its private multipart methods, safe because the
minio version is pinned (7.2.20, see constraints.txt).

Logs and spans carry the bucket, operation and counts, never object keys, contents or URLs.
"""

from __future__ import annotations

import asyncio
import io
import threading
from collections.abc import AsyncIterator, Callable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import partial
from typing import TypeVar, cast

import structlog
from minio.commonconfig import GOVERNANCE
from minio.datatypes import Part
from minio.deleteobjects import DeleteObject
from minio.error import S3Error
from minio.retention import Retention
from minio.sseconfig import Rule, SSEConfig
from minio.versioningconfig import ENABLED, VersioningConfig

from engagement_shared.observability.tracing import s3_span
from engagement_shared.s3.client import build_client, connection_pool, content_disposition, list_uploads, read_locked, release_locked
from engagement_shared.settings import S3Settings

log = structlog.get_logger(__name__)
T = TypeVar("T")
_MISSING_OBJECT = {"NoSuchKey", "NoSuchVersion"}
_NO_OBJECT_LOCK = {"ObjectLockConfigurationNotFoundError", "NotImplemented"}


@dataclass(frozen=True)
class ObjectVersion:
    """One stored version or delete marker, so erasure can be checked and audited per version."""

    key: str
    version_id: str | None
    is_delete_marker: bool
    size: int


@dataclass(frozen=True)
class PendingUpload:
    """A multipart upload begun and never completed; its parts cost storage until aborted."""

    key: str
    upload_id: str
    initiated: datetime | None


class ErasureIncomplete(RuntimeError):
    """The store refused to remove some versions, so the erasure must be retried or escalated."""


class ObjectStore:
    """One bucket of the S3-compatible store, seen from asyncio."""

    def __init__(self, settings: S3Settings, bucket: str | None = None) -> None:
        self.bucket = bucket or settings.bucket
        self._http = connection_pool()
        self._client = build_client(settings, self._http)

    async def _call(self, operation: str, call: Callable[[], T], **attributes: object) -> T:
        with s3_span(operation, self.bucket, **attributes):
            return await asyncio.to_thread(call)

    async def ensure_bucket(self, *, versioning: bool = True, encryption: bool = True, object_lock: bool = False) -> None:
        """Make the bucket ready at start-up; a feature the server lacks is logged, not fatal.

        Object lock can only be chosen when the bucket is created, so an existing bucket without
        it is reported rather than changed.
        """
        if not await self._call("HeadBucket", partial(self._client.bucket_exists, self.bucket)):
            await self._create(object_lock)
        elif object_lock and not await self._has_object_lock():
            log.warning("object_store.object_lock_missing", bucket=self.bucket)
        if versioning:
            await self._optional("PutBucketVersioning", partial(self._client.set_bucket_versioning, self.bucket, VersioningConfig(ENABLED)))
        if encryption:
            await self._optional("PutBucketEncryption", partial(self._client.set_bucket_encryption, self.bucket, SSEConfig(Rule.new_sse_s3_rule())))

    async def _create(self, object_lock: bool) -> None:
        try:
            await self._call("CreateBucket", partial(self._client.make_bucket, self.bucket, object_lock=object_lock))
        except S3Error as exc:
            if exc.code == "BucketAlreadyOwnedByYou":  # another replica created it first
                return
            if not object_lock:
                raise
            log.warning("object_store.object_lock_unavailable", bucket=self.bucket, code=exc.code)
            await self._create(object_lock=False)

    async def _optional(self, operation: str, call: Callable[[], object]) -> None:
        try:
            await self._call(operation, call)
        except S3Error as exc:
            log.warning("object_store.feature_unavailable", operation=operation, bucket=self.bucket, code=exc.code)

    async def _has_object_lock(self) -> bool:
        try:
            await self._call("GetObjectLockConfiguration", partial(self._client.get_object_lock_config, self.bucket))
        except S3Error as exc:
            if exc.code in _NO_OBJECT_LOCK:
                return False
            raise
        return True

    async def start_multipart(self, key: str, content_type: str) -> str:
        """Begin an upload the caller sends part by part; returns the upload id to keep."""
        return await self._call("CreateMultipartUpload", partial(self._client._create_multipart_upload, self.bucket, key, {"Content-Type": content_type}))

    async def upload_part(self, key: str, upload_id: str, part_number: int, data: bytes | memoryview) -> str:
        """Send one part (5 MiB or more unless it is the last); returns the etag completion needs."""
        call = partial(self._client._upload_part, self.bucket, key, data, None, upload_id, part_number)
        return await self._call("UploadPart", call, **{"aws.s3.part_number": part_number, "s3.part.bytes": len(data)})

    async def complete_multipart(self, key: str, upload_id: str, parts: Sequence[tuple[int, str]]) -> str | None:
        """Assemble the parts into the object, in part-number order whatever order they finished in."""
        ordered = [Part(number, etag) for number, etag in sorted(parts)]
        result = await self._call("CompleteMultipartUpload", partial(self._client._complete_multipart_upload, self.bucket, key, upload_id, ordered),
                                  **{"s3.parts": len(ordered)})
        return result.version_id

    async def abort_multipart(self, key: str, upload_id: str) -> None:
        """Drop an upload's parts; an upload already gone counts as done, so retries are safe."""
        try:
            await self._call("AbortMultipartUpload", partial(self._client._abort_multipart_upload, self.bucket, key, upload_id))
        except S3Error as exc:
            if exc.code != "NoSuchUpload":
                raise

    async def pending_uploads(self, prefix: str = "") -> list[PendingUpload]:
        """Uploads never completed, so a sweeper can abort the abandoned ones."""
        uploads = await self._call("ListMultipartUploads", partial(list_uploads, self._client, self.bucket, prefix))
        return [PendingUpload(u.object_name, cast(str, u.upload_id), u.initiated_time) for u in uploads]

    async def put(self, key: str, data: bytes, content_type: str) -> str | None:
        """Store a small object (a preview, a thumbnail) in one request; returns its version id."""
        call = partial(self._client.put_object, self.bucket, key, io.BytesIO(data), len(data), content_type=content_type)
        return (await self._call("PutObject", call, **{"s3.bytes": len(data)})).version_id

    async def put_file(self, key: str, path: str, content_type: str) -> str | None:
        """Upload a file with minio's own multipart logic, the baseline our part uploads are measured against."""
        return (await self._call("PutObject", partial(self._client.fput_object, self.bucket, key, path, content_type=content_type))).version_id

    async def stream(self, key: str, *, version_id: str | None = None, chunk_size: int = 1 << 20) -> AsyncIterator[bytes]:
        """Read an object chunk by chunk, so a download of any size holds one chunk in memory.

        The connection goes back to the pool when the object has been read, when the consumer
        stops early (``aclose``) and when its task is cancelled mid-read. Wrap the loop in
        ``contextlib.aclosing`` so that a consumer cancelled between chunks releases at once
        too, rather than when the generator is garbage-collected.
        """
        with s3_span("GetObject", self.bucket):
            response = await asyncio.to_thread(self._client.get_object, self.bucket, key, version_id=version_id)
        guard = threading.Lock()  # a read abandoned by cancellation finishes before the release
        finished = False
        try:
            while chunk := await asyncio.to_thread(read_locked, guard, response, chunk_size):
                yield chunk
            finished = True
        finally:
            await asyncio.to_thread(release_locked, guard, response, finished)

    async def presigned_get(self, key: str, expires: timedelta, *, filename: str | None = None, content_type: str | None = None) -> str:
        """A time-limited download link for a browser, saved under ``filename`` when given.

        The URL is a bearer credential: never log it.
        """
        headers = {}
        if filename is not None:
            headers["response-content-disposition"] = content_disposition(filename)
        if content_type is not None:
            headers["response-content-type"] = content_type
        call = partial(self._client.presigned_get_object, self.bucket, key, expires, response_headers=headers or None)
        return await self._call("PresignGetObject", call)

    async def versions(self, prefix: str) -> list[ObjectVersion]:
        """Every version and delete marker under the prefix: what an erasure has to remove."""
        return await self._call("ListObjectVersions", partial(self._list_versions, prefix))

    def _list_versions(self, prefix: str) -> list[ObjectVersion]:
        found = self._client.list_objects(self.bucket, prefix, recursive=True, include_version=True)
        return [ObjectVersion(cast(str, o.object_name), o.version_id, o.is_delete_marker, o.size or 0) for o in found]

    async def erase(self, prefix: str) -> int:
        """Remove everything ever stored under the prefix, for a right-to-erasure request.

        Deleting a key only adds a delete marker in a versioned bucket, so each version and
        marker is removed by id (bypassing GOVERNANCE retention where the bucket has object
        lock), and unfinished uploads are aborted. Returns how many versions were removed,
        delete markers included.
        """
        if not prefix:
            raise ValueError("erase needs a prefix: an empty one would erase the whole bucket")
        for upload in await self.pending_uploads(prefix):
            await self.abort_multipart(upload.key, upload.upload_id)
        bypass = await self._has_object_lock()
        targets = [DeleteObject(v.key, v.version_id) for v in await self.versions(prefix)]
        call = partial(self._remove, targets, bypass)
        refused = await self._call("DeleteObjects", call, **{"s3.versions": len(targets)})
        if refused:
            raise ErasureIncomplete(f"{len(refused)} of {len(targets)} versions were not removed (first error: {refused[0]})")
        return len(targets)

    def _remove(self, targets: list[DeleteObject], bypass: bool) -> list[str]:
        return [str(error.code) for error in self._client.remove_objects(self.bucket, targets, bypass_governance_mode=bypass)]

    async def exists(self, key: str) -> bool:
        """Whether the key reads as an object now; one behind a delete marker does not."""
        try:
            await self._call("HeadObject", partial(self._client.stat_object, self.bucket, key))
        except S3Error as exc:
            if exc.code in _MISSING_OBJECT:
                return False
            raise
        return True

    async def set_retention(self, key: str, version_id: str | None, until: datetime) -> None:
        """Protect a version from deletion until ``until``, for trusts whose policy asks for it.

        GOVERNANCE mode, so erasure can still bypass it; needs a bucket created with object lock.
        """
        if until.tzinfo is None:
            raise ValueError("until must be timezone-aware")
        call = partial(self._client.set_object_retention, self.bucket, key, Retention(GOVERNANCE, until), version_id=version_id)
        await self._call("PutObjectRetention", call)

    def close(self) -> None:
        """Close the pooled connections at shutdown."""
        self._http.clear()

