"""Composition root: builds the app and the relay from configuration, wiring adapters to the core."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import AbstractAsyncContextManager, asynccontextmanager

from fastapi import FastAPI

from engagement_shared.http.app import create_app
from engagement_shared.mongo.client import connect
from engagement_shared.mongo.relay import OutboxRelay, outbox_relay
from observation_ingest.adapters.inbound import http_directory, http_observations
from observation_ingest.adapters.outbound.mongo_repositories import ensure_indexes
from observation_ingest.adapters.outbound.mongo_unit_of_work import MongoUnitOfWorkFactory
from engagement_shared.settings import ServiceConfig
from engagement_shared.kafka.subscriber import EventSubscriber
from observation_ingest.config import CONSUMED_TOPICS, CONSUMER_GROUP, TOPICS
from observation_ingest.core.requested_changes import RequestedChanges
from observation_ingest.core.directory_service import DirectoryService
from observation_ingest.core.intake import ObservationIntake
from observation_ingest.core.roll_import import RollImport


def build_app(config: ServiceConfig) -> FastAPI:
    """The HTTP API with its MongoDB connection opened and closed by the app's lifespan."""
    app = create_app("observation-ingest", "Trust directory, configuration and observation intake for the engagement model.")
    app.include_router(http_directory.router)
    app.include_router(http_observations.router)
    app.state.auth = config.auth

    @asynccontextmanager
    async def lifespan(_app: FastAPI) -> AsyncIterator[None]:
        client, db = connect(config.mongo)
        await ensure_indexes(db)
        uow = MongoUnitOfWorkFactory(client, db)
        app.state.directory = DirectoryService(uow)
        app.state.intake = ObservationIntake(uow)
        app.state.roll_import = RollImport(uow, app.state.directory)
        yield
        await client.close()

    app.router.lifespan_context = lifespan
    return app


def relay(config: ServiceConfig) -> AbstractAsyncContextManager[OutboxRelay]:
    """The outbox relay for this service's events, with its MongoDB connection."""
    return outbox_relay(config.mongo, config.kafka, TOPICS)


@asynccontextmanager
async def consumer(config: ServiceConfig) -> AsyncIterator[EventSubscriber]:
    """Changes other services ask for (agreed moderation judgements, erased evidence), applied to the observation store."""
    client, db = connect(config.mongo)
    try:
        uow = MongoUnitOfWorkFactory(client, db)
        yield EventSubscriber(config.kafka, CONSUMER_GROUP, CONSUMED_TOPICS, RequestedChanges(uow, ObservationIntake(uow)).handle)
    finally:
        await client.close()
