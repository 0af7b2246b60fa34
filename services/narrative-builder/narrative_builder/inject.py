"""Composition root: the HTTP app and the worker processes, wired to MongoDB, Kafka and evidence-store."""

from __future__ import annotations

import asyncio
import sys
from collections.abc import AsyncIterator, Awaitable, Callable, Sequence
from contextlib import asynccontextmanager
from dataclasses import dataclass

from fastapi import FastAPI
from pymongo import AsyncMongoClient
from pymongo.asynchronous.database import AsyncDatabase

from engagement_shared.events.envelope import Event
from engagement_shared.http.app import create_app
from engagement_shared.kafka.replay import replay
from engagement_shared.kafka.subscriber import EventSubscriber
from engagement_shared.mongo.client import connect
from engagement_shared.runtime import PeriodicWorker
from engagement_shared.settings import ServiceConfig
from narrative_builder.adapters.inbound import http_progress, http_reports
from narrative_builder.adapters.outbound.evidence_pictures import EvidenceStorePictures
from narrative_builder.adapters.outbound.mongo_projection import MongoProjectionStore, ensure_projection_indexes
from narrative_builder.adapters.outbound.mongo_reports import MongoBatchStore, MongoPupilsInScope, MongoReportStore, ensure_report_indexes
from narrative_builder.adapters.outbound.report_rendering import ReportLabRenderer
from narrative_builder.config import CONSUMER_GROUP, PROFILE_REFRESH_SECONDS, REPORT_RUN_SECONDS, TOPICS
from narrative_builder.core.alerts import AlertService
from narrative_builder.core.bulk import BulkReports
from narrative_builder.core.profiles import ProfileService
from narrative_builder.core.projector import ProgressProjector
from narrative_builder.core.rebuild import EventSource, Rebuild
from narrative_builder.core.report_documents import ReportDocuments
from narrative_builder.core.reports import ReportService


@dataclass
class Services:
    """Everything the processes use, over one database connection."""

    store: MongoProjectionStore
    projector: ProgressProjector
    profiles: ProfileService
    alerts: AlertService
    reports: ReportService
    bulk: BulkReports


def wire(client: AsyncMongoClient, db: AsyncDatabase) -> Services:
    """The use cases over one database (tests and benchmarks wire the same way)."""
    store = MongoProjectionStore(client, db)
    profiles = ProfileService(store)
    scope = MongoPupilsInScope(db)
    reports = ReportService(MongoReportStore(db), profiles, scope)
    return Services(store=store, projector=ProgressProjector(store), profiles=profiles, alerts=AlertService(store),
                    reports=reports, bulk=BulkReports(MongoBatchStore(db), reports, scope))


async def ensure_indexes(db: AsyncDatabase) -> None:
    """Every index the service's queries rely on (creating one that exists changes nothing)."""
    await ensure_projection_indexes(db)
    await ensure_report_indexes(db)


@asynccontextmanager
async def services(config: ServiceConfig) -> AsyncIterator[Services]:
    """The use cases, connected for as long as the context lasts."""
    client, db = connect(config.mongo)
    try:
        await ensure_indexes(db)
        yield wire(client, db)
    finally:
        await client.close()


def build_app(config: ServiceConfig) -> FastAPI:
    """The HTTP API: progress, profiles, alerts and reports."""
    app = create_app("narrative-builder", "Progress projections and narrative reports for the engagement model.")
    app.include_router(http_progress.router)
    app.include_router(http_reports.router)
    app.state.auth = config.auth

    @asynccontextmanager
    async def lifespan(_app: FastAPI) -> AsyncIterator[None]:
        async with services(config) as built:
            app.state.profiles, app.state.alerts, app.state.reports, app.state.bulk = built.profiles, built.alerts, built.reports, built.bulk
            app.state.documents = ReportDocuments(built.reports, ReportLabRenderer(), EvidenceStorePictures(config.links.evidence_store_url))
            yield

    app.router.lifespan_context = lifespan
    return app


class ProjectionWorker:
    """The ``consume`` process: applies events, and rebuilds the profiles they made stale."""

    def __init__(self, subscriber: EventSubscriber, refresher: PeriodicWorker) -> None:
        self._subscriber = subscriber
        self._refresher = refresher

    async def run(self, stop: asyncio.Event) -> None:
        """Run both until stopped."""
        await asyncio.gather(self._subscriber.run(stop), self._refresher.run(stop))


@asynccontextmanager
async def consumer(config: ServiceConfig) -> AsyncIterator[ProjectionWorker]:
    """The event subscriber feeding the projector, and the profile refresher."""
    async with services(config) as built:
        yield ProjectionWorker(EventSubscriber(config.kafka, CONSUMER_GROUP, TOPICS, built.projector.handle),
                               PeriodicWorker(built.profiles.refresh_settled, PROFILE_REFRESH_SECONDS))


@asynccontextmanager
async def report_runs(config: ServiceConfig) -> AsyncIterator[PeriodicWorker]:
    """The ``reports`` process: works through report runs for classes, schools and the trust."""
    async with services(config) as built:
        yield PeriodicWorker(built.bulk.work, REPORT_RUN_SECONDS)


class RebuildCommand:
    """The ``rebuild`` command: replays the event log into emptied projections, then exits."""

    def __init__(self, rebuild: Rebuild) -> None:
        self._rebuild = rebuild

    async def run(self, _stop: asyncio.Event) -> None:
        """Rebuild once and say how much was replayed."""
        events, profiles = await self._rebuild.run()
        print(f"replayed {events} events; rebuilt {profiles} pupil profiles", file=sys.stderr)


def event_source(config: ServiceConfig) -> EventSource:
    """The event log the projections are built from: this service's topics, from their first event."""

    async def source(handler: Callable[[Sequence[Event]], Awaitable[None]]) -> int:
        return (await replay(config.kafka, TOPICS, handler)).events

    return source


@asynccontextmanager
async def rebuild(config: ServiceConfig) -> AsyncIterator[RebuildCommand]:
    """Everything the rebuild needs, connected."""
    async with services(config) as built:
        yield RebuildCommand(Rebuild(built.store, built.projector, built.profiles, event_source(config)))
