"""moderation's name, consumer group, topics and settings (the environment wins over these defaults)."""

from __future__ import annotations

from engagement_shared.settings import ServiceConfig

SERVICE = "moderation"
CONSUMER_GROUP = "moderation.candidates"
#: What moderation listens to: observations to sample, evidence events for consent.
TOPICS = ["observations", "evidence"]
#: What its relay publishes.
OUTBOX_TOPICS = ["moderation"]
#: How often the reminder worker looks for items due soon or overdue.
REMINDER_INTERVAL_SECONDS = 300.0


def load_config() -> ServiceConfig:
    """Settings for this service's processes: database ``moderation``, port 8004."""
    return ServiceConfig.load(SERVICE, database="moderation", port=8004)
