"""Agreement between an original judgement and a moderator's blind one, on the trust's ordinal scale.

Moderation quality-assures teachers' judgements; it never compares pupils. So every figure here
is about pairs of judgements grouped by round, area, school or descriptor level, and a group
reports its size so nobody reads much into a handful of items.

Weighted kappa (Cohen, 1968) credits near misses on an ordered scale: with linear weights a
judgement one step away counts as partial agreement. Percentage agreement is exact matches.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Literal

from pydantic import BaseModel

Weighting = Literal["none", "linear", "quadratic"]


Dimension = Literal["round_id", "area", "school_id", "original"]


@dataclass(frozen=True)
class JudgementCount:
    """How many times, in one round, area and school, an original descriptor met a moderator's.

    Counts rather than single pairs, so a trust's whole history can be summed by the database.
    """

    round_id: str
    area: str
    school_id: str
    original: str
    moderated: str
    count: int = 1


@dataclass(frozen=True)
class ItemGroup:
    """Items alike in everything the figures need: round, school, progress, the areas sampled and
    the (area, original, moderated) pairs judged — so one pass of the database over a trust's
    whole history yields both coverage and agreement, however many items there are."""

    round_id: str
    school_id: str
    status: str
    differs_from_original: bool | None
    areas: tuple[str, ...]
    pairs: tuple[tuple[str, str, str], ...]
    count: int


def judgement_counts(groups: Iterable[ItemGroup]) -> list[JudgementCount]:
    """The judgement pairs of the grouped items, merged per round, area, school and descriptors."""
    merged: dict[tuple[str, str, str, str, str], int] = {}
    for g in groups:
        for area, original, moderated in g.pairs:
            key = (g.round_id, area, g.school_id, original, moderated)
            merged[key] = merged.get(key, 0) + g.count
    return [JudgementCount(*key, count=n) for key, n in merged.items()]


class Agreement(BaseModel):
    """How far two sets of judgements agree; ``kappa`` is None when chance agreement is total."""

    pairs: int
    exact_agreement_percent: float | None
    weighted_kappa: float | None
    weighting: Weighting


def _weight(i: int, j: int, k: int, weighting: Weighting) -> float:
    if weighting == "none" or k == 1:
        return 1.0 if i == j else 0.0
    distance = abs(i - j) / (k - 1)
    return 1.0 - (distance if weighting == "linear" else distance * distance)


def kappa_from_table(table: Sequence[Sequence[int]], weighting: Weighting = "linear") -> float | None:
    """Weighted kappa of a square contingency table (rows: first rater, columns: second, in scale order)."""
    k = len(table)
    n = sum(sum(row) for row in table)
    if n == 0:
        return None
    rows = [sum(row) for row in table]
    cols = [sum(table[i][j] for i in range(k)) for j in range(k)]
    observed = sum(_weight(i, j, k, weighting) * table[i][j] for i in range(k) for j in range(k)) / n
    expected = sum(_weight(i, j, k, weighting) * rows[i] * cols[j] for i in range(k) for j in range(k)) / (n * n)
    if expected >= 1.0:
        return None
    return (observed - expected) / (1.0 - expected)


def contingency(counts: Iterable[JudgementCount], scale: Sequence[str]) -> list[list[int]]:
    """A table ordered by the scale (rows original, columns moderated); words off the scale are skipped."""
    index = {word: i for i, word in enumerate(scale)}
    table = [[0] * len(scale) for _ in scale]
    for c in counts:
        if c.original in index and c.moderated in index:
            table[index[c.original]][index[c.moderated]] += c.count
    return table


def agreement(table: Sequence[Sequence[int]], weighting: Weighting = "linear") -> Agreement:
    """Percentage agreement and weighted kappa of a contingency table."""
    n = sum(sum(row) for row in table)
    exact = sum(table[i][i] for i in range(len(table)))
    kappa = kappa_from_table(table, weighting)
    return Agreement(pairs=n, exact_agreement_percent=round(100.0 * exact / n, 1) if n else None,
                     weighted_kappa=None if kappa is None else round(kappa, 3), weighting=weighting)


class GroupAgreement(Agreement):
    """Agreement within one group (an area, a school, a round or an original descriptor)."""

    dimension: Dimension
    group: str


def breakdown(counts: Sequence[JudgementCount], scale: Sequence[str], dimension: Dimension,
              weighting: Weighting = "linear") -> list[GroupAgreement]:
    """Agreement per group of one dimension, in the group's natural order (scale order for descriptors)."""
    groups: dict[str, list[JudgementCount]] = {}
    for c in counts:
        groups.setdefault(getattr(c, dimension), []).append(c)
    order = {word: i for i, word in enumerate(scale)} if dimension == "original" else {}
    return [GroupAgreement(dimension=dimension, group=group, **agreement(contingency(members, scale), weighting).model_dump(exclude={"weighting"}),
                           weighting=weighting)
            for group, members in sorted(groups.items(), key=lambda g: (order.get(g[0], len(order)), g[0]))]


def disagreement_hotspots(counts: Sequence[JudgementCount], scale: Sequence[str], min_pairs: int = 5) -> list[GroupAgreement]:
    """Where disagreement concentrates: groups of every dimension with enough pairs, least exact agreement first."""
    groups = [g for dimension in ("area", "school_id", "original") for g in breakdown(counts, scale, dimension)]  # type: ignore[arg-type]
    return sorted((g for g in groups if g.pairs >= min_pairs and g.exact_agreement_percent is not None and g.exact_agreement_percent < 100.0),
                  key=lambda g: (g.exact_agreement_percent, -g.pairs))
