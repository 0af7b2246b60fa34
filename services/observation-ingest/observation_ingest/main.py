"""Entry points of observation-ingest: ``serve`` (HTTP API), ``relay`` (outbox to Kafka),
``import-pupils`` (a school's MIS export, with a progress bar).
"""

from __future__ import annotations

import argparse
import asyncio
from pathlib import Path

from engagement_shared.runtime import run_worker, serve, start_process
from engagement_shared.settings import ServiceConfig
from observation_ingest.config import SERVICE, load_config
from observation_ingest.inject import build_app, relay


def _relay(config: ServiceConfig) -> None:
    async def work(stop: asyncio.Event) -> None:
        async with relay(config) as outbox_relay:
            await outbox_relay.run(stop)

    run_worker(work)


def main(argv: list[str] | None = None) -> None:
    """Parse the command line and run one process."""
    parser = argparse.ArgumentParser(prog="observation-ingest", description=__doc__)
    sub = parser.add_subparsers(dest="command", required=True)
    sub.add_parser("serve", help="serve the HTTP API")
    sub.add_parser("relay", help="publish the outbox to Kafka")
    importer = sub.add_parser("import-pupils", help="import a school's pupils from an MIS export (CSV)")
    importer.add_argument("csv_file", type=Path)
    importer.add_argument("--school", required=True, help="school id")
    importer.add_argument("--api", default="http://127.0.0.1:8001", help="base URL of the API")
    importer.add_argument("--token", required=True, help="bearer token of a SENCO or trust admin (see em-token)")
    importer.add_argument("--chunk", type=int, default=200, help="rows per request")
    args = parser.parse_args(argv)
    config = load_config()
    if args.command == "import-pupils":
        from observation_ingest.adapters.inbound.import_cli import import_file

        raise SystemExit(import_file(args.csv_file, args.school, args.api, args.token, args.chunk))
    start_process(SERVICE, config.telemetry)
    if args.command == "serve":
        serve(build_app(config), config.http)
    else:
        _relay(config)
