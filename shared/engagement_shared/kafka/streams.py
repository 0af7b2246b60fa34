"""faust-streaming on the platform's Kafka, for the stateful stream jobs (tables, timers).

faust is used only where its tables and timers earn their place; its at-least-once delivery is
shaky, so every agent made here:

- runs with concurrency 1 and acks by hand (``noack``), only after its event was handled or
  dead-lettered: faust's own acking acks an in-flight message when the agent raises or is
  cancelled, and commits past it;
- never lets an exception out: a message that is not a platform event, or whose handling fails,
  goes to ``<topic>.dlq`` with the reason, and is logged by type and id only (payloads may be
  children's special-category data);
- checks that offsets arrive without gaps (faust 0.15.3 now and then loses a message between its
  fetcher and the agent just after an assignment); after a gap nothing is acked and the app is
  replaced by a fresh one that resumes from the last commit (:class:`StreamProgress`).

Commits: faust commits acked offsets every ``broker_commit_interval`` and flushes its producer
(the tables' changelog writes) first, so a committed offset means the state for everything before
it is in the changelog topics. After a crash the tables are rebuilt from those topics and the
events after the last commit are handled again, so handlers must be idempotent. The local broker
reports wrong end offsets (:class:`OffsetProbe`), which made faust's table recovery stop short;
the probe answers faust's end-offset questions instead.

The app runs inside the caller's event loop (``await app.start()``), not under ``faust worker``,
which would take over signals, logging and the loop. Settings follow the local broker's quirks:
topics (changelogs included) are created here with explicit partitions, short session and
rebalance timeouts, in-memory table stores, no standby replicas, no leader topic, no web server.
"""

from __future__ import annotations

import asyncio
import logging
import os
import shutil
import tempfile
import time
from collections.abc import AsyncIterator, Awaitable, Callable, Iterable, Sequence
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import faust
import structlog
from aiokafka import AIOKafkaConsumer
from aiokafka.admin import AIOKafkaAdminClient, NewTopic
from aiokafka.errors import TopicAlreadyExistsError
from aiokafka.structs import TopicPartition
from faust.types import TP, Message

from engagement_shared.events.envelope import Event
from engagement_shared.events.registry import MalformedEvent, parse_event
from engagement_shared.kafka.publisher import OutgoingMessage
from engagement_shared.kafka.topics import TopicAdmin, dead_letter_topic
from engagement_shared.settings import KafkaSettings

log = structlog.get_logger(__name__)

EventHandler = Callable[[Event], Awaitable[None] | None]


def stream_app(settings: KafkaSettings, name: str, **overrides: Any) -> faust.App:
    """A faust app on the platform's broker; its id (consumer group, changelog topic names) carries
    the deployment's topic prefix, so tests and tenants on one broker stay apart."""
    app_id = settings.topic(name)
    for noisy in ("faust", "mode"):
        logging.getLogger(noisy).setLevel(logging.WARNING)
    conf: dict[str, Any] = {
        "broker": [f"kafka://{server.strip()}" for server in settings.bootstrap_servers.split(",")],
        "env": {},  # configured from our settings only, never from faust's own environment variables
        "autodiscover": False,
        # faust insists on a data folder even for in-memory tables; ``running`` makes and removes it
        "datadir": Path(tempfile.gettempdir()) / "engagement-streams" / f"{app_id}-{os.getpid()}",
        "broker_client_id": app_id,
        "store": "memory://",
        "web_enabled": False,
        "topic_disable_leader": True,
        "topic_partitions": settings.partitions,
        "topic_replication_factor": settings.replication_factor,
        "table_standby_replicas": 0,
        "broker_session_timeout": settings.session_timeout_ms / 1000,
        "broker_rebalance_timeout": settings.session_timeout_ms / 1000,
        "broker_heartbeat_interval": settings.heartbeat_interval_ms / 1000,
        "consumer_auto_offset_reset": "earliest",
        "producer_acks": -1,
        "key_serializer": "raw",
        "value_serializer": "raw",
        "processing_guarantee": "at_least_once",
        # Stopping must not wait for unacked messages: messages skipped after a gap are never acked.
        # Nothing is lost by not waiting, since only handled messages are ever acked.
        "stream_wait_empty": False,
    }
    return faust.App(app_id, **(conf | overrides))


def changelog_topics(app: faust.App) -> list[str]:
    """The changelog topic of every table of the app."""
    return sorted(table.changelog_topic_name for table in app.tables.values())


async def prepare_topics(settings: KafkaSettings, app: faust.App, topics: Iterable[str]) -> None:
    """Create the app's topics (logical names; with dead-letter twins) and its tables' changelogs
    (compacted, no twins) before faust starts: the local broker would auto-create them with the
    wrong number of partitions."""
    admin = TopicAdmin(settings)
    await admin.start()
    try:
        await admin.ensure([settings.topic(t) for t in topics])
    finally:
        await admin.close()
    client = AIOKafkaAdminClient(bootstrap_servers=settings.bootstrap_servers, request_timeout_ms=10_000)
    await client.start()
    try:
        existing = set(await client.list_topics())
        for name in changelog_topics(app):
            if name in existing:
                continue
            try:
                await client.create_topics([NewTopic(name, settings.partitions, settings.replication_factor,
                                                     topic_configs={"cleanup.policy": "compact"})])
            except TopicAlreadyExistsError:
                pass
    finally:
        await client.close()


class OffsetProbe:
    """Where partitions really end, and where a consumer group stands, asked of the broker directly.

    The local broker reports the offset after the *first* record of a partition's last record
    batch as its end, so faust's table recovery stopped short of the last batch (a clean restart
    lost changelog records) and "caught up" came too early. Here the reported end is only a hint:
    the last batch is fetched from there and its last record decides. On a broker that reports
    true ends this reads one record per partition.
    """

    def __init__(self, settings: KafkaSettings, group: str, timeout: float = 10.0) -> None:
        # The group is only read (committed offsets), never joined: this consumer never subscribes.
        self._consumer = AIOKafkaConsumer(bootstrap_servers=settings.bootstrap_servers, group_id=group,
                                          enable_auto_commit=False, auto_offset_reset="earliest", max_poll_records=10_000)
        self._timeout = timeout
        self._lock = asyncio.Lock()

    async def start(self) -> None:
        """Connect to the cluster."""
        await self._consumer.start()

    async def stop(self) -> None:
        """Disconnect."""
        await self._consumer.stop()

    async def committed(self, tp: TP) -> int:
        """The group's committed offset of a partition (0 if none): where faust resumes it."""
        return await self._consumer.committed(TopicPartition(tp.topic, tp.partition)) or 0

    async def ends(self, *partitions: TP) -> dict[TP, int]:
        """Partition -> the offset after its last record (faust's ``Consumer.highwaters`` contract)."""
        async with self._lock:  # recovery and the caught-up check may ask at once
            wanted = {TopicPartition(tp.topic, tp.partition): tp for tp in partitions}
            reported = await self._consumer.end_offsets(list(wanted))
            ends = {wanted[tp]: offset for tp, offset in reported.items()}
            probe = [tp for tp, offset in reported.items() if offset > 0]
            if not probe:
                return ends
            self._consumer.assign(probe)
            for tp in probe:
                self._consumer.seek(tp, reported[tp] - 1)
            pending, deadline = set(probe), time.monotonic() + self._timeout
            while pending and time.monotonic() < deadline:
                for tp, records in (await self._consumer.getmany(*pending, timeout_ms=200)).items():
                    if records:
                        ends[wanted[tp]] = max(ends[wanted[tp]], records[-1].offset + 1)
                        pending.discard(tp)
            if pending:
                log.warning("stream.end_offsets_unconfirmed", partitions=len(pending))
            return ends


class StreamProgress:
    """Which offsets the agents have handled, per partition.

    Two uses. A timer waits until the tables reflect every event published before it looks
    (after a restart the events after the last commit are read again; judging before they are
    would judge stale state). And an agent notices when faust hands it a message while earlier
    ones of its partition never arrived, which faust 0.15.3 does now and then just after an
    assignment (the message reaches faust's dispatcher but not the agent). Nothing after the gap
    is handled or acked then, so no commit can pass it, and :attr:`interrupted` asks for the app
    to be started afresh: it resumes from the last commit and reads the missed messages.
    """

    def __init__(self, app: faust.App, settings: KafkaSettings) -> None:
        self._app = app
        self.offsets = OffsetProbe(settings, group=app.conf.id)
        self.interrupted = asyncio.Event()
        self._next: dict[TP, int] = {}
        app.on_partitions_revoked.connect(self._forget)
        app.on_partitions_assigned.connect(self._forget)

    def _forget(self, _sender: Any, partitions: Iterable[TP], **_kwargs: Any) -> None:
        for tp in partitions:
            self._next.pop(tp, None)

    async def _expected(self, tp: TP) -> int:
        if tp not in self._next:
            # Nothing handled since the partition was assigned: it resumes at the group's commit.
            self._next[tp] = await self.offsets.committed(tp)
        return self._next[tp]

    def handled(self, message: Message) -> None:
        """Record that a message is fully handled (state written or dead-lettered)."""
        self._next[message.tp] = max(self._next.get(message.tp, 0), message.offset + 1)

    async def missed_before(self, message: Message) -> bool:
        """True if this message must be neither handled nor acked: messages before it never
        reached the agent (or an earlier gap has already interrupted the app)."""
        if self.interrupted.is_set():
            return True
        tp = message.tp
        expected = await self._expected(tp)
        if message.offset <= expected:
            return False  # the next one, or one handled before and delivered again: idempotent
        log.warning("stream.offsets_missed", topic=tp.topic, partition=tp.partition, first=expected, seen=message.offset)
        self.interrupted.set()
        return True

    async def caught_up(self, topics: Iterable[str], timeout: float) -> bool:
        """Wait until every assigned partition of ``topics`` is handled up to its end offset as of
        now; False if that takes longer than ``timeout`` or the group is rebalancing.

        If in all that time an agent handled nothing at all while one of its partitions still had
        messages to give, faust lost them with nothing after them to reveal the gap: the app is
        interrupted too, so that a fresh one reads them.
        """
        wanted = set(topics)
        consumer = self._app.consumer
        tps = [tp for tp in consumer.assignment() if tp.topic in wanted]
        if self._app.rebalancing or self.interrupted.is_set() or {tp.topic for tp in tps} != wanted:
            return False
        ends = await asyncio.wait_for(self.offsets.ends(*tps), timeout)
        start = {tp: await self._expected(tp) for tp in ends}
        deadline = time.monotonic() + timeout
        while lagging := [tp for tp, end in ends.items() if self._next.get(tp, 0) < end]:
            if self._app.rebalancing or self.interrupted.is_set():
                return False
            if time.monotonic() > deadline:
                idle = {tp.topic for tp in lagging} - {tp.topic for tp in ends if self._next.get(tp, 0) > start[tp]}
                if idle:
                    log.warning("stream.partitions_stalled", topics=sorted(idle), partitions=len(lagging))
                    self.interrupted.set()
                return False
            await asyncio.sleep(0.05)
        return True


async def deliver(app: faust.App, messages: Sequence[OutgoingMessage]) -> None:
    """Send messages with the app's producer and wait until the broker has acknowledged each."""
    pending = [await app.producer.send(m.topic, m.key.encode(), m.value, None, None, m.headers or None) for m in messages]
    await asyncio.gather(*pending)


def _dead_letter(message: Message, why: str, group: str) -> OutgoingMessage:
    headers = list(message.headers.items() if isinstance(message.headers, dict) else message.headers or ()) + [
        ("dlq.reason", why.encode()),
        ("dlq.source_topic", message.topic.encode()),
        ("dlq.source_partition", str(message.partition).encode()),
        ("dlq.source_offset", str(message.offset).encode()),
        ("dlq.consumer_group", group.encode()),
    ]
    key = message.key.decode(errors="replace") if isinstance(message.key, bytes) else ""
    return OutgoingMessage(dead_letter_topic(message.topic), key, message.value or b"", headers)


async def _send_dead_letter(app: faust.App, message: Message, why: str) -> None:
    delay = 0.2
    while True:  # until it is stored: acking without it would lose the event
        try:
            await deliver(app, [_dead_letter(message, why, app.conf.id)])
            log.warning("stream.dead_lettered", topic=message.topic, partition=message.partition, offset=message.offset, why=why)
            return
        except Exception as exc:  # noqa: BLE001 - the broker is away: wait, never drop
            log.warning("stream.dead_letter_failed", topic=message.topic, offset=message.offset, error=exc.__class__.__name__)
            await asyncio.sleep(delay)
            delay = min(delay * 2, 5.0)


async def _handle(app: faust.App, message: Message, handler: EventHandler) -> None:
    try:
        event = parse_event(message.value)
    except MalformedEvent as exc:
        await _send_dead_letter(app, message, f"malformed: {exc}")
        return
    try:
        outcome = handler(event)
        if outcome is not None:
            await outcome
    except Exception as exc:  # noqa: BLE001 - a failing event must not stop the partition
        log.warning("stream.handler_failed", topic=message.topic, offset=message.offset, type=event.type,
                    event_id=event.event_id, error=exc.__class__.__name__)
        await _send_dead_letter(app, message, f"handler failed: {exc.__class__.__name__}")


def guarded_agent(app: faust.App, topic: str, name: str, handler: EventHandler, progress: StreamProgress) -> None:
    """Register an agent that hands each event of ``topic`` (full name) to ``handler``, acks it only
    once handled or dead-lettered, and lets no exception escape."""
    source = app.topic(topic, key_type=bytes, value_type=bytes, key_serializer="raw", value_serializer="raw")

    async def agent(stream: faust.StreamT) -> None:
        async for event in stream.noack().events():
            if await progress.missed_before(event.message):
                continue
            await _handle(app, event.message, handler)
            await stream.ack(event)
            progress.handled(event.message)

    app.agent(source, name=name, concurrency=1)(agent)


@asynccontextmanager
async def running(app: faust.App, progress: StreamProgress) -> AsyncIterator[faust.App]:
    """Start the app in this event loop (returns once its tables are recovered) and stop it on exit.

    faust asks its consumer for end offsets when it recovers tables; the local broker's answer
    cannot be trusted, so :class:`OffsetProbe` answers instead.
    """
    app.conf.datadir.parent.mkdir(parents=True, exist_ok=True)
    await progress.offsets.start()
    app.consumer.highwaters = progress.offsets.ends  # type: ignore[method-assign]
    try:
        await app.start()
        yield app
    finally:
        await app.stop()
        await progress.offsets.stop()
        shutil.rmtree(app.conf.datadir, ignore_errors=True)


async def run_until(app: faust.App, stop: asyncio.Event, progress: StreamProgress) -> bool:
    """Keep a started app running until ``stop`` is set (False) or its agents missed messages
    (True: stop it and start a new app, which resumes from the last commit). Raise if faust
    crashed, so the process exits and its supervisor restarts it from the last commit."""
    while not stop.is_set() and not app.crashed and not progress.interrupted.is_set():
        try:
            await asyncio.wait_for(stop.wait(), 0.5)
        except TimeoutError:
            pass
    if app.crashed:
        raise RuntimeError(f"stream app crashed: {app.crash_reason.__class__.__name__}")
    return progress.interrupted.is_set() and not stop.is_set()
