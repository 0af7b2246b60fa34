"""One trace from the HTTP request, across Kafka, to the consumer's MongoDB write."""

from __future__ import annotations

import httpx
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
        response = await ingest.post("/v1/observations", json=observation(pupil), headers=auth(world.token("teacher")))
        assert response.status_code == 201

        async def written() -> bool:
            return any(s.name == "mongodb bulk_write pupil_progress" for s in spans.get_finished_spans())
        await eventually(written)

    finished = spans.get_finished_spans()
    http = next(s for s in finished if s.name == "POST /v1/observations")
    trace_id = http.context.trace_id
    in_trace = {s.name: s for s in finished if s.context.trace_id == trace_id}
    by_id = {s.context.span_id: s for s in in_trace.values()}
    assert http.kind == SpanKind.SERVER
    assert "mongodb insert observations" in in_trace and "mongodb insert outbox" in in_trace
    publish = next(s for s in in_trace.values() if s.kind == SpanKind.PRODUCER)
    consume = next(s for s in in_trace.values() if s.kind == SpanKind.CONSUMER)
    write = in_trace["mongodb bulk_write pupil_progress"]

    def ancestors(span):  # type: ignore[no-untyped-def]
        while span.parent is not None and span.parent.span_id in by_id:
            span = by_id[span.parent.span_id]
            yield span

    assert http in ancestors(publish)
    assert consume.parent.span_id == publish.context.span_id
    assert write.parent.span_id == consume.context.span_id
    assert in_trace["mongodb insert processed_events"].parent.span_id == consume.context.span_id
    assert list(ancestors(write))[-1] is http
