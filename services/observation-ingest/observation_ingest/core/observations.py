"""Observations: recording, amending and withdrawing, with an audit trail.

An observation is stored once per id; the version grows with each amendment, and every change
keeps who made it, when and why. Withdrawn observations stay for audit but stop counting.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from engagement_shared.auth.principal import Principal
from engagement_shared.errors import Invalid
from engagement_shared.events.envelope import utcnow
from engagement_shared.events.observations import ObservationContent, RecordedObservation

FUTURE_TOLERANCE = timedelta(minutes=10)


class NewObservation(ObservationContent):
    """The body of a single POST; ``observation_id`` is optional (the server picks one)."""

    observation_id: str | None = Field(default=None, pattern=r"^[0-9a-fA-F-]{36}$", description="Client-chosen UUID; makes retries safe.")


class BatchObservation(ObservationContent):
    """One item of an offline batch; the client-chosen id makes re-sending harmless."""

    observation_id: str = Field(pattern=r"^[0-9a-fA-F-]{36}$", description="Client-chosen UUID.")


class ObservationAmendment(BaseModel):
    """A correction: the fields to change and why."""

    model_config = ConfigDict(extra="forbid")

    changes: dict[str, object] = Field(description="Fields of the observation content to replace.")
    reason: str = Field(min_length=3, max_length=1000)


class Withdrawal(BaseModel):
    """Why an observation no longer counts."""

    model_config = ConfigDict(extra="forbid")

    reason: str = Field(min_length=3, max_length=1000)


class AuditEntry(BaseModel):
    """One change in an observation's history."""

    version: int
    action: Literal["recorded", "amended", "withdrawn"]
    at: datetime
    by_subject: str
    by_role: str
    reason: str | None = None
    changed_fields: list[str] = Field(default_factory=list)


class StoredObservation(BaseModel):
    """An observation as kept in the store: current content, status and history."""

    observation: RecordedObservation
    trust_id: str
    status: Literal["active", "withdrawn"] = "active"
    recorded_at: datetime
    history: list[AuditEntry]


def check_timing(content: ObservationContent, now: datetime | None = None) -> None:
    """Observations describe the past (allowing for device clocks a little fast)."""
    if content.observed_at > (now or utcnow()) + FUTURE_TOLERANCE:
        raise Invalid("is in the future", field="observed_at")


def new_stored(content: ObservationContent, observation_id: str, school_id: str, trust_id: str, by: Principal) -> StoredObservation:
    """A freshly recorded observation at version 1.

    ``content`` is already validated, so its fields are taken as they are rather than checked
    again (offline batches bring hundreds at a time).
    """
    now = utcnow()
    fields = {name: getattr(content, name) for name in ObservationContent.model_fields}
    recorded = RecordedObservation.model_construct(**fields, observation_id=observation_id, school_id=school_id,
                                                   observer_id=by.subject, observer_role=by.role.value, version=1)
    return StoredObservation(observation=recorded, trust_id=trust_id, recorded_at=now,
                             history=[AuditEntry(version=1, action="recorded", at=now, by_subject=by.subject, by_role=by.role.value)])


def amended(stored: StoredObservation, amendment: ObservationAmendment, by: Principal) -> StoredObservation:
    """The next version with the changes applied; the pupil cannot change."""
    if stored.status == "withdrawn":
        raise Invalid("a withdrawn observation cannot be amended", field="observation_id")
    if "pupil_id" in amendment.changes and amendment.changes["pupil_id"] != stored.observation.pupil_id:
        raise Invalid("the pupil of an observation cannot change; withdraw it and record a new one", field="changes.pupil_id")
    unknown = set(amendment.changes) - set(ObservationContent.model_fields)
    if unknown:
        raise Invalid(f"unknown field {sorted(unknown)[0]!r}", field=f"changes.{sorted(unknown)[0]}")
    current = stored.observation.model_dump(mode="json")
    try:
        content = ObservationContent.model_validate({k: current[k] for k in ObservationContent.model_fields} | amendment.changes)
    except ValidationError as exc:
        first = exc.errors()[0]
        raise Invalid(first["msg"], field="changes." + ".".join(str(p) for p in first["loc"])) from None
    version = stored.observation.version + 1
    observation = RecordedObservation.model_validate({**stored.observation.model_dump(), **content.model_dump(), "version": version})
    entry = AuditEntry(version=version, action="amended", at=utcnow(), by_subject=by.subject, by_role=by.role.value,
                       reason=amendment.reason, changed_fields=sorted(amendment.changes))
    return stored.model_copy(update={"observation": observation, "history": [*stored.history, entry]})


def withdrawn(stored: StoredObservation, withdrawal: Withdrawal, by: Principal) -> StoredObservation:
    """The observation marked withdrawn, its version bumped so consumers order the change."""
    if stored.status == "withdrawn":
        raise Invalid("the observation is already withdrawn", field="observation_id")
    version = stored.observation.version + 1
    entry = AuditEntry(version=version, action="withdrawn", at=utcnow(), by_subject=by.subject, by_role=by.role.value, reason=withdrawal.reason)
    return stored.model_copy(update={"status": "withdrawn", "observation": stored.observation.model_copy(update={"version": version}),
                                     "history": [*stored.history, entry]})
