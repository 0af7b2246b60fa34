"""A reproducible, stratified sample of observations for a moderation round, and who moderates each.

Reproducible: every candidate's place in the draw is a hash of the round's seed and the
observation id, so the same seed over the same observations gives the same sample whatever
order the database returns them in, and an auditor can re-draw it from the recorded plan.

Stratified: the sample is shared between strata (e.g. school × area) in proportion to their
size, by largest remainder, with at least one item from every stratum when the sample is big
enough; within a stratum the lowest hashes win. Only counts per stratum and the chosen items are
held in memory, so a trust's whole history can be streamed through.
"""

from __future__ import annotations

import hashlib
import heapq
from collections.abc import AsyncIterable, AsyncIterator, Container, Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Literal

from pydantic import BaseModel

StratumDimension = Literal["school", "area", "observer", "descriptor"]


@dataclass(frozen=True)
class Candidate:
    """What sampling needs of an observation: where it sits in the strata, and whose it is.

    ``area`` and ``descriptor`` are those of the observation's first judged area, the one its
    observer recorded first.
    """

    observation_id: str
    school_id: str
    pupil_id: str
    observer_id: str
    area: str
    descriptor: str

    def stratum(self, dimensions: Sequence[StratumDimension]) -> str:
        """This candidate's stratum, as a readable key such as ``school=s1|area=exploration``."""
        values = {"school": self.school_id, "area": self.area, "observer": self.observer_id, "descriptor": self.descriptor}
        return "|".join(f"{d}={values[d]}" for d in dimensions)


class SamplingPlan(BaseModel):
    """What an auditor needs to re-draw a round's sample and check its strata."""

    seed: int
    size: int
    strata_by: list[StratumDimension]
    population: int
    excluded_without_consent: int
    available: dict[str, int]
    allocation: dict[str, int]


def allocate(available: Mapping[str, int], size: int) -> dict[str, int]:
    """Share ``size`` between strata in proportion to what they hold (largest remainder).

    When the sample can cover every stratum, each non-empty stratum gets at least one item.
    """
    total = sum(available.values())
    if total <= size:
        return dict(available)
    strata = sorted(s for s, n in available.items() if n > 0)
    floor = 1 if size >= len(strata) else 0
    shares = {s: floor for s in strata}
    rest = size - floor * len(strata)
    ideal = {s: rest * (available[s] - floor) / (total - floor * len(strata)) for s in strata}
    for s in strata:
        shares[s] += min(int(ideal[s]), available[s] - shares[s])
    left = size - sum(shares.values())
    by_remainder = sorted(strata, key=lambda s: (-(ideal[s] - int(ideal[s])), s))
    while left > 0:
        for s in by_remainder:
            if left and shares[s] < available[s]:
                shares[s] += 1
                left -= 1
    return {s: n for s, n in shares.items() if n}


def draw_rank(seed: int, observation_id: str) -> bytes:
    """A candidate's place in the draw: the same for the same seed and observation, everywhere."""
    return hashlib.sha256(f"{seed}:{observation_id}".encode()).digest()


async def select(candidates: AsyncIterable[Candidate], allocation: Mapping[str, int], seed: int,
                 strata_by: Sequence[StratumDimension]) -> list[Candidate]:
    """Stream the candidates once, keeping the lowest-ranked ``allocation[stratum]`` of each stratum."""
    kept: dict[str, list[tuple[bytes, str, Candidate]]] = {}
    async for candidate in candidates:
        stratum = candidate.stratum(strata_by)
        want = allocation.get(stratum, 0)
        if not want:
            continue
        heap = kept.setdefault(stratum, [])
        entry = (_negated(draw_rank(seed, candidate.observation_id)), candidate.observation_id, candidate)
        if len(heap) < want:
            heapq.heappush(heap, entry)
        elif entry > heap[0]:
            heapq.heapreplace(heap, entry)
    chosen = [entry[2] for heap in kept.values() for entry in heap]
    return sorted(chosen, key=lambda c: draw_rank(seed, c.observation_id))


def _negated(rank: bytes) -> bytes:
    """Invert a rank so Python's min-heap keeps the lowest ranks at hand for eviction."""
    return bytes(255 - b for b in rank)


def consented_strata(counts: Mapping[tuple[str, str], int], consenting: Container[str] | None) -> dict[str, int]:
    """Candidates per stratum from counts per (stratum, pupil), leaving out pupils without the
    consent the round needs (``consenting`` is None when it needs none)."""
    available: dict[str, int] = {}
    for (stratum, pupil), n in counts.items():
        if consenting is None or pupil in consenting:
            available[stratum] = available.get(stratum, 0) + n
    return available


async def consented(candidates: AsyncIterable[Candidate], consenting: Container[str] | None) -> AsyncIterator[Candidate]:
    """The candidates whose pupil has the consent the round needs (all of them when it needs none)."""
    async for candidate in candidates:
        if consenting is None or candidate.pupil_id in consenting:
            yield candidate


def strata_counts(candidates: Iterable[Candidate], strata_by: Sequence[StratumDimension]) -> dict[str, int]:
    """How many candidates each stratum holds (the database does this for large populations)."""
    counts: dict[str, int] = {}
    for candidate in candidates:
        key = candidate.stratum(strata_by)
        counts[key] = counts.get(key, 0) + 1
    return counts
