"""The outbox relay: follows the outbox's change stream and publishes each event to Kafka.

The change stream delivers outbox records in commit order, so each pupil's events reach the bus
in the order they happened, and nothing has to be marked per record: the relay saves the
stream's resume token after each published batch. At-least-once: a crash between publishing and
saving re-publishes that batch on restart, which consumers absorb by deduplicating on
``event_id``.

It also notices a broker that lost its data (as when the local in-memory broker restarts): it
keeps a marker message on a one-partition topic of its own and, when the broker no longer has
it, re-publishes every stored event in order before going on. A resume token the database no
longer knows leads to the same full re-publication.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import structlog
from aiokafka.errors import KafkaError
from opentelemetry.trace import SpanKind
from pymongo.asynchronous.change_stream import AsyncChangeStream
from pymongo.asynchronous.database import AsyncDatabase
from pymongo.errors import OperationFailure, PyMongoError

from engagement_shared.events.envelope import utcnow
from engagement_shared.kafka.publisher import KafkaPublisher, OutgoingMessage
from engagement_shared.kafka.topics import TopicAdmin
from engagement_shared.mongo.client import connect
from engagement_shared.mongo.unit_of_work import OUTBOX
from engagement_shared.settings import KafkaSettings, MongoSettings
from engagement_shared.observability.tracing import carrier_of, kafka_headers, span_in

log = structlog.get_logger(__name__)
RELAY_STATE = "outbox_relay_state"


class OutboxRelay:
    """Moves events from a service's outbox collection onto the bus."""

    def __init__(self, db: AsyncDatabase, settings: KafkaSettings, topics: list[str], batch_size: int = 500,
                 broker_check_every: float = 1.0, idle_pause: float = 0.2) -> None:
        self._db = db
        self._settings = settings
        self._topics = [settings.topic(t) for t in topics]
        self._batch_size = batch_size
        self._check_every = broker_check_every
        self._idle_pause = idle_pause
        self._publisher = KafkaPublisher(settings, client_id=f"relay-{db.name}")
        self._admin = TopicAdmin(settings)
        self._marker_topic = settings.topic(f"relay-marker.{db.name}")
        self._last_check = 0.0

    async def run(self, stop: asyncio.Event | None = None) -> None:
        """Relay until ``stop`` is set (or forever)."""
        stop = stop or asyncio.Event()
        await self._admin.start()
        await self._publisher.start()
        log.info("relay.started", topics=self._topics)
        try:
            while not stop.is_set():
                try:
                    await self._follow(stop)
                except (KafkaError, PyMongoError) as exc:
                    # The broker or the database went away; start again from the saved position.
                    log.warning("relay.interrupted", error=exc.__class__.__name__)
                    await asyncio.sleep(1.0)
        finally:
            await self._publisher.stop()
            await self._admin.close()

    async def _follow(self, stop: asyncio.Event) -> None:
        """Publish from the saved position; start over with a full re-publication when needed."""
        state = await self._db[RELAY_STATE].find_one({"_id": "stream"})
        token = state["token"] if state else None
        try:
            stream = await self._watch(token)
        except OperationFailure:
            log.warning("relay.resume_token_unknown")
            stream, token = await self._watch(None), None
        async with stream:
            self._last_check = 0.0  # look at the broker before publishing anything
            publish_everything = token is None
            while not stop.is_set():
                if await self._broker_lost() or publish_everything:
                    await self.republish_all()
                    await self._write_marker()  # only now: an interrupted re-publication is noticed again
                    await self._save(stream.resume_token)
                    publish_everything = False
                batch = await self._next_batch(stream)
                if batch:
                    await self._publish(batch)
                    await self._save(stream.resume_token)
                if len(batch) < self._batch_size:
                    # Caught up: let events gather rather than asking the database again at once;
                    # each read of the stream costs the database more than the events it returns.
                    await asyncio.sleep(self._idle_pause)

    async def _watch(self, token: Any) -> AsyncChangeStream:
        return await self._db[OUTBOX].watch([{"$match": {"operationType": "insert"}}], resume_after=token, max_await_time_ms=100)

    async def _next_batch(self, stream: AsyncChangeStream) -> list[dict[str, Any]]:
        """Up to ``batch_size`` outbox records that are ready now (waits briefly when idle)."""
        batch: list[dict[str, Any]] = []
        while len(batch) < self._batch_size:
            change = await stream.try_next()
            if change is None:
                break
            batch.append(change["fullDocument"])
        return batch

    async def _save(self, token: Any) -> None:
        if token is not None:
            await self._db[RELAY_STATE].replace_one({"_id": "stream"}, {"_id": "stream", "token": token, "at": utcnow()}, upsert=True)

    async def _publish(self, records: list[dict[str, Any]]) -> None:
        messages = []
        for record in records:
            with span_in(f"publish {record['topic']}", record.get("trace"), SpanKind.PRODUCER,
                         **{"messaging.system": "kafka", "messaging.destination.name": record["topic"], "event.id": record["event_id"]}) as span:
                carrier = carrier_of(span)
            messages.append(OutgoingMessage(self._settings.topic(record["topic"]), record["key"], record["value"], kafka_headers(carrier)))
        await self._publisher.publish(messages)

    async def republish_all(self) -> int:
        """Publish every stored event again, oldest first; returns how many."""
        count = 0
        cursor = self._db[OUTBOX].find().sort([("_id", 1)]).batch_size(self._batch_size)
        batch: list[dict[str, Any]] = []
        async for record in cursor:
            batch.append(record)
            if len(batch) == self._batch_size:
                await self._publish(batch)
                count, batch = count + len(batch), []
        if batch:
            await self._publish(batch)
            count += len(batch)
        if count:
            log.info("relay.republished", events=count)
        return count

    async def _broker_lost(self) -> bool:
        if time.monotonic() - self._last_check < self._check_every:
            return False
        self._last_check = time.monotonic()
        return await self.check_broker()

    async def check_broker(self) -> bool:
        """Whether the broker forgot what we published: our marker message is gone.

        The marker is written on first use, and after a loss only once everything has been
        published again, so a re-publication cut short by a crash or a broker hiccup is redone.
        """
        await self._admin.ensure(self._topics)
        created = await self._admin.ensure([self._marker_topic], with_dead_letters=False, partitions=1)
        if await self._db[RELAY_STATE].find_one({"_id": "marker"}) is None:
            await self._write_marker()
            return False
        ends = await self._admin.end_offsets(self._marker_topic, [0])
        lost = self._marker_topic in created or ends.get(0, 0) == 0
        if lost:
            log.warning("relay.broker_lost_events")
        return lost

    async def _write_marker(self) -> None:
        await self._publisher.publish([OutgoingMessage(self._marker_topic, "marker", b"{}")])
        await self._db[RELAY_STATE].replace_one({"_id": "marker"}, {"_id": "marker", "written_at": utcnow()}, upsert=True)


@asynccontextmanager
async def outbox_relay(mongo: MongoSettings, kafka: KafkaSettings, topics: list[str]) -> AsyncIterator[OutboxRelay]:
    """A service's relay process: its outbox, its MongoDB connection, the topics it publishes to."""
    client, db = connect(mongo)
    try:
        yield OutboxRelay(db, kafka, topics)
    finally:
        await client.close()
