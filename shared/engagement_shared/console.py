"""Progress bars for the command-line tools (roll import, report runs): one look, one place."""

from __future__ import annotations

import sys

BAR_WIDTH = 30


def draw_progress(done: int, total: int, unit: str) -> None:
    """Redraw a one-line progress bar on standard error (standard output stays for results)."""
    filled = BAR_WIDTH * done // max(total, 1)
    sys.stderr.write(f"\r[{'#' * filled}{'.' * (BAR_WIDTH - filled)}] {done}/{total} {unit}")
    sys.stderr.flush()
