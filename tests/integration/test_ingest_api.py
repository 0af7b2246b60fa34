"""observation-ingest over HTTP against a real MongoDB: what teachers, SENCOs and apps rely on."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

import httpx

from tests.support.world import World, auth, observation


async def test_record_and_read_an_observation(ingest: httpx.AsyncClient, world: World) -> None:
    """A teacher records an observation; it comes back whole, at version 1, with its audit entry."""
    pupil = world.pupils[world.schools[0]][0]
    teacher = auth(world.token("teacher"))
    body = observation(pupil)
    created = await ingest.post("/v1/observations", json=body, headers=teacher)
    assert created.status_code == 201, created.text
    stored = created.json()
    assert stored["observation"]["version"] == 1
    assert stored["observation"]["school_id"] == world.schools[0]
    assert stored["history"][0]["action"] == "recorded"
    again = await ingest.get(f"/v1/observations/{body['observation_id']}", headers=teacher)
    assert [{k: a[k] for k in ("area", "established")} for a in again.json()["observation"]["areas"]] == body["areas"]


async def test_posting_the_same_id_twice_changes_nothing(ingest: httpx.AsyncClient, world: World) -> None:
    """A retried single post returns the original with 200 and stores nothing new."""
    pupil = world.pupils[world.schools[0]][0]
    teacher = auth(world.token("teacher"))
    body = observation(pupil)
    assert (await ingest.post("/v1/observations", json=body, headers=teacher)).status_code == 201
    changed = dict(body, activity="Something else entirely")
    replay = await ingest.post("/v1/observations", json=changed, headers=teacher)
    assert replay.status_code == 200
    assert replay.json()["observation"]["activity"] == body["activity"]
    listed = await ingest.get(f"/v1/pupils/{pupil}/observations", headers=teacher)
    assert len(listed.json()) == 1


async def test_batch_reports_bad_items_by_index_and_field_and_keeps_the_good(ingest: httpx.AsyncClient, world: World) -> None:
    """One bad item never rejects or loses the good ones; re-sending the batch is harmless."""
    school_a, school_b = world.schools
    pupil = world.pupils[school_a][0]
    items = [observation(pupil) for _ in range(5)]
    items[1]["areas"][0]["established"] = "brilliant"          # not in the trust's scale
    items[2]["pupil_id"] = world.pupils[school_b][0]            # another school's pupil
    items[3]["pupil_id"] = "no-such-pupil"
    del items[4]["intentional"]                                 # required confirmation missing
    items.append(observation(pupil))
    teacher = auth(world.token("teacher"))
    result = (await ingest.post("/v1/observations/batch", json={"observations": items}, headers=teacher)).json()
    assert (result["created"], result["rejected"], result["replayed"]) == (2, 4, 0)
    by_index = {r["index"]: r for r in result["results"]}
    assert by_index[1]["errors"][0] == {"field": "areas.0.established", "message": by_index[1]["errors"][0]["message"], "status": 422}
    assert "brilliant" in by_index[1]["errors"][0]["message"]
    assert by_index[2]["errors"][0]["status"] == 403
    assert by_index[3]["errors"][0]["status"] == 404
    assert by_index[4]["errors"][0]["field"] == "intentional"
    again = (await ingest.post("/v1/observations/batch", json={"observations": items}, headers=teacher)).json()
    assert (again["created"], again["replayed"], again["rejected"]) == (0, 2, 4)
    assert [r["status"] for r in again["results"]] == [r["status"] for r in result["results"]]
    listed = (await ingest.get(f"/v1/pupils/{pupil}/observations", headers=teacher)).json()
    assert sorted(o["observation"]["observation_id"] for o in listed) == sorted([items[0]["observation_id"], items[5]["observation_id"]])


async def test_batch_of_hundreds(ingest: httpx.AsyncClient, world: World) -> None:
    """An offline app's day arrives as one request of 400 items."""
    pupils = world.pupils[world.schools[0]]
    items = [observation(pupils[i % len(pupils)], datetime.now(UTC) - timedelta(minutes=i)) for i in range(400)]
    result = (await ingest.post("/v1/observations/batch", json={"observations": items}, headers=auth(world.token("app")))).json()
    assert result["created"] == 400


async def test_amend_and_withdraw_keep_an_audit_trail(ingest: httpx.AsyncClient, world: World) -> None:
    """Corrections make new versions with who, when and why; withdrawal hides from lists but not from audit."""
    pupil = world.pupils[world.schools[0]][0]
    teacher_token = world.token("teacher", subject="staff-teacher-1")
    body = observation(pupil)
    await ingest.post("/v1/observations", json=body, headers=auth(teacher_token))
    oid = body["observation_id"]
    amended = await ingest.patch(f"/v1/observations/{oid}", headers=auth(teacher_token),
                                 json={"changes": {"support_level": "verbal"}, "reason": "Typed the wrong prompt level"})
    assert amended.status_code == 200, amended.text
    assert amended.json()["observation"]["version"] == 2
    assert amended.json()["history"][1]["changed_fields"] == ["support_level"]
    other_teacher = auth(world.token("teacher", subject="staff-teacher-2"))
    refused = await ingest.post(f"/v1/observations/{oid}/withdraw", json={"reason": "not mine"}, headers=other_teacher)
    assert refused.status_code == 403
    senco = auth(world.token("senco"))
    gone = await ingest.post(f"/v1/observations/{oid}/withdraw", json={"reason": "Recorded for the wrong pupil"}, headers=senco)
    assert gone.json()["status"] == "withdrawn" and gone.json()["observation"]["version"] == 3
    assert (await ingest.get(f"/v1/pupils/{pupil}/observations", headers=senco)).json() == []
    audit = (await ingest.get(f"/v1/pupils/{pupil}/observations?include_withdrawn=true", headers=senco)).json()
    assert [h["action"] for h in audit[0]["history"]] == ["recorded", "amended", "withdrawn"]
    late = await ingest.patch(f"/v1/observations/{oid}", headers=senco, json={"changes": {"notes": "x"}, "reason": "too late"})
    assert late.status_code == 422


async def test_bad_input_names_the_field_and_stores_nothing(ingest: httpx.AsyncClient, world: World) -> None:
    """422 names the field; 404 for unknown pupils and schools; nothing is stored on refusal."""
    pupil = world.pupils[world.schools[0]][0]
    teacher = auth(world.token("teacher"))
    cases = [
        (observation(pupil, areas=[]), "body.areas"),
        (observation(pupil, observed_at="2026-01-01T10:00:00"), "body.observed_at"),
        (observation(pupil, areas=[{"area": "curiosity", "established": "developing"}]), "body.areas.0.area"),
        (observation(pupil, support_level="shouted"), "support_level"),
        (observation(pupil, observed_at=(datetime.now(UTC) + timedelta(days=2)).isoformat()), "observed_at"),
        (observation(pupil, ehc_outcome_ids=[str(uuid.uuid4())]), "ehc_outcome_ids.0"),
    ]
    for body, field in cases:
        response = await ingest.post("/v1/observations", json=body, headers=teacher)
        assert response.status_code == 422, (field, response.text)
        assert field in [d["field"] for d in response.json()["detail"]], response.json()
    unknown = await ingest.post("/v1/observations", json=observation("nobody"), headers=teacher)
    assert unknown.status_code == 404
    assert (await ingest.get("/v1/schools/nowhere/pupils", headers=teacher)).status_code == 404
    assert (await ingest.get(f"/v1/pupils/{pupil}/observations", headers=teacher)).json() == []


async def test_ehc_outcomes_and_linked_observations(ingest: httpx.AsyncClient, world: World) -> None:
    """Outcomes across the four areas of need, with targets under them; observations may cite them."""
    pupil = world.pupils[world.schools[0]][0]
    senco = auth(world.token("senco"))
    long_term = await ingest.post(f"/v1/pupils/{pupil}/outcomes", headers=senco, json={
        "area_of_need": "communication_and_interaction", "term": "long", "description": "Makes choices known to familiar adults",
        "target_date": "2027-07-15"})
    assert long_term.status_code == 201, long_term.text
    short = await ingest.post(f"/v1/pupils/{pupil}/outcomes", headers=senco, json={
        "area_of_need": "communication_and_interaction", "term": "short", "description": "Looks towards a preferred object",
        "target_date": "2027-02-12", "parent_outcome_id": long_term.json()["outcome_id"]})
    assert short.status_code == 201
    body = observation(pupil, ehc_outcome_ids=[short.json()["outcome_id"]])
    assert (await ingest.post("/v1/observations", json=body, headers=auth(world.token("teacher")))).status_code == 201
    updated = await ingest.patch(f"/v1/pupils/{pupil}/outcomes/{short.json()['outcome_id']}", json={"achieved": True}, headers=senco)
    assert updated.json()["achieved"] is True
    assert len((await ingest.get(f"/v1/pupils/{pupil}/outcomes", headers=senco)).json()) == 2


async def test_trust_configuration_drives_validation(ingest: httpx.AsyncClient, world: World) -> None:
    """A trust that uses its own scale gets observations checked against it."""
    admin = auth(world.token("trust_admin", school=None))
    config = (await ingest.get(f"/v1/trusts/{world.trust_id}/config", headers=admin)).json()
    assert config["descriptor_scale"][0] == "emerging"
    config["descriptor_scale"] = ["encountering", "engaging", "participating", "involved"]
    assert (await ingest.put(f"/v1/trusts/{world.trust_id}/config", json=config, headers=admin)).status_code == 200
    pupil = world.pupils[world.schools[0]][0]
    teacher = auth(world.token("teacher"))
    refused = await ingest.post("/v1/observations", json=observation(pupil), headers=teacher)
    assert refused.status_code == 422
    fine = observation(pupil, areas=[{"area": "persistence", "established": "participating"}])
    assert (await ingest.post("/v1/observations", json=fine, headers=teacher)).status_code == 201
    bad = dict(config, descriptor_scale=["same", "same"])
    assert (await ingest.put(f"/v1/trusts/{world.trust_id}/config", json=bad, headers=admin)).status_code == 422
    monthly = await ingest.put(f"/v1/trusts/{world.trust_id}/config", json=dict(config, progress_period="month"), headers=admin)
    assert monthly.status_code == 422 and "body.progress_period" in [d["field"] for d in monthly.json()["detail"]], monthly.text


async def test_pupil_who_left_or_is_not_on_the_model(ingest: httpx.AsyncClient, world: World) -> None:
    """Observations after leaving, or of pupils not on the model, are refused with a reason."""
    school = world.schools[0]
    senco = auth(world.token("senco"))
    pupil = world.pupils[school][0]
    left = await ingest.post(f"/v1/pupils/{pupil}/leave", json={"left_on": "2026-01-31"}, headers=senco)
    assert left.json()["left_on"] == "2026-01-31"
    refused = await ingest.post("/v1/observations", json=observation(pupil), headers=auth(world.token("teacher")))
    assert refused.status_code == 422 and refused.json()["detail"][0]["field"] == "observed_at"
    other = world.pupils[school][1]
    await ingest.patch(f"/v1/pupils/{other}", json={"on_engagement_model": False}, headers=senco)
    refused = await ingest.post("/v1/observations", json=observation(other), headers=auth(world.token("teacher")))
    assert refused.status_code == 422 and refused.json()["detail"][0]["field"] == "pupil_id"
