"""The scheduled job: uploads given up on, multipart uploads nobody owns, video previews still to
make, and evidence whose keeping period has passed.

After a crash an upload can be left half-done in two places: a session that will never finish
(aborted when it expires) and, if the crash came between starting a multipart upload and
recording it, a multipart upload no session knows (aborted once it is older than a grace period).
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from datetime import UTC, datetime, timedelta

import structlog

from evidence_store.core.erasure import Erasure
from evidence_store.core.completion import preview_key
from evidence_store.ports.objects import ObjectStorage
from evidence_store.ports.previews import Previewer
from evidence_store.ports.store import EvidenceRepository

log = structlog.get_logger(__name__)
ORPHAN_GRACE = timedelta(hours=1)
PREVIEWS_PER_SWEEP = 20


@dataclass
class SweepReport:
    """What one sweep did, for the log and for tests."""

    uploads_expired: int = 0
    orphans_aborted: int = 0
    previews_made: int = 0
    previews_unavailable: int = 0
    pupils_erased_by_retention: int = 0


class Housekeeping:
    """One sweep at a time; the worker process calls it every few minutes."""

    def __init__(self, repo: EvidenceRepository, objects: ObjectStorage, previewer: Previewer, erasure: Erasure) -> None:
        self._repo = repo
        self._objects = objects
        self._previewer = previewer
        self._erasure = erasure

    async def sweep(self, now: datetime | None = None) -> SweepReport:
        """Run every task once."""
        now = now or datetime.now(UTC)
        report = SweepReport()
        await self._expire(now, report)
        await self._orphans(now, report)
        await self._previews(report)
        report.pupils_erased_by_retention = len(await self._erasure.apply_retention(now))
        log.info("evidence.housekeeping", **asdict(report))
        return report

    async def _expire(self, now: datetime, report: SweepReport) -> None:
        for session in await self._repo.uploads_unfinished_before(now):
            if session.s3_upload_id:
                await self._objects.abort_multipart(session.object_key, session.s3_upload_id)
            await self._objects.erase(session.object_key)
            session.status, session.refusal = "aborted", "expired before the last byte arrived"
            await self._repo.save_upload(session)
            report.uploads_expired += 1

    async def _orphans(self, now: datetime, report: SweepReport) -> None:
        live = await self._repo.live_upload_ids()
        for pending in await self._objects.pending_uploads(""):
            evidence_id = pending.key.rsplit("/", 1)[-1]
            initiated = pending.initiated or now
            if evidence_id not in live and now - initiated >= ORPHAN_GRACE:
                await self._objects.abort_multipart(pending.key, pending.upload_id)
                report.orphans_aborted += 1

    async def _previews(self, report: SweepReport) -> None:
        for item in await self._repo.evidence_awaiting_preview(PREVIEWS_PER_SWEEP):
            source = await self._objects.presigned_get(item.object_key, timedelta(minutes=10))
            poster = await self._previewer.video_poster(source)
            if poster is None:
                await self._repo.set_preview(item.evidence_id, "unavailable", None)
                report.previews_unavailable += 1
            else:
                await self._objects.put(preview_key(item.object_key), poster, "image/jpeg")
                await self._repo.set_preview(item.evidence_id, "ready", preview_key(item.object_key))
                report.previews_made += 1
