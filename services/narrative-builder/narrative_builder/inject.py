"""Composition root: the HTTP app and the event consumer, wired to the MongoDB projection store."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI

from engagement_shared.http.app import create_app
from engagement_shared.kafka.subscriber import EventSubscriber
from engagement_shared.mongo.client import connect
from narrative_builder.adapters.inbound import http_progress
from narrative_builder.adapters.outbound.mongo_projection import MongoProjectionStore
from engagement_shared.settings import ServiceConfig
from narrative_builder.config import CONSUMER_GROUP, TOPICS
from narrative_builder.core.projector import ProgressProjector


@asynccontextmanager
async def projector(config: ServiceConfig) -> AsyncIterator[ProgressProjector]:
    """A projector over this service's database, connected for as long as the context lasts."""
    client, db = connect(config.mongo)
    try:
        yield ProgressProjector(MongoProjectionStore(client, db))
    finally:
        await client.close()


def build_app(config: ServiceConfig) -> FastAPI:
    """The HTTP API serving projections."""
    app = create_app("narrative-builder", "Progress projections and narrative reports for the engagement model.")
    app.include_router(http_progress.router)
    app.state.auth = config.auth

    @asynccontextmanager
    async def lifespan(_app: FastAPI) -> AsyncIterator[None]:
        async with projector(config) as built:
            app.state.projector = built
            yield

    app.router.lifespan_context = lifespan
    return app


@asynccontextmanager
async def consumer(config: ServiceConfig) -> AsyncIterator[EventSubscriber]:
    """The observation-event subscriber feeding the projector."""
    async with projector(config) as built:
        yield EventSubscriber(config.kafka, CONSUMER_GROUP, TOPICS, built.handle)
