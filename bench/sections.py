"""Wall time per awaited operation (MongoDB calls, Kafka calls, handlers), for the profile.

cProfile books time spent waiting on a server as ``epoll.poll``, which says nothing about *which*
server call waited. Wrapping the few coroutines that do I/O with timers answers that: since the
profiled stages run one request or batch at a time, their wall times add up.
"""

from __future__ import annotations

import functools
import time
from collections import defaultdict
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from aiokafka import AIOKafkaConsumer
from pymongo.asynchronous.client_session import AsyncClientSession
from pymongo.asynchronous.collection import AsyncCollection
from pymongo.asynchronous.cursor import AsyncCursor

from engagement_shared.kafka.publisher import KafkaPublisher
from engagement_shared.kafka.topics import TopicAdmin
from engagement_shared.mongo.relay import OutboxRelay
from narrative_builder.core.projector import ProgressProjector
from observation_ingest.core.intake import ObservationIntake

TIMED: list[tuple[type, list[str]]] = [
    (AsyncCollection, ["insert_many", "update_many", "find_one", "bulk_write", "count_documents", "replace_one"]),
    (AsyncCursor, ["_refresh"]),
    (AsyncClientSession, ["start_transaction", "commit_transaction"]),
    (KafkaPublisher, ["publish"]),
    (TopicAdmin, ["ensure", "end_offsets"]),
    (AIOKafkaConsumer, ["getmany", "commit"]),
    (OutboxRelay, ["check_broker", "relay_once"]),
    (ObservationIntake, ["_record_batch"]),
    (ProgressProjector, ["handle"]),
]


@contextmanager
def timed_sections() -> Iterator[dict[str, list[float]]]:
    """Patch the I/O coroutines with timers for the duration; yields name -> [calls, seconds]."""
    totals: dict[str, list[float]] = defaultdict(lambda: [0, 0.0])
    originals = []
    for owner, names in TIMED:
        for name in names:
            original = getattr(owner, name)
            label = f"{owner.__name__}.{name}"

            @functools.wraps(original)
            async def wrapper(*args: Any, __original: Any = original, __label: str = label, **kwargs: Any) -> Any:
                start = time.perf_counter()
                try:
                    return await __original(*args, **kwargs)
                finally:
                    entry = totals[__label]
                    entry[0] += 1
                    entry[1] += time.perf_counter() - start

            originals.append((owner, name, original))
            setattr(owner, name, wrapper)
    try:
        yield totals
    finally:
        for owner, name, original in originals:
            setattr(owner, name, original)


def print_sections(totals: dict[str, list[float]], wall: float) -> None:
    """The timed operations, slowest first, with their share of the stage's wall time."""
    print("--- awaited operations (wall seconds; nested ones overlap) ---")
    for label, (calls, seconds) in sorted(totals.items(), key=lambda kv: -kv[1][1]):
        print(f"  {label:<40} {int(calls):>6} calls {seconds:8.3f}s {100 * seconds / wall:5.1f}%")
    totals.clear()
