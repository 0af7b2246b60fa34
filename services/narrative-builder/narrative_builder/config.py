"""narrative-builder's name, consumer group, topics and settings (the environment wins over these defaults)."""

from __future__ import annotations

from engagement_shared.settings import ServiceConfig

SERVICE = "narrative-builder"
CONSUMER_GROUP = "narrative-builder.progress"
#: What the projections are built from: observations, the directory (pupils, outcomes, trust words)
#: and the monitor's alerts.
TOPICS = ["observations", "directory", "alerts"]
#: How often the consumer process rebuilds profiles that events marked stale.
PROFILE_REFRESH_SECONDS = 0.5
#: How often the report worker looks for report runs to work on.
REPORT_RUN_SECONDS = 1.0


def load_config() -> ServiceConfig:
    """Settings for this service's processes: database ``narrative_builder``, port 8003."""
    return ServiceConfig.load(SERVICE, database="narrative_builder", port=8003)
