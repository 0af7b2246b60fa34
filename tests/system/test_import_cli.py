"""The roll-import command a school's data manager runs: progress bar, counts, per-row report."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import httpx
import pytest

from tests.support.world import build_world
from tests.support.spine import Spine

pytestmark = pytest.mark.system


async def test_import_pupils_command_shows_progress_and_reports_bad_rows(platform: Spine, tmp_path: Path) -> None:
    """500 rows in chunks of 200, three bad ones reported by line and field, never by name."""
    async with httpx.AsyncClient(base_url=platform.api) as api:
        world = await build_world(api, pupils_per_school=1)
    rows = ["Surname,Forename,DOB,Adno,Year,Reg Group,Engagement Model"]
    rows += [f"Synthetic{i},Pupil,2016-0{i % 9 + 1}-1{i % 9},A{i},5,Maple,Y" for i in range(500)]
    rows[101] = "Mistyped,Pupil,2016-13-40,B1,5,Maple,Y"
    rows[250] = "Missing,Flag,2016-01-01,B2,5,Maple,"
    rows[499] = "Wrong,Year,2016-01-01,B3,Year 99,Maple,Y"
    export = tmp_path / "roll.csv"
    export.write_text("\n".join(rows) + "\n")
    senco = world.token("senco")
    command = [str(Path(sys.executable).parent / "observation-ingest"), "import-pupils", str(export),
               "--school", world.schools[0], "--api", platform.api, "--token", senco]
    result = subprocess.run(command, capture_output=True, text=True, timeout=120)
    assert result.returncode == 1, result.stderr
    assert "500/500 rows" in result.stderr and "[####" in result.stderr
    assert "497 registered, 0 updated, 0 unchanged, 3 rejected" in result.stdout
    assert "line 102: date_of_birth" in result.stdout
    assert "line 251: on_engagement_model" in result.stdout
    assert "line 500: year_group" in result.stdout
    assert "Mistyped" not in result.stdout + result.stderr
    again = subprocess.run(command, capture_output=True, text=True, timeout=120)
    assert "0 registered, 0 updated, 497 unchanged, 3 rejected" in again.stdout
