"""Fixtures: one set of real Kafka-, MongoDB- and S3-protocol servers for the whole run, and
per-test isolation by topic prefix and database name.

``INFRA_MODE`` chooses local stand-ins (default), testcontainers, or external endpoints.
"""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator, Iterator

import httpx
import pytest
from opentelemetry import trace
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter

from engagement_shared.infra.local import Endpoints
from engagement_shared.infra.provider import infrastructure
from engagement_shared.settings import AuthSettings, KafkaSettings, MongoSettings, S3Settings, ServiceConfig
from observation_ingest.inject import build_app as build_ingest_app
from tests.support.world import World, build_world


@pytest.fixture(scope="session")
def infra(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Endpoints]:
    """The infrastructure, started once per test run."""
    with infrastructure(tmp_path_factory.mktemp("infra")) as endpoints:
        yield endpoints


@pytest.fixture
def run_id() -> str:
    """A short id that keeps this test's topics and databases apart from every other test's."""
    return uuid.uuid4().hex[:10]


def service_config(infra: Endpoints, run_id: str, database: str) -> ServiceConfig:
    """Settings for one service of this test, pointing at the shared infrastructure."""
    return ServiceConfig(
        kafka=KafkaSettings(bootstrap_servers=infra.kafka, topic_prefix=f"t{run_id}.", session_timeout_ms=6000, max_retries=2),
        mongo=MongoSettings(url=infra.mongo_url, database=f"{database}_{run_id}"),
        s3=S3Settings(endpoint=infra.s3_endpoint, access_key=infra.s3_access_key, secret_key=infra.s3_secret_key),
        auth=AuthSettings(),
    )


@pytest.fixture
def ingest_config(infra: Endpoints, run_id: str) -> ServiceConfig:
    """observation-ingest settings for this test."""
    return service_config(infra, run_id, "ingest")


@pytest.fixture
def narrative_config(infra: Endpoints, run_id: str) -> ServiceConfig:
    """narrative-builder settings for this test."""
    return service_config(infra, run_id, "narrative")


@pytest.fixture
def moderation_config(infra: Endpoints, run_id: str) -> ServiceConfig:
    """moderation settings for this test."""
    return service_config(infra, run_id, "moderation")


@pytest.fixture
def evidence_config(infra: Endpoints, run_id: str) -> ServiceConfig:
    """evidence-store settings for this test, with a bucket of its own."""
    config = service_config(infra, run_id, "evidence")
    config.s3 = config.s3.model_copy(update={"bucket": f"t-{run_id}"})
    return config


@pytest.fixture
async def ingest(ingest_config: ServiceConfig) -> AsyncIterator[httpx.AsyncClient]:
    """An HTTP client for observation-ingest running in this process (lifespan included)."""
    app = build_ingest_app(ingest_config)
    async with app.router.lifespan_context(app):
        async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://ingest") as client:
            yield client


@pytest.fixture
async def world(ingest: httpx.AsyncClient) -> World:
    """A synthetic trust with two schools and pupils."""
    return await build_world(ingest)


@pytest.fixture(scope="session")
def span_exporter() -> InMemorySpanExporter:
    """Collect every span this test process makes (the global provider can be set only once)."""
    exporter = InMemorySpanExporter()
    provider = TracerProvider()
    provider.add_span_processor(SimpleSpanProcessor(exporter))
    trace.set_tracer_provider(provider)
    return exporter


@pytest.fixture
def spans(span_exporter: InMemorySpanExporter) -> InMemorySpanExporter:
    """The span collector, emptied for this test."""
    span_exporter.clear()
    return span_exporter
