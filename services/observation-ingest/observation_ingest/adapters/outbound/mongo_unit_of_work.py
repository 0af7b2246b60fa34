"""The unit of work over MongoDB: repositories bound to one transaction plus its outbox."""

from __future__ import annotations

from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager

from pymongo import AsyncMongoClient
from pymongo.asynchronous.client_session import AsyncClientSession
from pymongo.asynchronous.database import AsyncDatabase

from engagement_shared.events.envelope import Event
from engagement_shared.mongo.idempotency import claim_new_events
from engagement_shared.mongo.unit_of_work import unit_of_work
from observation_ingest.adapters.outbound.mongo_repositories import MongoDirectory, MongoObservations, MongoTrustConfigs


class MongoUnitOfWork:
    """Repositories sharing one session (or none, for reads outside a transaction)."""

    def __init__(self, db: AsyncDatabase, session: AsyncClientSession | None, emit=None) -> None:  # type: ignore[no-untyped-def]
        self.directory = MongoDirectory(db, session)
        self.observations = MongoObservations(db, session)
        self.configs = MongoTrustConfigs(db, session)
        self._db = db
        self._session = session
        self._emit = emit

    def emit(self, *events: Event) -> None:
        """Queue events for the outbox; only valid inside a transaction."""
        if self._emit is None:
            raise RuntimeError("events can only be emitted inside a transaction")
        self._emit(*events)

    async def claim(self, events: Sequence[Event]) -> list[Event]:
        """The events not applied before, recorded as applied in this transaction."""
        if self._session is None:
            raise RuntimeError("events can only be claimed inside a transaction")
        return await claim_new_events(self._db, self._session, events)


class MongoUnitOfWorkFactory:
    """Opens transactions on the service's database."""

    def __init__(self, client: AsyncMongoClient, db: AsyncDatabase) -> None:
        self._client = client
        self._db = db

    @asynccontextmanager
    async def __call__(self) -> AsyncIterator[MongoUnitOfWork]:
        async with unit_of_work(self._client, self._db) as uow:
            yield MongoUnitOfWork(self._db, uow.session, uow.emit)

    def readonly(self) -> MongoUnitOfWork:
        """Repositories for reads that need no transaction."""
        return MongoUnitOfWork(self._db, None)
