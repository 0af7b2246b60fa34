"""Entry points of narrative-builder: ``serve`` (HTTP API) and ``consume`` (observation events)."""

from __future__ import annotations

from engagement_shared.runtime import service_main
from narrative_builder.config import SERVICE, load_config
from narrative_builder.inject import build_app, consumer


def main(argv: list[str] | None = None) -> None:
    """Run one process of the service."""
    service_main(SERVICE, __doc__ or "", load_config(), build_app, {"consume": consumer}, argv)
