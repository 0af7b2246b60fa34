"""The base of a service's MongoDB store: unbound for reads, or bound to one transaction in which
it writes, emits events to the outbox and claims consumed events, all committed together.

Every service's core asks its store for ``transaction()`` and gets the same store bound to a unit
of work, so the pattern that makes state, events and exactly-once consumption atomic is written
once, here.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager
from typing import Any, Self

from pymongo import AsyncMongoClient
from pymongo.asynchronous.client_session import AsyncClientSession
from pymongo.asynchronous.database import AsyncDatabase

from engagement_shared.events.envelope import Event
from engagement_shared.mongo.idempotency import claim_new_events
from engagement_shared.mongo.unit_of_work import unit_of_work


class TransactionalStore:
    """Reads anywhere; writes that carry events, ``emit`` and ``claim`` inside ``transaction()``."""

    def __init__(self, client: AsyncMongoClient, db: AsyncDatabase, session: AsyncClientSession | None = None, emit: Any = None) -> None:
        self._client = client
        self._db = db
        self._s = session
        self._emit = emit

    @asynccontextmanager
    async def transaction(self) -> AsyncIterator[Self]:
        """The same store bound to a new transaction, committed with its events on normal exit."""
        async with unit_of_work(self._client, self._db) as uow:
            yield type(self)(self._client, self._db, uow.session, uow.emit)

    def emit(self, *events: Event) -> None:
        """Queue events for the outbox of the current transaction."""
        if self._emit is None:
            raise RuntimeError("events can only be emitted inside a transaction")
        self._emit(*events)

    async def claim(self, events: Sequence[Event]) -> list[Event]:
        """The events not yet applied by this consumer, recorded as applied in this transaction."""
        if self._s is None:
            raise RuntimeError("claiming events needs a transaction")
        return await claim_new_events(self._db, self._s, events)
