"""The only statutory data return of the engagement model: the KS2 pupils assessed using it.

Rendered as CSV for the school's data manager; cells that a spreadsheet would run as a formula
are neutralised.
"""

from __future__ import annotations

import csv
import io
from datetime import date

from observation_ingest.core.directory import ClassGroup, Pupil

COLUMNS = ["upn", "surname", "forename", "date_of_birth", "class", "key_stage", "assessed_using_engagement_model"]


def _safe(value: str) -> str:
    return "'" + value if value[:1] in ("=", "+", "-", "@", "\t", "\r") else value


def ks2_engagement_model_pupils(pupils: list[Pupil], on: date) -> list[Pupil]:
    """Pupils on roll on ``on``, in key stage 2, assessed using the engagement model; by surname."""
    chosen = [p for p in pupils if p.key_stage == "KS2" and p.on_engagement_model and p.on_roll(on)]
    return sorted(chosen, key=lambda p: (p.last_name.lower(), p.first_name.lower()))


def render_csv(pupils: list[Pupil], classes: list[ClassGroup]) -> str:
    """The return as CSV text with a header row."""
    names = {c.class_id: c.name for c in classes}
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(COLUMNS)
    for p in pupils:
        writer.writerow([_safe(p.upn or ""), _safe(p.last_name), _safe(p.first_name), p.date_of_birth.isoformat(),
                         _safe(names.get(p.class_id or "", "")), p.key_stage, "Y"])
    return out.getvalue()
