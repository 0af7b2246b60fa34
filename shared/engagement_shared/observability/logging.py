"""structlog JSON logging that cannot leak personal data.

Logs carry ids, counts, types and trace ids. Any key that could hold personal data or content
(names, dates of birth, notes, payloads, bodies) is replaced by ``"[redacted]"`` before
rendering, so a careless ``log.info(..., notes=...)`` cannot put a child's details in a log.
"""

from __future__ import annotations

import logging
import sys
from typing import Any

import structlog
from opentelemetry import trace

REDACTED_KEYS = frozenset(
    {
        "name", "first_name", "last_name", "display_name", "date_of_birth", "dob", "upn", "address",
        "notes", "note", "payload", "body", "content", "text", "activity", "description", "email",
        "phone", "context", "mood", "health", "sleep", "rationale", "reason", "file_name", "filename",
    }
)


def redact_personal_data(_logger: Any, _method: str, event_dict: dict[str, Any]) -> dict[str, Any]:
    """structlog processor: blank values under keys that may carry personal data or content."""
    for key in event_dict.keys() & REDACTED_KEYS:
        event_dict[key] = "[redacted]"
    return event_dict


def add_trace_ids(_logger: Any, _method: str, event_dict: dict[str, Any]) -> dict[str, Any]:
    """structlog processor: attach the current span's trace and span ids for correlation."""
    context = trace.get_current_span().get_span_context()
    if context.is_valid:
        event_dict["trace_id"] = format(context.trace_id, "032x")
        event_dict["span_id"] = format(context.span_id, "016x")
    return event_dict


def configure_logging(service: str, level: str = "INFO") -> None:
    """Set up JSON logs on stdout for a process; call once from its entry point."""
    logging.basicConfig(format="%(message)s", stream=sys.stdout, level=level.upper())
    for noisy in ("aiokafka", "kafka", "pymongo", "urllib3"):
        logging.getLogger(noisy).setLevel(logging.WARNING)
    structlog.configure(
        processors=[
            structlog.contextvars.merge_contextvars,
            structlog.processors.add_log_level,
            structlog.processors.TimeStamper(fmt="iso", utc=True),
            add_trace_ids,
            redact_personal_data,
            structlog.processors.format_exc_info,
            structlog.processors.JSONRenderer(),
        ],
        wrapper_class=structlog.make_filtering_bound_logger(logging.getLevelName(level.upper())),
        logger_factory=structlog.PrintLoggerFactory(sys.stdout),
        cache_logger_on_first_use=True,
    )
    structlog.contextvars.bind_contextvars(service=service)
