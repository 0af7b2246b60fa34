"""The spine over real sockets: HTTP → MongoDB + outbox → relay → Kafka → consumer → projection."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import httpx
from pymongo import AsyncMongoClient

from engagement_shared.settings import ServiceConfig
from narrative_builder.inject import build_app as build_narrative_app
from tests.support.pipeline import eventually, running_pipeline
from tests.support.world import World, auth, observation, token


async def test_observation_reaches_the_projection_and_amendments_follow(
    ingest: httpx.AsyncClient, world: World, ingest_config: ServiceConfig, narrative_config: ServiceConfig
) -> None:
    """Recorded, amended and withdrawn observations each change the projection once."""
    pupil = world.pupils[world.schools[0]][0]
    teacher = world.token("teacher", subject="staff-1")
    app = build_narrative_app(narrative_config)
    async with app.router.lifespan_context(app), httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://nb") as narrative:
        async def progress() -> dict:
            response = await narrative.get(f"/v1/pupils/{pupil}/progress", headers=auth(teacher))
            return response.json() if response.status_code == 200 else {}

        async with running_pipeline(ingest_config, narrative_config):
            now = datetime.now(UTC)
            first, second = observation(pupil, now - timedelta(hours=1)), observation(pupil, now - timedelta(hours=2))
            await ingest.post("/v1/observations", json=first, headers=auth(teacher))
            await ingest.post("/v1/observations", json=second, headers=auth(teacher))

            async def two() -> bool:
                return (await progress()).get("observations") == 2
            await eventually(two)
            assert (await progress())["areas"]["exploration"]["observations"] == 2

            await ingest.patch(f"/v1/observations/{first['observation_id']}", headers=auth(teacher),
                               json={"changes": {"areas": [{"area": "initiation", "established": "emerging"}]}, "reason": "Wrong area ticked"})

            async def amended() -> bool:
                return (await progress()).get("areas", {}).get("initiation", {}).get("observations") == 1
            await eventually(amended)
            exploration = (await progress())["areas"]["exploration"]
            # The amendment took away exploration's latest judgement: it is found again among the rest.
            assert exploration["observations"] == 1 and exploration["latest_observation_id"] == second["observation_id"]

            await ingest.post(f"/v1/observations/{second['observation_id']}/withdraw", json={"reason": "Duplicate entry"}, headers=auth(teacher))

            async def withdrawn() -> bool:
                return (await progress()).get("observations") == 1 and (await progress())["areas"]["exploration"]["observations"] == 0
            await eventually(withdrawn)

        other_school = await narrative.get(f"/v1/pupils/{pupil}/progress", headers=auth(world.token("teacher", school=1)))
        assert other_school.status_code == 403
        parent = await narrative.get(f"/v1/pupils/{pupil}/progress", headers=auth(world.token("parent", school=None, pupils=(pupil,))))
        assert parent.status_code == 200
        other_parent = await narrative.get(f"/v1/pupils/{pupil}/progress", headers=auth(world.token("parent", school=None, pupils=("someone-else",))))
        assert other_parent.status_code == 403
        other_trust = await narrative.get(f"/v1/pupils/{pupil}/progress", headers=auth(token("trust_admin", "another-trust")))
        assert other_trust.status_code == 404
        assert (await narrative.get(f"/v1/pupils/{pupil}/progress")).status_code == 401
        routes = {path for path in app.openapi()["paths"] if path.startswith("/v1")}
        assert routes == {"/v1/pupils/{pupil_id}/progress", "/v1/pupils/{pupil_id}/profile", "/v1/alerts", "/v1/reports",
                          "/v1/reports/{report_id}", "/v1/reports/{report_id}/content", "/v1/reports/{report_id}/finalisation",
                          "/v1/reports/{report_id}/html", "/v1/reports/{report_id}/pdf", "/v1/report-checks", "/v1/report-runs",
                          "/v1/report-runs/{batch_id}"}, \
            "a new narrative-builder route needs its authorisation checks (here or in test_narrative_reports.py)"
        for path in ("profile", "progress"):
            assert (await narrative.get(f"/v1/pupils/{pupil}/{path}", headers=auth(world.token("teacher", school=1)))).status_code == 403
        assert (await narrative.post("/v1/report-checks", json={})).status_code == 401


async def test_directory_events_reach_the_bus_without_personal_data(
    ingest: httpx.AsyncClient, world: World, ingest_config: ServiceConfig
) -> None:
    """Pupil events leave observation-ingest with ids and facts, never names or dates of birth."""
    client: AsyncMongoClient = AsyncMongoClient(ingest_config.mongo.url)
    outbox = [d async for d in client[ingest_config.mongo.database].outbox.find({"type": "pupil.registered"})]
    await client.close()
    assert len(outbox) == sum(len(p) for p in world.pupils.values())
    for record in outbox:
        text = record["value"].decode()
        assert "Pupil0" not in text and "2016-05-0" not in text and "first_name" not in text
