"""Entry points of narrative-builder: ``serve`` (HTTP API) and ``consume`` (observation events)."""

from __future__ import annotations

import argparse
import asyncio

from engagement_shared.runtime import run_worker, serve, start_process
from engagement_shared.settings import ServiceConfig
from narrative_builder.config import SERVICE, load_config
from narrative_builder.inject import build_app, consumer


def _consume(config: ServiceConfig) -> None:
    async def work(stop: asyncio.Event) -> None:
        async with consumer(config) as subscriber:
            await subscriber.run(stop)

    run_worker(work)


def main(argv: list[str] | None = None) -> None:
    """Parse the command line and run one process."""
    parser = argparse.ArgumentParser(prog="narrative-builder", description=__doc__)
    parser.add_argument("command", choices=["serve", "consume"])
    args = parser.parse_args(argv)
    config = load_config()
    start_process(SERVICE, config.telemetry)
    if args.command == "serve":
        serve(build_app(config), config.http)
    else:
        _consume(config)
