"""Nothing lost, nothing doubled: crashes of any worker, and a broker that forgets everything.

2,000 observations stream in through the API while the API, the relay and the consumer are killed with
SIGKILL at random moments and restarted, and the broker is restarted empty mid-stream. In the
end every observation is in the projection exactly once.
"""

from __future__ import annotations

import asyncio
import random
from datetime import UTC, datetime, timedelta

import httpx
import pytest
from pymongo import AsyncMongoClient

from tests.support.pipeline import eventually
from tests.support.world import auth, build_world, observation
from tests.support.spine import Spine

pytestmark = pytest.mark.system
TOTAL = 2000
BATCH = 50


# A batch whose writer was killed mid-transaction stays locked by that orphaned transaction until the
# database aborts it (MongoDB's transactionLifetimeLimitSeconds, 60 s by default): until then the API
# answers 503 "retry", and an app keeps retrying, as this client does, for longer than that.
RETRY_FOR = 150.0


async def _post_until_accepted(api: httpx.AsyncClient, token: str, items: list[dict]) -> httpx.Response:
    deadline = asyncio.get_running_loop().time() + RETRY_FOR
    answers: list[str] = []
    while True:
        try:
            response = await api.post("/v1/observations/batch", json={"observations": items}, headers=auth(token))
            if response.is_success:
                return response
            answers.append(f"{response.status_code} {response.text[:200]}")
            if response.status_code != 503:
                raise AssertionError(f"batch refused: {answers}")
        except httpx.TransportError as exc:  # the API is down or was killed mid-request
            answers.append(type(exc).__name__)
        if asyncio.get_running_loop().time() > deadline:
            raise AssertionError(f"batch not accepted within {RETRY_FOR} s: {answers[-5:]}")
        await asyncio.sleep(1.0)


async def _stream(api: httpx.AsyncClient, token: str, pupils: list[str], posted: list[str]) -> None:
    start = datetime.now(UTC) - timedelta(days=30)
    for b in range(TOTAL // BATCH):
        items = [observation(pupils[(b * BATCH + i) % len(pupils)], start + timedelta(minutes=b * BATCH + i)) for i in range(BATCH)]
        response = await _post_until_accepted(api, token, items)
        assert response.json()["rejected"] == 0
        posted.extend(item["observation_id"] for item in items)
        await asyncio.sleep(0.05)


async def _chaos(platform: Spine, posted: list[str], rng: random.Random, log: list[str]) -> None:
    broker_restarted = False
    victims: list[str] = []
    while len(posted) < TOTAL:
        await asyncio.sleep(rng.uniform(0.2, 1.0))
        if not broker_restarted and len(posted) >= TOTAL // 2:
            platform.infra.restart_kafka()
            broker_restarted = True
            log.append(f"broker restarted after {len(posted)}")
            continue
        if not victims:
            victims = rng.sample(["api", "relay", "consumer"], 3)  # every process is hit, in random order
        victim = platform.processes[victims.pop()]
        victim.kill()
        log.append(f"killed {victim.name} after {len(posted)}")
        await asyncio.sleep(rng.uniform(0.0, 0.8))
        victim.start()
    assert broker_restarted
    assert {entry.split()[1] for entry in log if entry.startswith("killed")} == {"api", "relay", "consumer"}, log


async def test_every_observation_is_projected_exactly_once_through_crashes(platform: Spine) -> None:
    """The platform's promise to schools: an accepted observation is never lost or counted twice."""
    rng = random.Random(20261203)
    async with httpx.AsyncClient(base_url=platform.api, timeout=60) as api:
        world = await build_world(api, pupils_per_school=10)
        pupils = [p for ps in world.pupils.values() for p in ps]
        posted: list[str] = []
        log: list[str] = []
        await asyncio.gather(_stream(api, world.token("app", school="all"), pupils, posted),
                             _chaos(platform, posted, rng, log))
    for process in platform.processes.values():
        if not process.running():
            process.start()

    client: AsyncMongoClient = AsyncMongoClient(platform.endpoints.mongo_url)
    narrative = client[platform.narrative_db]
    ingest = client[platform.ingest_db]

    async def all_projected() -> bool:
        return await narrative.projected_observations.count_documents({}) >= TOTAL

    await eventually(all_projected, timeout=240, interval=1.0)
    await asyncio.sleep(3)  # let any redelivery in flight land, to prove it changes nothing
    assert await ingest.observations.count_documents({}) == TOTAL, log
    projected = {d["observation_id"] async for d in narrative.projected_observations.find({}, {"observation_id": 1})}
    assert projected == set(posted), log
    progress = [d async for d in narrative.pupil_progress.find({})]
    assert sum(d["observations"] for d in progress) == TOTAL, log
    for doc in progress:
        in_store = await ingest.observations.count_documents({"observation.pupil_id": doc["_id"]})
        assert doc["observations"] == in_store, log
    applied = await narrative.processed_events.count_documents({"type": "observation.recorded"})
    assert applied == TOTAL, log
    await client.close()

