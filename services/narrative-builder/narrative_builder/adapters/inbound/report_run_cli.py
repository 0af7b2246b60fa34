"""The command-line report run: starts (or re-joins) a run for a class, school or the trust and
follows it with a progress bar until every pupil has a draft.

It talks to the API like any app, so the same permissions apply. The drafting itself happens in
the ``reports`` worker, which keeps its progress in the database: if the worker, the API or this
command stops half-way, run the command again with ``--run`` and it picks up where the run is.
"""

from __future__ import annotations

import sys
import time
from typing import Any

import httpx

from engagement_shared.console import draw_progress


def _show(progress: dict[str, Any]) -> None:
    draw_progress(progress["done"] + len(progress["failed"]), progress["total"], "pupils")


def follow_run(api: str, token: str, body: dict[str, Any] | None, run_id: str | None, poll: float = 1.0, timeout: float = 3600.0) -> int:
    """Start a run (``body``) or re-join one (``run_id``); exit code 1 if any pupil could not be drafted."""
    with httpx.Client(base_url=api, headers={"Authorization": f"Bearer {token}"}, timeout=60) as client:
        response = client.post("/v1/report-runs", json=body) if run_id is None else client.get(f"/v1/report-runs/{run_id}")
        if response.status_code not in (200, 202):
            sys.stderr.write(f"the API refused ({response.status_code}): {response.json().get('detail')}\n")
            return 2
        progress = response.json()
        sys.stderr.write(f"report run {progress['batch_id']} (re-join it with --run {progress['batch_id']})\n")
        deadline = time.monotonic() + timeout
        _show(progress)
        while progress["status"] != "complete" and time.monotonic() < deadline:
            time.sleep(poll)
            progress = client.get(f"/v1/report-runs/{progress['batch_id']}").raise_for_status().json()
            _show(progress)
    sys.stderr.write("\n")
    print(f"{progress['done']} drafted, {len(progress['failed'])} not drafted, {progress['status']}")
    for failure in progress["failed"]:
        print(f"  pupil {failure['pupil_id']}: {failure['reason']}")
    return 1 if progress["failed"] or progress["status"] != "complete" else 0
