"""Entry points of observation-ingest: ``serve`` (HTTP API), ``relay`` (outbox to Kafka),
``consume`` (moderation's agreed changes) and ``import-pupils`` (a school's MIS export, sent to
the API with a progress bar).
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from engagement_shared.runtime import service_main
from observation_ingest.adapters.inbound.import_cli import import_file
from observation_ingest.config import SERVICE, load_config
from observation_ingest.inject import build_app, consumer, relay


def import_pupils(argv: list[str]) -> None:
    """``import-pupils FILE --school ID --token T``: the roll import from the command line."""
    parser = argparse.ArgumentParser(prog=f"{SERVICE} import-pupils", description="Import a school's pupils from an MIS export (CSV).")
    parser.add_argument("csv_file", type=Path)
    parser.add_argument("--school", required=True, help="school id")
    parser.add_argument("--api", default="http://127.0.0.1:8001", help="base URL of the API")
    parser.add_argument("--token", required=True, help="bearer token of a SENCO or trust admin (see em-token)")
    parser.add_argument("--chunk", type=int, default=200, help="rows per request")
    args = parser.parse_args(argv)
    raise SystemExit(import_file(args.csv_file, args.school, args.api, args.token, args.chunk))


def main(argv: list[str] | None = None) -> None:
    """Run one process of the service, or the roll import."""
    argv = sys.argv[1:] if argv is None else argv
    if argv[:1] == ["import-pupils"]:
        import_pupils(argv[1:])
    service_main(SERVICE, __doc__ or "", load_config(), build_app, {"relay": relay, "consume": consumer}, argv)
