"""At-least-once event subscription with manual commits and a dead-letter topic.

For each fetch (all partitions at once): parse, hand the valid events to the handler (which writes durably and
idempotently), dead-letter what cannot be parsed or handled, and only then commit the offset.
Infrastructure outages are retried without limit (nothing is dead-lettered because MongoDB
was briefly away); any other handler failure is retried a bounded number of times, then the
batch is retried event by event so one poison event is dead-lettered alone.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Sequence

import structlog
from aiokafka import AIOKafkaConsumer, ConsumerRecord
from aiokafka.errors import KafkaConnectionError, KafkaError
from aiokafka.structs import TopicPartition
from opentelemetry.trace import SpanKind
from pymongo.errors import ConnectionFailure

from engagement_shared.errors import ConcurrentChange
from engagement_shared.events.envelope import Event
from engagement_shared.events.registry import MalformedEvent, parse_event
from engagement_shared.kafka.publisher import KafkaPublisher, OutgoingMessage
from engagement_shared.kafka.topics import TopicAdmin, dead_letter_topic
from engagement_shared.observability.tracing import carrier_from_headers, span_in
from engagement_shared.settings import KafkaSettings

log = structlog.get_logger(__name__)

BatchHandler = Callable[[Sequence[Event]], Awaitable[None]]
# Outages and lost write races: retried without limit, since waiting is the cure, not dead-lettering.
TRANSIENT = (ConnectionFailure, KafkaConnectionError, ConcurrentChange)


class EventSubscriber:
    """Consumes logical topics as one consumer group and feeds a batch handler."""

    def __init__(self, settings: KafkaSettings, group_id: str, topics: Sequence[str], handler: BatchHandler, max_batch: int = 500) -> None:
        self._settings = settings
        self._group_id = group_id
        self._topics = [settings.topic(t) for t in topics]
        self._handler = handler
        self._max_batch = max_batch
        self._dead_letters = KafkaPublisher(settings, client_id=f"{group_id}-dlq")

    async def run(self, stop: asyncio.Event | None = None) -> None:
        """Consume until ``stop`` is set (or forever)."""
        stop = stop or asyncio.Event()
        admin = TopicAdmin(self._settings)
        await admin.start()
        try:
            await admin.ensure(self._topics)
        finally:
            await admin.close()
        consumer = AIOKafkaConsumer(
            *self._topics,
            bootstrap_servers=self._settings.bootstrap_servers,
            group_id=self._group_id,
            enable_auto_commit=False,
            auto_offset_reset="earliest",
            session_timeout_ms=self._settings.session_timeout_ms,
            heartbeat_interval_ms=self._settings.heartbeat_interval_ms,
            max_poll_records=self._max_batch,
        )
        await self._dead_letters.start()
        await consumer.start()
        log.info("subscriber.started", group=self._group_id, topics=self._topics)
        try:
            while not stop.is_set():
                batches = await consumer.getmany(timeout_ms=300, max_records=self._max_batch)
                if batches:
                    # One handler call (one transaction) for every partition fetched: per-pupil order
                    # lives within a partition and the handler must not depend on order across them.
                    await self._process([m for messages in batches.values() for m in messages])
                    await self._commit(consumer, {tp: messages[-1].offset + 1 for tp, messages in batches.items()})
        finally:
            await consumer.stop()
            await self._dead_letters.stop()

    async def _commit(self, consumer: AIOKafkaConsumer, offsets: dict[TopicPartition, int]) -> None:
        try:
            await consumer.commit(offsets)
        except KafkaError as exc:
            # A rebalance took the partition away; the new owner re-reads from the last commit and
            # idempotent handlers make the repeat harmless.
            log.warning("subscriber.commit_failed", error=exc.__class__.__name__)

    async def _process(self, messages: list[ConsumerRecord]) -> None:
        parsed: list[tuple[ConsumerRecord, Event]] = []
        for message in messages:
            try:
                parsed.append((message, parse_event(message.value)))
            except MalformedEvent as exc:
                await self._dead_letter(message, f"malformed: {exc}")
        if not parsed:
            return
        carriers = [carrier_from_headers(m.headers) for m, _ in parsed]
        with span_in(f"consume {messages[0].topic}", carriers[0], SpanKind.CONSUMER, links=carriers[1:],
                     **{"messaging.system": "kafka", "messaging.batch.message_count": len(parsed), "messaging.consumer.group.name": self._group_id}):
            if await self._attempt([e for _, e in parsed]):
                return
        for message, event in parsed:
            with span_in(f"consume {message.topic}", carrier_from_headers(message.headers), SpanKind.CONSUMER):
                if not await self._attempt([event]):
                    await self._dead_letter(message, "handler failed after retries")

    async def _attempt(self, events: list[Event]) -> bool:
        """Run the handler with bounded retries for errors and unbounded ones for outages."""
        failures = 0
        delay = 0.1
        while True:
            try:
                await self._handler(events)
                return True
            except TRANSIENT as exc:
                log.warning("subscriber.infrastructure_unavailable", error=exc.__class__.__name__)
            except Exception as exc:  # noqa: BLE001 - any handler bug must not stop the partition
                failures += 1
                log.warning("subscriber.handler_failed", error=exc.__class__.__name__, attempt=failures, events=len(events))
                if failures > self._settings.max_retries:
                    return False
            await asyncio.sleep(delay)
            delay = min(delay * 2, 5.0)

    async def _dead_letter(self, message: ConsumerRecord, reason: str) -> None:
        headers = list(message.headers or ()) + [
            ("dlq.reason", reason.encode()),
            ("dlq.source_topic", message.topic.encode()),
            ("dlq.source_partition", str(message.partition).encode()),
            ("dlq.source_offset", str(message.offset).encode()),
            ("dlq.consumer_group", self._group_id.encode()),
        ]
        key = (message.key or b"").decode(errors="replace")
        await self._dead_letters.publish([OutgoingMessage(dead_letter_topic(message.topic), key, message.value or b"", headers)])
        log.warning("subscriber.dead_lettered", topic=message.topic, partition=message.partition, offset=message.offset, why=reason)
