"""Half-terms and terms: the stretches of the school year progress is summarised over.

English schools set their own term dates, so these boundaries are the usual pattern (autumn
halves split at November, spring at mid-February and Easter, summer at June), not any one
school's calendar. Only the label and the order matter to the reports. Half-terms are the default;
a trust whose schools review progress termly can choose terms (``progress_period``).
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime

from engagement_shared.events.directory import ProgressPeriod
from narrative_builder.core.profile import Period

# (name, half, first month, first day) in school-year order, from September.
_HALVES = (("autumn", 1, 9, 1), ("autumn", 2, 11, 1), ("spring", 1, 1, 1), ("spring", 2, 2, 16),
           ("summer", 1, 4, 15), ("summer", 2, 6, 1))
_ORDINAL = {1: "first", 2: "second"}


def _start(school_year: int, index: int) -> date:
    _, _, month, day = _HALVES[index]
    return date(school_year if month >= 9 else school_year + 1, month, day)


def _end(school_year: int, index: int) -> date:
    """The day before the next half-term starts (the last half ends with August)."""
    following = _start(school_year, index + 1) if index + 1 < len(_HALVES) else date(school_year + 1, 9, 1)
    return date.fromordinal(following.toordinal() - 1)


def _school_year(day: date) -> int:
    return day.year if day.month >= 9 else day.year - 1


def _half_index(moment: datetime | date) -> tuple[int, int]:
    day = moment.date() if isinstance(moment, datetime) else moment
    year = _school_year(day)
    return year, max(i for i in range(len(_HALVES)) if _start(year, i) <= day)


def half_term(moment: datetime | date) -> Period:
    """The half-term a moment falls in."""
    year, index = _half_index(moment)
    name, half, _, _ = _HALVES[index]
    starts = _start(year, index)
    return Period(period_id=f"{year}-{str(year + 1)[2:]}-{name}-{half}",
                  label=f"the {_ORDINAL[half]} half of the {name} term {starts.year}", starts=starts, ends=_end(year, index))


def term(moment: datetime | date) -> Period:
    """The term a moment falls in: both of its halves."""
    year, index = _half_index(moment)
    first = index - index % 2
    name = _HALVES[first][0]
    starts = _start(year, first)
    return Period(period_id=f"{year}-{str(year + 1)[2:]}-{name}", label=f"the {name} term {starts.year}",
                  starts=starts, ends=_end(year, first + 1))


PERIODS: dict[ProgressPeriod, Callable[[datetime | date], Period]] = {"half_term": half_term, "term": term}
"""How each setting a trust may choose divides the year."""
