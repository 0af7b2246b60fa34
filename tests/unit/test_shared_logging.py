"""Unit tests of structured logging: personal data is redacted, ids pass through, trace ids are attached."""

from __future__ import annotations

import json
import logging
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
import structlog
from opentelemetry.sdk.trace import TracerProvider

from engagement_shared.http.app import create_app
from engagement_shared.observability.logging import REDACTED_KEYS, configure_logging

SECRETS = {
    "first_name": "Janet",
    "last_name": "Oduya-Smith",
    "date_of_birth": "2014-03-09",
    "notes": "cried when mum left; uses PECS",
    "payload": {"pupil": "Janet Oduya-Smith"},
    "upn": "A123456789012",
    "reason": "wrong child: Janet",
    "activity": "bubble tube with Janet",
    "email": "mum@example.org",
}


@pytest.fixture
def start_logging(capsys: pytest.CaptureFixture[str]) -> Iterator[Any]:
    """A function that configures logging onto the captured stdout and returns a reader of its JSON lines.

    configure_logging binds the logger to sys.stdout as it is when called, and pytest swaps
    sys.stdout between fixture setup and the test body, so tests call it from their body.
    Global logging state is restored afterwards.
    """
    root = logging.getLogger()
    saved_handlers, saved_level = list(root.handlers), root.level
    noisy = {name: logging.getLogger(name).level for name in ("aiokafka", "kafka", "pymongo", "urllib3")}

    def start(level: str = "DEBUG") -> Any:
        configure_logging("unit-test", level=level)
        # Module-level loggers used now must not cache this test's captured stdout: pytest closes it
        # afterwards, and any later test whose code logs through them would write to a closed file.
        structlog.configure(cache_logger_on_first_use=False)

        def read() -> list[dict[str, Any]]:
            out = capsys.readouterr().out
            return [json.loads(line) for line in out.splitlines() if line.strip()]

        return read

    try:
        yield start
    finally:
        structlog.contextvars.clear_contextvars()
        structlog.reset_defaults()
        root.handlers[:] = saved_handlers
        root.setLevel(saved_level)
        for name, level in noisy.items():
            logging.getLogger(name).setLevel(level)


def test_personal_keys_are_redacted(start_logging: Any, capsys: pytest.CaptureFixture[str]) -> None:
    """A careless log call with a child's details must not put them in a log shipped off the box."""
    start_logging()
    structlog.get_logger().info("pupil.imported", **SECRETS)
    out = capsys.readouterr().out
    for value in ("Janet", "Oduya", "2014-03-09", "PECS", "A123456789012", "bubble tube", "mum@example.org"):
        assert value not in out, f"{value!r} leaked into the log"
    line = json.loads(out.strip())
    for key in SECRETS:
        assert line[key] == "[redacted]", key


def test_ids_and_counts_pass_through(start_logging: Any) -> None:
    """Logs are only useful for operations if ids, counts and types survive redaction."""
    log_lines = start_logging()
    structlog.get_logger().info("batch.accepted", pupil_id="pupil-1", observation_id="obs-9", count=3, rejected=0,
                                type="observation.recorded", notes="secret")
    (line,) = log_lines()
    assert line["event"] == "batch.accepted"
    assert line["pupil_id"] == "pupil-1"
    assert line["observation_id"] == "obs-9"
    assert line["count"] == 3 and line["rejected"] == 0
    assert line["type"] == "observation.recorded"
    assert line["notes"] == "[redacted]"
    assert line["service"] == "unit-test"
    assert line["level"] == "info"
    assert line["timestamp"].endswith("Z")


def test_bound_context_is_redacted_too(start_logging: Any, capsys: pytest.CaptureFixture[str]) -> None:
    """Values bound to the context (e.g. by a request middleware) are logged with every line and must be redacted."""
    start_logging()
    structlog.contextvars.bind_contextvars(first_name="Janet", pupil_id="pupil-1")
    structlog.get_logger().bind(date_of_birth="2014-03-09").warning("something")
    out = capsys.readouterr().out
    assert "Janet" not in out and "2014-03-09" not in out
    line = json.loads(out)
    assert line["first_name"] == line["date_of_birth"] == "[redacted]"
    assert line["pupil_id"] == "pupil-1"


def test_every_redacted_key_is_redacted(start_logging: Any) -> None:
    """The deny-list is the whole defence; every entry must actually be applied."""
    log_lines = start_logging()
    structlog.get_logger().info("all", **{key: f"value-of-{key}" for key in REDACTED_KEYS})
    (line,) = log_lines()
    for key in REDACTED_KEYS:
        assert line[key] == "[redacted]", key


def test_no_trace_ids_outside_a_span(start_logging: Any) -> None:
    """Outside a span there is nothing to correlate; invalid all-zero ids would mislead."""
    log_lines = start_logging()
    structlog.get_logger().info("idle")
    (line,) = log_lines()
    assert "trace_id" not in line and "span_id" not in line


def test_trace_id_is_added_inside_an_active_span(start_logging: Any) -> None:
    """trace_id joins a log line to its trace across services; without it incidents cannot be followed."""
    log_lines = start_logging()
    tracer = TracerProvider().get_tracer("unit-test")
    with tracer.start_as_current_span("work") as span:
        structlog.get_logger().info("inside", pupil_id="pupil-1")
        context = span.get_span_context()
    (line,) = log_lines()
    assert line["trace_id"] == format(context.trace_id, "032x")
    assert line["span_id"] == format(context.span_id, "016x")
    assert len(line["trace_id"]) == 32 and len(line["span_id"]) == 16


def test_level_filters_debug(start_logging: Any) -> None:
    """At INFO, debug lines (often the chattiest and most detailed) must not be written."""
    log_lines = start_logging("info")
    structlog.get_logger().debug("hidden")
    structlog.get_logger().info("shown")
    assert [line["event"] for line in log_lines()] == ["shown"]


def test_nested_personal_keys_are_redacted(start_logging: Any, capsys: pytest.CaptureFixture[str]) -> None:
    """log.info(..., pupil=pupil.model_dump()) is an easy mistake; nested names must not leak either."""
    start_logging()
    structlog.get_logger().info("pupil.changed", pupil={"pupil_id": "pupil-1", "first_name": "Janet"})
    assert "Janet" not in capsys.readouterr().out


async def test_requests_are_logged_by_route_template_not_path(start_logging: Any) -> None:
    """Operators see every request, but paths carry pupil ids, so only the route template is logged."""
    read = start_logging()
    app = create_app("test", "test")

    @app.get("/v1/pupils/{pupil_id}")
    async def pupil(pupil_id: str) -> dict:
        return {}

    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://t") as client:
        await client.get("/v1/pupils/pupil-1234")
    lines = [line for line in read() if line["event"] == "http.request"]
    assert lines and lines[-1]["route"] == "/v1/pupils/{pupil_id}" and lines[-1]["status"] == 200
    assert "pupil-1234" not in json.dumps(lines)
