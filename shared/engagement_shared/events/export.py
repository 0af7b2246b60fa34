"""JSON Schema and AsyncAPI export of every event, for app developers.

``em-schemas export docs/events`` regenerates the committed files; a test fails when they
drift from the models, so the published contract is always the running one.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path
from typing import Any

from engagement_shared.events.registry import EVENT_TYPES


def event_schemas() -> dict[str, dict[str, Any]]:
    """JSON Schema (draft 2020-12) of each event type, keyed by type."""
    schemas = {}
    for name, model in sorted(EVENT_TYPES.items()):
        schema = model.model_json_schema(mode="serialization")
        schema["$schema"] = "https://json-schema.org/draft/2020-12/schema"
        schema["$id"] = f"{name}.v{model.model_fields['schema_version'].default}.schema.json"
        schemas[name] = schema
    return schemas


def asyncapi_document() -> dict[str, Any]:
    """An AsyncAPI 3 document: one channel per topic, one message per event type."""
    channels: dict[str, Any] = {}
    messages: dict[str, Any] = {}
    for name, model in sorted(EVENT_TYPES.items()):
        message_name = name.replace(".", "_")
        messages[message_name] = {
            "name": name,
            "title": model.__name__,
            "summary": (model.__doc__ or "").strip().splitlines()[0],
            "payload": {"$ref": f"./{name}.v{model.model_fields['schema_version'].default}.schema.json"},
            "bindings": {"kafka": {"key": {"type": "string", "description": f"payload.{model.key_field}"}}},
        }
        channel = channels.setdefault(model.topic, {"address": model.topic, "messages": {}})
        channel["messages"][message_name] = {"$ref": f"#/components/messages/{message_name}"}
    return {
        "asyncapi": "3.0.0",
        "info": {
            "title": "Engagement model platform events",
            "version": "1.0.0",
            "description": "Every event travels in the versioned envelope; event_id is the idempotency key.",
        },
        "channels": channels,
        "components": {"messages": messages},
    }


def render() -> dict[str, str]:
    """File name -> file text of everything the export writes."""
    files = {f"{schema['$id']}": json.dumps(schema, indent=2, sort_keys=True) + "\n" for schema in event_schemas().values()}
    files["asyncapi.json"] = json.dumps(asyncapi_document(), indent=2, sort_keys=True) + "\n"
    return files


def main(argv: list[str] | None = None) -> None:
    """Entry point of ``em-schemas``: write the schemas into a folder."""
    parser = argparse.ArgumentParser(description="Export event JSON Schemas and an AsyncAPI document.")
    parser.add_argument("command", choices=["export"])
    parser.add_argument("folder", type=Path)
    args = parser.parse_args(argv)
    args.folder.mkdir(parents=True, exist_ok=True)
    for stale in args.folder.glob("*.json"):
        stale.unlink()
    for name, text in render().items():
        (args.folder / name).write_text(text)
    print(f"wrote {len(render())} files to {args.folder}")
