"""The versioned envelope every event on the bus travels in.

Apps and services depend on these fields to deduplicate (``event_id``), order (message key),
route (``type`` + ``schema_version``) and trace (``correlation_id``/``causation_id``) events,
so they are the platform's most stable public contract.
"""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from typing import ClassVar

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field


def utcnow() -> datetime:
    """Return an aware UTC timestamp; events never carry naive times."""
    return datetime.now(UTC)


def new_id() -> str:
    """Return a fresh UUID4 string, the id format used throughout the platform."""
    return str(uuid.uuid4())


class Event(BaseModel):
    """Base of every event: the envelope plus a typed ``payload`` declared by subclasses.

    ``event_id`` is chosen by the producer and is the idempotency key consumers record.
    ``topic`` and ``key_field`` tell the publisher where the event goes and which payload field
    orders it (usually the pupil), so no service has to know that detail.
    """

    model_config = ConfigDict(extra="forbid", frozen=True)

    topic: ClassVar[str] = ""
    key_field: ClassVar[str] = "pupil_id"

    event_id: str = Field(default_factory=new_id, description="Producer-chosen UUID; the idempotency key.")
    type: str = Field(description="Event type, e.g. 'observation.recorded'.")
    schema_version: int = Field(ge=1, description="Version of this type's payload schema.")
    occurred_at: AwareDatetime = Field(description="When the thing happened (UTC), e.g. when a pupil was observed.")
    recorded_at: AwareDatetime = Field(default_factory=utcnow, description="When the platform recorded it (UTC).")
    trust_id: str
    school_id: str
    correlation_id: str = Field(default_factory=new_id, description="Shared by every event of one user action.")
    causation_id: str | None = Field(default=None, description="The event or request that caused this one.")
    producer: str = Field(description="The service that produced the event.")

    @property
    def key(self) -> str:
        """The Kafka message key: the entity whose events must stay in order."""
        return str(getattr(self.payload, self.key_field))  # type: ignore[attr-defined]
