"""Entry point of moderation: ``serve`` (HTTP API)."""

from __future__ import annotations

import argparse

from engagement_shared.runtime import serve, start_process
from moderation.config import SERVICE, load_config
from moderation.inject import build_app


def main(argv: list[str] | None = None) -> None:
    """Parse the command line and run one process."""
    parser = argparse.ArgumentParser(prog="moderation", description=__doc__)
    parser.add_argument("command", choices=["serve"])
    parser.parse_args(argv)
    config = load_config()
    start_process(SERVICE, config.telemetry)
    serve(build_app(config), config.http)
