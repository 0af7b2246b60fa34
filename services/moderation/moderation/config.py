"""moderation's name and settings (the environment wins over these defaults)."""

from __future__ import annotations

from engagement_shared.settings import ServiceConfig

SERVICE = "moderation"


def load_config() -> ServiceConfig:
    """Settings for this service's processes: database ``moderation``, port 8004."""
    return ServiceConfig.load(SERVICE, database="moderation", port=8004)
