"""kill -9 of the report-run worker half-way through a school's reports: after a restart the run
finishes, every pupil has exactly one draft, and the command line follows it to the end."""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx
import pytest
from pymongo import AsyncMongoClient

from tests.support.pipeline import eventually
from tests.support.spine import Spine
from tests.support.world import auth, build_world, observation

pytestmark = pytest.mark.system
PUPILS = 60


async def test_a_killed_report_worker_resumes_without_drafting_anyone_twice(platform_with_reports: Spine) -> None:
    spine = platform_with_reports
    client = AsyncMongoClient(spine.endpoints.mongo_url, tz_aware=True)
    db = client[spine.narrative_db]
    async with httpx.AsyncClient(base_url=spine.api, timeout=60) as ingest, httpx.AsyncClient(base_url=spine.narrative_api, timeout=60) as nb:
        world = await build_world(ingest, pupils_per_school=PUPILS)
        school = world.schools[0]
        teacher, senco = world.token("teacher"), world.token("senco")
        start = datetime.now(UTC) - timedelta(days=200)
        bodies = [observation(p, start + timedelta(days=d * 9), areas=[{"area": "exploration", "established": level}])
                  for p in world.pupils[school] for d, level in enumerate(["emerging", "developing", "developing", "established"] * 3)]
        for i in range(0, len(bodies), 500):
            (await ingest.post("/v1/observations/batch", json={"observations": bodies[i:i + 500]}, headers=auth(teacher))).raise_for_status()

        async def projected() -> bool:
            return await db.pupil_progress.count_documents({"school_id": school}) == PUPILS and await db.stale_profiles.count_documents({}) == 0
        await eventually(projected, timeout=120, interval=0.5)

        run = await nb.post("/v1/report-runs", json={"kind": "parent_end_of_year", "period": "2026 to 2027", "school_id": school},
                            headers=auth(senco))
        assert run.status_code == 202, run.text
        run_id = run.json()["batch_id"]

        worker = spine.processes["narrative-reports"]
        while True:  # kill it as soon as some, but not all, pupils are done
            batch = await db.report_batches.find_one({"_id": run_id})
            if batch["done"]:
                worker.kill()
                break
            await asyncio.sleep(0.02)
        batch = await db.report_batches.find_one({"_id": run_id})
        assert batch["status"] == "running" and 0 < len(batch["done"]) < PUPILS, "the worker was not caught half-way"
        worker.start()

        env = {**os.environ, "PYTHONUNBUFFERED": "1"}
        follow = subprocess.run([str(Path(sys.executable).parent / "narrative-builder"), "report-run", "--run", run_id, "--api", spine.narrative_api,
                                 "--token", senco], capture_output=True, text=True, timeout=300, env=env)
        assert follow.returncode == 0, follow.stderr
        assert f"{PUPILS}/{PUPILS} pupils" in follow.stderr and f"{PUPILS} drafted" in follow.stdout

        reports = [d async for d in db.reports.find({"batch_id": run_id})]
        assert sorted(r["pupil_id"] for r in reports) == sorted(world.pupils[school])
        assert all(len(r["versions"]) == 1 and r["versions"][0]["findings"] == [] for r in reports)
        progress = (await nb.get(f"/v1/report-runs/{run_id}", headers=auth(senco))).json()
        assert progress["status"] == "complete" and progress["done"] == PUPILS and not progress["failed"]
    await client.close()
