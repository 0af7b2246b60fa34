"""What reports need from outside: a store that keeps every version, the pupils a run covers, and
evidence pictures fetched as the person asking."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Protocol

from narrative_builder.core.report_records import Batch, Failure, Report, ReportVersion


class ReportStore(Protocol):
    """Where reports live; ``append`` succeeds only if the report is still at ``expected`` versions."""

    async def insert(self, report: Report) -> bool: ...
    async def get(self, report_id: str) -> Report | None: ...
    async def append(self, report_id: str, expected: int, version: ReportVersion, status: str) -> bool: ...
    async def list(self, trust_id: str, school_ids: Sequence[str] | None, pupil_id: str | None) -> list[Report]: ...


class EvidencePictures(Protocol):
    """Thumbnails of evidence the family agreed to share, fetched as the person asking for them."""

    async def thumbnails(self, token: str, pupil_id: str, evidence_ids: Sequence[str]) -> Mapping[str, bytes]: ...


class PupilsInScope(Protocol):
    """The pupils a report run covers: on the engagement model and on roll."""

    async def pupils(self, trust_id: str, school_id: str | None = None, class_id: str | None = None) -> list[str]: ...


class BatchStore(Protocol):
    """Where report runs and their progress live."""

    async def insert(self, batch: Batch) -> None: ...
    async def get(self, batch_id: str) -> Batch | None: ...
    async def running(self) -> list[Batch]: ...
    async def record(self, batch_id: str, done: Sequence[str], failed: Sequence[Failure]) -> None: ...
    async def complete(self, batch_id: str, at: datetime) -> None: ...
