"""Composition root of moderation: the HTTP app, the event consumer, the outbox relay and the reminder worker."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import AbstractAsyncContextManager, asynccontextmanager

from fastapi import FastAPI

from engagement_shared.events.envelope import utcnow
from engagement_shared.http.app import create_app
from engagement_shared.kafka.subscriber import EventSubscriber
from engagement_shared.mongo.client import connect
from engagement_shared.mongo.relay import OutboxRelay, outbox_relay
from engagement_shared.runtime import PeriodicWorker
from engagement_shared.settings import ServiceConfig
from moderation.adapters.inbound import http_library, http_rounds
from moderation.adapters.outbound.mongo_store import MongoModerationStore, ensure_indexes
from moderation.config import CONSUMER_GROUP, OUTBOX_TOPICS, REMINDER_INTERVAL_SECONDS, TOPICS
from moderation.core.exemplars import ExemplarLibrary
from moderation.core.judging import Judging
from moderation.core.projector import CandidateProjector
from moderation.core.reminders import Reminders
from moderation.core.reporting import Reporting
from moderation.core.scheduling import RoundScheduler


@asynccontextmanager
async def store(config: ServiceConfig) -> AsyncIterator[MongoModerationStore]:
    """The moderation store, connected for as long as the context lasts."""
    client, db = connect(config.mongo)
    try:
        await ensure_indexes(db)
        yield MongoModerationStore(client, db)
    finally:
        await client.close()


def build_app(config: ServiceConfig) -> FastAPI:
    """The HTTP API for rounds, items, exemplars, CPD and reports."""
    app = create_app("moderation", "Moderation rounds, blind second judgements, agreement and exemplars across a trust.")
    app.include_router(http_rounds.router)
    app.include_router(http_library.router)
    app.state.auth = config.auth

    @asynccontextmanager
    async def lifespan(_app: FastAPI) -> AsyncIterator[None]:
        async with store(config) as built:
            app.state.scheduler = RoundScheduler(built)
            app.state.judging = Judging(built)
            app.state.reporting = Reporting(built)
            app.state.library = ExemplarLibrary(built)
            yield

    app.router.lifespan_context = lifespan
    return app


@asynccontextmanager
async def consumer(config: ServiceConfig) -> AsyncIterator[EventSubscriber]:
    """Observation and consent events into the candidates moderation samples from."""
    async with store(config) as built:
        yield EventSubscriber(config.kafka, CONSUMER_GROUP, TOPICS, CandidateProjector(built).handle)


def relay(config: ServiceConfig) -> AbstractAsyncContextManager[OutboxRelay]:
    """The outbox relay for moderation's events."""
    return outbox_relay(config.mongo, config.kafka, OUTBOX_TOPICS)


@asynccontextmanager
async def reminders(config: ServiceConfig) -> AsyncIterator[PeriodicWorker]:
    """Due and overdue notices every few minutes, over this service's store."""
    async with store(config) as built:
        remind = Reminders(built)
        yield PeriodicWorker(lambda: remind.send(utcnow()), REMINDER_INTERVAL_SECONDS)
