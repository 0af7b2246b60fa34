"""The outbox relay: publishes stored events in order and marks them published.

At-least-once: a crash between publishing and marking re-publishes on restart, which consumers
absorb by deduplicating on ``event_id``. The relay also notices a broker that lost its data
(its marker message gone, as when the local in-memory broker restarts) and then re-publishes every stored event, so nothing is lost.
The check runs before every batch, so events are never published into a broker's new, empty
life without the older ones following.
"""

from __future__ import annotations

import asyncio
import time

import structlog
from opentelemetry.trace import SpanKind
from pymongo.asynchronous.database import AsyncDatabase

from engagement_shared.events.envelope import utcnow
from engagement_shared.kafka.publisher import KafkaPublisher, OutgoingMessage
from engagement_shared.kafka.topics import TopicAdmin
from engagement_shared.mongo.unit_of_work import OUTBOX
from engagement_shared.observability.tracing import carrier_of, db_span, kafka_headers, span_in
from engagement_shared.settings import KafkaSettings

log = structlog.get_logger(__name__)
RELAY_STATE = "outbox_relay_state"


class OutboxRelay:
    """Moves events from a service's outbox collection onto the bus."""

    def __init__(self, db: AsyncDatabase, settings: KafkaSettings, topics: list[str], batch_size: int = 500,
                 idle_sleep: float = 0.05, broker_check_every: float = 1.0) -> None:
        self._db = db
        self._settings = settings
        self._topics = [settings.topic(t) for t in topics]
        self._batch_size = batch_size
        self._idle_sleep = idle_sleep
        self._check_every = broker_check_every
        self._publisher = KafkaPublisher(settings, client_id=f"relay-{db.name}")
        self._admin = TopicAdmin(settings)
        self._last_check = 0.0
        self._marker_topic = settings.topic(f"relay-marker.{db.name}")

    async def run(self, stop: asyncio.Event | None = None) -> None:
        """Relay until ``stop`` is set (or forever)."""
        stop = stop or asyncio.Event()
        await self._admin.start()
        await self._publisher.start()
        log.info("relay.started", topics=self._topics)
        try:
            while not stop.is_set():
                if await self.relay_once() < self._batch_size:
                    await asyncio.sleep(self._idle_sleep)
        finally:
            await self._publisher.stop()
            await self._admin.close()

    async def relay_once(self) -> int:
        """Publish one batch of unpublished events; return how many were published."""
        outbox = self._db[OUTBOX]
        pending = await outbox.find_one({"published": False}, {"_id": 1})
        if pending is None and time.monotonic() - self._last_check < self._check_every:
            return 0
        await self.check_broker()
        self._last_check = time.monotonic()
        records = await outbox.find({"published": False}).sort([("created_at", 1), ("position", 1)]).limit(self._batch_size).to_list()
        if not records:
            return 0
        messages = []
        for record in records:
            with span_in(f"publish {record['topic']}", record.get("trace"), SpanKind.PRODUCER,
                         **{"messaging.system": "kafka", "messaging.destination.name": record["topic"], "event.id": record["_id"]}) as span:
                carrier = carrier_of(span)
            messages.append(OutgoingMessage(self._settings.topic(record["topic"]), record["key"], record["value"], kafka_headers(carrier)))
        await self._publisher.publish(messages)
        with db_span("update", OUTBOX, **{"db.batch.size": len(records)}):
            await outbox.update_many({"_id": {"$in": [r["_id"] for r in records]}}, {"$set": {"published": True, "published_at": utcnow()}})
        return len(records)

    async def check_broker(self) -> bool:
        """Detect a broker that forgot what we published; if so, re-publish every stored event.

        The relay keeps a marker message on a topic of its own. If the broker no longer has it
        (the topic was recreated, or is empty) although we wrote one, the broker lost its data.
        Returns True on loss.
        """
        await self._admin.ensure(self._topics)
        created = await self._admin.ensure([self._marker_topic], with_dead_letters=False, partitions=1)
        state = await self._db[RELAY_STATE].find_one({"_id": "marker"})
        ends = await self._admin.end_offsets(self._marker_topic, [0])
        lost = state is not None and (self._marker_topic in created or ends.get(0, 0) == 0)
        if lost:
            result = await self._db[OUTBOX].update_many({"published": True}, {"$set": {"published": False}})
            log.warning("relay.broker_lost_events", republishing=result.modified_count)
        if state is None or lost:
            await self._publisher.publish([OutgoingMessage(self._marker_topic, "marker", b"{}")])
            await self._db[RELAY_STATE].replace_one({"_id": "marker"}, {"_id": "marker", "written_at": utcnow()}, upsert=True)
        return lost
