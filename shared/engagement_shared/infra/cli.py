"""``em-infra``: start or stop the local Kafka, MongoDB and S3 servers by hand.

``em-infra up DIR`` prints the environment variables to export; ``em-infra down DIR`` stops
the servers recorded under DIR.
"""

from __future__ import annotations

import argparse
from pathlib import Path

from engagement_shared.infra.local import LocalInfrastructure


def main(argv: list[str] | None = None) -> None:
    """Entry point of ``em-infra``."""
    parser = argparse.ArgumentParser(description="Local Kafka-, MongoDB- and S3-protocol servers.")
    parser.add_argument("command", choices=["up", "down"])
    parser.add_argument("folder", type=Path, nargs="?", default=Path(".local/infra"))
    args = parser.parse_args(argv)
    infra = LocalInfrastructure(args.folder)
    if args.command == "down":
        infra.stop()
        print("stopped")
        return
    for key, value in infra.start().environment().items():
        print(f"export {key}={value}")
