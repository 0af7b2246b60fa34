"""Half-terms: the default period progress is summarised over.

English schools set their own term dates, so these boundaries are the usual pattern (autumn
halves split at November, spring at mid-February and Easter, summer at June), not any one
school's calendar. Only the label and the order matter to the reports.
"""

from __future__ import annotations

from datetime import date, datetime

from narrative_builder.core.profile import Period

# (name, half, first month, first day) in school-year order, from September.
_HALVES = (("autumn", 1, 9, 1), ("autumn", 2, 11, 1), ("spring", 1, 1, 1), ("spring", 2, 2, 16),
           ("summer", 1, 4, 15), ("summer", 2, 6, 1))
_ORDINAL = {1: "first", 2: "second"}


def _start(school_year: int, index: int) -> date:
    _, _, month, day = _HALVES[index]
    return date(school_year if month >= 9 else school_year + 1, month, day)


def _school_year(day: date) -> int:
    return day.year if day.month >= 9 else day.year - 1


def half_term(moment: datetime | date) -> Period:
    """The half-term a moment falls in."""
    day = moment.date() if isinstance(moment, datetime) else moment
    year = _school_year(day)
    index = max(i for i in range(len(_HALVES)) if _start(year, i) <= day)
    name, half, _, _ = _HALVES[index]
    starts = _start(year, index)
    ends = date.fromordinal((_start(year, index + 1) if index + 1 < len(_HALVES) else date(year + 1, 9, 1)).toordinal() - 1)
    return Period(period_id=f"{year}-{str(year + 1)[2:]}-{name}-{half}",
                  label=f"the {_ORDINAL[half]} half of the {name} term {starts.year}", starts=starts, ends=ends)
