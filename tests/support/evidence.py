"""A trust whose pupils evidence-store knows (observation-ingest's relay feeding evidence-store's
consumer in-process), the evidence API in-process, and helpers to upload and record consent."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager
from dataclasses import dataclass
from typing import Any

import httpx
from pymongo import AsyncMongoClient

from engagement_shared.auth.principal import Role
from engagement_shared.s3 import ObjectStore
from engagement_shared.settings import ServiceConfig
from evidence_store.inject import build_app, consumer as evidence_consumer
from observation_ingest.inject import relay as ingest_relay
from tests.support.media import sha256
from tests.support.pipeline import eventually
from tests.support.world import World, auth, build_world

PURPOSES = ("internal_assessment", "share_with_parents", "cross_school_moderation", "exemplar_library")


@dataclass
class EvidenceTrust:
    """The world, the evidence API, its database and its bucket."""

    world: World
    api: httpx.AsyncClient
    db: Any
    objects: ObjectStore

    def tok(self, role: Role, school: int | str | None = 0, subject: str | None = None, pupils: tuple[str, ...] = ()) -> dict[str, str]:
        """Headers for a token of this world."""
        return auth(self.world.token(role, school, pupils=pupils, subject=subject))

    def pupil(self, school: int = 0, n: int = 0) -> str:
        """Pupil ``n`` of school ``school``."""
        return self.world.pupils[self.world.schools[school]][n]

    async def consent(self, pupil_id: str, purposes: Sequence[str] = PURPOSES, granted: bool = True, school: int = 0) -> None:
        """Record consent as the school's SENCO would, from a signed form."""
        for purpose in purposes:
            response = await self.api.put(f"/v1/pupils/{pupil_id}/consents/{purpose}", json={"granted": granted, "given_by": "parent_or_carer"},
                                          headers=self.tok(Role.SENCO, school, subject="senco-consent"))
            response.raise_for_status()

    async def upload(self, headers: dict[str, str], pupil_id: str, data: bytes, media_type: str, observation_ids: Sequence[str] = (),
                     declared_sha256: str | None = None, declared_size: int | None = None) -> httpx.Response:
        """Declare then send a file in one request; the last response (or the refusal)."""
        body = {"pupil_id": pupil_id, "media_type": media_type, "size_bytes": len(data) if declared_size is None else declared_size,
                "sha256": declared_sha256 or sha256(data), "observation_ids": list(observation_ids)}
        started = await self.api.post("/v1/uploads", json=body, headers=headers)
        if started.status_code != 201:
            return started
        upload_id = started.json()["upload_id"]
        return await self.api.put(f"/v1/uploads/{upload_id}/content", content=data, headers={**headers, "Content-Type": "application/octet-stream"})

    async def stored_objects(self) -> list[Any]:
        """Every version and delete marker in the bucket."""
        return await self.objects.versions("")


@asynccontextmanager
async def evidence_trust(ingest: httpx.AsyncClient, ingest_config: ServiceConfig, evidence_config: ServiceConfig) -> AsyncIterator[EvidenceTrust]:
    """Build a world, feed its pupils to evidence-store, and serve the evidence API in-process."""
    world = await build_world(ingest)
    client = AsyncMongoClient(evidence_config.mongo.url, tz_aware=True)
    db = client[evidence_config.mongo.database]
    objects = ObjectStore(evidence_config.s3)
    app = build_app(evidence_config)
    stop = asyncio.Event()
    async with ingest_relay(ingest_config) as relay, evidence_consumer(evidence_config) as subscriber, app.router.lifespan_context(app):
        tasks = [asyncio.create_task(relay.run(stop)), asyncio.create_task(subscriber.run(stop))]
        try:
            pupils = sum(len(p) for p in world.pupils.values())

            async def known() -> bool:
                return await db.pupils.count_documents({}) == pupils
            await eventually(known)
            async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://evidence") as api:
                yield EvidenceTrust(world, api, db, objects)
        finally:
            stop.set()
            await asyncio.wait_for(asyncio.gather(*tasks, return_exceptions=True), 30)
            objects.close()
            await client.close()
