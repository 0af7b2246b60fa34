"""The observations a round may sample, and the consents that decide which it may not.

Kept from the observation and evidence events, so drawing a sample never calls another
service: an amendment replaces the candidate (older versions arriving late are ignored), a
withdrawal removes it from every future draw, and consent follows the latest change.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pydantic import BaseModel

from engagement_shared.events.envelope import Event
from engagement_shared.events.evidence import ConsentChanged, EvidenceErased
from engagement_shared.events.observations import ObservationAmended, ObservationRecorded, ObservationWithdrawn
from moderation.core.rounds import Item
from moderation.core.sampling import Candidate

#: The consent a round's scope needs before a pupil's observations may be sampled.
PURPOSE_OF_SCOPE = {"cross_school": "cross_school_moderation"}
EXEMPLAR_PURPOSE = "exemplar_library"


class StoredCandidate(BaseModel):
    """An observation as moderation keeps it: where it sits in the strata, and the record itself."""

    observation_id: str
    trust_id: str
    school_id: str
    pupil_id: str
    observer_id: str
    observed_on: str
    area: str
    descriptor: str
    version: int
    withdrawn: bool = False
    snapshot: dict[str, Any]

    def candidate(self) -> Candidate:
        """The sampling view of this observation."""
        return Candidate(self.observation_id, self.school_id, self.pupil_id, self.observer_id, self.area, self.descriptor)


class Consent(BaseModel):
    """The latest consent decision for one pupil and purpose."""

    trust_id: str
    pupil_id: str
    purpose: str
    granted: bool
    effective_at: datetime


def candidate_after(event: Event, current: StoredCandidate | None) -> StoredCandidate | None:
    """The candidate once an observation event is applied; None when the event changes nothing."""
    if isinstance(event, ObservationRecorded | ObservationAmended):
        observation = event.payload.observation
        if current is not None and current.version >= observation.version:
            return None
        first = observation.areas[0]
        return StoredCandidate(
            observation_id=observation.observation_id, trust_id=event.trust_id, school_id=observation.school_id,
            pupil_id=observation.pupil_id, observer_id=observation.observer_id, observed_on=observation.observed_at.date().isoformat(),
            area=first.area, descriptor=first.established, version=observation.version,
            withdrawn=current.withdrawn if current else False, snapshot=observation.model_dump(mode="json"))
    if isinstance(event, ObservationWithdrawn) and current is not None and not current.withdrawn:
        return current.model_copy(update={"withdrawn": True})
    return None


def consent_after(event: Event, current: Consent | None) -> Consent | None:
    """The consent once a consent event is applied; an older decision arriving late changes nothing."""
    if not isinstance(event, ConsentChanged):
        return None
    change = event.payload
    if current is not None and current.effective_at > change.effective_at:
        return None
    return Consent(trust_id=event.trust_id, pupil_id=change.pupil_id, purpose=change.purpose, granted=change.granted, effective_at=change.effective_at)


def item_without_erased_evidence(event: EvidenceErased, item: Item) -> Item | None:
    """A sampled item once evidence is erased: its snapshot no longer cites the item (or, for a whole
    pupil, any evidence); None when it cited none of it."""
    cited = [str(e) for e in item.snapshot.get("evidence_ids") or []]  # type: ignore[union-attr]
    erased = event.payload.evidence_id
    kept = [] if erased is None else [e for e in cited if e != erased]
    if len(kept) == len(cited):
        return None
    return item.model_copy(update={"snapshot": {**item.snapshot, "evidence_ids": kept}})
