"""Entry points of evidence-store: ``serve`` (HTTP API), ``consume`` (directory events), ``relay``
(outbox to Kafka) and ``housekeeping`` (expired uploads, orphaned parts, video previews, retention).
"""

from __future__ import annotations

from engagement_shared.runtime import service_main
from evidence_store.config import SERVICE, load_config
from evidence_store.inject import build_app, consumer, housekeeping, relay


def main(argv: list[str] | None = None) -> None:
    """Run one process of the service."""
    service_main(SERVICE, __doc__ or "", load_config(), build_app, {"consume": consumer, "relay": relay, "housekeeping": housekeeping}, argv)
