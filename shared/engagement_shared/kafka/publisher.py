"""Publishing events to Kafka, keyed by the entity that needs ordering.

Used by the outbox relay and by the dead-letter path; services never publish directly, they
write events to their outbox in the same transaction as their state.
"""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from dataclasses import dataclass, field

from aiokafka import AIOKafkaProducer

from engagement_shared.settings import KafkaSettings


@dataclass(frozen=True)
class OutgoingMessage:
    """One message ready for the wire."""

    topic: str
    key: str
    value: bytes
    headers: list[tuple[str, bytes]] = field(default_factory=list)


class KafkaPublisher:
    """An aiokafka producer with acks from all replicas.

    Idempotent production is off because the local broker does not support it; duplicates that
    a retry may cause are harmless since every consumer deduplicates on ``event_id``.
    """

    def __init__(self, settings: KafkaSettings, client_id: str) -> None:
        self._producer = AIOKafkaProducer(
            bootstrap_servers=settings.bootstrap_servers,
            client_id=client_id,
            acks="all",
            enable_idempotence=False,
            linger_ms=5,
            max_batch_size=1_048_576,
            request_timeout_ms=15_000,
        )

    async def start(self) -> None:
        """Connect to the cluster."""
        await self._producer.start()

    async def stop(self) -> None:
        """Flush and disconnect."""
        await self._producer.stop()

    async def publish(self, messages: Sequence[OutgoingMessage]) -> None:
        """Send messages and wait until the broker has acknowledged every one, in order."""
        futures = [
            await self._producer.send(m.topic, m.value, key=m.key.encode(), headers=m.headers) for m in messages
        ]
        await asyncio.gather(*futures)
