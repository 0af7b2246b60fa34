"""Exactly-once effects for at-least-once delivery: a consumer records each event id it applied.

Call :func:`claim_new_events` inside the same transaction as the projection write: it returns
only events this consumer has not applied and records them, so a redelivered event changes
nothing, and a crash before commit leaves neither the record nor the effect.
"""

from __future__ import annotations

from collections.abc import Sequence

from pymongo.asynchronous.client_session import AsyncClientSession
from pymongo.asynchronous.database import AsyncDatabase

from engagement_shared.events.envelope import Event, utcnow
from engagement_shared.observability.tracing import db_span

PROCESSED = "processed_events"


async def claim_new_events(db: AsyncDatabase, session: AsyncClientSession, events: Sequence[Event]) -> list[Event]:
    """Filter out events already applied (and duplicates within the batch); record the rest."""
    unique = list({e.event_id: e for e in events}.values())
    with db_span("find", PROCESSED):
        seen = {d["_id"] async for d in db[PROCESSED].find({"_id": {"$in": [e.event_id for e in unique]}}, {"_id": 1}, session=session)}
    fresh = [e for e in unique if e.event_id not in seen]
    if fresh:
        now = utcnow()
        with db_span("insert", PROCESSED, **{"db.batch.size": len(fresh)}):
            await db[PROCESSED].insert_many([{"_id": e.event_id, "type": e.type, "applied_at": now} for e in fresh], session=session)
    return fresh
