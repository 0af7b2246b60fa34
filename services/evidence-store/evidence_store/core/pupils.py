"""What evidence-store knows of a pupil, kept from the directory events: enough to enforce school
boundaries and retention, never who the child is.

``storage_ref`` is a random token that names the pupil's folder in the object store, so object
keys and presigned URLs never carry the pupil's id, and erasing a pupil is erasing one prefix.
"""

from __future__ import annotations

import secrets
from datetime import date

from pydantic import BaseModel, Field

from engagement_shared.events.directory import PupilLeft, PupilRegistered, PupilUpdated
from engagement_shared.events.envelope import Event


class Pupil(BaseModel):
    """A pupil as this service sees them."""

    pupil_id: str
    trust_id: str
    school_id: str
    left_on: date | None = None
    storage_ref: str = Field(default_factory=lambda: secrets.token_hex(16))


def pupil_after(event: Event, current: Pupil | None) -> Pupil | None:
    """The pupil once a directory event is applied; None when the event is not about a pupil."""
    if not isinstance(event, PupilRegistered | PupilUpdated | PupilLeft):
        return None
    facts = event.payload
    update = {"trust_id": event.trust_id, "school_id": event.school_id, "left_on": facts.left_on}
    if current is None:
        return Pupil(pupil_id=facts.pupil_id, **update)
    return current.model_copy(update=update)
