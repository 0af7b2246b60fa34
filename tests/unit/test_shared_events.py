"""Unit tests of the event contracts: envelope, keys, parsing, malformed input, upcasting, schema drift.

Pure functions only: no broker, no database.
"""

from __future__ import annotations

import json
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any, ClassVar, Literal

import pytest
from pydantic import BaseModel, ValidationError

from engagement_shared.events.directory import PupilFacts, PupilRegistered
from engagement_shared.events.envelope import Event
from engagement_shared.events.export import render
from engagement_shared.events.moderation import ModerationRoundScheduled, RoundFacts
from engagement_shared.events.registry import EVENT_TYPES, UPCASTERS, MalformedEvent, parse_event, serialize_event

ROOT = Path(__file__).resolve().parents[2]
SECRET_NOTE = "Jane-Secret-Note-7f3a loves the sensory room"
SHA = "ab" * 32
WHEN = "2026-11-03T10:15:00Z"

_OBSERVATION = {
    "observation_id": "obs-1",
    "school_id": "school-1",
    "observer_id": "staff-1",
    "observer_role": "teacher",
    "version": 1,
    "pupil_id": "pupil-1",
    "observed_at": WHEN,
    "areas": [{"area": "exploration", "established": "developing", "note": SECRET_NOTE}],
    "activity": "bubble tube",
    "intentional": True,
    "caused_by_stimulus": True,
}
_PUPIL = {"pupil_id": "pupil-1", "key_stage": "KS2", "on_engagement_model": True, "regressive_condition": False}
_OUTCOME = {"outcome_id": "out-1", "pupil_id": "pupil-1", "area_of_need": "cognition_and_learning", "term": "long",
            "description": "Will choose between two objects"}
_AGREED = {"round_id": "round-1", "observation_id": "obs-1", "pupil_id": "pupil-1",
           "areas": [{"area": "initiation", "established": "emerging"}], "rationale": "agreed at panel", "differs_from_original": True}
_LINK = {"evidence_id": "ev-1", "pupil_id": "pupil-1", "observation_id": "obs-1"}

#: A minimal valid payload per event type, written by hand so the test is independent of the models.
PAYLOADS: dict[str, dict[str, Any]] = {
    "pupil.registered": _PUPIL,
    "pupil.updated": _PUPIL | {"class_id": "class-9"},
    "pupil.left": _PUPIL | {"left_on": "2026-07-20"},
    "ehc_outcome.set": _OUTCOME,
    "ehc_outcome.updated": _OUTCOME | {"achieved": True},
    "observation.recorded": {"observation": _OBSERVATION, "pupil_id": "pupil-1"},
    "observation.amended": {"observation": _OBSERVATION | {"version": 2}, "pupil_id": "pupil-1", "reason": "typo"},
    "observation.withdrawn": {"observation_id": "obs-1", "pupil_id": "pupil-1", "version": 3, "reason": "wrong pupil"},
    "evidence.uploaded": {"evidence_id": "ev-1", "pupil_id": "pupil-1", "media_type": "image/jpeg", "size_bytes": 10, "sha256": SHA},
    "evidence.attached": _LINK,
    "evidence.detached": _LINK,
    "evidence.consent_changed": {"pupil_id": "pupil-1", "purpose": "share_with_parents", "granted": True,
                                 "given_by_role": "parent", "effective_at": WHEN},
    "evidence.erased": {"pupil_id": "pupil-1"},
    "moderation.round_scheduled": {"round_id": "round-1", "scope": "internal", "opens_at": WHEN, "deadline": "2026-12-01T00:00:00Z",
                                   "moderator_ids": ["staff-2"], "sample_size": 3, "seed": 42},
    "moderation.item_due": {"round_id": "round-1", "item_id": "item-1", "moderator_id": "staff-2", "overdue": False},
    "moderation.judgement_agreed": _AGREED,
    "moderation.amendment_requested": _AGREED,
    "trust.configured": {"trust_id": "trust-1", "descriptor_scale": ["emerging", "secure"], "prompt_hierarchy": ["physical_prompt", "independent"],
                         "observation_gap_days": 14, "target_warning_days": 42},
    "progress.alert_raised": {"alert_id": "outcome_stalled:pupil-1:outcome-1:2026-11-02", "kind": "outcome_stalled", "pupil_id": "pupil-1",
                              "outcome_id": "outcome-1", "target_date": "2027-01-15", "last_evidence_at": WHEN, "threshold_days": 42},
}


def wire(event_type: str, **overrides: Any) -> dict[str, Any]:
    """An event as a producer would put it on the wire (a plain dict)."""
    return {
        "event_id": str(uuid.uuid4()),
        "type": event_type,
        "schema_version": 1,
        "occurred_at": WHEN,
        "recorded_at": WHEN,
        "trust_id": "trust-1",
        "school_id": "school-1",
        "correlation_id": str(uuid.uuid4()),
        "producer": "unit-test",
        "payload": PAYLOADS[event_type],
    } | overrides


def _pupil_registered(**envelope: Any) -> PupilRegistered:
    return PupilRegistered(occurred_at=datetime.now(UTC), trust_id="t", school_id="s", producer="p",
                           payload=PupilFacts(**_PUPIL), **envelope)


# --- envelope -------------------------------------------------------------------------------


def test_event_id_defaults_to_a_fresh_uuid4() -> None:
    """event_id is the consumers' idempotency key: it must be a real, unique UUID when the producer sets none."""
    first, second = _pupil_registered(), _pupil_registered()
    assert uuid.UUID(first.event_id).version == 4
    assert first.event_id != second.event_id
    assert uuid.UUID(first.correlation_id).version == 4 and first.correlation_id != second.correlation_id


def test_recorded_at_defaults_to_aware_utc_now() -> None:
    """Consumers compare timestamps across services; a naive or non-UTC recorded_at would mis-order them."""
    before = datetime.now(UTC)
    event = _pupil_registered()
    after = datetime.now(UTC)
    assert event.recorded_at.tzinfo is not None
    assert event.recorded_at.utcoffset() == timedelta(0)
    assert before <= event.recorded_at <= after


def test_envelope_is_frozen() -> None:
    """A published event is a fact; mutating it after the outbox write would desynchronise stored and sent copies."""
    event = _pupil_registered()
    with pytest.raises(ValidationError):
        event.trust_id = "other"  # type: ignore[misc]


def test_envelope_rejects_unknown_fields() -> None:
    """extra='forbid' keeps producers from smuggling undeclared (possibly personal) fields onto the bus."""
    with pytest.raises(ValidationError):
        PupilRegistered.model_validate(wire("pupil.registered", first_name="Jane"))


def test_key_uses_pupil_id_by_default() -> None:
    """All events of one pupil must share a partition so consumers see them in order."""
    assert _pupil_registered().key == "pupil-1"


def test_key_follows_key_field_for_round_events() -> None:
    """Moderation rounds span pupils, so their events are ordered by round, as key_field declares."""
    event = ModerationRoundScheduled.model_validate(wire("moderation.round_scheduled"))
    assert ModerationRoundScheduled.key_field == "round_id"
    assert event.key == "round-1"
    assert isinstance(event.payload, RoundFacts)


@pytest.mark.parametrize("event_type", sorted(PAYLOADS))
def test_every_type_has_a_key(event_type: str) -> None:
    """The publisher calls .key on every event; a key_field missing from a payload would fail at publish time."""
    event = parse_event(wire(event_type))
    expected = PAYLOADS[event_type][EVENT_TYPES[event_type].key_field]
    assert event.key == expected


# --- registry ---------------------------------------------------------------------------------


def test_payload_table_covers_every_registered_type() -> None:
    """A new event type without a round-trip test here would ship untested; keep the table complete."""
    assert set(PAYLOADS) == set(EVENT_TYPES)


def test_registry_maps_each_type_to_its_model() -> None:
    """Routing relies on the registry key equalling the model's declared type literal."""
    for name, model in EVENT_TYPES.items():
        assert model.model_fields["type"].default == name
        assert model.topic, f"{model.__name__} declares no topic"


@pytest.mark.parametrize("event_type", sorted(PAYLOADS))
@pytest.mark.parametrize("form", ["bytes", "str", "dict"])
def test_parse_event_round_trip(event_type: str, form: str) -> None:
    """What a producer serialises a consumer must parse back to an equal event of the same class, from any source form."""
    original = parse_event(wire(event_type))
    assert type(original) is EVENT_TYPES[event_type]
    data = serialize_event(original)
    source: bytes | str | dict[str, Any] = {"bytes": data, "str": data.decode(), "dict": json.loads(data)}[form]
    again = parse_event(source)
    assert type(again) is type(original)
    assert again == original
    assert serialize_event(again) == data


def test_parse_event_does_not_mutate_a_stored_dict() -> None:
    """Callers pass stored documents; parsing must not alter them (e.g. while upcasting)."""
    raw = wire("pupil.registered")
    snapshot = json.loads(json.dumps(raw))
    parse_event(raw)
    assert raw == snapshot


# --- malformed input ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "data, reason",
    [
        (b"{not json", "not JSON"),
        (b"\xff\xfe\x00garbage", "not JSON"),
        ("", "not JSON"),
        (b"[1, 2, 3]", "not a JSON object"),
        (b'"a string"', "not a JSON object"),
        (b"42", "not a JSON object"),
        (b"null", "not a JSON object"),
        (b'{"type": "pupil.teleported"}', "unknown event type"),
        (b'{"no_type": true}', "unknown event type"),
    ],
)
def test_malformed_wire_data_raises_malformed_event(data: bytes | str, reason: str) -> None:
    """Subscribers dead-letter only MalformedEvent; anything else would stop the partition."""
    with pytest.raises(MalformedEvent, match=reason):
        parse_event(data)


@pytest.mark.parametrize("missing", ["trust_id", "school_id", "occurred_at", "producer", "payload"])
def test_missing_envelope_field_is_named(missing: str) -> None:
    """The dead-letter reason must say which field is missing, so the producer can be fixed."""
    raw = wire("observation.recorded")
    del raw[missing]
    with pytest.raises(MalformedEvent, match=rf"invalid ObservationRecorded: fields .*\b{missing}\b"):
        parse_event(raw)


def test_missing_payload_field_is_named_with_its_path() -> None:
    """Nested fields are reported by dotted path, so a bad payload is located without reading its content."""
    raw = wire("observation.withdrawn")
    raw["payload"] = {k: v for k, v in raw["payload"].items() if k != "reason"}
    with pytest.raises(MalformedEvent, match=r"payload\.reason"):
        parse_event(raw)


@pytest.mark.parametrize(
    "field, value",
    [
        ("schema_version", "one"),
        ("schema_version", 0.5),
        ("occurred_at", "yesterday"),
        ("trust_id", 123),
        ("payload", "a string"),
    ],
)
def test_wrong_envelope_types_raise_malformed_event(field: str, value: Any) -> None:
    """A producer with a type bug must be dead-lettered, not crash or silently coerce."""
    with pytest.raises(MalformedEvent, match=field):
        parse_event(wire("pupil.registered", **{field: value}))


def test_future_schema_version_is_rejected() -> None:
    """A consumer must not misread a newer payload version it does not know as the current one."""
    with pytest.raises(MalformedEvent, match="schema_version"):
        parse_event(wire("pupil.registered", schema_version=2))


@pytest.mark.parametrize("bad_type", [["observation.recorded"], {"a": 1}])
def test_unhashable_type_raises_malformed_event(bad_type: Any) -> None:
    """A poison message whose type is a list/object must be dead-lettered, not crash the subscriber loop."""
    with pytest.raises(MalformedEvent):
        parse_event(json.dumps({"type": bad_type}))


def test_deeply_nested_json_raises_malformed_event() -> None:
    """A pathological body must be dead-lettered like any other malformed message, not crash the subscriber loop."""
    with pytest.raises(MalformedEvent):
        parse_event(b"[" * 100_000 + b"]" * 100_000)


def _malformed_messages() -> list[Any]:
    recorded = wire("observation.recorded")
    bad_area = json.loads(json.dumps(recorded))
    bad_area["payload"]["observation"]["areas"][0]["area"] = SECRET_NOTE
    bad_established = json.loads(json.dumps(recorded))
    bad_established["payload"]["observation"]["areas"][0]["established"] = SECRET_NOTE * 10  # too long
    wrong_type = json.loads(json.dumps(recorded))
    wrong_type["payload"]["observation"]["version"] = SECRET_NOTE
    no_fields = json.loads(json.dumps(recorded))
    del no_fields["payload"]["observation"]["activity"]
    extra = json.loads(json.dumps(recorded))
    extra["payload"]["observation"]["surname"] = SECRET_NOTE
    withdrawn = wire("observation.withdrawn")
    withdrawn["payload"] = withdrawn["payload"] | {"version": "v" + SECRET_NOTE}
    return [bad_area, bad_established, wrong_type, no_fields, extra, withdrawn,
            json.dumps(bad_area)[:-5], "{" + SECRET_NOTE]


@pytest.mark.parametrize("message", _malformed_messages())
def test_malformed_event_message_never_contains_payload_values(message: Any) -> None:
    """The reason goes into DLQ headers and logs, so it must name fields only, never a child's details."""
    with pytest.raises(MalformedEvent) as caught:
        parse_event(message)
    text = str(caught.value)
    assert "Jane" not in text and "sensory room" not in text and "7f3a" not in text
    assert len(text) < 500


# --- upcasting -------------------------------------------------------------------------------------


def test_registered_upcaster_is_applied_to_an_old_version(monkeypatch: pytest.MonkeyPatch) -> None:
    """Old events stay on the bus for weeks; an upcaster must turn them into the current shape transparently."""
    calls: list[dict[str, Any]] = []

    def v0_to_v1(raw: dict[str, Any]) -> dict[str, Any]:
        calls.append(raw)
        payload = dict(raw["payload"])
        payload["on_engagement_model"] = payload.pop("engagement_model")
        return {**raw, "schema_version": 1, "payload": payload}

    monkeypatch.setitem(UPCASTERS, ("pupil.registered", 0), v0_to_v1)
    old = wire("pupil.registered", schema_version=0)
    old["payload"] = {k: v for k, v in _PUPIL.items() if k != "on_engagement_model"} | {"engagement_model": True}
    event = parse_event(json.dumps(old))
    assert len(calls) == 1
    assert isinstance(event, PupilRegistered)
    assert event.schema_version == 1
    assert event.payload.on_engagement_model is True


def test_missing_upcaster_for_old_version_is_malformed() -> None:
    """An old version nobody can upcast must be dead-lettered with a clear reason, not misparsed."""
    with pytest.raises(MalformedEvent, match=r"no upcaster for pupil.registered v0"):
        parse_event(wire("pupil.registered", schema_version=0))


class _FakePayload(BaseModel):
    pupil_id: str
    colour: str
    size: int


class _FakeV3(Event):
    """A fake event type at version 3, to check upcasters chain one step at a time."""

    topic: ClassVar[str] = "fake"
    type: Literal["fake.thing"] = "fake.thing"
    schema_version: Literal[3] = 3
    payload: _FakePayload


def test_upcasters_chain_through_every_version(monkeypatch: pytest.MonkeyPatch) -> None:
    """A v1 event must pass through v1->v2 and v2->v3 in order, so each upcaster only knows one change."""
    steps: list[int] = []

    def v1_to_v2(raw: dict[str, Any]) -> dict[str, Any]:
        steps.append(1)
        payload = {**raw["payload"], "colour": raw["payload"].pop("color")}
        return {**raw, "schema_version": 2, "payload": payload}

    def v2_to_v3(raw: dict[str, Any]) -> dict[str, Any]:
        steps.append(2)
        return {**raw, "schema_version": 3, "payload": {**raw["payload"], "size": 0}}

    monkeypatch.setitem(EVENT_TYPES, "fake.thing", _FakeV3)
    monkeypatch.setitem(UPCASTERS, ("fake.thing", 1), v1_to_v2)
    monkeypatch.setitem(UPCASTERS, ("fake.thing", 2), v2_to_v3)
    raw = wire("pupil.registered", type="fake.thing", payload={"pupil_id": "p", "color": "red"})
    event = parse_event(raw)
    assert steps == [1, 2]
    assert isinstance(event, _FakeV3)
    assert event.payload == _FakePayload(pupil_id="p", colour="red", size=0)
    assert event.schema_version == 3

    # a v2 event only needs the last step
    steps.clear()
    raw = wire("pupil.registered", type="fake.thing", schema_version=2, payload={"pupil_id": "p", "colour": "blue"})
    assert parse_event(raw).payload.size == 0  # type: ignore[attr-defined]
    assert steps == [2]


def test_current_version_skips_upcasters(monkeypatch: pytest.MonkeyPatch) -> None:
    """Current events must not be touched by upcasters meant for older versions."""
    def explode(raw: dict[str, Any]) -> dict[str, Any]:
        raise AssertionError("upcaster called for a current event")

    monkeypatch.setitem(UPCASTERS, ("pupil.registered", 1), explode)
    assert isinstance(parse_event(wire("pupil.registered")), PupilRegistered)


# --- schema drift ----------------------------------------------------------------------------------


def test_committed_schemas_match_the_models() -> None:
    """docs/events is the contract app developers build against; it must be exactly what the code accepts."""
    folder = ROOT / "docs" / "events"
    expected = render()
    committed = {p.name: p.read_text() for p in folder.glob("*.json")}
    hint = "event schemas drifted from the models: run `em-schemas export docs/events` and commit the result"
    assert sorted(committed) == sorted(expected), f"{hint} (files differ: missing {sorted(set(expected) - set(committed))}, "\
                                                  f"stale {sorted(set(committed) - set(expected))})"
    changed = sorted(name for name, text in expected.items() if committed[name] != text)
    assert not changed, f"{hint} (changed: {changed})"
