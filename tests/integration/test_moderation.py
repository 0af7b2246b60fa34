"""Moderation over real servers: sampling from the bus-fed candidates, the blind protocol, the
amendment back to the observation store, agreement figures, exemplars, reminders, access and leaks."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any

import httpx
import pytest
from pymongo import AsyncMongoClient

from engagement_shared.auth.principal import Role
from engagement_shared.settings import ServiceConfig
from moderation.adapters.outbound.mongo_store import MongoModerationStore
from moderation.core.reminders import Reminders
from moderation.inject import build_app
from tests.support.moderation import Recorded, publish_consents, record_observations, running_moderation_pipeline, staff_subject
from tests.support.pipeline import eventually
from tests.support.world import World, auth, build_world, token


@dataclass
class Trust:
    """A world with observations flowing into moderation, and a client for the moderation API."""

    world: World
    recorded: Recorded
    api: httpx.AsyncClient
    ingest: httpx.AsyncClient
    db: Any

    def tok(self, role: Role, school: int | str | None = 0, subject: str | None = None) -> dict[str, str]:
        return auth(self.world.token(role, school, subject=subject))


@pytest.fixture
async def trust(ingest: httpx.AsyncClient, ingest_config: ServiceConfig, moderation_config: ServiceConfig) -> AsyncIterator[Trust]:
    world = await build_world(ingest)
    recorded = await record_observations(ingest, world)
    consenting = {p: s for s in world.schools for p in world.pupils[s][:2]}  # the third pupil of each school has not consented
    await publish_consents(ingest_config, world.trust_id, consenting, "cross_school_moderation")
    await publish_consents(ingest_config, world.trust_id, {world.pupils[world.schools[0]][0]: world.schools[0]}, "exemplar_library")
    recorded.consenting = set(consenting)
    client = AsyncMongoClient(moderation_config.mongo.url, tz_aware=True)
    db = client[moderation_config.mongo.database]
    app = build_app(moderation_config)
    async with running_moderation_pipeline(ingest_config, moderation_config), app.router.lifespan_context(app):
        async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://moderation") as api:
            async def fed() -> bool:
                return await db.candidates.count_documents({}) == len(recorded.observations) and await db.consents.count_documents({}) == 5
            await eventually(fed)
            yield Trust(world, recorded, api, ingest, db)
    await client.close()


def round_body(**overrides: Any) -> dict[str, Any]:
    today = datetime.now(UTC)
    body: dict[str, Any] = {
        "title": "Spring cross-school moderation", "scope": "cross_school", "sample_size": 8, "seed": 1234,
        "moderators": [{"staff_id": staff_subject(0, 0), "school_id": None}, {"staff_id": staff_subject(1, 0), "school_id": None}],
        "opens_at": today.isoformat(), "deadline": (today + timedelta(days=14)).isoformat(),
        "observed_from": (date.today() - timedelta(days=60)).isoformat(), "observed_to": date.today().isoformat(),
    }
    body.update(overrides)
    return body


def cross_school_moderators(t: Trust) -> list[dict[str, Any]]:
    return [{"staff_id": staff_subject(0, 0), "school_id": t.world.schools[0]}, {"staff_id": staff_subject(1, 0), "school_id": t.world.schools[1]},
            {"staff_id": "central-1", "school_id": None}]


async def sampled(t: Trust, round_id: str) -> list[dict[str, Any]]:
    return [d async for d in t.db.items.find({"round_id": round_id})]


async def test_cross_school_sample_is_reproducible_consented_and_never_own_school(trust: Trust) -> None:
    t = trust
    central = t.tok(Role.CENTRAL_MODERATOR, None)
    first = await t.api.post("/v1/rounds", json=round_body(moderators=cross_school_moderators(t)), headers=central)
    assert first.status_code == 201, first.text
    plan = first.json()["plan"]
    assert plan["seed"] == 1234 and plan["population"] == 36 and plan["excluded_without_consent"] == 12
    assert sum(plan["allocation"].values()) == 8 and set(plan["allocation"]) <= set(plan["available"])
    assert all(n == 1 for n in plan["allocation"].values())  # 10 strata of similar size share 8 places, one each
    assert "pseudonym_secret" not in first.json()
    again = await t.api.post("/v1/rounds", json=round_body(moderators=cross_school_moderators(t)), headers=central)
    one, two = await sampled(t, first.json()["round_id"]), await sampled(t, again.json()["round_id"])
    assert sorted(d["observation_id"] for d in one) == sorted(d["observation_id"] for d in two)
    for item in one:
        assert item["pupil_id"] in t.recorded.consenting
        assert item["moderator_school_id"] != item["school_id"]


async def test_blind_judgement_then_agreement_amends_the_observation_once(trust: Trust) -> None:
    t = trust
    created = await t.api.post("/v1/rounds", json=round_body(moderators=cross_school_moderators(t)), headers=t.tok(Role.CENTRAL_MODERATOR, None))
    round_id = created.json()["round_id"]
    moderator = t.tok(Role.TEACHER, 0, subject=staff_subject(0, 0))
    mine = (await t.api.get("/v1/my/items", headers=moderator)).json()
    assert mine and all(i["original"] is None for i in mine)  # blind
    item = mine[0]
    area = item["areas_observed"][0]
    judged = await t.api.post(f"/v1/items/{item['item_id']}/judgement", json={"areas": [{"area": area, "established": "secure"}]}, headers=moderator)
    assert judged.status_code == 200, judged.text
    original = judged.json()["original"][0]["established"]
    assert original is not None
    agreed_level = "generalised" if original != "generalised" else "emerging"
    agreed = await t.api.post(f"/v1/items/{item['item_id']}/agreement", headers=moderator,
                              json={"areas": [{"area": area, "established": agreed_level}], "rationale": "Seen across three settings on video."})
    assert agreed.status_code == 200, agreed.text
    observation_id = (await t.db.items.find_one({"_id": item["item_id"]}))["observation_id"]
    senco = t.tok(Role.SENCO, "all")

    async def amended() -> bool:
        response = await t.ingest.get(f"/v1/observations/{observation_id}", headers=senco)
        return response.json()["observation"]["version"] == 2

    await eventually(amended)
    stored = (await t.ingest.get(f"/v1/observations/{observation_id}", headers=senco)).json()
    assert stored["observation"]["areas"][0]["established"] == agreed_level
    assert [h["action"] for h in stored["history"]].count("amended") == 1
    assert "Agreed in moderation" in stored["history"][-1]["reason"]
    assert stored["history"][-1]["by_subject"] == f"moderation-round:{round_id}"

    figures = (await t.api.get(f"/v1/rounds/{round_id}/agreement", headers=t.tok(Role.CENTRAL_MODERATOR, None))).json()
    assert figures["overall"]["pairs"] == 1
    assert figures["overall"]["exact_agreement_percent"] == (100.0 if original == "secure" else 0.0)


async def test_cross_school_moderator_can_reach_no_name_birth_date_school_or_staff(trust: Trust) -> None:
    t = trust
    await t.api.post("/v1/rounds", json=round_body(moderators=cross_school_moderators(t), sample_size=12), headers=t.tok(Role.CENTRAL_MODERATOR, None))
    moderator = t.tok(Role.TEACHER, 1, subject=staff_subject(1, 0))
    fetched: list[Any] = [(await t.api.get("/v1/my/items", headers=moderator)).json()]
    for item in fetched[0]:
        fetched.append((await t.api.get(f"/v1/items/{item['item_id']}", headers=moderator)).json())
        areas = [{"area": a, "established": "developing"} for a in item["areas_observed"]]
        fetched.append((await t.api.post(f"/v1/items/{item['item_id']}/judgement", json={"areas": areas}, headers=moderator)).json())
        fetched.append((await t.api.post(f"/v1/items/{item['item_id']}/agreement", json={"areas": areas, "rationale": "Agreed."},
                                         headers=moderator)).json())
    assert len(fetched) > 1
    text = json.dumps(fetched)
    forbidden = ["Pupil0", "Pupil1", "Pupil2", "Test0", "Test1", "2016-05", "Oak Tree", "Amberley", "Quillon", "teacher-0-",
                 *t.world.schools, *(p for pupils in t.world.pupils.values() for p in pupils)]
    assert [word for word in forbidden if word in text] == []


async def test_every_endpoint_refuses_the_wrong_people(trust: Trust) -> None:
    t = trust
    created = await t.api.post("/v1/rounds", json=round_body(moderators=cross_school_moderators(t)), headers=t.tok(Role.CENTRAL_MODERATOR, None))
    round_id = created.json()["round_id"]
    item_id = (await sampled(t, round_id))[0]["_id"]
    parent = auth(token(Role.PARENT, t.world.trust_id, pupils=(t.world.pupils[t.world.schools[0]][0],)))
    other_trust = auth(token(Role.TRUST_ADMIN, "another-trust"))
    stranger = t.tok(Role.TEACHER, 0, subject="teacher-not-a-moderator")
    for headers, expected in ((parent, 403), (stranger, 403), (other_trust, 404)):
        assert (await t.api.get(f"/v1/rounds/{round_id}", headers=headers)).status_code == expected
        assert (await t.api.get(f"/v1/rounds/{round_id}/items", headers=headers)).status_code == expected
        assert (await t.api.get(f"/v1/rounds/{round_id}/agreement", headers=headers)).status_code == expected
        assert (await t.api.post(f"/v1/rounds/{round_id}/actions", json={"text": "Train on persistence"}, headers=headers)).status_code == expected
        assert (await t.api.get(f"/v1/items/{item_id}", headers=headers)).status_code == expected
        assert (await t.api.post(f"/v1/items/{item_id}/judgement", json={"areas": [{"area": "exploration", "established": "secure"}]},
                                 headers=headers)).status_code == expected
        assert (await t.api.post(f"/v1/items/{item_id}/agreement", json={"areas": [{"area": "exploration", "established": "secure"}],
                                                                         "rationale": "none"}, headers=headers)).status_code == expected
    for headers in (parent, stranger):
        assert (await t.api.get("/v1/report", headers=headers)).status_code == 403
        assert (await t.api.get(f"/v1/staff/{staff_subject(0, 0)}/cpd", headers=headers)).status_code == 403
        assert (await t.api.post("/v1/exemplars", json={"item_id": item_id, "title": "Anticipation"}, headers=headers)).status_code == 403
    assert (await t.api.get("/v1/exemplars", headers=parent)).status_code == 403
    assert (await t.api.get("/v1/my/items", headers=stranger)).json() == []
    senco = t.tok(Role.SENCO, 0)
    assert (await t.api.post("/v1/rounds", json=round_body(), headers=senco)).status_code == 403
    assert (await t.api.post("/v1/rounds", json=round_body(scope="internal", school_id=t.world.schools[1]), headers=senco)).status_code == 403
    own = await t.api.post("/v1/rounds", json=round_body(scope="internal", school_id=t.world.schools[0], sample_size=4,
                                                          moderators=[{"staff_id": staff_subject(0, 0)}, {"staff_id": staff_subject(0, 1)}]),
                           headers=senco)
    assert own.status_code == 201, own.text
    items = await sampled(t, own.json()["round_id"])
    assert items and all(i["school_id"] == t.world.schools[0] and i["moderator_id"] != t.recorded.observers[i["observation_id"]] for i in items)
    # The internal round's lead sees the school's own records, but still blind until judged.
    view = (await t.api.get(f"/v1/rounds/{own.json()['round_id']}/items", headers=senco)).json()
    assert all(v["original"] is None and "areas" not in v["observation"] for v in view)


async def test_bad_requests_name_the_field_and_store_nothing(trust: Trust) -> None:
    t = trust
    central = t.tok(Role.CENTRAL_MODERATOR, None)
    cases = [
        (round_body(deadline="2020-01-01T00:00:00Z"), "deadline"),
        (round_body(scope="internal"), "school_id"),
        (round_body(sample_size=0), "sample_size"),
        (round_body(strata_by=["school", "school"]), "strata_by"),
        (round_body(observed_from="2001-01-01", observed_to="2001-02-01"), "observed_from"),
        (round_body(moderators=[{"staff_id": staff_subject(0, 0), "school_id": t.world.schools[0]}]), "moderators"),
    ]
    for body, field in cases:
        response = await t.api.post("/v1/rounds", json=body, headers=central)
        assert response.status_code == 422, (field, response.text)
        assert field in response.text, (field, response.text)
    assert await t.db.rounds.count_documents({}) == 0 and await t.db.items.count_documents({}) == 0
    created = await t.api.post("/v1/rounds", json=round_body(moderators=cross_school_moderators(t)), headers=central)
    item = (await sampled(t, created.json()["round_id"]))[0]
    moderator = auth(token(Role.CENTRAL_MODERATOR, t.world.trust_id, subject=item["moderator_id"]))
    area = item["original"][0]["area"]
    off_scale = await t.api.post(f"/v1/items/{item['_id']}/judgement", json={"areas": [{"area": area, "established": "brilliant"}]}, headers=moderator)
    assert off_scale.status_code == 422 and "areas.0.established" in off_scale.text
    other = "initiation" if area != "initiation" else "exploration"
    wrong_area = await t.api.post(f"/v1/items/{item['_id']}/judgement", json={"areas": [{"area": other, "established": "secure"}]}, headers=moderator)
    assert wrong_area.status_code == 422 and "areas" in wrong_area.text
    early = await t.api.post(f"/v1/items/{item['_id']}/agreement", json={"areas": [{"area": area, "established": "secure"}], "rationale": "Agreed."},
                             headers=moderator)
    assert early.status_code == 409
    assert (await t.db.items.find_one({"_id": item["_id"]}))["status"] == "awaiting_judgement"
    ok = await t.api.post(f"/v1/items/{item['_id']}/judgement", json={"areas": [{"area": area, "established": "secure"}]}, headers=moderator)
    assert ok.status_code == 200
    twice = await t.api.post(f"/v1/items/{item['_id']}/judgement", json={"areas": [{"area": area, "established": "emerging"}]}, headers=moderator)
    assert twice.status_code == 409


async def test_exemplars_need_consent_and_vanish_when_it_is_withdrawn(trust: Trust, ingest_config: ServiceConfig) -> None:
    t = trust
    central = t.tok(Role.CENTRAL_MODERATOR, None)
    consenting_pupil = t.world.pupils[t.world.schools[0]][0]
    created = await t.api.post("/v1/rounds", json=round_body(scope="internal", school_id=t.world.schools[0], sample_size=18,
                                                              moderators=[{"staff_id": staff_subject(0, 0)}, {"staff_id": staff_subject(0, 1)}]),
                               headers=central)
    items = await sampled(t, created.json()["round_id"])
    with_consent = next(i for i in items if i["pupil_id"] == consenting_pupil)
    without = next(i for i in items if i["pupil_id"] != consenting_pupil)
    for item in (with_consent, without):
        areas = [{"area": a["area"], "established": a["established"]} for a in item["original"]]
        moderator = t.tok(Role.TEACHER, 0, subject=item["moderator_id"])
        await t.api.post(f"/v1/items/{item['_id']}/judgement", json={"areas": areas}, headers=moderator)
        await t.api.post(f"/v1/items/{item['_id']}/agreement", json={"areas": areas, "rationale": "Clear anticipation."}, headers=moderator)
    refused = await t.api.post("/v1/exemplars", json={"item_id": without["_id"], "title": "Anticipating a song"}, headers=central)
    assert refused.status_code == 422 and "exemplar" in refused.text
    added = await t.api.post("/v1/exemplars", json={"item_id": with_consent["_id"], "title": "Anticipating a song"}, headers=central)
    assert added.status_code == 201, added.text
    area = with_consent["original"][0]["area"]
    teacher = t.tok(Role.TEACHER, 1)
    found = (await t.api.get("/v1/exemplars", params={"area": area}, headers=teacher)).json()
    assert [e["title"] for e in found] == ["Anticipating a song"]
    assert "Pupil0" not in json.dumps(found) and consenting_pupil not in json.dumps(found)
    assert (await t.api.get("/v1/exemplars", params={"area": area, "descriptor": "no-such-level"}, headers=teacher)).json() == []
    await publish_consents(ingest_config, t.world.trust_id, {consenting_pupil: t.world.schools[0]}, "exemplar_library", granted=False)

    async def gone() -> bool:
        return (await t.api.get("/v1/exemplars", params={"area": area}, headers=teacher)).json() == []

    await eventually(gone)


async def test_reminders_once_then_overdue_once_and_the_report(trust: Trust, moderation_config: ServiceConfig) -> None:
    t = trust
    central = t.tok(Role.CENTRAL_MODERATOR, None)
    now = datetime.now(UTC)
    created = await t.api.post("/v1/rounds", json=round_body(moderators=cross_school_moderators(t), sample_size=4,
                                                              deadline=(now + timedelta(days=1)).isoformat()), headers=central)
    round_id = created.json()["round_id"]
    await t.api.post(f"/v1/rounds/{round_id}/actions", json={"text": "Training on persistence descriptors"}, headers=central)
    client = AsyncMongoClient(moderation_config.mongo.url, tz_aware=True)
    try:
        reminders = Reminders(MongoModerationStore(client, client[moderation_config.mongo.database]))
        assert await reminders.send(now) == 4
        assert await reminders.send(now) == 0
        assert await reminders.send(now + timedelta(days=2)) == 4
        assert await reminders.send(now + timedelta(days=3)) == 0
    finally:
        await client.close()
    due = [d async for d in t.db.outbox.find({"type": "moderation.item_due"})]
    assert len(due) == 8
    report = (await t.api.get("/v1/report", headers=central)).json()
    assert report["coverage"]["rounds"] == 1 and report["coverage"]["items_sampled"] == 4
    assert report["actions"][round_id] == ["Training on persistence descriptors"]
    assert "Pupil" not in json.dumps(report)
    cpd = (await t.api.get(f"/v1/staff/{staff_subject(0, 0)}/cpd", headers=t.tok(Role.TEACHER, 0, subject=staff_subject(0, 0)))).json()
    assert cpd and cpd[0]["round_id"] == round_id
