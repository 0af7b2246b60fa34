"""structlog JSON logging that cannot leak personal data.

Logs carry ids, counts, types and trace ids. Any key that could hold personal data or content
(names, dates of birth, notes, payloads, bodies) is replaced by ``"[redacted]"`` before
rendering, so a careless ``log.info(..., notes=...)`` cannot put a child's details in a log.
"""

from __future__ import annotations

import logging
import sys
import traceback
from typing import Any

import structlog
from opentelemetry import trace

REDACTED_KEYS = frozenset(
    {
        "name", "first_name", "last_name", "surname", "forename", "display_name", "date_of_birth", "dob", "upn", "address",
        "notes", "note", "payload", "body", "content", "text", "activity", "description", "email",
        "phone", "context", "mood", "health", "sleep", "rationale", "reason", "file_name", "filename",
    }
)


def _redacted(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: "[redacted]" if k in REDACTED_KEYS else _redacted(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_redacted(v) for v in value]
    return value


def redact_personal_data(_logger: Any, _method: str, event_dict: dict[str, Any]) -> dict[str, Any]:
    """structlog processor: blank values under keys that may carry personal data, at any depth."""
    return _redacted(event_dict)


def exception_without_message(_logger: Any, _method: str, event_dict: dict[str, Any]) -> dict[str, Any]:
    """structlog processor: keep an exception's type and stack, drop its message.

    Messages can quote input (pydantic's ``input_value=...`` holds a child's details), while the
    type and the stack are what a maintainer needs.
    """
    exc_info = event_dict.pop("exc_info", None)
    if exc_info:
        if exc_info is True:
            exc_info = sys.exc_info()
        elif isinstance(exc_info, BaseException):
            exc_info = (type(exc_info), exc_info, exc_info.__traceback__)
        if exc_info[0] is not None:
            stack = "".join(traceback.format_tb(exc_info[2]))
            event_dict["exception"] = f"{stack}{exc_info[0].__module__}.{exc_info[0].__qualname__} (message withheld)"
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
            exception_without_message,
            structlog.processors.JSONRenderer(),
        ],
        wrapper_class=structlog.make_filtering_bound_logger(logging.getLevelName(level.upper())),
        logger_factory=structlog.PrintLoggerFactory(sys.stdout),
        cache_logger_on_first_use=True,
    )
    structlog.contextvars.bind_contextvars(service=service)
