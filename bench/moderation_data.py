"""A synthetic trust's moderation history for the benchmark: invented ids only, no names.

Documents are built once through the service's own models and storage shapes (so the benchmark
reads what production stores), then copied with new ids, which keeps generating a million of
them quick and the generator's memory flat (one batch at a time).
"""

from __future__ import annotations

import secrets
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from typing import Any

from engagement_shared.events.vocabulary import DEFAULT_DESCRIPTOR_SCALE
from moderation.adapters.outbound.mongo_store import MongoModerationStore, item_document
from moderation.core.candidates import StoredCandidate
from moderation.core.rounds import AgreementRecord, BlindJudgement, Item, Round
from moderation.core.sampling import SamplingPlan
from tests.support.world import observation

TRUST = "bench-trust"
SCHOOLS, PUPILS, STAFF, ROUNDS = 50, 5000, 400, 20
AREAS = ("exploration", "realisation", "anticipation", "persistence", "initiation")
LEVELS = DEFAULT_DESCRIPTOR_SCALE
BATCH = 10_000


def schools() -> list[str]:
    """The trust's school ids."""
    return [f"school-{s:02d}" for s in range(SCHOOLS)]


def _where(n: int) -> tuple[str, str, str, str, str]:
    """Observation ``n``'s school, pupil, observer, area and descriptor (pupils and staff belong to one school)."""
    pupil = n % PUPILS
    school = pupil % SCHOOLS
    observer = school + SCHOOLS * (n % (STAFF // SCHOOLS))
    return f"school-{school:02d}", f"pupil-{pupil:04d}", f"staff-{observer:03d}", AREAS[n % 5], LEVELS[(n // 7) % 4]


def _day(n: int) -> date:
    return date.today() - timedelta(days=n % 360)


def consents() -> list[dict[str, Any]]:
    """Cross-school moderation consent for nine pupils in ten."""
    at = datetime.now(UTC)
    return [{"_id": f"pupil-{p:04d}|cross_school_moderation", "trust_id": TRUST, "pupil_id": f"pupil-{p:04d}",
             "purpose": "cross_school_moderation", "granted": p % 10 != 0, "effective_at": at} for p in range(PUPILS)]


def stored_rounds() -> list[dict[str, Any]]:
    """Twenty past rounds, one a fortnight, as the store keeps them."""
    docs = []
    for r in range(ROUNDS):
        at = datetime.now(UTC) - timedelta(days=14 * (ROUNDS - r))
        plan = SamplingPlan(seed=r, size=500, strata_by=["school", "area"], population=0, excluded_without_consent=0, available={}, allocation={})
        round_ = Round.model_validate({
            "round_id": f"round-{r:02d}", "trust_id": TRUST, "seed": r, "plan": plan, "scheduled_by": "central-0", "scheduled_at": at,
            "pseudonym_secret": secrets.token_hex(16),
            "request": {"title": f"Round {r + 1}", "scope": "cross_school", "moderators": [{"staff_id": "central-0"}], "sample_size": 500,
                        "opens_at": at, "deadline": at + timedelta(days=10), "observed_from": (at - timedelta(days=90)).date(),
                        "observed_to": at.date()}})
        docs.append(MongoModerationStore._round_doc(round_))
    return docs


def stored_candidates(start: int, stop: int) -> Iterator[list[dict[str, Any]]]:
    """Candidates ``start`` to ``stop`` in batches, each a full observation snapshot as the projector stores it."""
    snapshot = observation("pupil-0000", datetime.now(UTC))
    template = StoredCandidate(observation_id="o", trust_id=TRUST, school_id="s", pupil_id="p", observer_id="st", observed_on="d",
                               area="exploration", descriptor="emerging", version=1, snapshot=snapshot).model_dump()
    for first in range(start, stop, BATCH):
        batch = []
        for n in range(first, min(first + BATCH, stop)):
            school, pupil, observer, area, level = _where(n)
            batch.append({**template, "_id": f"obs-{n:07d}", "observation_id": f"obs-{n:07d}", "school_id": school, "pupil_id": pupil,
                          "observer_id": observer, "observed_on": _day(n).isoformat(), "area": area, "descriptor": level})
        yield batch


def stored_items(start: int, stop: int) -> Iterator[list[dict[str, Any]]]:
    """Judged and agreed items ``start`` to ``stop`` over the twenty rounds, one moderator's judgement
    in four a step away from the original."""
    now = datetime.now(UTC)
    snapshot = observation("pupil-0000", now)
    for first in range(start, stop, BATCH):
        batch = []
        for n in range(first, min(first + BATCH, stop)):
            school, pupil, observer, area, level = _where(n)
            moderated = LEVELS[(LEVELS.index(level) + (n % 4 == 0)) % len(LEVELS)]
            judged = [{"area": area, "established": moderated}]
            item = Item(item_id=f"item-{n:07d}", round_id=f"round-{n % ROUNDS:02d}", trust_id=TRUST, scope="cross_school",
                        observation_id=f"obs-{n:07d}", pupil_id=pupil, school_id=school, observer_id=observer,
                        moderator_id=f"moderator-{(int(school[-2:]) + 1) % SCHOOLS:02d}", moderator_school_id=None, deadline=now,
                        original=[{"area": area, "established": level}], snapshot=snapshot, status="agreed",  # type: ignore[list-item]
                        blind=BlindJudgement.model_validate({"areas": judged}), judged_at=now,
                        agreed=AgreementRecord.model_validate({"areas": judged, "rationale": "Agreed after discussion."}),
                        agreed_by="central-0", agreed_at=now, differs_from_original=moderated != level)
            batch.append(item_document(item))
        yield batch
