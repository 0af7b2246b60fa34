"""Topic administration: create the platform's topics with explicit partitions, see what exists.

Auto-created topics get the broker's default partition count, so every process that needs a
topic ensures it first. Each logical topic has a dead-letter twin ``<topic>.dlq``.
"""

from __future__ import annotations

from aiokafka import AIOKafkaConsumer
from aiokafka.admin import AIOKafkaAdminClient, NewTopic
from aiokafka.errors import TopicAlreadyExistsError
from aiokafka.structs import TopicPartition

from engagement_shared.settings import KafkaSettings

DEAD_LETTER_SUFFIX = ".dlq"


def dead_letter_topic(topic: str) -> str:
    """The dead-letter topic of a topic."""
    return topic + DEAD_LETTER_SUFFIX


class TopicAdmin:
    """Creates and inspects topics; one instance per process, started and closed with it."""

    def __init__(self, settings: KafkaSettings) -> None:
        self._settings = settings
        self._admin = AIOKafkaAdminClient(bootstrap_servers=settings.bootstrap_servers, request_timeout_ms=10_000)
        self._offsets = AIOKafkaConsumer(bootstrap_servers=settings.bootstrap_servers, enable_auto_commit=False)

    async def start(self) -> None:
        """Connect to the cluster."""
        await self._admin.start()
        await self._offsets.start()

    async def close(self) -> None:
        """Disconnect."""
        await self._admin.close()
        await self._offsets.stop()

    async def existing(self) -> set[str]:
        """Names of the topics the broker has now."""
        return set(await self._admin.list_topics())

    async def ensure(self, topics: list[str], with_dead_letters: bool = True, partitions: int | None = None) -> set[str]:
        """Create any missing topics (and their dead-letter twins); return those created."""
        wanted = set(topics) | ({dead_letter_topic(t) for t in topics} if with_dead_letters else set())
        missing = sorted(wanted - await self.existing())
        created: set[str] = set()
        for name in missing:
            try:
                await self._admin.create_topics(
                    [NewTopic(name, partitions or self._settings.partitions, self._settings.replication_factor)]
                )
                created.add(name)
            except TopicAlreadyExistsError:
                pass
        return created

    async def end_offsets(self, topic: str, partitions: list[int]) -> dict[int, int]:
        """Partition -> next offset to be written, for the given partitions of a topic."""
        offsets = await self._offsets.end_offsets([TopicPartition(topic, p) for p in partitions])
        return {tp.partition: offset for tp, offset in offsets.items()}
