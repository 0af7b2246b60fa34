"""An agreed moderation change reaches the observation store and the projection exactly once,
even when moderation dies between recording the agreement and publishing it.

Moderators agree changed judgements while moderation's relay is frozen, so each agreement is
committed with its events but none is published yet; then moderation's API and relay are killed
with SIGKILL and started again. observation-ingest's consumer of those changes is killed on the
way too. Finally the broker restarts empty, so every relay publishes every stored event again,
and one more agreement, made after that, shows the redelivered ones were all read first (they
share its round's partition). Each agreed change must have amended its observation exactly once.
"""

from __future__ import annotations

import asyncio
from datetime import UTC, date, datetime, timedelta
from typing import Any

import httpx
import pytest
from pymongo import AsyncMongoClient

from engagement_shared.auth.principal import Role
from engagement_shared.events.vocabulary import DEFAULT_DESCRIPTOR_SCALE
from engagement_shared.mongo.relay import RELAY_STATE
from tests.support.moderation import record_observations, staff_subject
from tests.support.pipeline import eventually
from tests.support.spine import Spine
from tests.support.world import World, auth, build_world

pytestmark = pytest.mark.system
SAMPLE = 6
LEVELS = list(DEFAULT_DESCRIPTOR_SCALE)


async def _schedule(moderation: httpx.AsyncClient, world: World) -> str:
    school = world.schools[0]
    today = datetime.now(UTC)
    body = {"title": "Autumn internal moderation", "scope": "internal", "school_id": school, "sample_size": SAMPLE, "seed": 42,
            "moderators": [{"staff_id": staff_subject(0, n), "school_id": school} for n in range(2)],
            "opens_at": today.isoformat(), "deadline": (today + timedelta(days=7)).isoformat(),
            "observed_from": (date.today() - timedelta(days=60)).isoformat(), "observed_to": date.today().isoformat()}
    response = await moderation.post("/v1/rounds", json=body, headers=auth(world.token(Role.SENCO, 0)))
    assert response.status_code == 201, response.text
    return response.json()["round_id"]


async def _judge_blind(moderation: httpx.AsyncClient, world: World) -> list[tuple[dict[str, str], str, dict[str, Any]]]:
    """Every item judged blind by its moderator; returns (headers, item id, agreed body that differs from the original)."""
    ready = []
    for n in range(2):
        headers = auth(world.token(Role.TEACHER, 0, subject=staff_subject(0, n)))
        for item in (await moderation.get("/v1/my/items", headers=headers)).json():
            area = item["areas_observed"][0]
            judged = await moderation.post(f"/v1/items/{item['item_id']}/judgement", headers=headers,
                                           json={"areas": [{"area": area, "established": "secure"}]})
            assert judged.status_code == 200, judged.text
            original = next(a["established"] for a in judged.json()["original"] if a["area"] == area)
            agreed = LEVELS[(LEVELS.index(original) + 1) % len(LEVELS)]
            ready.append((headers, item["item_id"], {"areas": [{"area": area, "established": agreed}],
                                                     "rationale": "Seen again on video with less prompting."}))
    return ready


async def _agree(moderation: httpx.AsyncClient, headers: dict[str, str], item_id: str, body: dict[str, Any]) -> None:
    response = await moderation.post(f"/v1/items/{item_id}/agreement", headers=headers, json=body)
    assert response.status_code == 200, response.text


async def _republished_since(db: Any, moment: datetime) -> bool:
    marker = await db[RELAY_STATE].find_one({"_id": "marker"})
    return marker is not None and marker["written_at"] > moment


async def test_agreed_change_amends_once_through_a_crash_before_publishing(platform_with_moderation: Spine) -> None:
    platform = platform_with_moderation
    client: AsyncMongoClient = AsyncMongoClient(platform.endpoints.mongo_url, tz_aware=True)
    ingest_db, narrative_db, moderation_db = client[platform.ingest_db], client[platform.narrative_db], client[platform.moderation_db]
    async with httpx.AsyncClient(base_url=platform.api, timeout=60) as ingest, \
            httpx.AsyncClient(base_url=platform.moderation_api, timeout=60) as moderation:
        world = await build_world(ingest)
        recorded = await record_observations(ingest, world, per_pupil=4)

        async def fed() -> bool:
            return await moderation_db.candidates.count_documents({}) == len(recorded.observations)

        await eventually(fed, timeout=60)
        await _schedule(moderation, world)
        ready = await _judge_blind(moderation, world)
        assert len(ready) == SAMPLE
        *crashed, sentinel = ready

        relay, api = platform.processes["moderation-relay"], platform.processes["moderation-api"]
        relay.freeze()
        for headers, item_id, body in crashed:
            await _agree(moderation, headers, item_id, body)
        observation_of = {d["_id"]: d["observation_id"] async for d in moderation_db.items.find({}, {"observation_id": 1})}
        changed = {observation_of[item_id]: body["areas"][0] for _, item_id, body in crashed}
        assert await moderation_db.outbox.count_documents({"type": "moderation.amendment_requested"}) == len(crashed)
        versions = {d["observation"]["observation_id"]: d["observation"]["version"]
                    async for d in ingest_db.observations.find({"observation.observation_id": {"$in": list(changed)}})}
        assert set(versions.values()) == {1}, "nothing may be published while the relay is frozen"
        relay.kill()  # recorded, not yet published: the moment the promise is about
        api.kill()
        api.start()
        relay.start()
        await asyncio.sleep(0.5)
        platform.processes["ingest-consumer"].kill()
        await asyncio.sleep(1.0)
        platform.processes["ingest-consumer"].start()

        async def amended() -> bool:
            found = ingest_db.observations.find({"observation.observation_id": {"$in": list(changed)}, "observation.version": 2})
            return len([d async for d in found]) == len(changed)

        await eventually(amended, timeout=120, interval=0.5)

        restarted_at = datetime.now(UTC)
        platform.infra.restart_kafka()

        async def everything_republished() -> bool:
            return await _republished_since(ingest_db, restarted_at) and await _republished_since(moderation_db, restarted_at)

        await eventually(everything_republished, timeout=120, interval=0.5)
        headers, item_id, body = sentinel
        await _agree(moderation, headers, item_id, body)
        changed[observation_of[item_id]] = body["areas"][0]
        await eventually(amended, timeout=120, interval=0.5)

        async def projected() -> bool:
            docs = narrative_db.projected_observations.find({"observation_id": {"$in": list(changed)}, "version": 2})
            return len([d async for d in docs]) == len(changed)

        await eventually(projected, timeout=120, interval=0.5)
        await asyncio.sleep(3)  # let any redelivery still in flight land, to show it changes nothing

    senco = auth(world.token(Role.SENCO, 0))
    async with httpx.AsyncClient(base_url=platform.api, timeout=60) as ingest:
        for observation_id, agreed in changed.items():
            stored = (await ingest.get(f"/v1/observations/{observation_id}", headers=senco)).json()
            assert stored["observation"]["version"] == 2
            judged = {a["area"]: a["established"] for a in stored["observation"]["areas"]}
            assert judged[agreed["area"]] == agreed["established"]
            assert [h["action"] for h in stored["history"]].count("amended") == 1
    assert await ingest_db.outbox.count_documents({"type": "observation.amended"}) == len(changed)
    assert await narrative_db.processed_events.count_documents({"type": "observation.amended"}) == len(changed)
    async for doc in narrative_db.projected_observations.find({"observation_id": {"$in": list(changed)}}):
        agreed = changed[doc["observation_id"]]
        assert doc["areas"][agreed["area"]] == agreed["established"]
    await client.close()
