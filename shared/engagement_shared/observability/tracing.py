"""OpenTelemetry tracing: one trace from the HTTP request, through Kafka, to the database write.

The trace context is stored with each outbox record, injected into Kafka headers by the relay,
and re-extracted by the subscriber, because aiokafka leaves no current span inside
``async for``. Spans carry ids and counts only, never personal data.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from contextlib import contextmanager

from opentelemetry import propagate, trace
from opentelemetry.context import Context
from opentelemetry.sdk.resources import Resource
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import BatchSpanProcessor
from opentelemetry.trace import Link, Span, SpanKind

from engagement_shared.settings import TelemetrySettings

tracer = trace.get_tracer("engagement_shared")


def configure_tracing(settings: TelemetrySettings) -> TracerProvider:
    """Install a tracer provider for this process, exporting to OTLP when an endpoint is set."""
    provider = TracerProvider(resource=Resource.create({"service.name": settings.service_name}))
    if settings.exporter_otlp_endpoint:
        from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter

        endpoint = settings.exporter_otlp_endpoint.rstrip("/") + "/v1/traces"
        provider.add_span_processor(BatchSpanProcessor(OTLPSpanExporter(endpoint=endpoint)))
    trace.set_tracer_provider(provider)
    return provider


def current_carrier() -> dict[str, str]:
    """The current trace context as W3C headers (``traceparent``), to store or send."""
    carrier: dict[str, str] = {}
    propagate.inject(carrier)
    return carrier


def carrier_of(span: Span) -> dict[str, str]:
    """W3C headers that make ``span`` the parent of whatever receives them."""
    carrier: dict[str, str] = {}
    propagate.inject(carrier, context=trace.set_span_in_context(span))
    return carrier


def context_from(carrier: dict[str, str] | None) -> Context:
    """Rebuild a trace context from stored or received W3C headers."""
    return propagate.extract(carrier or {})


def kafka_headers(carrier: dict[str, str]) -> list[tuple[str, bytes]]:
    """Trace headers in aiokafka's header form."""
    return [(key, value.encode()) for key, value in carrier.items()]


def carrier_from_headers(headers: Sequence[tuple[str, bytes]] | None) -> dict[str, str]:
    """Trace headers back from a Kafka message."""
    return {key: value.decode(errors="replace") for key, value in headers or () if key in ("traceparent", "tracestate")}


@contextmanager
def span_in(name: str, carrier: dict[str, str] | None, kind: SpanKind, links: Sequence[dict[str, str]] = (), **attributes: object) -> Iterator[Span]:
    """Start a span whose parent is the given remote context, linking any further contexts."""
    span_links = [Link(trace.get_current_span(context_from(c)).get_span_context()) for c in links]
    with tracer.start_as_current_span(name, context=context_from(carrier), kind=kind, links=span_links, attributes=attributes) as span:  # type: ignore[arg-type]
        yield span


@contextmanager
def db_span(operation: str, collection: str, **attributes: object) -> Iterator[Span]:
    """A client span around a MongoDB operation, named the way OTel's semantic conventions ask."""
    with tracer.start_as_current_span(
        f"mongodb {operation} {collection}",
        kind=SpanKind.CLIENT,
        attributes={"db.system": "mongodb", "db.operation.name": operation, "db.collection.name": collection, **attributes},  # type: ignore[dict-item]
    ) as span:
        yield span


@contextmanager
def s3_span(operation: str, bucket: str, **attributes: object) -> Iterator[Span]:
    """A client span around an S3 call, named as OTel's AWS SDK conventions ask.

    Object keys stay out: they may carry a pupil's or a file's name.
    """
    with tracer.start_as_current_span(
        f"S3.{operation}",
        kind=SpanKind.CLIENT,
        attributes={"rpc.system": "aws-api", "rpc.service": "S3", "rpc.method": operation, "aws.s3.bucket": bucket, **attributes},  # type: ignore[dict-item]
    ) as span:
        yield span
