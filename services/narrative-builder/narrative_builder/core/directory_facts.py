"""Applying directory events to the pupil records projections need (facts and EHC outcomes)."""

from __future__ import annotations

from engagement_shared.events.directory import EhcOutcomeSet, EhcOutcomeUpdated, PupilLeft, PupilRegistered, PupilUpdated
from engagement_shared.events.envelope import Event
from narrative_builder.core.records import PupilRecord

PUPIL_EVENTS = (PupilRegistered, PupilUpdated, PupilLeft)
OUTCOME_EVENTS = (EhcOutcomeSet, EhcOutcomeUpdated)


def directory_pupil(event: Event) -> str | None:
    """The pupil a directory event is about, or None for other events."""
    if isinstance(event, PUPIL_EVENTS + OUTCOME_EVENTS):
        return event.payload.pupil_id
    return None


def apply_directory(record: PupilRecord | None, event: Event) -> PupilRecord:
    """The pupil's record after a directory event. Events of one pupil arrive in order (they share
    a message key), so the newest event simply wins; an outcome may arrive before its pupil's
    facts when the pupil was registered before this service started keeping records."""
    record = record or PupilRecord(pupil_id=directory_pupil(event) or "", trust_id=event.trust_id, school_id=event.school_id)
    if isinstance(event, PUPIL_EVENTS):
        facts = event.payload
        return record.model_copy(update={"trust_id": event.trust_id, "school_id": event.school_id, "class_id": facts.class_id,
                                         "key_stage": facts.key_stage, "on_engagement_model": facts.on_engagement_model,
                                         "regressive_condition": facts.regressive_condition, "left_on": facts.left_on})
    if isinstance(event, OUTCOME_EVENTS):
        return record.model_copy(update={"outcomes": {**record.outcomes, event.payload.outcome_id: event.payload}})
    return record
