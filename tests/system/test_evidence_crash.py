"""kill -9 of evidence-store in the middle of a video upload: nothing half-uploaded is ever visible
as evidence, the client either resumes or starts again, and ends with exactly one evidence item;
after the housekeeping sweep no multipart upload is left behind."""

from __future__ import annotations

import hashlib
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta

import httpx
import pytest
from pymongo import AsyncMongoClient

from engagement_shared.auth.principal import Role
from engagement_shared.s3 import ObjectStore
from engagement_shared.settings import S3Settings
from evidence_store.adapters.outbound import previews
from evidence_store.adapters.outbound.mongo_store import MongoEvidenceRepository
from evidence_store.core.erasure import Erasure
from evidence_store.core.housekeeping import Housekeeping
from tests.support.media import mp4
from tests.support.pipeline import eventually
from tests.support.spine import Spine
from tests.support.world import auth, build_world

pytestmark = pytest.mark.system
MIB = 1 << 20
CHUNK = MIB


async def killing_midway(spine: Spine, data: bytes, kill_after: int) -> AsyncIterator[bytes]:
    """The file in 1 MiB chunks; once ``kill_after`` bytes are sent, evidence-store is killed."""
    for start in range(0, len(data), CHUNK):
        if start >= kill_after and spine.processes["evidence-api"].running():
            spine.processes["evidence-api"].kill()
        yield data[start:start + CHUNK]


async def interrupted_upload(spine: Spine, api: httpx.AsyncClient, headers: dict[str, str], pupil: str, data: bytes) -> str:
    """Declare a file and send it until the service dies under it; the upload id."""
    body = {"pupil_id": pupil, "media_type": "video/mp4", "size_bytes": len(data), "sha256": hashlib.sha256(data).hexdigest()}
    upload_id = (await api.post("/v1/uploads", json=body, headers=headers)).json()["upload_id"]
    with pytest.raises(httpx.HTTPError):
        await api.put(f"/v1/uploads/{upload_id}/content", content=killing_midway(spine, data, 3 * len(data) // 5), headers=headers)
    spine.processes["evidence-api"].start()
    return upload_id


async def test_a_killed_upload_resumes_or_restarts_into_exactly_one_item(platform_with_evidence: Spine) -> None:
    spine = platform_with_evidence
    client = AsyncMongoClient(spine.endpoints.mongo_url, tz_aware=True)
    db = client[spine.evidence_db]
    objects = ObjectStore(S3Settings(endpoint=spine.endpoints.s3_endpoint, access_key=spine.endpoints.s3_access_key,
                                     secret_key=spine.endpoints.s3_secret_key))
    async with httpx.AsyncClient(base_url=spine.api, timeout=60) as ingest, httpx.AsyncClient(base_url=spine.evidence_api, timeout=120) as api:
        world = await build_world(ingest, pupils_per_school=1)
        pupil = world.pupils[world.schools[0]][0]

        async def known() -> bool:
            return await db.pupils.count_documents({"_id": pupil}) == 1
        await eventually(known)
        senco = auth(world.token(Role.SENCO, 0, subject="senco-1"))
        (await api.put(f"/v1/pupils/{pupil}/consents/internal_assessment", json={"granted": True, "given_by": "parent_or_carer"},
                       headers=senco)).raise_for_status()
        app = auth(world.token(Role.APP, 0, subject="capture-app"))

        resumed_video = mp4(40 * MIB)
        upload_id = await interrupted_upload(spine, api, app, pupil, resumed_video)
        assert await db.evidence.count_documents({}) == 0  # nothing half-uploaded is evidence
        status = (await api.get(f"/v1/uploads/{upload_id}", headers=app)).json()
        assert status["status"] == "receiving" and 0 < status["received_bytes"] < len(resumed_video)
        done = await api.put(f"/v1/uploads/{upload_id}/content", content=resumed_video[status["received_bytes"]:],
                             headers={**app, "Upload-Offset": str(status["received_bytes"])})
        assert done.status_code == 201, done.text

        restarted_video = mp4(30 * MIB + 7)
        abandoned = await interrupted_upload(spine, api, app, pupil, restarted_video)
        body = {"pupil_id": pupil, "media_type": "video/mp4", "size_bytes": len(restarted_video), "sha256": hashlib.sha256(restarted_video).hexdigest()}
        again = (await api.post("/v1/uploads", json=body, headers=app)).json()
        assert (await api.put(f"/v1/uploads/{again['upload_id']}/content", content=restarted_video, headers=app)).status_code == 201

        items = [d async for d in db.evidence.find({})]
        assert sorted(d["sha256"] for d in items) == sorted(hashlib.sha256(v).hexdigest() for v in (resumed_video, restarted_video))
        for item in items:
            link = (await api.post(f"/v1/evidence/{item['_id']}/link", json={}, headers=app)).json()
            digest = hashlib.sha256((await httpx.AsyncClient().get(link["url"])).content).hexdigest()
            assert digest == item["sha256"]

    repo = MongoEvidenceRepository(client, db)
    report = await Housekeeping(repo, objects, previews, Erasure(repo, objects)).sweep(datetime.now(UTC) + timedelta(days=3))
    assert report.uploads_expired == 1
    assert (await repo.upload(abandoned)).status == "aborted"  # type: ignore[union-attr]
    assert await objects.pending_uploads("") == []
    keys = {v.key for v in await objects.versions("") if not v.key.endswith(".preview.jpg")}
    assert keys == {d["object_key"] for d in items}
    objects.close()
    await client.close()
