"""Erased evidence leaves the items moderation already sampled: one item, or all of a pupil's."""

from __future__ import annotations

from datetime import UTC, datetime

from engagement_shared.events.evidence import EvidenceErased, EvidenceErasure
from moderation.core.candidates import item_without_erased_evidence
from moderation.core.rounds import Item


def item(evidence: list[str]) -> Item:
    return Item.model_validate({
        "item_id": "i1", "round_id": "r1", "trust_id": "t1", "scope": "cross_school", "observation_id": "o1", "pupil_id": "p1",
        "school_id": "s1", "observer_id": "st1", "moderator_id": "m1", "moderator_school_id": None, "deadline": datetime.now(UTC),
        "original": [{"area": "exploration", "established": "emerging"}], "snapshot": {"notes": "kept", "evidence_ids": evidence}})


def erased(evidence_id: str | None) -> EvidenceErased:
    return EvidenceErased(occurred_at=datetime.now(UTC), trust_id="t1", school_id="s1", producer="evidence-store",
                          payload=EvidenceErasure(pupil_id="p1", evidence_id=evidence_id))


def test_one_erased_item_leaves_the_snapshot_and_the_rest_stays() -> None:
    cleaned = item_without_erased_evidence(erased("e1"), item(["e1", "e2"]))
    assert cleaned is not None and cleaned.snapshot == {"notes": "kept", "evidence_ids": ["e2"]}


def test_erasing_a_pupil_leaves_no_evidence_and_an_item_citing_none_is_unchanged() -> None:
    cleaned = item_without_erased_evidence(erased(None), item(["e1", "e2"]))
    assert cleaned is not None and cleaned.snapshot["evidence_ids"] == []
    assert item_without_erased_evidence(erased("e9"), item(["e1"])) is None
    assert item_without_erased_evidence(erased(None), item([])) is None
