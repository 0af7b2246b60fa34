"""One trace from the HTTP request, across Kafka, to the consumer's MongoDB write."""

from __future__ import annotations

import httpx
from pymongo import AsyncMongoClient
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter
from opentelemetry.trace import SpanKind

from engagement_shared.settings import ServiceConfig
from tests.support.pipeline import eventually, running_pipeline
from tests.support.world import World, auth, observation


async def test_one_trace_id_from_http_to_the_projection_write(
    spans: InMemorySpanExporter, ingest: httpx.AsyncClient, world: World, ingest_config: ServiceConfig, narrative_config: ServiceConfig
) -> None:
    """An SRE following one observation sees every hop under one trace id, parent to child."""
    pupil = world.pupils[world.schools[0]][0]
    spans.clear()
    async with running_pipeline(ingest_config, narrative_config):
        # narrative-builder also consumes the world's directory events; let them through first, so
        # the observation's batch is its own trace's (a batch's spans follow its first event's trace).
        db = AsyncMongoClient(narrative_config.mongo.url)[narrative_config.mongo.database]

        async def directory_applied() -> bool:
            return await db.pupils.count_documents({}) == sum(len(p) for p in world.pupils.values())
        await eventually(directory_applied)
        response = await ingest.post("/v1/observations", json=observation(pupil), headers=auth(world.token("teacher")))
        assert response.status_code == 201

        async def written() -> bool:
            return any(s.name == "mongodb bulk_write pupil_progress" for s in spans.get_finished_spans())
        await eventually(written)

    finished = spans.get_finished_spans()
    http = next(s for s in finished if s.name == "POST /v1/observations")
    in_trace = [s for s in finished if s.context.trace_id == http.context.trace_id]
    by_id = {s.context.span_id: s for s in in_trace}

    def ancestors(span):  # type: ignore[no-untyped-def]
        while span.parent is not None and span.parent.span_id in by_id:
            span = by_id[span.parent.span_id]
            yield span

    names = {s.name for s in in_trace}
    assert http.kind == SpanKind.SERVER
    assert {"mongodb insert observations", "mongodb insert outbox", "mongodb insert processed_events"} <= names
    # At-least-once delivery may publish and consume the event more than once; every hop stays in the trace.
    publishes = [s for s in in_trace if s.kind == SpanKind.PRODUCER]
    consumes = [s for s in in_trace if s.kind == SpanKind.CONSUMER]
    assert publishes and consumes
    assert all(http in ancestors(p) for p in publishes)
    assert all(by_id[c.parent.span_id] in publishes for c in consumes)
    writes = [s for s in in_trace if s.name == "mongodb bulk_write pupil_progress"]
    assert writes and all(by_id[w.parent.span_id] in consumes and list(ancestors(w))[-1] is http for w in writes)
