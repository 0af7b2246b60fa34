"""narrative-builder's name, consumer group, topics and settings (the environment wins over these defaults)."""

from __future__ import annotations

from engagement_shared.settings import ServiceConfig

SERVICE = "narrative-builder"
CONSUMER_GROUP = "narrative-builder.progress"
TOPICS = ["observations"]


def load_config() -> ServiceConfig:
    """Settings for this service's processes: database ``narrative_builder``, port 8003."""
    return ServiceConfig.load(SERVICE, database="narrative_builder", port=8003)
