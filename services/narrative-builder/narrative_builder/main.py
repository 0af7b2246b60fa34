"""Entry points of narrative-builder: ``serve`` (HTTP API), ``consume`` (events into projections and
profiles), ``reports`` (works through report runs), ``monitor`` (the stall and observation-gap
monitor), ``rebuild`` (replay the event log into emptied projections; stop ``consume`` first) and
``report-run`` (start or re-join a run for a class, school or the trust, with a progress bar).
"""

from __future__ import annotations

import argparse
import sys

from engagement_shared.runtime import service_main
from narrative_builder.adapters.inbound.report_run_cli import follow_run
from narrative_builder.adapters.inbound.stall_monitor import monitor
from narrative_builder.config import SERVICE, load_config
from narrative_builder.inject import build_app, consumer, rebuild, report_runs


def report_run(argv: list[str]) -> None:
    """``report-run --kind K --period P [--school ID [--class ID]] --token T`` or ``report-run --run ID --token T``."""
    parser = argparse.ArgumentParser(prog=f"{SERVICE} report-run", description="Draft reports for many pupils and follow the run.")
    parser.add_argument("--kind", choices=["parent_end_of_year", "ehc_review"], default="parent_end_of_year")
    parser.add_argument("--period", help="how the reports name their period, e.g. '2026 to 2027'")
    parser.add_argument("--school", help="school id (omit for the whole trust: trust admin only)")
    parser.add_argument("--class", dest="class_id", help="class id within --school")
    parser.add_argument("--run", help="re-join an earlier run instead of starting one")
    parser.add_argument("--api", default="http://127.0.0.1:8003", help="base URL of narrative-builder's API")
    parser.add_argument("--token", required=True, help="bearer token of a SENCO or trust admin (see em-token)")
    args = parser.parse_args(argv)
    if args.run is None and not args.period:
        parser.error("--period is needed to start a run")
    body = None if args.run else {"kind": args.kind, "period": args.period, "school_id": args.school, "class_id": args.class_id}
    raise SystemExit(follow_run(args.api, args.token, body, args.run))


def main(argv: list[str] | None = None) -> None:
    """Run one process of the service, or a report run from the command line."""
    argv = sys.argv[1:] if argv is None else argv
    if argv[:1] == ["report-run"]:
        report_run(argv[1:])
    service_main(SERVICE, __doc__ or "", load_config(), build_app,
                 {"consume": consumer, "reports": report_runs, "monitor": monitor, "rebuild": rebuild}, argv)
