"""Parsing events off the wire: type lookup, upcasting of old versions, validation.

Consumers call :func:`parse_event`; an unknown type or invalid body raises
:class:`MalformedEvent`, which subscribers dead-letter with its reason.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

from pydantic import ValidationError

from engagement_shared.events import alerts, directory, evidence, moderation, observations
from engagement_shared.events.envelope import Event

EVENT_TYPES: dict[str, type[Event]] = {
    model.model_fields["type"].default: model
    for module in (directory, observations, evidence, moderation, alerts)
    for model in vars(module).values()
    if isinstance(model, type) and issubclass(model, Event) and model is not Event
}

#: (type, from_version) -> function turning that version's dict into the next version's dict.
UPCASTERS: dict[tuple[str, int], Callable[[dict[str, Any]], dict[str, Any]]] = {}


class MalformedEvent(ValueError):
    """The message is not a valid platform event; the text says why (no payload content)."""


def upcast(raw: dict[str, Any]) -> dict[str, Any]:
    """Bring an event dict up to its type's current schema version, one step at a time."""
    model = EVENT_TYPES[raw["type"]]
    current = model.model_fields["schema_version"].default
    version = raw.get("schema_version")
    while isinstance(version, int) and version < current:
        step = UPCASTERS.get((raw["type"], version))
        if step is None:
            raise MalformedEvent(f"no upcaster for {raw['type']} v{version}")
        raw = step(raw)
        version = raw["schema_version"]
    return raw


def parse_event(data: bytes | str | dict[str, Any]) -> Event:
    """Turn wire bytes (JSON) or a stored dict into the right event model."""
    try:
        raw = json.loads(data) if isinstance(data, (bytes, str)) else dict(data)
    except (ValueError, UnicodeDecodeError, RecursionError) as exc:
        raise MalformedEvent(f"not JSON: {exc.__class__.__name__}") from None
    if not isinstance(raw, dict):
        raise MalformedEvent("not a JSON object")
    kind = raw.get("type")
    model = EVENT_TYPES.get(kind) if isinstance(kind, str) else None
    if model is None:
        raise MalformedEvent(f"unknown event type {str(raw.get('type'))[:80]!r}")
    try:
        return model.model_validate(upcast(raw))
    except ValidationError as exc:
        fields = sorted({".".join(str(p) for p in err["loc"]) for err in exc.errors()})
        raise MalformedEvent(f"invalid {model.__name__}: fields {', '.join(fields)[:300]}") from None


def serialize_event(event: Event) -> bytes:
    """The wire form of an event: compact JSON, UTC ISO timestamps."""
    return event.model_dump_json().encode()
