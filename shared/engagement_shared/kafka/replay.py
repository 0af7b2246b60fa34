"""Replaying topics from their first event: how projections are rebuilt from the event log.

A replay reads every partition from the beginning until it has passed where the log ended when
the replay began and the log is quiet, with no consumer group, so it never moves a live
consumer's offsets (an event published meanwhile may be read too: projections apply each once). Unparseable messages are counted and skipped: the live consumer
has already dead-lettered them.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass

import structlog
from aiokafka import AIOKafkaConsumer
from aiokafka.structs import TopicPartition

from engagement_shared.events.envelope import Event
from engagement_shared.events.registry import MalformedEvent, parse_event
from engagement_shared.settings import KafkaSettings

log = structlog.get_logger(__name__)
IDLE_MS = 1000


@dataclass
class ReplayCount:
    """How much a replay read."""

    events: int = 0
    skipped: int = 0


async def replay(settings: KafkaSettings, topics: Sequence[str], handler: Callable[[Sequence[Event]], Awaitable[None]],
                 batch: int = 1000, progress: Callable[[ReplayCount], None] | None = None) -> ReplayCount:
    """Feed every event of these topics (as they stand now) to ``handler`` in batches."""
    consumer = AIOKafkaConsumer(bootstrap_servers=settings.bootstrap_servers, enable_auto_commit=False, group_id=None,
                                auto_offset_reset="earliest", max_poll_records=batch)
    await consumer.start()
    count = ReplayCount()
    try:
        partitions = [TopicPartition(settings.topic(t), p) for t in topics
                      for p in sorted(consumer.partitions_for_topic(settings.topic(t)) or await _partitions(consumer, settings.topic(t)))]
        consumer.assign(partitions)
        await consumer.seek_to_beginning(*partitions)
        ends = await consumer.end_offsets(partitions)
        reached = {tp: 0 for tp in partitions}
        while True:
            fetched = await consumer.getmany(timeout_ms=IDLE_MS, max_records=batch)
            events: list[Event] = []
            for tp, messages in fetched.items():
                reached[tp] = messages[-1].offset + 1
                for message in messages:
                    try:
                        events.append(parse_event(message.value))
                    except MalformedEvent:
                        count.skipped += 1
            if events:
                await handler(events)
                count.events += len(events)
                if progress:
                    progress(count)
            # The broker's end offset can trail its last record (the local stand-in reports where
            # the last record batch starts), so the replay goes on until the log is quiet too.
            if not fetched and all(reached[tp] >= ends[tp] for tp in partitions):
                break
    finally:
        await consumer.stop()
    log.info("replay.finished", topics=list(topics), events=count.events, skipped=count.skipped)
    return count


async def _partitions(consumer: AIOKafkaConsumer, topic: str) -> set[int]:
    """A topic's partitions, asking the broker if the consumer has not seen the topic yet."""
    await consumer._client.force_metadata_update()  # noqa: SLF001 - aiokafka has no public call for this
    return consumer.partitions_for_topic(topic) or set()
