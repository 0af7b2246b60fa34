"""Entry point of evidence-store: ``serve`` (HTTP API)."""

from __future__ import annotations

from engagement_shared.runtime import service_main
from evidence_store.config import SERVICE, load_config
from evidence_store.inject import build_app


def main(argv: list[str] | None = None) -> None:
    """Run one process of the service."""
    service_main(SERVICE, __doc__ or "", load_config(), build_app, {}, argv)
