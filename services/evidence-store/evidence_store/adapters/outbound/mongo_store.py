"""evidence-store's MongoDB collections: pupils, policies, consents, uploads, evidence, the access
log and erasure records, plus the outbox and the consumer's processed events.

Evidence is unique per pupil and file content (the index that makes the same file twice one
item, even when two uploads race). Uploads record each stored part with a conditional update, so
two requests can never both claim the same bytes.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime
from typing import Any

from pymongo import ASCENDING, DESCENDING, ReplaceOne
from pymongo.asynchronous.database import AsyncDatabase
from pymongo.errors import DuplicateKeyError

from engagement_shared.mongo.store import TransactionalStore
from engagement_shared.mongo.unit_of_work import OUTBOX
from engagement_shared.observability.tracing import db_span
from evidence_store.core.audit import AccessRecord, ErasureRecord
from evidence_store.core.consent import ConsentDecision
from evidence_store.core.items import EvidenceItem, PreviewStatus, UploadSession
from evidence_store.core.policy import EvidencePolicy
from evidence_store.core.pupils import Pupil

PUPILS, POLICIES, CONSENTS, UPLOADS, EVIDENCE, ACCESS, ERASURES = "pupils", "policies", "consents", "uploads", "evidence", "access_log", "erasures"


async def ensure_indexes(db: AsyncDatabase) -> None:
    """The indexes the service's reads need; the evidence one also enforces storing a file once per pupil."""
    await db[EVIDENCE].create_index([("pupil_id", ASCENDING), ("sha256", ASCENDING)], unique=True)
    await db[CONSENTS].create_index([("pupil_id", ASCENDING)])
    await db[UPLOADS].create_index([("status", ASCENDING), ("expires_at", ASCENDING)])
    await db[ACCESS].create_index([("trust_id", ASCENDING), ("pupil_id", ASCENDING), ("at", DESCENDING)])
    await db[PUPILS].create_index([("trust_id", ASCENDING), ("left_on", ASCENDING)])


def _plain(doc: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in doc.items() if k != "_id"}


def _dated(model: Any) -> dict[str, Any]:
    """A model as a document; dates become datetimes, which BSON stores."""
    doc = model.model_dump(mode="python")
    return {k: (datetime(v.year, v.month, v.day) if isinstance(v, date) and not isinstance(v, datetime) else v) for k, v in doc.items()}


class MongoEvidenceRepository(TransactionalStore):
    """The repository, unbound (reads, and writes that carry no event) or bound to one transaction."""

    async def pupils(self, pupil_ids: Sequence[str]) -> list[Pupil]:
        with db_span("find", PUPILS):
            return [Pupil.model_validate(d) async for d in self._db[PUPILS].find({"_id": {"$in": list(pupil_ids)}}, session=self._s)]

    async def save_pupils(self, pupils: Sequence[Pupil]) -> None:
        with db_span("bulk_write", PUPILS):
            await self._db[PUPILS].bulk_write([ReplaceOne({"_id": p.pupil_id}, {"_id": p.pupil_id, **_dated(p)}, upsert=True) for p in pupils],
                                              session=self._s)

    async def pupils_left_on_or_before(self, trust_id: str, day: date) -> list[Pupil]:
        query = {"trust_id": trust_id, "left_on": {"$ne": None, "$lte": datetime(day.year, day.month, day.day)}}
        return [Pupil.model_validate(d) async for d in self._db[PUPILS].find(query, session=self._s)]

    async def policy(self, trust_id: str) -> EvidencePolicy | None:
        doc = await self._db[POLICIES].find_one({"_id": trust_id}, session=self._s)
        return EvidencePolicy.model_validate(_plain(doc)) if doc else None

    async def save_policy(self, trust_id: str, policy: EvidencePolicy) -> None:
        await self._db[POLICIES].replace_one({"_id": trust_id}, policy.model_dump(), upsert=True, session=self._s)

    async def trusts(self) -> list[str]:
        return list(await self._db[PUPILS].distinct("trust_id", session=self._s))

    async def consents(self, pupil_id: str) -> list[ConsentDecision]:
        with db_span("find", CONSENTS):
            return [ConsentDecision.model_validate(d) async for d in self._db[CONSENTS].find({"pupil_id": pupil_id}, session=self._s)]

    async def add_consent(self, decision: ConsentDecision) -> None:
        await self._db[CONSENTS].insert_one(decision.model_dump(), session=self._s)

    async def upload(self, upload_id: str) -> UploadSession | None:
        doc = await self._db[UPLOADS].find_one({"_id": upload_id}, session=self._s)
        return UploadSession.model_validate(doc) if doc else None

    async def add_upload(self, session: UploadSession) -> None:
        await self._db[UPLOADS].insert_one({"_id": session.upload_id, **session.model_dump()}, session=self._s)

    async def save_upload(self, session: UploadSession) -> None:
        await self._db[UPLOADS].replace_one({"_id": session.upload_id}, {"_id": session.upload_id, **session.model_dump()}, session=self._s)

    async def record_part(self, upload_id: str, received_before: int, part: tuple[int, str], received_after: int) -> bool:
        result = await self._db[UPLOADS].update_one({"_id": upload_id, "status": "receiving", "received_bytes": received_before},
                                                    {"$set": {"received_bytes": received_after}, "$push": {"parts": list(part)}}, session=self._s)
        return result.modified_count == 1

    async def uploads_unfinished_before(self, moment: datetime) -> list[UploadSession]:
        query = {"status": {"$in": ["receiving", "completing"]}, "expires_at": {"$lte": moment}}
        return [UploadSession.model_validate(d) async for d in self._db[UPLOADS].find(query, session=self._s)]

    async def live_upload_ids(self) -> set[str]:
        cursor = self._db[UPLOADS].find({"status": {"$in": ["receiving", "completing"]}}, {"_id": 1}, session=self._s)
        return {d["_id"] async for d in cursor}

    async def evidence(self, evidence_id: str) -> EvidenceItem | None:
        doc = await self._db[EVIDENCE].find_one({"_id": evidence_id}, session=self._s)
        return EvidenceItem.model_validate(doc) if doc else None

    async def evidence_by_hash(self, pupil_id: str, sha256: str) -> EvidenceItem | None:
        doc = await self._db[EVIDENCE].find_one({"pupil_id": pupil_id, "sha256": sha256}, session=self._s)
        return EvidenceItem.model_validate(doc) if doc else None

    async def evidence_of_pupil(self, pupil_id: str) -> list[EvidenceItem]:
        with db_span("find", EVIDENCE):
            cursor = self._db[EVIDENCE].find({"pupil_id": pupil_id}, session=self._s).sort("uploaded_at", ASCENDING)
            return [EvidenceItem.model_validate(d) async for d in cursor]

    async def add_evidence(self, item: EvidenceItem) -> bool:
        try:
            await self._db[EVIDENCE].insert_one({"_id": item.evidence_id, **item.model_dump()}, session=self._s)
        except DuplicateKeyError:
            return False
        return True

    async def save_evidence(self, item: EvidenceItem) -> None:
        await self._db[EVIDENCE].replace_one({"_id": item.evidence_id}, {"_id": item.evidence_id, **item.model_dump()}, session=self._s)

    async def evidence_awaiting_preview(self, limit: int) -> list[EvidenceItem]:
        return [EvidenceItem.model_validate(d) async for d in self._db[EVIDENCE].find({"preview": "pending"}, session=self._s).limit(limit)]

    async def set_preview(self, evidence_id: str, status: PreviewStatus, key: str | None) -> None:
        await self._db[EVIDENCE].update_one({"_id": evidence_id}, {"$set": {"preview": status, "preview_key": key}}, session=self._s)

    async def add_access(self, *records: AccessRecord) -> None:
        if records:
            await self._db[ACCESS].insert_many([r.model_dump() for r in records], session=self._s)

    async def access_log(self, trust_id: str, school_ids: Sequence[str] | None, pupil_id: str | None, evidence_id: str | None,
                         limit: int) -> list[AccessRecord]:
        query: dict[str, Any] = {"trust_id": trust_id}
        if school_ids is not None:
            query["school_id"] = {"$in": list(school_ids)}
        if pupil_id:
            query["pupil_id"] = pupil_id
        if evidence_id:
            query["evidence_id"] = evidence_id
        cursor = self._db[ACCESS].find(query, session=self._s).sort("at", DESCENDING).limit(limit)
        return [AccessRecord.model_validate(d) async for d in cursor]

    async def add_erasure(self, record: ErasureRecord) -> None:
        await self._db[ERASURES].insert_one(record.model_dump(), session=self._s)

    async def erasures(self, trust_id: str) -> list[ErasureRecord]:
        return [ErasureRecord.model_validate(d) async for d in self._db[ERASURES].find({"trust_id": trust_id}, session=self._s).sort("at", ASCENDING)]

    async def forget_item(self, evidence_id: str) -> None:
        await self._db[EVIDENCE].delete_one({"_id": evidence_id}, session=self._s)
        await self._db[UPLOADS].delete_many({"evidence_id": evidence_id}, session=self._s)
        await self._db[ACCESS].delete_many({"evidence_id": evidence_id}, session=self._s)

    async def forget_pupil(self, pupil_id: str) -> None:
        for collection in (EVIDENCE, UPLOADS, ACCESS, CONSENTS):
            await self._db[collection].delete_many({"pupil_id": pupil_id}, session=self._s)
        # Earlier events about the pupil's evidence and consent carry their facts; the erasure's own
        # event, written when this transaction commits, is the one other services still need.
        await self._db[OUTBOX].delete_many({"key": pupil_id}, session=self._s)
