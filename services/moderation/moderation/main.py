"""Entry point of moderation: ``serve`` (HTTP API)."""

from __future__ import annotations

from engagement_shared.runtime import service_main
from moderation.config import SERVICE, load_config
from moderation.inject import build_app


def main(argv: list[str] | None = None) -> None:
    """Run one process of the service."""
    service_main(SERVICE, __doc__ or "", load_config(), build_app, {}, argv)
