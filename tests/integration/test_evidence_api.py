"""evidence-store over real MongoDB-, Kafka- and S3-protocol servers: uploads (whole, resumed, the
same file twice), content checks, location metadata, consent, access, the access log, previews,
erasure, subject access exports and housekeeping."""

from __future__ import annotations

import asyncio
import io
import json
import zipfile
from collections.abc import AsyncIterator
from pathlib import Path
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest
from PIL import Image
from pymongo import AsyncMongoClient

from engagement_shared.auth.principal import Role
from engagement_shared.settings import ServiceConfig
from evidence_store.adapters.outbound import previews
from evidence_store.adapters.outbound.mongo_store import MongoEvidenceRepository
from evidence_store.core.erasure import Erasure
from evidence_store.core.housekeeping import Housekeeping
from evidence_store.inject import relay as evidence_relay
from observation_ingest.inject import consumer as ingest_consumer
from tests.support.evidence import EvidenceTrust, evidence_trust
from tests.support.media import GPS_IFD, jpeg_with_location, mp4, pdf, png, real_video, sha256, windows_executable
from tests.support.pipeline import eventually
from tests.support.world import observation

MIB = 1 << 20


@pytest.fixture
async def trust(ingest: httpx.AsyncClient, ingest_config: ServiceConfig, evidence_config: ServiceConfig) -> AsyncIterator[EvidenceTrust]:
    async with evidence_trust(ingest, ingest_config, evidence_config) as built:
        yield built


async def download(url: str) -> bytes:
    async with httpx.AsyncClient() as client:
        response = await client.get(url)
        response.raise_for_status()
        return response.content


async def nothing_stored(t: EvidenceTrust) -> None:
    assert await t.db.evidence.count_documents({}) == 0
    assert await t.stored_objects() == []
    assert await t.objects.pending_uploads("") == []


async def test_photo_is_stored_once_without_its_location(trust: EvidenceTrust) -> None:
    t, pupil = trust, trust.pupil()
    await t.consent(pupil)
    teacher = t.tok(Role.TEACHER, subject="teacher-a")
    photo = jpeg_with_location()
    first = await t.upload(teacher, pupil, photo, "image/jpeg", observation_ids=["obs-1"])
    assert first.status_code == 201, first.text
    evidence = first.json()["evidence"]
    assert evidence["sha256"] == sha256(photo) and evidence["media_type"] == "image/jpeg" and evidence["preview"] == "ready"
    assert any("GPS" in words for words in evidence["metadata_removed"])

    link = (await t.api.post(f"/v1/evidence/{evidence['evidence_id']}/link", json={}, headers=teacher)).json()
    stored = await download(link["url"])
    assert GPS_IFD not in Image.open(io.BytesIO(stored)).getexif()
    preview = (await t.api.post(f"/v1/evidence/{evidence['evidence_id']}/link", json={"preview": True}, headers=teacher)).json()
    assert (await download(preview["url"]))[:2] == b"\xff\xd8"

    again = await t.upload(t.tok(Role.TEACHING_ASSISTANT, subject="ta-b"), pupil, photo, "image/jpeg", observation_ids=["obs-2"])
    assert again.status_code == 200 and again.json()["duplicate"] is True
    assert again.json()["evidence"]["evidence_id"] == evidence["evidence_id"]
    assert again.json()["evidence"]["observation_ids"] == ["obs-1", "obs-2"]
    assert await t.db.evidence.count_documents({}) == 1
    keys = {v.key for v in await t.stored_objects()}
    assert len(keys) == 2 and all(pupil not in k for k in keys)  # the file and its preview; no pupil id in any key
    types = [d["type"] async for d in t.db.outbox.find({}, {"type": 1})]
    assert types.count("evidence.uploaded") == 1 and types.count("evidence.attached") == 2


async def test_an_upload_resumes_from_what_was_stored(trust: EvidenceTrust) -> None:
    t, pupil = trust, trust.pupil()
    await t.consent(pupil)
    app = t.tok(Role.APP, subject="capture-app")
    video = mp4(20 * MIB)
    started = (await t.api.post("/v1/uploads", json={"pupil_id": pupil, "media_type": "video/mp4", "size_bytes": len(video), "sha256": sha256(video)},
                                headers=app)).json()
    upload_id, part = started["upload_id"], started["part_size"]
    first = await t.api.put(f"/v1/uploads/{upload_id}/content", content=video[: part + 12345], headers=app)
    assert first.status_code == 200 and first.json()["received_bytes"] == part  # the bytes past the last whole part are resent
    wrong = await t.api.put(f"/v1/uploads/{upload_id}/content", content=video[:10], headers=app)
    assert wrong.status_code == 409 and wrong.json()["detail"][0]["field"] == "Upload-Offset"
    status = (await t.api.get(f"/v1/uploads/{upload_id}", headers=app)).json()
    rest = await t.api.put(f"/v1/uploads/{upload_id}/content", content=video[status["received_bytes"]:],
                           headers={**app, "Upload-Offset": str(status["received_bytes"])})
    assert rest.status_code == 201, rest.text
    assert rest.json()["evidence"]["size_bytes"] == len(video) and rest.json()["evidence"]["preview"] == "pending"
    assert (await t.api.get(f"/v1/uploads/{upload_id}", headers=t.tok(Role.APP, subject="another-app"))).status_code == 403
    link = (await t.api.post(f"/v1/evidence/{upload_id}/link", json={}, headers=app)).json()
    assert sha256(await download(link["url"])) == sha256(video)


BAD: dict[str, dict[str, Any]] = {
    "zero bytes": {"data": b"", "media_type": "image/png", "status": 422, "field": "size_bytes"},
    "wrong declared type": {"data": png(), "media_type": "image/jpeg", "status": 415, "field": "content"},
    "disguised executable": {"data": windows_executable(), "media_type": "image/jpeg", "status": 415, "field": "content"},
    "oversized": {"data": pdf(), "media_type": "application/pdf", "declared_size": 51 * MIB, "status": 413, "field": "size_bytes"},
    "truncated": {"data": jpeg_with_location()[:-200], "media_type": "image/jpeg", "status": 422, "field": "content"},
    "checksum mismatch": {"data": pdf(), "media_type": "application/pdf", "declared_sha256": "0" * 64, "status": 422, "field": "sha256"},
    "more bytes than declared": {"data": pdf(), "media_type": "application/pdf", "declared_size": 20, "status": 413, "field": "size_bytes"},
}


@pytest.mark.parametrize("case", list(BAD))
async def test_bad_files_are_refused_with_the_reason_and_nothing_is_stored(trust: EvidenceTrust, case: str) -> None:
    t, pupil, bad = trust, trust.pupil(), BAD[case]
    await t.consent(pupil)
    response = await t.upload(t.tok(Role.TEACHER), pupil, bad["data"], bad["media_type"], declared_sha256=bad.get("declared_sha256"),
                              declared_size=bad.get("declared_size"))
    assert response.status_code == bad["status"], response.text
    assert response.json()["detail"][0]["field"] == bad["field"]
    await nothing_stored(t)


async def test_unknown_pupils_other_schools_and_missing_consent_are_refused(trust: EvidenceTrust) -> None:
    t = trust
    await t.consent(t.pupil(1, 0), school=1)
    photo = jpeg_with_location()
    assert (await t.upload(t.tok(Role.TEACHER), "no-such-pupil", photo, "image/jpeg")).status_code == 404
    assert (await t.upload(t.tok(Role.TEACHER, 0), t.pupil(1, 0), photo, "image/jpeg")).status_code == 403
    refused = await t.upload(t.tok(Role.TEACHER, 0), t.pupil(0, 1), photo, "image/jpeg")
    assert refused.status_code == 403 and refused.json()["detail"][0]["field"] == "consent"
    other_trust = {"Authorization": t.tok(Role.TRUST_ADMIN)["Authorization"]}
    assert (await t.api.get(f"/v1/pupils/{t.pupil(1, 0)}/evidence", headers=other_trust)).status_code == 200
    await nothing_stored(t)


async def test_parents_see_only_their_own_childs_shared_evidence_and_withdrawal_is_immediate(trust: EvidenceTrust) -> None:
    t, child, other = trust, trust.pupil(0, 0), trust.pupil(0, 1)
    for pupil in (child, other):
        await t.consent(pupil)
        assert (await t.upload(t.tok(Role.TEACHER), pupil, png((20 + len(pupil) % 7, 20)), "image/png")).status_code == 201
    parent = t.tok(Role.PARENT, None, subject="parent-1", pupils=(child,))
    listed = await t.api.get(f"/v1/pupils/{child}/evidence", headers=parent)
    assert listed.status_code == 200 and len(listed.json()) == 1
    evidence_id = listed.json()[0]["evidence_id"]
    assert (await t.api.post(f"/v1/evidence/{evidence_id}/link", json={}, headers=parent)).status_code == 200
    assert (await t.api.get(f"/v1/pupils/{other}/evidence", headers=parent)).status_code == 403
    assert (await t.api.post(f"/v1/evidence/{evidence_id}/link", json={"purpose": "internal_assessment"}, headers=parent)).status_code == 403

    withdrawn = await t.api.put(f"/v1/pupils/{child}/consents/share_with_parents", json={"granted": False, "given_by": "parent_or_carer"}, headers=parent)
    assert withdrawn.status_code == 200 and withdrawn.json()["current"]["share_with_parents"] is False
    refused = await t.api.post(f"/v1/evidence/{evidence_id}/link", json={}, headers=parent)
    assert refused.status_code == 403 and "consent" in refused.text
    assert (await t.api.get(f"/v1/pupils/{child}/evidence", headers=parent)).status_code == 403
    assert [d["type"] async for d in t.db.outbox.find({"type": "evidence.consent_changed", "key": child})][-1:] == ["evidence.consent_changed"]


async def test_a_cross_school_moderator_gets_only_items_with_moderation_consent(trust: EvidenceTrust) -> None:
    t, consenting, declining = trust, trust.pupil(0, 0), trust.pupil(1, 0)
    await t.consent(consenting)
    await t.consent(declining, ("internal_assessment",), school=1)
    ids = {}
    for pupil, school in ((consenting, 0), (declining, 1)):
        ids[pupil] = (await t.upload(t.tok(Role.TEACHER, school), pupil, pdf() + pupil.encode()[:0], "application/pdf")).json()["evidence"]["evidence_id"]
    moderator = t.tok(Role.CENTRAL_MODERATOR, None, subject="central-1")
    assert (await t.api.post(f"/v1/evidence/{ids[consenting]}/link", json={}, headers=moderator)).status_code == 200
    assert (await t.api.post(f"/v1/evidence/{ids[declining]}/link", json={}, headers=moderator)).status_code == 403
    assert (await t.api.post(f"/v1/evidence/{ids[consenting]}/link", json={"purpose": "internal_assessment"}, headers=moderator)).status_code == 403
    stranger = t.tok(Role.TEACHER, 1, subject="teacher-of-school-1")
    assert (await t.api.post(f"/v1/evidence/{ids[consenting]}/link", json={}, headers=stranger)).status_code == 403


async def test_every_access_is_logged_and_only_managers_read_the_log(trust: EvidenceTrust) -> None:
    t, pupil = trust, trust.pupil()
    await t.consent(pupil)
    evidence_id = (await t.upload(t.tok(Role.TEACHER, subject="teacher-up"), pupil, pdf(), "application/pdf")).json()["evidence"]["evidence_id"]
    await t.api.post(f"/v1/evidence/{evidence_id}/link", json={}, headers=t.tok(Role.TEACHER, subject="teacher-view"))
    log = (await t.api.get(f"/v1/access-log?pupil_id={pupil}", headers=t.tok(Role.SENCO))).json()
    actions = [(r["action"], r["by_subject"], r["purpose"]) for r in log]
    assert ("view", "teacher-view", "internal_assessment") in actions and ("upload", "teacher-up", "internal_assessment") in actions
    assert all(r["at"] for r in log)
    assert (await t.api.get("/v1/access-log", headers=t.tok(Role.TEACHER))).status_code == 403
    assert (await t.api.get(f"/v1/access-log?pupil_id={pupil}", headers=t.tok(Role.SENCO, 1))).status_code == 403


async def test_erasing_a_pupil_leaves_nothing_of_them_but_the_record_that_it_happened(trust: EvidenceTrust) -> None:
    t, erased, kept = trust, trust.pupil(0, 0), trust.pupil(0, 1)
    for pupil in (erased, kept):
        await t.consent(pupil)
    teacher = t.tok(Role.TEACHER)
    for data, kind in ((jpeg_with_location(), "image/jpeg"), (pdf(), "application/pdf"), (mp4(1000), "video/mp4")):
        assert (await t.upload(teacher, erased, data, kind)).status_code == 201
    kept_id = (await t.upload(teacher, kept, pdf(), "application/pdf")).json()["evidence"]["evidence_id"]
    started = await t.api.post("/v1/uploads", json={"pupil_id": erased, "media_type": "video/mp4", "size_bytes": 10 * MIB, "sha256": "1" * 64},
                               headers=teacher)
    await t.api.put(f"/v1/uploads/{started.json()['upload_id']}/content", content=mp4(10 * MIB)[: 8 * MIB], headers=teacher)  # left half-done
    erased_ref = (await t.db.pupils.find_one({"_id": erased}))["storage_ref"]

    assert (await t.api.post(f"/v1/pupils/{erased}/erasure", json={"reason": "parental request"}, headers=teacher)).status_code == 403
    record = await t.api.post(f"/v1/pupils/{erased}/erasure", json={"reason": "parental request"}, headers=t.tok(Role.SENCO))
    assert record.status_code == 200, record.text
    assert record.json()["items_erased"] == 3 and record.json()["object_versions_removed"] >= 4

    versions = await t.stored_objects()
    assert versions and all(erased_ref not in v.key for v in versions)
    assert all(erased_ref not in p.key for p in await t.objects.pending_uploads(""))
    for name in await t.db.list_collection_names():
        if name in ("pupils", "outbox"):
            continue
        async for doc in t.db[name].find({}):
            assert erased not in json.dumps(doc, default=str), f"{name} still mentions the erased pupil"
    mentions = [d["type"] async for d in t.db.outbox.find({"key": erased})]
    assert mentions == ["evidence.erased"]  # the notice other services act on, and nothing else
    proof = (await t.api.get("/v1/erasures", headers=t.tok(Role.TRUST_ADMIN, None))).json()
    assert len(proof) == 1 and erased not in json.dumps(proof) and proof[0]["reason"] == "parental request"
    assert (await t.api.get(f"/v1/evidence/{kept_id}", headers=teacher)).status_code == 200


async def test_erasing_one_item_removes_every_version(trust: EvidenceTrust) -> None:
    t, pupil = trust, trust.pupil()
    await t.consent(pupil)
    evidence = (await t.upload(t.tok(Role.TEACHER), pupil, jpeg_with_location(), "image/jpeg")).json()["evidence"]
    done = await t.api.post(f"/v1/evidence/{evidence['evidence_id']}/erasure", json={"reason": "wrong pupil"}, headers=t.tok(Role.SENCO))
    assert done.status_code == 200 and done.json()["scope"] == "item"
    assert await t.stored_objects() == [] and await t.db.evidence.count_documents({}) == 0
    assert (await t.api.get(f"/v1/evidence/{evidence['evidence_id']}", headers=t.tok(Role.TEACHER))).status_code == 404


async def test_subject_access_export_streams_every_file_and_the_record(trust: EvidenceTrust) -> None:
    t, pupil = trust, trust.pupil()
    await t.consent(pupil)
    files = {"application/pdf": pdf(), "video/mp4": mp4(3 * MIB)}
    for kind, data in files.items():
        assert (await t.upload(t.tok(Role.TEACHER), pupil, data, kind)).status_code == 201
    assert (await t.api.get(f"/v1/pupils/{pupil}/evidence-export", headers=t.tok(Role.TEACHER))).status_code == 403
    response = await t.api.get(f"/v1/pupils/{pupil}/evidence-export", headers=t.tok(Role.SENCO))
    assert response.status_code == 200 and response.headers["content-type"] == "application/zip"
    archive = zipfile.ZipFile(io.BytesIO(response.content))
    manifest = json.loads(archive.read("manifest.json"))
    assert {e["media_type"] for e in manifest["evidence"]} == set(files)
    assert {sha256(archive.read(e["file"])) for e in manifest["evidence"]} == {sha256(d) for d in files.values()}
    assert {d["purpose"] for d in manifest["consent_decisions"]} >= {"internal_assessment"}
    assert any(r["action"] == "upload" for r in manifest["access_log"])


async def test_housekeeping_ends_abandoned_uploads_and_makes_video_previews(trust: EvidenceTrust, evidence_config: ServiceConfig,
                                                                          tmp_path: Path) -> None:
    t, pupil = trust, trust.pupil()
    await t.consent(pupil)
    teacher = t.tok(Role.TEACHER)
    started = (await t.api.post("/v1/uploads", json={"pupil_id": pupil, "media_type": "video/mp4", "size_bytes": 9 * MIB, "sha256": "2" * 64},
                                headers=teacher)).json()
    await t.api.put(f"/v1/uploads/{started['upload_id']}/content", content=mp4(9 * MIB)[: 8 * MIB], headers=teacher)
    assert len(await t.objects.pending_uploads("")) == 1
    await t.objects.start_multipart(f"{t.world.trust_id}/unknown/orphan", "video/mp4")
    video = (await t.upload(teacher, pupil, real_video(tmp_path), "video/mp4")).json()["evidence"]
    assert video["preview"] == "pending"

    report = await sweep(evidence_config, t, datetime.now(UTC) + timedelta(days=3))
    assert (report.uploads_expired, report.orphans_aborted, report.previews_made) == (1, 1, 1)
    assert await t.objects.pending_uploads("") == []
    assert (await t.api.get(f"/v1/uploads/{started['upload_id']}", headers=teacher)).json()["status"] == "aborted"
    assert (await t.api.get(f"/v1/evidence/{video['evidence_id']}", headers=teacher)).json()["preview"] == "ready"
    poster = (await t.api.post(f"/v1/evidence/{video['evidence_id']}/link", json={"preview": True}, headers=teacher)).json()
    assert Image.open(io.BytesIO(await download(poster["url"]))).format == "JPEG"


async def sweep(config: ServiceConfig, t: EvidenceTrust, now: datetime) -> Any:
    """One housekeeping sweep, as the worker process runs it, at ``now``."""
    client = AsyncMongoClient(config.mongo.url, tz_aware=True)
    repo = MongoEvidenceRepository(client, client[config.mongo.database])
    try:
        return await Housekeeping(repo, t.objects, previews, Erasure(repo, t.objects)).sweep(now)
    finally:
        await client.close()


async def test_retention_erases_evidence_of_pupils_who_left_long_enough_ago_even_under_object_lock(
        trust: EvidenceTrust, ingest: httpx.AsyncClient, evidence_config: ServiceConfig) -> None:
    t, leaver, stayer = trust, trust.pupil(0, 0), trust.pupil(0, 1)
    admin = t.tok(Role.TRUST_ADMIN, None)
    policy = {"retention_years_after_leaving": 2, "object_lock_days": 30}
    assert (await t.api.put(f"/v1/trusts/{t.world.trust_id}/evidence-policy", json=policy, headers=admin)).status_code == 200
    for pupil in (leaver, stayer):
        await t.consent(pupil)
        assert (await t.upload(t.tok(Role.TEACHER), pupil, pdf() + pupil.encode(), "application/pdf")).status_code == 201
    left_on = (datetime.now(UTC) - timedelta(days=3 * 366)).date().isoformat()
    assert (await ingest.post(f"/v1/pupils/{leaver}/leave", json={"left_on": left_on}, headers=admin)).status_code == 200

    async def left() -> bool:
        return (await t.db.pupils.find_one({"_id": leaver}))["left_on"] is not None
    await eventually(left)
    report = await sweep(evidence_config, t, datetime.now(UTC))
    assert report.pupils_erased_by_retention == 1
    assert await t.db.evidence.count_documents({"pupil_id": leaver}) == 0 and await t.db.evidence.count_documents({"pupil_id": stayer}) == 1
    assert len({v.key for v in await t.stored_objects()}) == 1
    proof = (await t.api.get("/v1/erasures", headers=admin)).json()
    assert [p["by_subject"] for p in proof] == ["retention-policy"] and "2 years" in proof[0]["reason"]


async def test_erased_evidence_leaves_the_observations_that_cited_it(trust: EvidenceTrust, ingest: httpx.AsyncClient, ingest_config: ServiceConfig,
                                                                     evidence_config: ServiceConfig) -> None:
    t, pupil = trust, trust.pupil()
    await t.consent(pupil)
    teacher = t.tok(Role.TEACHER, subject="teacher-obs")
    kept, erased = [(await t.upload(teacher, pupil, data, kind)).json()["evidence"]["evidence_id"]
                    for data, kind in ((pdf(), "application/pdf"), (png(), "image/png"))]
    body = observation(pupil, evidence_ids=[kept, erased])
    (await ingest.post("/v1/observations", json=body, headers=teacher)).raise_for_status()
    senco = t.tok(Role.SENCO)
    assert (await t.api.post(f"/v1/evidence/{erased}/erasure", json={"reason": "wrong file"}, headers=senco)).status_code == 200

    async def cites(expected: list[str]) -> bool:
        stored = (await ingest.get(f"/v1/observations/{body['observation_id']}", headers=senco)).json()
        return stored["observation"]["evidence_ids"] == expected

    stop = asyncio.Event()
    async with evidence_relay(evidence_config) as relay, ingest_consumer(ingest_config) as consumer:
        tasks = [asyncio.create_task(relay.run(stop)), asyncio.create_task(consumer.run(stop))]
        await eventually(lambda: cites([kept]))
        assert (await t.api.post(f"/v1/pupils/{pupil}/erasure", json={"reason": "parental request"}, headers=senco)).status_code == 200
        await eventually(lambda: cites([]))
        stop.set()
        await asyncio.gather(*tasks)
    history = (await ingest.get(f"/v1/observations/{body['observation_id']}", headers=senco)).json()["history"]
    assert [h["action"] for h in history] == ["recorded", "amended", "amended"]
    assert all("Evidence erased" in h["reason"] and h["by_subject"] == "evidence-store:erasure" for h in history[1:])
