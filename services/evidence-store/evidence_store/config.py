"""evidence-store's name, consumer group, topics and settings (the environment wins over these defaults)."""

from __future__ import annotations

from engagement_shared.settings import ServiceConfig

SERVICE = "evidence-store"
CONSUMER_GROUP = "evidence-store.pupils"
#: What evidence-store listens to: the directory, for pupils' schools and leaving dates.
TOPICS = ["directory"]
#: What its relay publishes.
OUTBOX_TOPICS = ["evidence"]
#: How often the housekeeping worker sweeps.
HOUSEKEEPING_INTERVAL_SECONDS = 300.0


def load_config() -> ServiceConfig:
    """Settings for this service's processes: database ``evidence_store``, port 8002."""
    return ServiceConfig.load(SERVICE, database="evidence_store", port=8002)
