"""observation-ingest's name, topics and settings (the environment wins over these defaults)."""

from __future__ import annotations

from engagement_shared.settings import ServiceConfig

SERVICE = "observation-ingest"
TOPICS = ["directory", "observations"]
#: Moderation's agreed changes come back to the observation store by event.
CONSUMER_GROUP = "observation-ingest.moderation"
CONSUMED_TOPICS = ["moderation"]


def load_config() -> ServiceConfig:
    """Settings for this service's processes: database ``observation_ingest``, port 8001."""
    return ServiceConfig.load(SERVICE, database="observation_ingest", port=8001)
