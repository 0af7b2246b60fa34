"""evidence-store's name and settings (the environment wins over these defaults)."""

from __future__ import annotations

from engagement_shared.settings import ServiceConfig

SERVICE = "evidence-store"


def load_config() -> ServiceConfig:
    """Settings for this service's processes: database ``evidence_store``, port 8002."""
    return ServiceConfig.load(SERVICE, database="evidence_store", port=8002)
