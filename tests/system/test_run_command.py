"""The README's run command: everything starts, the demo is there, and an observation posted over
real sockets reaches narrative-builder's projection within seconds."""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest

from tests.support.world import auth, observation, token

pytestmark = pytest.mark.system
ROOT = Path(__file__).resolve().parents[2]


def _wait_ready(process: subprocess.Popen, timeout: float = 180) -> str:
    output, deadline = "", time.monotonic() + timeout
    assert process.stdout is not None
    while time.monotonic() < deadline:
        line = process.stdout.readline()
        if not line and process.poll() is not None:
            break
        output += line
        if line.startswith("READY"):
            return output
    raise AssertionError(f"the run command did not become ready:\n{output}")


def test_run_command_serves_the_demo_and_projects_a_new_observation(tmp_path: Path) -> None:
    """A newcomer's first minutes: the platform runs, the demo trust is there, a new observation shows up."""
    if os.environ.get("INFRA_MODE", "local") != "local":
        pytest.skip("the run command uses the local stand-ins")
    process = subprocess.Popen([sys.executable, str(ROOT / "deploy" / "run_local.py"), "--data", str(tmp_path)],
                               stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, start_new_session=True)
    try:
        output = _wait_ready(process)
        urls = dict(re.findall(r"^  ([a-z-]+)\s+(http://\S+)/docs$", output, re.MULTILINE))
        assert set(urls) == {"observation-ingest", "evidence-store", "narrative-builder", "moderation"}, output
        for url in urls.values():
            assert httpx.get(f"{url}/docs").status_code == 200
        assert "Seeded demo trust 'Riverside Learning Trust'" in output and "30 pupils" in output
        assert "Evidence (evidence-store): 5 invented pictures added" in output
        parent_listing = re.search(r'curl -s -H "Authorization: Bearer (\S+)" (http://\S+/v1/pupils/\S+/evidence)', output)
        assert parent_listing is not None, output
        pictures = httpx.get(parent_listing.group(2), headers={"Authorization": f"Bearer {parent_listing.group(1)}"}).json()
        assert [p["media_type"] for p in pictures] == ["image/png"] and pictures[0]["preview"] == "ready"
        report = re.search(r'curl -s -H "Authorization: Bearer (\S+)" (http://\S+/v1/reports/\S+/pdf) -o report.pdf', output)
        assert report is not None, output
        pdf = httpx.get(report.group(2), headers={"Authorization": f"Bearer {report.group(1)}"}, timeout=60)
        assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF-"), "the demo's drafted report does not render"
        admin = auth(token("trust_admin", "demo-trust"))
        ingest = urls["observation-ingest"]
        schools = httpx.get(f"{ingest}/v1/schools", headers=admin).json()
        assert len(schools) == 3
        pupils = httpx.get(f"{ingest}/v1/schools/{schools[0]['school_id']}/pupils", headers=admin).json()
        pupil = next(p["pupil_id"] for p in pupils if p["on_engagement_model"] and not p["left_on"])
        teacher = auth(token("teacher", "demo-trust", (schools[0]["school_id"],)))
        progress_url = f"{urls['narrative-builder']}/v1/pupils/{pupil}/progress"
        deadline = time.monotonic() + 60
        while httpx.get(progress_url, headers=teacher).status_code != 200:   # the demo's own events arriving
            assert time.monotonic() < deadline, "the demo's observations never reached the projection"
            time.sleep(0.5)
        before = httpx.get(progress_url, headers=teacher).json()["observations"]
        body = observation(pupil)
        body["context"] = {"setting": "classroom", "time_of_day": "morning"}
        posted_at = time.monotonic()
        assert httpx.post(f"{ingest}/v1/observations", json=body, headers=teacher).status_code == 201
        while httpx.get(progress_url, headers=teacher).json()["observations"] != before + 1:
            assert time.monotonic() - posted_at < 10, "a new observation took more than 10 seconds to reach the projection"
            time.sleep(0.1)
    finally:
        process.send_signal(signal.SIGTERM)
        process.wait(timeout=60)
    assert not (tmp_path / "infra" / "state.json").exists(), "the infrastructure was not stopped"
