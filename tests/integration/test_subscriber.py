"""The at-least-once subscriber: dead letters with reasons, and partitions that keep moving."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Sequence

from aiokafka import AIOKafkaConsumer

from engagement_shared.events.directory import PupilFacts, PupilRegistered
from engagement_shared.events.envelope import Event, utcnow
from engagement_shared.events.registry import serialize_event
from engagement_shared.kafka.publisher import KafkaPublisher, OutgoingMessage
from engagement_shared.kafka.subscriber import EventSubscriber
from engagement_shared.kafka.topics import TopicAdmin
from engagement_shared.settings import ServiceConfig
from tests.support.pipeline import eventually


def registered(pupil_id: str) -> PupilRegistered:
    """A small valid event keyed by one pupil, so every message lands on the same partition."""
    return PupilRegistered(occurred_at=utcnow(), trust_id="t", school_id="s", producer="test",
                           payload=PupilFacts(pupil_id=pupil_id, key_stage="KS2", on_engagement_model=True, regressive_condition=False))


async def read_all(bootstrap: str, topic: str, expected: int) -> list:
    """Every message on a topic, from the start."""
    consumer = AIOKafkaConsumer(topic, bootstrap_servers=bootstrap, auto_offset_reset="earliest", enable_auto_commit=False)
    await consumer.start()
    messages: list = []
    try:
        while len(messages) < expected:
            batch = await consumer.getmany(timeout_ms=10_000)
            if not batch:
                break
            messages.extend(m for ms in batch.values() for m in ms)
    finally:
        await consumer.stop()
    return messages


async def test_malformed_and_poison_messages_are_dead_lettered_and_the_partition_carries_on(ingest_config: ServiceConfig) -> None:
    """Bad data on the bus never blocks the good events behind it, and the reason is kept."""
    kafka = ingest_config.kafka
    topic = kafka.topic("directory")
    admin = TopicAdmin(kafka)
    await admin.start()
    await admin.ensure([topic])
    await admin.close()
    poison = registered("p-poison")
    good = [registered("p-same") for _ in range(3)]
    publisher = KafkaPublisher(kafka, "test")
    await publisher.start()
    await publisher.publish([
        OutgoingMessage(topic, "p-same", b"{not json"),
        OutgoingMessage(topic, "p-same", json.dumps({"type": "pupil.registered", "schema_version": 1, "notes": "Secret"}).encode()),
        OutgoingMessage(topic, "p-same", serialize_event(good[0])),
        OutgoingMessage(topic, "p-same", serialize_event(poison)),
        OutgoingMessage(topic, "p-same", serialize_event(good[1])),
        OutgoingMessage(topic, "p-same", json.dumps({"type": "pupil.renamed"}).encode()),
        OutgoingMessage(topic, "p-same", serialize_event(good[2])),
    ])
    await publisher.stop()

    applied: list[str] = []

    async def handler(events: Sequence[Event]) -> None:
        if any(e.event_id == poison.event_id for e in events):
            raise RuntimeError("this event breaks the handler")
        applied.extend(e.event_id for e in events)

    stop = asyncio.Event()
    subscriber = EventSubscriber(kafka, "test-group", ["directory"], handler)
    task = asyncio.create_task(subscriber.run(stop))

    async def all_good_applied() -> bool:
        return set(applied) == {e.event_id for e in good}
    await eventually(all_good_applied)
    dead = await read_all(kafka.bootstrap_servers, topic + ".dlq", 4)
    stop.set()
    await task
    reasons = {int(dict(m.headers)["dlq.source_offset"]): dict(m.headers)["dlq.reason"].decode() for m in dead}
    assert sorted(reasons) == [0, 1, 3, 5]
    assert reasons[0].startswith("malformed: not JSON")
    assert reasons[1].startswith("malformed: invalid PupilRegistered") and "Secret" not in reasons[1]
    assert reasons[3] == "handler failed after retries"
    assert reasons[5] == "malformed: unknown event type 'pupil.renamed'"
    assert all(dict(m.headers)["dlq.source_topic"].decode() == topic for m in dead)
    assert applied.count(good[0].event_id) == 1
