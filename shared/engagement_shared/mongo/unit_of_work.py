"""A unit of work: state changes and the events they cause, committed in one transaction.

Repositories write through ``uow.session``; events go to ``uow.emit``; on commit the events are
written to the ``outbox`` collection inside the same transaction, so a state change is never
stored without its event, nor an event without its state. The relay publishes them later.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import datetime

from pymongo import AsyncMongoClient
from pymongo.errors import PyMongoError
from pymongo.asynchronous.client_session import AsyncClientSession
from pymongo.asynchronous.database import AsyncDatabase

from engagement_shared.errors import ConcurrentChange
from engagement_shared.events.envelope import Event, utcnow
from engagement_shared.events.registry import serialize_event
from engagement_shared.observability.tracing import current_carrier, db_span

OUTBOX = "outbox"
WRITE_CONFLICT = 112


def outbox_record(event: Event, created_at: datetime, position: int, carrier: dict[str, str]) -> dict[str, object]:
    """The stored form of an event; kept after publishing, so everything can be published again.

    Its ``_id`` sorts in creation order (time, then place in its transaction), so a full
    re-publication reads the outbox in order through the primary index alone: on the local
    database each secondary index roughly doubles the cost of an insert.
    """
    return {
        "_id": f"{created_at.strftime('%Y%m%dT%H%M%S.%f')}-{position:04d}-{event.event_id}",
        "event_id": event.event_id,
        "topic": event.topic,
        "key": event.key,
        "type": event.type,
        "value": serialize_event(event),
        "trace": carrier,
    }


class UnitOfWork:
    """One transaction's session plus the events it will emit."""

    def __init__(self, session: AsyncClientSession) -> None:
        self.session = session
        self.events: list[Event] = []

    def emit(self, *events: Event) -> None:
        """Queue events to be stored in the outbox when the transaction commits."""
        self.events.extend(events)


def is_transient(exc: PyMongoError) -> bool:
    """Whether a transaction failed only because of a concurrent writer (worth retrying whole).

    MongoDB labels these ``TransientTransactionError``; the local stand-in reports WiredTiger's
    write conflict as an internal error instead.
    """
    return (exc.has_error_label("TransientTransactionError") or exc.has_error_label("UnknownTransactionCommitResult")
            or getattr(exc, "code", None) == WRITE_CONFLICT or "conflict between concurrent operations" in str(exc))


@asynccontextmanager
async def unit_of_work(client: AsyncMongoClient, db: AsyncDatabase) -> AsyncIterator[UnitOfWork]:
    """Open a transaction; on normal exit write the outbox records and commit, else abort.

    A transaction that lost a race with a concurrent writer raises ConcurrentChange, so the
    caller can run the whole use case again.
    """
    try:
        async with _transaction(client, db) as uow:
            yield uow
    except PyMongoError as exc:
        if is_transient(exc):
            raise ConcurrentChange("the data changed at the same moment in another request; please retry") from exc
        raise


@asynccontextmanager
async def _transaction(client: AsyncMongoClient, db: AsyncDatabase) -> AsyncIterator[UnitOfWork]:
    async with client.start_session() as session:
        async with await session.start_transaction():
            uow = UnitOfWork(session)
            yield uow
            if uow.events:
                now, carrier = utcnow(), current_carrier()
                with db_span("insert", OUTBOX, **{"db.batch.size": len(uow.events)}):
                    await db[OUTBOX].insert_many(
                        [outbox_record(e, now, i, carrier) for i, e in enumerate(uow.events)], session=session
                    )
