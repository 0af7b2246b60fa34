"""Reports for a whole class, school or trust at once, resumable after a crash.

A run is stored before any drafting starts: who asked (their role and schools, so the worker
drafts with exactly their permissions), the pupils it covers, and which are done. Each pupil's
report id is derived from the run and the pupil, so a worker that restarts mid-run finds the
reports it already wrote and carries on from there; nobody gets two drafts.
"""

from __future__ import annotations

from typing import Literal

import structlog
from pydantic import BaseModel, ConfigDict, Field, model_validator

from engagement_shared.auth.principal import Principal, Role
from engagement_shared.errors import DomainError, Forbidden, NotFound
from engagement_shared.events.envelope import new_id, utcnow
from narrative_builder.core.report_model import ReportKind
from narrative_builder.core.report_records import PUPIL_REPORTS, Batch, DraftRequest, Failure, Period
from narrative_builder.core.reports import FINALISES_REPORTS, ReportService
from narrative_builder.ports.report_store import BatchStore, PupilsInScope

log = structlog.get_logger(__name__)
CHUNK = 20


class BatchRequest(BaseModel):
    """Draft one kind of pupil report for a class, a school, or (both empty) the whole trust."""

    model_config = ConfigDict(extra="forbid")

    kind: ReportKind
    period: str = Period
    school_id: str | None = Field(default=None, max_length=64)
    class_id: str | None = Field(default=None, max_length=64, description="A class of the school given in school_id.")

    @model_validator(mode="after")
    def _scope(self) -> BatchRequest:
        if self.kind not in PUPIL_REPORTS:
            raise ValueError("kind: a run drafts parent or EHC review reports; a governors summary is one report")
        if self.class_id and not self.school_id:
            raise ValueError("school_id: say which school the class belongs to")
        return self


class BatchProgress(BaseModel):
    """What a progress bar needs."""

    batch_id: str
    kind: ReportKind
    status: Literal["running", "complete"]
    total: int
    done: int
    failed: list[Failure]
    report_ids: list[str] = Field(description="Reports drafted so far.")


def report_id_for(batch_id: str, pupil_id: str) -> str:
    """The one report id a run can give a pupil."""
    return f"{batch_id}.{pupil_id}"


def progress_of(batch: Batch) -> BatchProgress:
    """A run's progress."""
    return BatchProgress(batch_id=batch.batch_id, kind=batch.kind, status=batch.status, total=len(batch.pupil_ids),
                         done=len(batch.done), failed=batch.failed, report_ids=[report_id_for(batch.batch_id, p) for p in batch.done])


class BulkReports:
    """Starts runs, reports their progress, and works through them."""

    def __init__(self, store: BatchStore, reports: ReportService, scope: PupilsInScope) -> None:
        self._store = store
        self._reports = reports
        self._scope = scope

    async def start(self, by: Principal, request: BatchRequest) -> BatchProgress:
        """Record a run for every pupil in scope; the worker drafts them."""
        if request.school_id is None and by.role != Role.TRUST_ADMIN:
            raise Forbidden("a run for the whole trust is for the trust admin")
        if request.school_id is not None and not (by.role in FINALISES_REPORTS and by.in_school(by.trust_id, request.school_id)):
            raise Forbidden("a run for a school or class is for its SENCO or the trust admin")
        pupils = await self._scope.pupils(by.trust_id, school_id=request.school_id, class_id=request.class_id)
        batch = Batch(batch_id=new_id(), trust_id=by.trust_id, kind=request.kind, period=request.period, school_id=request.school_id,
                      class_id=request.class_id, requested_by=by.subject, requested_role=by.role,
                      requested_schools=sorted(by.school_ids), pupil_ids=pupils, created_at=utcnow())
        if not pupils:
            batch.status, batch.finished_at = "complete", batch.created_at
        await self._store.insert(batch)
        return progress_of(batch)

    async def progress(self, by: Principal, batch_id: str) -> BatchProgress:
        """A run's progress, for the person who started it, their school's SENCO or the trust admin."""
        batch = await self._store.get(batch_id)
        if batch is None or batch.trust_id != by.trust_id:
            raise NotFound(f"report run {batch_id} not found")
        if not (by.subject == batch.requested_by or by.role == Role.TRUST_ADMIN
                or (by.role == Role.SENCO and batch.school_id is not None and by.in_school(batch.trust_id, batch.school_id))):
            raise Forbidden("you may not see this report run")
        return progress_of(batch)

    async def work(self) -> int:
        """Draft the next chunk of every running run; returns how many reports were drafted."""
        drafted = 0
        for batch in await self._store.running():
            drafted += await self._chunk(batch)
        return drafted

    async def finish_all(self) -> None:
        """Work until no run is left running (bulk runs from the command line, benchmarks)."""
        while await self._store.running():
            await self.work()

    async def _chunk(self, batch: Batch) -> int:
        remaining = batch.remaining()
        if not remaining:
            await self._store.complete(batch.batch_id, utcnow())
            return 0
        done: list[str] = []
        failed: list[Failure] = []
        for pupil_id in remaining[:CHUNK]:
            request = DraftRequest(kind=batch.kind, period=batch.period, pupil_id=pupil_id)
            try:
                await self._reports.draft(batch.requester(), request, batch.batch_id, report_id_for(batch.batch_id, pupil_id))
                done.append(pupil_id)
            except DomainError as exc:
                failed.append(Failure(pupil_id=pupil_id, reason=str(exc)))
        await self._store.record(batch.batch_id, done, failed)
        if len(remaining) <= CHUNK:
            await self._store.complete(batch.batch_id, utcnow())
        log.info("report run progressed", batch_id=batch.batch_id, drafted=len(done), failed=len(failed))
        return len(done)
