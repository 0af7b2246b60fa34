"""Composition root of evidence-store: the HTTP app, the directory consumer, the outbox relay and
the housekeeping worker."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from dataclasses import dataclass

from fastapi import FastAPI

from engagement_shared.http.app import create_app
from engagement_shared.kafka.subscriber import EventSubscriber
from engagement_shared.mongo.client import connect
from engagement_shared.mongo.relay import OutboxRelay, outbox_relay
from engagement_shared.runtime import PeriodicWorker
from engagement_shared.s3 import ObjectStore
from engagement_shared.settings import ServiceConfig
from evidence_store.adapters.inbound import http_evidence, http_governance, http_uploads
from evidence_store.adapters.outbound import previews
from evidence_store.adapters.outbound.mongo_store import MongoEvidenceRepository, ensure_indexes
from evidence_store.config import CONSUMER_GROUP, HOUSEKEEPING_INTERVAL_SECONDS, OUTBOX_TOPICS, TOPICS
from evidence_store.core.archive import SubjectAccessExport
from evidence_store.core.completion import Completion
from evidence_store.core.directory import DirectoryProjector
from evidence_store.core.erasure import Erasure
from evidence_store.core.housekeeping import Housekeeping
from evidence_store.core.uploading import Uploads
from evidence_store.core.viewing import Viewing


@dataclass
class Parts:
    """The service's stores, connected for as long as the context lasts."""

    repo: MongoEvidenceRepository
    objects: ObjectStore


@asynccontextmanager
async def parts(config: ServiceConfig) -> AsyncIterator[Parts]:
    """Connect to MongoDB and the object store; make sure indexes and the bucket exist (versioned,
    encrypted, and able to lock objects for trusts whose policy asks for it)."""
    client, db = connect(config.mongo)
    objects = ObjectStore(config.s3)
    try:
        await ensure_indexes(db)
        await objects.ensure_bucket(versioning=True, encryption=True, object_lock=True)
        yield Parts(MongoEvidenceRepository(client, db), objects)
    finally:
        objects.close()
        await client.close()


def build_app(config: ServiceConfig) -> FastAPI:
    """The HTTP API for uploads, evidence, consent, the access log and erasure."""
    app = create_app("evidence-store", "Photos, video, audio and documents as evidence, with consent, streaming, retention and erasure.")
    for router in (http_uploads.router, http_evidence.router, http_governance.router):
        app.include_router(router)
    app.state.auth = config.auth

    @asynccontextmanager
    async def lifespan(_app: FastAPI) -> AsyncIterator[None]:
        async with parts(config) as built:
            completion = Completion(built.repo, built.objects, previews)
            app.state.uploads = Uploads(built.repo, built.objects, completion)
            app.state.viewing = Viewing(built.repo, built.objects, completion)
            app.state.erasure = Erasure(built.repo, built.objects)
            app.state.export = SubjectAccessExport(built.repo, built.objects)
            yield

    app.router.lifespan_context = lifespan
    return app


@asynccontextmanager
async def consumer(config: ServiceConfig) -> AsyncIterator[EventSubscriber]:
    """Directory events into the pupils this service knows."""
    async with parts(config) as built:
        yield EventSubscriber(config.kafka, CONSUMER_GROUP, TOPICS, DirectoryProjector(built.repo).handle)


def relay(config: ServiceConfig) -> AbstractAsyncContextManager[OutboxRelay]:
    """The outbox relay for evidence events."""
    return outbox_relay(config.mongo, config.kafka, OUTBOX_TOPICS)


@asynccontextmanager
async def housekeeping(config: ServiceConfig) -> AsyncIterator[PeriodicWorker]:
    """A housekeeping sweep every few minutes, over this service's stores."""
    async with parts(config) as built:
        yield PeriodicWorker(Housekeeping(built.repo, built.objects, previews, Erasure(built.repo, built.objects)).sweep, HOUSEKEEPING_INTERVAL_SECONDS)
