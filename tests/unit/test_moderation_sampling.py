"""Sampling is reproducible from its seed, meets its strata, and assignment keeps judgements independent."""

from __future__ import annotations

import random
from collections import Counter
from collections.abc import AsyncIterator, Iterable

from moderation.core.assignment import Moderator, assign
from moderation.core.sampling import Candidate, allocate, consented, consented_strata, select, strata_counts

AREAS = ["exploration", "realisation", "anticipation", "persistence", "initiation"]


def population(n: int = 2000) -> list[Candidate]:
    rng = random.Random(7)
    return [Candidate(f"obs-{i:05d}", f"school-{rng.randrange(6)}", f"pupil-{rng.randrange(300)}", f"staff-{rng.randrange(40)}",
                      rng.choice(AREAS), rng.choice(["emerging", "developing", "secure"])) for i in range(n)]


async def stream(items: Iterable[Candidate]) -> AsyncIterator[Candidate]:
    for item in items:
        yield item


async def draw(items: list[Candidate], size: int, seed: int, strata: list) -> list[Candidate]:  # type: ignore[type-arg]
    return await select(stream(items), allocate(strata_counts(items, strata), size), seed, strata)


async def test_same_seed_same_sample_whatever_the_order() -> None:
    items = population()
    shuffled = items[:]
    random.Random(1).shuffle(shuffled)
    first = await draw(items, 100, 42, ["school", "area"])
    again = await draw(shuffled, 100, 42, ["school", "area"])
    assert [c.observation_id for c in first] == [c.observation_id for c in again]
    other = await draw(items, 100, 43, ["school", "area"])
    assert {c.observation_id for c in other} != {c.observation_id for c in first}


async def test_sample_meets_its_strata() -> None:
    items = population()
    strata = ["school", "area"]
    available = strata_counts(items, strata)
    allocation = allocate(available, 120)
    assert sum(allocation.values()) == 120
    assert set(allocation) == set(available)  # every stratum represented
    for stratum, n in allocation.items():
        assert abs(n - 120 * available[stratum] / len(items)) <= 1.0 + 1e-9
    chosen = await select(stream(items), allocation, 9, strata)
    assert Counter(c.stratum(strata) for c in chosen) == Counter(allocation)
    assert len({c.observation_id for c in chosen}) == 120


def test_allocation_covers_small_strata_and_never_exceeds_what_exists() -> None:
    available = {"a": 1000, "b": 3, "c": 1}
    allocation = allocate(available, 20)
    assert allocation["b"] >= 1 and allocation["c"] == 1 and sum(allocation.values()) == 20
    assert allocate({"a": 2, "b": 1}, 10) == {"a": 2, "b": 1}
    assert sum(allocate({"a": 5, "b": 5, "c": 5}, 2).values()) == 2  # fewer items than strata


async def test_pupils_without_consent_are_neither_counted_nor_drawn() -> None:
    items = population()
    consenting = {f"pupil-{n}" for n in range(0, 300, 2)}
    counts = Counter((c.stratum(["school", "area"]), c.pupil_id) for c in items)
    available = consented_strata(counts, consenting)
    assert available == strata_counts([c for c in items if c.pupil_id in consenting], ["school", "area"])
    assert consented_strata(counts, None) == strata_counts(items, ["school", "area"])
    drawn = await select(consented(stream(items), consenting), allocate(available, 60), 3, ["school", "area"])
    assert len(drawn) == 60 and all(c.pupil_id in consenting for c in drawn)


def test_cross_school_assignment_never_gives_a_moderator_their_own_school() -> None:
    items = population(300)
    moderators = [Moderator(staff_id=f"mod-{s}", school_id=f"school-{s}") for s in range(6)] + [Moderator(staff_id="central")]
    assigned, unassignable = assign(items, moderators, cross_school=True)
    assert unassignable == 0 and len(assigned) == 300
    assert all(m.school_id != c.school_id for c, m in assigned)
    load = Counter(m.staff_id for _, m in assigned)
    assert max(load.values()) - min(load.values()) <= 1


def test_nobody_moderates_their_own_observation_and_unassignable_items_are_counted() -> None:
    item = Candidate("o1", "school-1", "p1", "staff-1", "exploration", "emerging")
    assigned, unassignable = assign([item], [Moderator(staff_id="staff-1", school_id="school-1")], cross_school=False)
    assert assigned == [] and unassignable == 1
    assigned, _ = assign([item], [Moderator(staff_id="staff-1", school_id="school-1"), Moderator(staff_id="staff-2", school_id="school-1")],
                         cross_school=False)
    assert assigned[0][1].staff_id == "staff-2"
