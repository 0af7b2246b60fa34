"""Seed a demo trust through the observation-ingest HTTP API, so a newcomer has something to explore.

Everything here is invented: the trust, the schools, the staff and the pupils ("Pebble Demo-A01"),
their EHC outcomes and a term of observations. No real person's data is used or implied.

The data goes in through the public API exactly as a trust admin, a SENCO, teachers, teaching
assistants and parents would send it, so it passes the same checks as real use:

- trust ``demo-trust`` ("Riverside Learning Trust"), three special schools with two classes and two
  staff each, ten pupils per school (mostly KS2; a few not on the engagement model; two or three
  with a regressive condition), two or three EHC outcomes per pupil with a short-term target under each;
- ``weeks`` weeks of observations up to yesterday, about two per pupil per week, in offline-style
  batches. Pupils follow different stories: most move up the descriptor scale; some make lateral
  progress (same descriptor, less support, more places and people); one plateaus; one dips after an
  illness and recovers; pupils with a regressive condition maintain their skills. A few parents
  add observations from home.

The content is deterministic for a given ``seed`` and day (only ids differ between runs). Seeding
is skipped when the trust already has schools; the summary (with fresh tokens) is returned either way.

Usage: ``python deploy/demo.py --api http://127.0.0.1:8001`` (``--weeks``, ``--seed``, ``--json``).
From code: ``await seed_demo(client_or_url)`` or ``seed_demo_sync(url)``.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
import uuid
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

import httpx

from engagement_shared.auth.principal import Principal, Role
from engagement_shared.auth.tokens import mint_token
from engagement_shared.settings import AuthSettings

sys.path.insert(0, str(Path(__file__).resolve().parent))  # the sibling modules below, however this file is loaded
from demo_content import MAX_BATCH, PROMPTS, SCALE, SCHOOLS, STAFF_ROLES, TOKEN_TTL_SECONDS, TRUST_ID, TRUST_NAME  # noqa: E402
from demo_plan import DemoPlan, PlannedPupil, build_plan  # noqa: E402

# --- the summary ---------------------------------------------------------------------------------------


@dataclass
class DemoSchool:
    """A demo school and its classes."""

    school_id: str
    name: str
    class_ids: list[str] = field(default_factory=list)


@dataclass
class DemoSummary:
    """What was seeded (or found), and tokens to explore it with."""

    trust_id: str
    trust_name: str
    schools: list[DemoSchool]
    pupil_count: int
    on_model_count: int
    observation_count: int
    admin_token: str
    senco_token: str
    teacher_token: str
    parent_token: str
    parent_pupil_id: str
    seeded: bool
    rejected: int = 0
    rejections: list[str] = field(default_factory=list)

    @property
    def tokens(self) -> dict[str, str]:
        """Label → bearer token."""
        first = self.schools[0].name if self.schools else "the first school"
        return {"trust admin (whole trust)": self.admin_token, f"SENCO of {first}": self.senco_token,
                f"teacher of {first}": self.teacher_token, f"parent of pupil {self.parent_pupil_id}": self.parent_token}

    def as_dict(self) -> dict[str, Any]:
        """JSON-ready form."""
        return asdict(self)

    def render(self, api_base_url: str = "http://127.0.0.1:8001") -> str:
        """A newcomer's guide: what is there, tokens, and a first curl to try."""
        api = api_base_url.rstrip("/")
        action = "Seeded" if self.seeded else "Found (already seeded)"
        lines = [f"{action} demo trust {self.trust_name!r} (id {self.trust_id}): {len(self.schools)} schools, "
                 f"{self.pupil_count} pupils ({self.on_model_count} on the engagement model), {self.observation_count} observations."]
        lines += [f"  school {s.school_id}  {s.name}" for s in self.schools]
        if self.rejected:
            lines.append(f"  WARNING: {self.rejected} observations were rejected, e.g. {self.rejections[:3]}")
        lines.append("All names are invented; no real person's data. Tokens (valid for 24 hours):")
        for label, tok in self.tokens.items():
            lines.append(f"  {label}:\n    {tok}")
        lines += ["Try:", f'  export EM_TOKEN="{self.admin_token}"',
                  f'  curl -s -H "Authorization: Bearer $EM_TOKEN" {api}/v1/schools',
                  f'  curl -s -H "Authorization: Bearer $EM_TOKEN" {api}/v1/pupils/{self.parent_pupil_id}/observations',
                  f"Interactive API docs: {api}/docs (press Authorize and paste a token)."]
        return "\n".join(lines)


# --- talking to the API ---------------------------------------------------------------------------------


class DemoSeedError(RuntimeError):
    """The API refused a directory write the demo depends on."""


def _token(settings: AuthSettings, subject: str, role: Role, schools: Sequence[str] = (), pupils: Sequence[str] = ()) -> str:
    principal = Principal(subject=subject, role=role, trust_id=TRUST_ID, school_ids=frozenset(schools), pupil_ids=frozenset(pupils))
    return mint_token(settings, principal, ttl_seconds=TOKEN_TTL_SECONDS)


def _headers(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


async def _call(client: httpx.AsyncClient, method: str, url: str, token: str, body: Any = None) -> Any:
    response = await client.request(method, url, json=body, headers=_headers(token))
    if response.status_code >= 400:
        raise DemoSeedError(f"{method} {url} -> {response.status_code}: {response.text[:500]}")
    return response.json()


def _fit_to_config(body: dict[str, Any], config: dict[str, Any]) -> dict[str, Any]:
    """Map the default words onto the trust's own lists (by position), dropping context words it lacks."""
    def by_position(word: str, default: list[str], own: list[str]) -> str:
        return own[round(default.index(word) * (len(own) - 1) / (len(default) - 1))]

    scale, prompts = config.get("descriptor_scale") or SCALE, config.get("prompt_hierarchy") or PROMPTS
    if scale != SCALE:
        body["areas"] = [dict(a, established=by_position(a["established"], SCALE, scale)) for a in body["areas"]]
    if prompts != PROMPTS and body.get("support_level"):
        body["support_level"] = by_position(body["support_level"], PROMPTS, prompts)
    context = body["context"]
    if "settings" in config and context.get("setting") not in config["settings"]:
        context["setting"] = None
    if "times_of_day" in config and context.get("time_of_day") not in config["times_of_day"]:
        context["time_of_day"] = None
    if "sensory_experiences" in config:
        context["sensory_experiences"] = [s for s in context["sensory_experiences"] if s in config["sensory_experiences"]]
    return body


async def _existing_summary(client: httpx.AsyncClient, settings: AuthSettings, admin: str, schools_json: list[dict[str, Any]],
                            plan: DemoPlan) -> DemoSummary:
    schools = []
    pupils: list[dict[str, Any]] = []
    for s in schools_json:
        classes = await _call(client, "GET", f"/v1/schools/{s['school_id']}/classes", admin)
        schools.append(DemoSchool(s["school_id"], s["name"], [c["class_id"] for c in classes]))
        pupils += await _call(client, "GET", f"/v1/schools/{s['school_id']}/pupils", admin)
    on_model = [p for p in pupils if p["on_engagement_model"]]
    observations = 0
    for p in on_model:
        observations += len(await _call(client, "GET", f"/v1/pupils/{p['pupil_id']}/observations", admin))
    first = schools[0].school_id if schools else ""
    by_key = {p.get("mis_id"): p["pupil_id"] for p in pupils}
    parent_pupil = by_key.get(plan.parent_pupils[0]) or (on_model[0]["pupil_id"] if on_model else "")
    return DemoSummary(TRUST_ID, TRUST_NAME, schools, len(pupils), len(on_model), observations, admin,
                       _token(settings, "demo-senco-1", Role.SENCO, [first]), _token(settings, "demo-teacher-1", Role.TEACHER, [first]),
                       _token(settings, "demo-parent-1", Role.PARENT, pupils=[parent_pupil]), parent_pupil, seeded=False)


async def _seed(client: httpx.AsyncClient, settings: AuthSettings, weeks: int, seed: int, today: date | None) -> DemoSummary:
    admin = _token(settings, "demo-admin", Role.TRUST_ADMIN)
    plan = build_plan(seed, weeks, today)
    existing = await _call(client, "GET", "/v1/schools", admin)
    if existing:
        return await _existing_summary(client, settings, admin, existing, plan)

    await _call(client, "PUT", f"/v1/trusts/{TRUST_ID}", admin, {"name": TRUST_NAME})
    config = await _call(client, "GET", f"/v1/trusts/{TRUST_ID}/config", admin)
    schools: list[DemoSchool] = []
    for _letter, name, class_names in SCHOOLS:
        school = await _call(client, "POST", "/v1/schools", admin, {"name": name})
        demo_school = DemoSchool(school["school_id"], name)
        for class_name in class_names:
            demo_school.class_ids.append((await _call(client, "POST", f"/v1/schools/{school['school_id']}/classes", admin,
                                                      {"name": class_name}))["class_id"])
        short = name.split()[0] + " " + name.split()[1]
        for display, role in ((f"Demo SENCO ({short})", "senco"), (f"Demo Class Teacher ({short})", "teacher")):
            await _call(client, "POST", f"/v1/schools/{school['school_id']}/staff", admin, {"display_name": display, "role": role})
        schools.append(demo_school)

    pupil_ids: dict[str, str] = {}
    outcome_ids: dict[str, list[dict[str, str]]] = {}

    async def register(pupil: PlannedPupil) -> None:
        school = schools[pupil.school]
        body = {"school_id": school.school_id, "first_name": pupil.first_name, "last_name": pupil.last_name,
                "date_of_birth": pupil.date_of_birth.isoformat(), "mis_id": pupil.key, "class_id": school.class_ids[pupil.klass],
                "key_stage": pupil.key_stage, "on_engagement_model": pupil.on_model, "regressive_condition": pupil.regressive}
        pupil_id = (await _call(client, "POST", "/v1/pupils", admin, body))["pupil_id"]
        pupil_ids[pupil.key] = pupil_id
        ids = []
        for outcome in pupil.outcomes:
            long = await _call(client, "POST", f"/v1/pupils/{pupil_id}/outcomes", admin,
                               {"area_of_need": outcome.area_of_need, "term": "long", "description": outcome.long_text,
                                "target_date": outcome.long_date.isoformat()})
            short = await _call(client, "POST", f"/v1/pupils/{pupil_id}/outcomes", admin,
                                {"area_of_need": outcome.area_of_need, "term": "short", "description": outcome.short_text,
                                 "target_date": outcome.short_date.isoformat(), "parent_outcome_id": long["outcome_id"]})
            ids.append({"long": long["outcome_id"], "short": short["outcome_id"]})
        outcome_ids[pupil.key] = ids

    await asyncio.gather(*(register(p) for p in plan.pupils))

    # Group observations by who sends them: staff tokens per school, a parent token per pupil.
    parent_subject = {key: f"demo-parent-{n + 1}" for n, key in enumerate(plan.parent_pupils)}
    groups: dict[str, list[dict[str, Any]]] = {}
    tokens: dict[str, str] = {}
    for planned in plan.observations:
        body = _fit_to_config(json.loads(json.dumps(planned.body)), config)
        body["observation_id"] = str(uuid.uuid4())
        body["pupil_id"] = pupil_ids[planned.pupil_key]
        body["ehc_outcome_ids"] = [outcome_ids[planned.pupil_key][i][term] for i, term in planned.outcome_links]
        if planned.observer == "parent":
            subject = parent_subject[planned.pupil_key]
            tokens.setdefault(subject, _token(settings, subject, Role.PARENT, pupils=[body["pupil_id"]]))
        else:
            subject = f"demo-{planned.observer.replace('_', '-')}-{planned.school + 1}"
            tokens.setdefault(subject, _token(settings, subject, STAFF_ROLES[planned.observer], [schools[planned.school].school_id]))
        groups.setdefault(subject, []).append(body)

    created = rejected = 0
    rejections: list[str] = []
    for subject, items in groups.items():
        for start in range(0, len(items), MAX_BATCH):
            result = await _call(client, "POST", "/v1/observations/batch", tokens[subject], {"observations": items[start:start + MAX_BATCH]})
            created += result["created"] + result["replayed"]
            rejected += result["rejected"]
            rejections += [f"{subject} item {r['index']}: {r['errors']}" for r in result["results"] if r["status"] == "rejected"]

    first = schools[0].school_id
    parent_pupil = pupil_ids[plan.parent_pupils[0]]
    return DemoSummary(TRUST_ID, TRUST_NAME, schools, len(plan.pupils), sum(p.on_model for p in plan.pupils), created, admin,
                       _token(settings, "demo-senco-1", Role.SENCO, [first]), _token(settings, "demo-teacher-1", Role.TEACHER, [first]),
                       _token(settings, "demo-parent-1", Role.PARENT, pupils=[parent_pupil]), parent_pupil, seeded=True,
                       rejected=rejected, rejections=rejections)


async def seed_demo(api: str | httpx.AsyncClient, auth: AuthSettings | None = None, weeks: int = 12, seed: int = 7,
                    *, today: date | None = None) -> DemoSummary:
    """Seed the demo trust through the API at ``api`` (a base URL or an open client); skip if it has schools.

    ``auth`` must match the services' ``AUTH_*`` settings (default: read from the environment).
    ``today`` fixes the day the term ends before (default: today), for reproducible content.
    """
    settings = auth or AuthSettings()
    if isinstance(api, httpx.AsyncClient):
        return await _seed(api, settings, weeks, seed, today)
    async with httpx.AsyncClient(base_url=api.rstrip("/"), timeout=120.0) as client:
        return await _seed(client, settings, weeks, seed, today)


def seed_demo_sync(api_base_url: str, auth: AuthSettings | None = None, weeks: int = 12, seed: int = 7,
                   *, today: date | None = None) -> DemoSummary:
    """``seed_demo`` for callers without an event loop (the command line, the run command)."""
    return asyncio.run(seed_demo(api_base_url, auth, weeks, seed, today=today))


def main(argv: list[str] | None = None) -> None:
    """Seed (or find) the demo trust and print how to explore it."""
    parser = argparse.ArgumentParser(description="Seed the invented demo trust through the observation-ingest API.")
    parser.add_argument("--api", default="http://127.0.0.1:8001", help="observation-ingest base URL")
    parser.add_argument("--weeks", type=int, default=12, help="weeks of observations, ending yesterday")
    parser.add_argument("--seed", type=int, default=7, help="random seed for the content")
    parser.add_argument("--json", action="store_true", help="print the summary as JSON")
    args = parser.parse_args(argv)
    summary = seed_demo_sync(args.api, weeks=args.weeks, seed=args.seed)
    print(json.dumps(summary.as_dict(), indent=2) if args.json else summary.render(args.api))
    if summary.rejected:
        raise SystemExit(1)


if __name__ == "__main__":
    main()
