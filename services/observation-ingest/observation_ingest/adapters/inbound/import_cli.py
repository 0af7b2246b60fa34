"""The command-line roll import: sends an MIS export in chunks, with a progress bar and a report.

It talks to the API like any app, so the same authorisation and per-row checks apply. The report
names line numbers and fields, never a pupil's details, so it can be shared safely.
"""

from __future__ import annotations

import csv
import io
import sys
from pathlib import Path

import httpx

from engagement_shared.console import draw_progress

def _chunks(path: Path, size: int):  # type: ignore[no-untyped-def]
    """Yield (first file line, CSV text with header, row count) per chunk of rows."""
    with path.open(newline="", encoding="utf-8-sig") as handle:
        reader = csv.reader(handle)
        header = next(reader, None)
        if header is None:
            return
        rows: list[list[str]] = []
        first_line = reader.line_num + 1
        for row in reader:
            if not rows:
                first_line = reader.line_num
            rows.append(row)
            if len(rows) == size:
                yield first_line, _text(header, rows), len(rows)
                rows = []
        if rows:
            yield first_line, _text(header, rows), len(rows)


def _text(header: list[str], rows: list[list[str]]) -> str:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(header)
    writer.writerows(rows)
    return out.getvalue()


def import_file(path: Path, school_id: str, api: str, token: str, chunk: int) -> int:
    """Import the file; print a per-row error report; exit code 1 if any row was rejected."""
    with path.open(newline="", encoding="utf-8-sig") as handle:
        total = max(sum(1 for _ in csv.reader(handle)) - 1, 0)
    counts = {"registered": 0, "updated": 0, "unchanged": 0, "rejected": 0}
    problems: list[str] = []
    done = 0
    draw_progress(done, total, "rows")
    with httpx.Client(base_url=api, headers={"Authorization": f"Bearer {token}"}, timeout=120) as client:
        for first_line, text, count in _chunks(path, chunk):
            response = client.post(f"/v1/schools/{school_id}/pupils/import", params={"first_line": first_line},
                                   content=text.encode(), headers={"Content-Type": "text/csv"})
            if response.status_code != 200:
                sys.stderr.write(f"\nthe API refused the import ({response.status_code}): {response.json().get('detail')}\n")
                return 2
            report = response.json()
            for key in counts:
                counts[key] += report[key]
            for row in report["rows"]:
                for error in row["errors"]:
                    problems.append(f"  line {row['line']}: {error['field']}: {error['message']}")
            done += count
            draw_progress(done, total, "rows")
    sys.stderr.write("\n")
    print(", ".join(f"{v} {k}" for k, v in counts.items()))
    if problems:
        print("rows not imported:")
        print("\n".join(problems))
    return 1 if counts["rejected"] else 0
