"""observation-ingest's name, topics and settings (the environment wins over these defaults)."""

from __future__ import annotations

from engagement_shared.settings import ServiceConfig

SERVICE = "observation-ingest"
TOPICS = ["directory", "observations"]
#: Changes other services ask for come back to the observation store by event: moderation's agreed
#: judgements, and evidence-store's erasures (references to erased evidence are removed).
CONSUMER_GROUP = "observation-ingest.requested-changes"
CONSUMED_TOPICS = ["moderation", "evidence"]


def load_config() -> ServiceConfig:
    """Settings for this service's processes: database ``observation_ingest``, port 8001."""
    return ServiceConfig.load(SERVICE, database="observation_ingest", port=8001)
