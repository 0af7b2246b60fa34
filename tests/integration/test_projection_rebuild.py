"""Replaying the event log rebuilds exactly the projections the live consumer built: 10,000 mixed
observations with amendments and withdrawals, directory changes and a trust's own words."""

from __future__ import annotations

import asyncio
import random
from dataclasses import replace
from datetime import UTC, date, datetime, timedelta
from typing import Any

import httpx
from pymongo import AsyncMongoClient

from engagement_shared.settings import ServiceConfig
from narrative_builder.adapters.outbound.mongo_projection import PROJECTIONS
from narrative_builder.inject import rebuild, services
from tests.support.pipeline import eventually, running_pipeline
from tests.support.world import World, auth, build_world, observation

TOTAL = 10_000
AMENDED, WITHDRAWN = 300, 200
LEVELS = ["emerging", "developing", "established", "secure", "generalised"]
SUPPORT = ["fully_supported", "physical_prompt", "modelled", "gestural", "verbal", "independent"]
SETTINGS = ["classroom", "sensory_room", "hall", "outdoors", "home"]
AREAS = ["exploration", "realisation", "anticipation", "persistence", "initiation"]


def mixed(rng: random.Random, pupil: str, when: datetime, outcomes: list[str]) -> dict[str, Any]:
    areas = rng.sample(AREAS, rng.randint(1, 3))
    return observation(pupil, when, areas=[{"area": a, "established": rng.choice(LEVELS)} for a in areas],
                       support_level=rng.choice(SUPPORT),
                       context={"setting": rng.choice(SETTINGS), "time_of_day": rng.choice(["morning", "afternoon"]),
                                "adults": [rng.choice(["teacher", "teaching_assistant", "therapist"])], "sensory_experiences": ["visual"],
                                **({"health": "a cold"} if rng.random() < 0.05 else {})},
                       ehc_outcome_ids=[rng.choice(outcomes)] if outcomes and rng.random() < 0.5 else [],
                       activity=rng.choice(["bubble tube", "hello song", "sensory story", "water play"]), baseline=rng.random() < 0.05)


async def snapshot(client: AsyncMongoClient, database: str) -> dict[str, list[dict[str, Any]]]:
    db = client[database]
    return {name: [d async for d in db[name].find({}).sort("_id", 1)] for name in PROJECTIONS}


def assert_same(rebuilt: dict[str, list[dict[str, Any]]], live: dict[str, list[dict[str, Any]]]) -> None:
    """Equal collection by collection; on a difference, name the first document and fields that differ."""
    for name in PROJECTIONS:
        assert len(rebuilt[name]) == len(live[name]), name
        for a, b in zip(rebuilt[name], live[name], strict=True):
            if a != b:
                fields = sorted(k for k in set(a) | set(b) if a.get(k) != b.get(k))
                raise AssertionError(f"{name} {a['_id']}: {fields} differ: {[(a.get(k), b.get(k)) for k in fields][:1]}"[:3000])


async def test_replay_rebuilds_what_the_live_consumer_built(infra: Any, run_id: str, ingest: httpx.AsyncClient,
                                                            ingest_config: ServiceConfig, narrative_config: ServiceConfig) -> None:
    rng = random.Random(7)
    world: World = await build_world(ingest, pupils_per_school=10)
    admin = world.token("trust_admin", school="all")
    teacher_of = {school: world.token("teacher", school=i, subject=f"staff-{i}") for i, school in enumerate(world.schools)}
    config = (await ingest.get(f"/v1/trusts/{world.trust_id}/config", headers=auth(admin))).json()
    (await ingest.put(f"/v1/trusts/{world.trust_id}/config", json={**config, "observation_gap_days": 10}, headers=auth(admin))).raise_for_status()
    outcomes: dict[str, list[str]] = {}
    for school, pupils in world.pupils.items():
        for pupil in pupils[:5]:
            response = await ingest.post(f"/v1/pupils/{pupil}/outcomes", headers=auth(admin), json={
                "area_of_need": "communication_and_interaction", "term": "short", "description": "To choose between two objects.",
                "target_date": (date.today() + timedelta(days=60)).isoformat()})
            outcomes.setdefault(pupil, []).append(response.json()["outcome_id"])
    pupils = [(school, p) for school, ps in world.pupils.items() for p in ps]
    start = datetime.now(UTC) - timedelta(days=360)
    bodies = [(school, mixed(rng, pupil, start + timedelta(minutes=50 * i), outcomes.get(pupil, [])))
              for i, (school, pupil) in enumerate(rng.choice(pupils) for _ in range(TOTAL))]

    async with running_pipeline(ingest_config, narrative_config):
        for school in world.schools:
            mine = [b for s, b in bodies if s == school]
            for i in range(0, len(mine), 500):
                response = await ingest.post("/v1/observations/batch", json={"observations": mine[i:i + 500]}, headers=auth(teacher_of[school]))
                assert response.status_code == 200, response.text
        amend = rng.sample(bodies, AMENDED + WITHDRAWN)

        async def change(item: tuple[str, dict[str, Any]], k: int) -> None:
            school, body = item
            if k < AMENDED:
                response = await ingest.patch(f"/v1/observations/{body['observation_id']}", headers=auth(teacher_of[school]), json={
                    "changes": {"areas": [{"area": "initiation", "established": rng.choice(LEVELS)}], "support_level": "independent"},
                    "reason": "Moderation agreed a different judgement"})
            else:
                response = await ingest.post(f"/v1/observations/{body['observation_id']}/withdraw", headers=auth(teacher_of[school]),
                                             json={"reason": "Recorded against the wrong pupil"})
            assert response.status_code == 200, response.text

        for i in range(0, len(amend), 25):
            await asyncio.gather(*(change(item, i + k) for k, item in enumerate(amend[i:i + 25])))
        # A pupil's facts change after their observations: the profile must follow.
        (await ingest.patch(f"/v1/pupils/{pupils[0][1]}", json={"regressive_condition": True}, headers=auth(admin))).raise_for_status()

        client = AsyncMongoClient(narrative_config.mongo.url)
        live = client[narrative_config.mongo.database]

        async def caught_up() -> bool:
            counted = sum([d["observations"] async for d in live.pupil_progress.find({}, {"observations": 1})])
            # build_world gives one pupil per school a regressive condition; the test adds a third.
            return counted == TOTAL - WITHDRAWN and await live.stale_profiles.count_documents({}) == 0 \
                and await live.pupils.count_documents({"regressive_condition": True}) == 3
        await eventually(caught_up, timeout=240, interval=1.0)
        await asyncio.sleep(1.0)
        assert await live.stale_profiles.count_documents({}) == 0

    before = await snapshot(client, narrative_config.mongo.database)
    applied = await live.processed_events.count_documents({})
    assert len(before["pupil_profiles"]) == len(pupils) and len(before["projected_observations"]) == TOTAL
    assert sum(1 for o in before["projected_observations"] if o["withdrawn"]) == WITHDRAWN
    assert sum(1 for o in before["projected_observations"] if o["version"] == 2 and not o["withdrawn"]) == AMENDED

    # Rebuild into a fresh database from the same topics, then in place over the live one.
    elsewhere = replace(narrative_config, mongo=narrative_config.mongo.model_copy(update={"database": narrative_config.mongo.database + "_rebuilt"}))
    async with rebuild(elsewhere) as command:
        await command.run(asyncio.Event())
    assert await client[elsewhere.mongo.database].processed_events.count_documents({}) == applied
    assert_same(await snapshot(client, elsewhere.mongo.database), before)
    async with rebuild(narrative_config) as command:
        await command.run(asyncio.Event())
    assert_same(await snapshot(client, narrative_config.mongo.database), before)
    async with services(narrative_config) as built:
        assert (await built.profiles.current(pupils[0][1])).regressive_condition  # type: ignore[union-attr]
    await client.close()
