"""Reading a school MIS export (CSV) of pupils: header aliases, dates, year groups, Y/N flags.

MIS exports differ in their column names and date formats; this maps the common ones and
returns, per row, either a pupil input or the errors that row has, by line number and field.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass, field
from datetime import date, datetime

from pydantic import ValidationError

from engagement_shared.events.vocabulary import KeyStage
from observation_ingest.core.directory import PupilInput

ALIASES = {
    "first_name": ["first_name", "forename", "legal forename", "preferred forename", "first name"],
    "last_name": ["last_name", "surname", "legal surname", "last name"],
    "date_of_birth": ["date_of_birth", "dob", "date of birth"],
    "upn": ["upn", "unique pupil number"],
    "mis_id": ["mis_id", "admission number", "adno", "pupil id", "id"],
    "class": ["class", "reg group", "registration group", "form", "class name"],
    "key_stage": ["key_stage", "key stage", "ks"],
    "year_group": ["year_group", "year", "nc year", "year group", "national curriculum year"],
    "on_engagement_model": ["on_engagement_model", "engagement model", "engagement_model", "assessed using the engagement model"],
    "regressive_condition": ["regressive_condition", "regressive condition"],
}
YES = {"y", "yes", "true", "1"}
NO = {"n", "no", "false", "0"}


@dataclass
class ParsedRow:
    """One data row of the file: its line number, the pupil if valid, the class name, and errors."""

    line: int
    pupil: PupilInput | None = None
    class_name: str | None = None
    errors: list[tuple[str, str]] = field(default_factory=list)


def _date(text: str) -> date:
    for fmt in ("%Y-%m-%d", "%d/%m/%Y", "%d-%m-%Y", "%d.%m.%Y"):
        try:
            return datetime.strptime(text.strip(), fmt).date()
        except ValueError:
            continue
    raise ValueError("is not a date (use YYYY-MM-DD or DD/MM/YYYY)")


def _flag(text: str) -> bool:
    value = text.strip().lower()
    if value in YES:
        return True
    if value in NO:
        return False
    raise ValueError("must be Y or N")


def key_stage_for_year(text: str) -> KeyStage:
    """The key stage of a national curriculum year group (N1, N2, R, 1 to 14)."""
    value = text.strip().upper().removeprefix("Y").removeprefix("EAR").strip()
    if value in {"N", "N1", "N2", "R", "RECEPTION"}:
        return KeyStage.EYFS
    year = int(value)
    for last, stage in ((2, KeyStage.KS1), (6, KeyStage.KS2), (9, KeyStage.KS3), (11, KeyStage.KS4), (14, KeyStage.KS5)):
        if 1 <= year <= last:
            return stage
    raise ValueError("is not a year group (N, R or 1 to 14)")


def column_map(header: list[str]) -> dict[str, int]:
    """Our field name -> column index, from whatever headers the MIS used."""
    lowered = [h.strip().lower() for h in header]
    found = {}
    for name, aliases in ALIASES.items():
        for alias in aliases:
            if alias in lowered:
                found[name] = lowered.index(alias)
                break
    return found


def parse_pupils(text: str, school_id: str, first_line: int = 2) -> tuple[list[ParsedRow], list[str]]:
    """Parse CSV text with a header row; return the rows and any missing required columns."""
    reader = csv.reader(io.StringIO(text))
    header = next(reader, [])
    columns = column_map(header)
    missing = [c for c in ("first_name", "last_name", "date_of_birth", "on_engagement_model") if c not in columns]
    if "key_stage" not in columns and "year_group" not in columns:
        missing.append("key_stage or year_group")
    if missing:
        return [], missing
    rows = []
    for offset, cells in enumerate(reader):
        if not any(c.strip() for c in cells):
            continue
        rows.append(_parse_row(first_line + offset, cells, columns, school_id))
    return rows, []


def _parse_row(line: int, cells: list[str], columns: dict[str, int], school_id: str) -> ParsedRow:
    row = ParsedRow(line=line)

    def cell(name: str) -> str:
        index = columns.get(name)
        return cells[index].strip() if index is not None and index < len(cells) else ""

    values: dict[str, object] = {"school_id": school_id, "first_name": cell("first_name"), "last_name": cell("last_name"),
                                 "upn": cell("upn") or None, "mis_id": cell("mis_id") or None}
    converters = {"date_of_birth": _date, "on_engagement_model": _flag,
                  "regressive_condition": lambda text: _flag(text or "N")}
    for name, convert in converters.items():
        try:
            values[name] = convert(cell(name))
        except ValueError as exc:
            row.errors.append((name, str(exc)))
    try:
        values["key_stage"] = KeyStage(cell("key_stage").upper()) if cell("key_stage") else key_stage_for_year(cell("year_group"))
    except ValueError:
        row.errors.append(("key_stage" if cell("key_stage") else "year_group", "is not a key stage or year group"))
    row.class_name = cell("class") or None
    if not row.errors:
        try:
            row.pupil = PupilInput.model_validate(values)
        except ValidationError as exc:
            row.errors.extend((".".join(str(p) for p in e["loc"]), e["msg"]) for e in exc.errors())
    return row
