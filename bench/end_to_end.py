"""End to end: from the first POST until narrative-builder's projection counts every observation.

Ours is the whole path (HTTP intake and transaction, outbox relay, Kafka, the consumer's
idempotent projection transaction). The raw baseline is what the bus alone costs for the same
traffic: the very same serialized events and keys produced with the relay's producer settings
to a fresh topic with the same partition count, and consumed by a consumer group that commits
manually per partition batch, as the platform's subscriber does.
"""

from __future__ import annotations

import asyncio
import time
import uuid
from collections.abc import Sequence
from dataclasses import dataclass

import httpx
from aiokafka import AIOKafkaConsumer, AIOKafkaProducer
from aiokafka.admin import AIOKafkaAdminClient, NewTopic
from pymongo import AsyncMongoClient

from bench.harness import BenchPlatform, projected_count
from bench.ingest import observation_bodies, post_all
from tests.support.world import World

PARTITIONS = 6
POLL = 0.05


@dataclass
class EndToEnd:
    """One run of ours: total seconds, and when posting had finished (from the start)."""

    seconds: float
    posted_at: float


def pupils_of(world: World) -> list[str]:
    """Every pupil of the world."""
    return [p for ps in world.pupils.values() for p in ps]


async def ours(platform: BenchPlatform, api: httpx.AsyncClient, client: AsyncMongoClient, world: World, count: int,
               errors: list[str] | None = None) -> EndToEnd:
    """Post ``count`` fresh observations for a fresh world and wait until all are projected.

    The only query while the clock runs is a read of the world's 30 ``pupil_progress``
    documents every 50 ms, so the poll itself barely loads the server it measures.
    """
    bodies = observation_bodies(world, count)
    pupils = pupils_of(world)
    narrative = client[platform.narrative_db]
    token = world.token("app", school="all")
    start = time.perf_counter()
    posting = asyncio.create_task(post_all(api, token, bodies, errors))
    posted_at = None
    while True:
        await asyncio.sleep(POLL)
        now = time.perf_counter() - start
        if posting.done() and posted_at is None:
            posting.result()
            posted_at = now
        projected = await projected_count(narrative, pupils)
        if projected >= count and posted_at is not None:
            elapsed = time.perf_counter() - start
            break
        if now > 600:
            raise TimeoutError(f"only {projected}/{count} projected after 600s")
        platform.check_alive()
    return EndToEnd(elapsed, posted_at)


async def from_store(platform: BenchPlatform, api: httpx.AsyncClient, client: AsyncMongoClient, world: World, count: int,
                     errors: list[str] | None = None) -> float:
    """Relay, bus and consumer alone: seconds from releasing the relay until every stored event is projected.

    The observations are posted while the relay is frozen, so they wait in the outbox; the
    clock then measures exactly what the raw bus baseline measures for the same events: getting
    them from one store, across Kafka, into the projection.
    """
    pupils = pupils_of(world)
    narrative = client[platform.narrative_db]
    with platform.paused("relay"):
        await post_all(api, world.token("app", school="all"), observation_bodies(world, count), errors)
        await asyncio.sleep(1.0)  # let the API's last transaction settle before the clock starts
        start = time.perf_counter()
    while await projected_count(narrative, pupils) < count:
        await asyncio.sleep(POLL)
        if time.perf_counter() - start > 600:
            raise TimeoutError("events stored before the relay was released were not all projected after 600s")
        platform.check_alive()
    return time.perf_counter() - start


async def stored_events(platform: BenchPlatform, client: AsyncMongoClient, world: World) -> list[tuple[str, bytes]]:
    """The (key, value) of every ObservationRecorded event of the world, as the relay sent them."""
    cursor = client[platform.ingest_db].outbox.find({"key": {"$in": pupils_of(world)}, "type": "observation.recorded"},
                                                    {"key": 1, "value": 1}).sort([("created_at", 1), ("position", 1)])
    return [(d["key"], bytes(d["value"])) async for d in cursor]


async def _assigned(consumer: AIOKafkaConsumer, timeout: float = 60.0) -> None:
    deadline = time.monotonic() + timeout
    while len(consumer.assignment()) < PARTITIONS:
        if time.monotonic() > deadline:
            raise TimeoutError("the raw consumer got no partitions")
        await consumer.getmany(timeout_ms=100)


async def raw_kafka(bootstrap: str, messages: Sequence[tuple[str, bytes]], batch: int = 500) -> float:
    """Produce the messages to a fresh 6-partition topic and consume them all; return the seconds."""
    topic = f"bench-raw-{uuid.uuid4().hex[:8]}"
    admin = AIOKafkaAdminClient(bootstrap_servers=bootstrap)
    await admin.start()
    try:
        await admin.create_topics([NewTopic(topic, PARTITIONS, 1)])
    finally:
        await admin.close()
    # The relay's producer settings (engagement_shared.kafka.publisher) and the subscriber's
    # consumer settings (engagement_shared.kafka.subscriber), without anything of ours around them.
    producer = AIOKafkaProducer(bootstrap_servers=bootstrap, acks="all", enable_idempotence=False, linger_ms=5,
                                max_batch_size=1_048_576, request_timeout_ms=15_000)
    consumer = AIOKafkaConsumer(topic, bootstrap_servers=bootstrap, group_id=f"{topic}-group", enable_auto_commit=False,
                                auto_offset_reset="earliest", session_timeout_ms=6000, heartbeat_interval_ms=1000,
                                max_poll_records=batch)
    await producer.start()
    await consumer.start()
    try:
        await _assigned(consumer)

        async def produce() -> None:
            for i in range(0, len(messages), batch):
                futures = [await producer.send(topic, value, key=key.encode()) for key, value in messages[i:i + batch]]
                await asyncio.gather(*futures)

        start = time.perf_counter()
        sending = asyncio.create_task(produce())
        received = 0
        while received < len(messages):
            for partition, records in (await consumer.getmany(timeout_ms=300, max_records=batch)).items():
                received += len(records)
                await consumer.commit({partition: records[-1].offset + 1})
            if time.perf_counter() - start > 300:
                raise TimeoutError(f"raw consumer got {received}/{len(messages)}")
        elapsed = time.perf_counter() - start
        await sending
        return elapsed
    finally:
        await consumer.stop()
        await producer.stop()
