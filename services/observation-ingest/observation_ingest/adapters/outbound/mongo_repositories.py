"""MongoDB implementations of the repositories; documents are the models' JSON form plus ``_id``."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, TypeVar

from pydantic import BaseModel
from pymongo import ASCENDING
from pymongo.asynchronous.client_session import AsyncClientSession
from pymongo.asynchronous.database import AsyncDatabase
from pymongo.errors import BulkWriteError, DuplicateKeyError

from engagement_shared.observability.tracing import db_span
from observation_ingest.core.directory import ClassGroup, Outcome, Pupil, School, StaffMember, Trust
from observation_ingest.core.observations import StoredObservation
from observation_ingest.core.trust_config import TrustConfig
from observation_ingest.ports.repositories import DuplicateObservation

M = TypeVar("M", bound=BaseModel)


def to_doc(model: BaseModel, id_value: str) -> dict[str, Any]:
    """A model as a MongoDB document."""
    return {"_id": id_value, **model.model_dump(mode="json")}


def from_doc(kind: type[M], doc: dict[str, Any] | None) -> M | None:
    """A document back as a model (``None`` stays ``None``)."""
    if doc is None:
        return None
    doc = dict(doc)
    doc.pop("_id", None)
    return kind.model_validate(doc)


async def ensure_indexes(db: AsyncDatabase) -> None:
    """Indexes the queries below rely on."""
    await db.schools.create_index([("trust_id", ASCENDING)])
    await db.classes.create_index([("school_id", ASCENDING)])
    await db.staff.create_index([("school_id", ASCENDING)])
    await db.pupils.create_index([("school_id", ASCENDING), ("last_name", ASCENDING)])
    await db.pupils.create_index([("school_id", ASCENDING), ("upn", ASCENDING)])
    await db.pupils.create_index([("school_id", ASCENDING), ("mis_id", ASCENDING)])
    await db.outcomes.create_index([("pupil_id", ASCENDING)])
    await db.observations.create_index([("observation.pupil_id", ASCENDING), ("observation.observed_at", ASCENDING)])


class _Repo:
    def __init__(self, db: AsyncDatabase, session: AsyncClientSession | None) -> None:
        self._db = db
        self._s = session

    async def _get(self, collection: str, kind: type[M], id_value: str) -> M | None:
        with db_span("find", collection):
            return from_doc(kind, await self._db[collection].find_one({"_id": id_value}, session=self._s))

    async def _find(self, collection: str, kind: type[M], query: dict[str, Any], sort: list[tuple[str, int]] | None = None) -> list[M]:
        with db_span("find", collection):
            cursor = self._db[collection].find(query, session=self._s)
            if sort:
                cursor = cursor.sort(sort)
            return [from_doc(kind, d) async for d in cursor]  # type: ignore[misc]

    async def _put(self, collection: str, model: BaseModel, id_value: str) -> None:
        with db_span("replace", collection):
            await self._db[collection].replace_one({"_id": id_value}, to_doc(model, id_value), upsert=True, session=self._s)


class MongoDirectory(_Repo):
    """The trust directory in MongoDB."""

    async def get_trust(self, trust_id: str) -> Trust | None:
        return await self._get("trusts", Trust, trust_id)

    async def save_trust(self, trust: Trust) -> None:
        await self._put("trusts", trust, trust.trust_id)

    async def get_school(self, school_id: str) -> School | None:
        return await self._get("schools", School, school_id)

    async def list_schools(self, trust_id: str) -> list[School]:
        return await self._find("schools", School, {"trust_id": trust_id}, [("name", 1)])

    async def save_school(self, school: School) -> None:
        await self._put("schools", school, school.school_id)

    async def list_classes(self, school_id: str) -> list[ClassGroup]:
        return await self._find("classes", ClassGroup, {"school_id": school_id}, [("name", 1)])

    async def save_class(self, group: ClassGroup) -> None:
        await self._put("classes", group, group.class_id)

    async def list_staff(self, school_id: str) -> list[StaffMember]:
        return await self._find("staff", StaffMember, {"school_id": school_id}, [("display_name", 1)])

    async def save_staff(self, member: StaffMember) -> None:
        await self._put("staff", member, member.staff_id)

    async def get_pupil(self, pupil_id: str) -> Pupil | None:
        return await self._get("pupils", Pupil, pupil_id)

    async def get_pupils(self, pupil_ids: Sequence[str]) -> dict[str, Pupil]:
        pupils = await self._find("pupils", Pupil, {"_id": {"$in": list(pupil_ids)}})
        return {p.pupil_id: p for p in pupils}

    async def list_pupils(self, school_id: str) -> list[Pupil]:
        return await self._find("pupils", Pupil, {"school_id": school_id}, [("last_name", 1), ("first_name", 1)])

    async def find_pupil(self, school_id: str, upn: str | None, mis_id: str | None) -> Pupil | None:
        keys = [{"upn": upn}] if upn else []
        keys += [{"mis_id": mis_id}] if mis_id else []
        if not keys:
            return None
        found = await self._find("pupils", Pupil, {"school_id": school_id, "$or": keys})
        return found[0] if found else None

    async def save_pupil(self, pupil: Pupil) -> None:
        await self._put("pupils", pupil, pupil.pupil_id)

    async def get_outcome(self, outcome_id: str) -> Outcome | None:
        return await self._get("outcomes", Outcome, outcome_id)

    async def list_outcomes(self, pupil_ids: Sequence[str]) -> list[Outcome]:
        return await self._find("outcomes", Outcome, {"pupil_id": {"$in": list(pupil_ids)}}, [("target_date", 1)])

    async def save_outcome(self, outcome: Outcome) -> None:
        await self._put("outcomes", outcome, outcome.outcome_id)


class MongoObservations(_Repo):
    """The observation store in MongoDB: one document per observation, history inside."""

    async def get(self, observation_id: str) -> StoredObservation | None:
        return await self._get("observations", StoredObservation, observation_id)

    async def get_many(self, observation_ids: Sequence[str]) -> dict[str, StoredObservation]:
        found = await self._find("observations", StoredObservation, {"_id": {"$in": list(observation_ids)}})
        return {o.observation.observation_id: o for o in found}

    async def add_many(self, observations: Sequence[StoredObservation]) -> None:
        docs = [to_doc(o, o.observation.observation_id) for o in observations]
        try:
            with db_span("insert", "observations", **{"db.batch.size": len(docs)}):
                await self._db.observations.insert_many(docs, ordered=True, session=self._s)
        except (DuplicateKeyError, BulkWriteError) as exc:
            raise DuplicateObservation() from exc

    async def replace(self, observation: StoredObservation) -> None:
        await self._put("observations", observation, observation.observation.observation_id)

    async def list_for_pupil(self, pupil_id: str, include_withdrawn: bool) -> list[StoredObservation]:
        query: dict[str, Any] = {"observation.pupil_id": pupil_id}
        if not include_withdrawn:
            query["status"] = "active"
        return await self._find("observations", StoredObservation, query, [("observation.observed_at", 1)])


class MongoTrustConfigs(_Repo):
    """Trust configuration; a trust that saved none gets the defaults."""

    async def get(self, trust_id: str) -> TrustConfig:
        return await self._get("trust_configs", TrustConfig, trust_id) or TrustConfig()

    async def save(self, trust_id: str, config: TrustConfig) -> None:
        await self._put("trust_configs", config, trust_id)
