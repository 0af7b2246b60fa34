"""Who moderates which sampled observation.

A second judgement must be independent: nobody moderates an observation they recorded, and in a
cross-school round nobody sees their own school's items. Within those rules work is spread
evenly, in draw order, so the assignment is as reproducible as the sample.
"""

from __future__ import annotations

from collections.abc import Sequence

from pydantic import BaseModel, Field

from moderation.core.sampling import Candidate


class Moderator(BaseModel):
    """A moderator of a round: a member of staff, from a school or (``school_id`` None) the central team."""

    staff_id: str = Field(min_length=1, max_length=64)
    school_id: str | None = Field(default=None, max_length=64)


def eligible(moderator: Moderator, candidate: Candidate, cross_school: bool) -> bool:
    """Whether this moderator may give this observation its second judgement."""
    if moderator.staff_id == candidate.observer_id:
        return False
    return not (cross_school and moderator.school_id == candidate.school_id)


def assign(chosen: Sequence[Candidate], moderators: Sequence[Moderator], cross_school: bool) -> tuple[list[tuple[Candidate, Moderator]], int]:
    """Give each chosen observation to the eligible moderator with the least work so far.

    Returns the assignments and how many observations no moderator could take.
    """
    load = {m.staff_id: 0 for m in moderators}
    assigned: list[tuple[Candidate, Moderator]] = []
    unassignable = 0
    for candidate in chosen:
        options = [m for m in moderators if eligible(m, candidate, cross_school)]
        if not options:
            unassignable += 1
            continue
        moderator = min(options, key=lambda m: load[m.staff_id])
        load[moderator.staff_id] += 1
        assigned.append((candidate, moderator))
    return assigned, unassignable
