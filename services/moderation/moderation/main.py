"""Entry points of moderation: ``serve`` (HTTP API), ``consume`` (observation and consent events),
``relay`` (outbox to Kafka) and ``remind`` (due and overdue notices).
"""

from __future__ import annotations

from engagement_shared.runtime import service_main
from moderation.config import SERVICE, load_config
from moderation.inject import build_app, consumer, relay, reminders


def main(argv: list[str] | None = None) -> None:
    """Run one process of the service."""
    service_main(SERVICE, __doc__ or "", load_config(), build_app, {"consume": consumer, "relay": relay, "remind": reminders}, argv)
