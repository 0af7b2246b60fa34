"""The projection store in MongoDB: projected observations, pupil progress, applied event ids."""

from __future__ import annotations

from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager

from pymongo import AsyncMongoClient, ReplaceOne
from pymongo.asynchronous.client_session import AsyncClientSession
from pymongo.asynchronous.database import AsyncDatabase

from engagement_shared.events.envelope import Event
from engagement_shared.mongo.idempotency import claim_new_events
from engagement_shared.mongo.unit_of_work import unit_of_work
from engagement_shared.observability.tracing import db_span
from narrative_builder.core.progress import ProjectedObservation, PupilProgress

OBSERVATIONS = "projected_observations"
PROGRESS = "pupil_progress"
SEPARATOR = "/"


def _key(pupil_id: str, observation_id: str) -> str:
    """A projected observation's ``_id``: pupil first, so a pupil's observations are one range of
    the primary index and the collection needs no secondary index (each one about doubles the
    cost of an insert on the local database)."""
    return f"{pupil_id}{SEPARATOR}{observation_id}"


def _doc(observation: ProjectedObservation) -> dict[str, object]:
    return {"_id": _key(observation.pupil_id, observation.observation_id), **observation.model_dump()}


class MongoProjectionTransaction:
    """Projection reads and writes bound to one session."""

    def __init__(self, db: AsyncDatabase, session: AsyncClientSession) -> None:
        self._db = db
        self._s = session

    async def claim(self, events: Sequence[Event]) -> list[Event]:
        return await claim_new_events(self._db, self._s, events)

    async def observations(self, keys: Sequence[tuple[str, str]]) -> dict[str, ProjectedObservation]:
        with db_span("find", OBSERVATIONS):
            docs = self._db[OBSERVATIONS].find({"_id": {"$in": [_key(*k) for k in keys]}}, session=self._s)
            return {d["observation_id"]: ProjectedObservation.model_validate(d) async for d in docs}

    async def save_observations(self, new: Sequence[ProjectedObservation], changed: Sequence[ProjectedObservation]) -> None:
        with db_span("insert", OBSERVATIONS, **{"db.batch.size": len(new)}):
            if new:
                await self._db[OBSERVATIONS].insert_many([_doc(o) for o in new], session=self._s)
        with db_span("bulk_write", OBSERVATIONS, **{"db.batch.size": len(changed)}):
            if changed:
                await self._db[OBSERVATIONS].bulk_write(
                    [ReplaceOne({"_id": _key(o.pupil_id, o.observation_id)}, _doc(o)) for o in changed], ordered=False, session=self._s)

    async def progress_of(self, pupil_ids: Sequence[str]) -> dict[str, PupilProgress]:
        with db_span("find", PROGRESS):
            docs = self._db[PROGRESS].find({"_id": {"$in": list(pupil_ids)}}, session=self._s)
            return {d["_id"]: PupilProgress.model_validate(d) async for d in docs}

    async def observations_of(self, pupil_ids: Sequence[str]) -> dict[str, list[ProjectedObservation]]:
        found: dict[str, list[ProjectedObservation]] = {}
        with db_span("find", OBSERVATIONS):
            ranges = [{"_id": {"$gte": _key(p, ""), "$lt": p + chr(ord(SEPARATOR) + 1)}} for p in pupil_ids]
            async for doc in self._db[OBSERVATIONS].find({"$or": ranges}, session=self._s):
                found.setdefault(doc["pupil_id"], []).append(ProjectedObservation.model_validate(doc))
        return found

    async def save_progress(self, progress: Sequence[PupilProgress]) -> None:
        with db_span("bulk_write", PROGRESS, **{"db.batch.size": len(progress)}):
            await self._db[PROGRESS].bulk_write(
                [ReplaceOne({"_id": p.pupil_id}, {"_id": p.pupil_id, **p.model_dump(mode="json")}, upsert=True) for p in progress],
                ordered=False, session=self._s)


class MongoProjectionStore:
    """Opens projection transactions on the service's database."""

    def __init__(self, client: AsyncMongoClient, db: AsyncDatabase) -> None:
        self._client = client
        self._db = db

    @asynccontextmanager
    async def transaction(self) -> AsyncIterator[MongoProjectionTransaction]:
        async with unit_of_work(self._client, self._db) as uow:
            yield MongoProjectionTransaction(self._db, uow.session)

    async def progress(self, pupil_id: str) -> PupilProgress | None:
        with db_span("find", PROGRESS):
            doc = await self._db[PROGRESS].find_one({"_id": pupil_id})
        return PupilProgress.model_validate(doc) if doc else None
