"""Reports, report runs and the pupils a run covers, in MongoDB."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from pymongo import ASCENDING
from pymongo.asynchronous.database import AsyncDatabase
from pymongo.errors import DuplicateKeyError

from engagement_shared.observability.tracing import db_span
from narrative_builder.adapters.outbound.mongo_projection import PUPILS
from narrative_builder.core.report_records import Batch, Failure, Report, ReportVersion

REPORTS = "reports"
BATCHES = "report_batches"


async def ensure_report_indexes(db: AsyncDatabase) -> None:
    """Indexes for listing a pupil's or a school's reports, and for finding unfinished runs, without
    reading every report the trust has ever written."""
    await db[REPORTS].create_index([("trust_id", ASCENDING), ("pupil_id", ASCENDING)])
    await db[REPORTS].create_index([("trust_id", ASCENDING), ("school_id", ASCENDING)])
    await db[BATCHES].create_index([("status", ASCENDING), ("created_at", ASCENDING)])


class MongoReportStore:
    """One document per report, its versions in order; appends are conditional on the version count."""

    def __init__(self, db: AsyncDatabase) -> None:
        self._db = db

    async def insert(self, report: Report) -> bool:
        with db_span("insert", REPORTS):
            try:
                await self._db[REPORTS].insert_one({"_id": report.report_id, **report.model_dump(mode="json")})
            except DuplicateKeyError:
                return False
        return True

    async def get(self, report_id: str) -> Report | None:
        with db_span("find", REPORTS):
            doc = await self._db[REPORTS].find_one({"_id": report_id})
        return Report.model_validate(doc) if doc else None

    async def append(self, report_id: str, expected: int, version: ReportVersion, status: str) -> bool:
        with db_span("update", REPORTS):
            result = await self._db[REPORTS].update_one(
                {"_id": report_id, "versions": {"$size": expected}},
                {"$push": {"versions": version.model_dump(mode="json")}, "$set": {"status": status}})
        return result.modified_count == 1

    async def list(self, trust_id: str, school_ids: Sequence[str] | None, pupil_id: str | None) -> list[Report]:
        query: dict[str, object] = {"trust_id": trust_id}
        if school_ids is not None:
            query["school_id"] = {"$in": list(school_ids)}
        if pupil_id is not None:
            query["pupil_id"] = pupil_id
        with db_span("find", REPORTS):
            return [Report.model_validate(d) async for d in self._db[REPORTS].find(query).limit(1000)]


class MongoBatchStore:
    """Report runs; progress is recorded with ``$addToSet`` so a repeated chunk changes nothing."""

    def __init__(self, db: AsyncDatabase) -> None:
        self._db = db

    async def insert(self, batch: Batch) -> None:
        with db_span("insert", BATCHES):
            await self._db[BATCHES].insert_one({"_id": batch.batch_id, **batch.model_dump(mode="json")})

    async def get(self, batch_id: str) -> Batch | None:
        with db_span("find", BATCHES):
            doc = await self._db[BATCHES].find_one({"_id": batch_id})
        return Batch.model_validate(doc) if doc else None

    async def running(self) -> list[Batch]:
        with db_span("find", BATCHES):
            return [Batch.model_validate(d) async for d in self._db[BATCHES].find({"status": "running"}).sort("created_at", 1)]

    async def record(self, batch_id: str, done: Sequence[str], failed: Sequence[Failure]) -> None:
        with db_span("update", BATCHES):
            await self._db[BATCHES].update_one({"_id": batch_id}, {"$addToSet": {
                "done": {"$each": list(done)}, "failed": {"$each": [f.model_dump() for f in failed]}}})

    async def complete(self, batch_id: str, at: datetime) -> None:
        with db_span("update", BATCHES):
            await self._db[BATCHES].update_one({"_id": batch_id}, {"$set": {"status": "complete", "finished_at": at}})


class MongoPupilsInScope:
    """The pupils a run covers, from the directory records the projector keeps."""

    def __init__(self, db: AsyncDatabase) -> None:
        self._db = db

    async def pupils(self, trust_id: str, school_id: str | None = None, class_id: str | None = None) -> list[str]:
        query: dict[str, object] = {"trust_id": trust_id, "on_engagement_model": True, "left_on": None}
        if school_id is not None:
            query["school_id"] = school_id
        if class_id is not None:
            query["class_id"] = class_id
        with db_span("find", PUPILS):
            return sorted([d["_id"] async for d in self._db[PUPILS].find(query, {"_id": 1})])
