"""The demo seed (deploy/demo.py) against observation-ingest in this process: everything it sends is accepted."""

from __future__ import annotations

import importlib.util
import sys
from collections import Counter
from datetime import UTC, date, datetime, time
from pathlib import Path
from types import ModuleType

import httpx

DEMO_PATH = Path(__file__).resolve().parents[2] / "deploy" / "demo.py"


def _load_demo() -> ModuleType:
    """deploy/ is not a package (``python deploy/demo.py`` runs it), so load the file by path."""
    name = "deploy_demo"
    if name in sys.modules:
        return sys.modules[name]
    spec = importlib.util.spec_from_file_location(name, DEMO_PATH)
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module  # dataclasses look their module up while the file executes
    spec.loader.exec_module(module)
    return module


demo = _load_demo()


def _auth(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def test_the_plan_is_deterministic_synthetic_and_in_the_past() -> None:
    """Same seed and day, same content; school observations on weekdays in school hours; nothing in the future."""
    today = date(2026, 3, 18)
    plan = demo.build_plan(seed=7, weeks=12, today=today)
    assert plan == demo.build_plan(seed=7, weeks=12, today=today)
    assert plan != demo.build_plan(seed=8, weeks=12, today=today)
    assert len(plan.pupils) == 30
    assert Counter(p.school for p in plan.pupils) == {0: 10, 1: 10, 2: 10}
    stages = Counter(p.key_stage for p in plan.pupils)
    assert set(stages) <= {"KS1", "KS2", "KS3"} and stages["KS2"] > 15
    assert 2 <= sum(p.regressive for p in plan.pupils) <= 3
    assert all(p.on_model for p in plan.pupils if p.regressive)
    assert 0 < sum(not p.on_model for p in plan.pupils) <= 5
    stories = Counter(p.story for p in plan.pupils)
    assert stories["plateau"] == 1 and stories["dip"] == 1 and stories["lateral"] >= 3
    assert all(p.last_name.startswith("Demo-") for p in plan.pupils)
    assert all(2 <= len(p.outcomes) <= 3 and all(o.long_date.year == 2027 and o.short_date.year == 2027 for o in p.outcomes)
               for p in plan.pupils)

    on_model = [p for p in plan.pupils if p.on_model]
    per_pupil = Counter(o.pupil_key for o in plan.observations if o.observer != "parent")
    assert set(per_pupil) == {p.key for p in on_model}
    assert 1.5 * 12 * len(on_model) <= sum(per_pupil.values()) <= 2.5 * 12 * len(on_model)
    assert any(o.body["baseline"] for o in plan.observations)
    assert any(o.body["context"].get("health") for o in plan.observations)
    start = datetime.combine(date(2026, 3, 18), time(), tzinfo=UTC)
    for planned in plan.observations:
        when = datetime.fromisoformat(planned.body["observed_at"])
        assert when < start
        assert (start - when).days <= 12 * 7
        assert 1 <= len(planned.body["areas"]) <= 3
        if planned.observer == "parent":
            assert planned.body["context"]["setting"] == "home"
        else:
            assert when.weekday() < 5 and time(9) <= when.timetz().replace(tzinfo=None) <= time(15)
            assert planned.body["context"]["setting"] != "home"


async def test_seed_the_demo_trust_then_skip_a_second_time(ingest: httpx.AsyncClient) -> None:
    """Three schools, thirty pupils, every pupil on the model observed, nothing rejected; a rerun seeds nothing."""
    summary = await demo.seed_demo(ingest, weeks=2)
    assert summary.seeded
    assert summary.rejected == 0, summary.rejections[:5]
    assert summary.trust_id == "demo-trust" and summary.trust_name == "Riverside Learning Trust"
    assert [s.name for s in summary.schools] == sorted(s.name for s in summary.schools) and len(summary.schools) == 3
    assert summary.pupil_count == 30 and summary.observation_count > 0

    admin = _auth(summary.admin_token)
    schools = (await ingest.get("/v1/schools", headers=admin)).json()
    assert [s["school_id"] for s in schools] == [s.school_id for s in summary.schools]
    pupils = []
    for school in schools:
        assert len((await ingest.get(f"/v1/schools/{school['school_id']}/classes", headers=admin)).json()) == 2
        assert len((await ingest.get(f"/v1/schools/{school['school_id']}/staff", headers=admin)).json()) == 2
        pupils += (await ingest.get(f"/v1/schools/{school['school_id']}/pupils", headers=admin)).json()
    assert len(pupils) == 30
    assert 2 <= sum(p["regressive_condition"] for p in pupils) <= 3
    on_model = [p for p in pupils if p["on_engagement_model"]]
    assert summary.on_model_count == len(on_model) < 30
    total = 0
    for pupil in on_model:
        observations = (await ingest.get(f"/v1/pupils/{pupil['pupil_id']}/observations", headers=admin)).json()
        assert observations, f"no observations for {pupil['mis_id']}"
        total += len(observations)
        outcomes = {o["outcome_id"]: o for o in (await ingest.get(f"/v1/pupils/{pupil['pupil_id']}/outcomes", headers=admin)).json()}
        assert any(o["term"] == "short" and outcomes[o["parent_outcome_id"]]["term"] == "long" for o in outcomes.values())
        for stored in observations:
            assert set(stored["observation"]["ehc_outcome_ids"]) <= set(outcomes)
    assert total == summary.observation_count

    # The ready-made tokens work, each within its scope.
    first = summary.schools[0].school_id
    assert [s["school_id"] for s in (await ingest.get("/v1/schools", headers=_auth(summary.senco_token))).json()] == [first]
    assert len((await ingest.get(f"/v1/schools/{first}/pupils", headers=_auth(summary.teacher_token))).json()) == 10
    mine = (await ingest.get(f"/v1/schools/{first}/pupils", headers=_auth(summary.parent_token))).json()
    assert [p["pupil_id"] for p in mine] == [summary.parent_pupil_id]
    home = [o for o in (await ingest.get(f"/v1/pupils/{summary.parent_pupil_id}/observations", headers=_auth(summary.parent_token))).json()
            if o["observation"]["observer_role"] == "parent"]
    assert home and all(o["observation"]["context"]["setting"] == "home" for o in home)

    again = await demo.seed_demo(ingest, weeks=2)
    assert not again.seeded
    assert [(s.school_id, s.name) for s in again.schools] == [(s.school_id, s.name) for s in summary.schools]
    assert (again.pupil_count, again.observation_count, again.parent_pupil_id) == (30, summary.observation_count, summary.parent_pupil_id)
    assert "Riverside Learning Trust" in again.render("http://ingest")
