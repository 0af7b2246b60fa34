"""Turning measurements into the figures the project rule asks for: ratios and memory peaks.

Absolute times on the shared 2-core machines are noise, so every figure is a ratio against raw
infrastructure measured in the same run (paired per repetition, then the median), plus the
processes' peak resident memory. ``results.md`` is written to be quoted verbatim by the README.
"""

from __future__ import annotations

import json
import os
import platform
import statistics
import subprocess
import sys
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

HERE = Path(__file__).parent
README = HERE.parent / "README.md"


@dataclass
class Comparison:
    """Repeated paired timings of ours and raw for the same amount of work."""

    key: str
    name: str
    unit_count: int
    target: float | None
    unit: str = "obs/s"
    ours_seconds: list[float] = field(default_factory=list)
    raw_seconds: list[float] = field(default_factory=list)
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def ours_rate(self) -> float:
        """Median observations per second, ours."""
        return statistics.median(self.unit_count / s for s in self.ours_seconds)

    @property
    def raw_rate(self) -> float:
        """Median observations per second, raw infrastructure."""
        return statistics.median(self.unit_count / s for s in self.raw_seconds)

    @property
    def ratios(self) -> list[float]:
        """Ours ÷ raw per repetition (each pair ran back to back, under the same machine noise)."""
        return [raw / ours for ours, raw in zip(self.ours_seconds, self.raw_seconds, strict=True)]

    @property
    def ratio(self) -> float:
        """The median of the paired ratios."""
        return statistics.median(self.ratios)

    @property
    def met(self) -> bool | None:
        """Whether the target ratio is reached (None for diagnostic figures without a target)."""
        return None if self.target is None else self.ratio >= self.target

    def as_dict(self) -> dict[str, Any]:
        """Machine-readable form."""
        return {"observations": self.unit_count, "repetitions": len(self.ours_seconds), "target_ratio": self.target,
                "ratio": round(self.ratio, 3), "ratios": [round(r, 3) for r in self.ratios], "met": self.met,
                "ours_rate_per_s": round(self.ours_rate, 1), "raw_rate_per_s": round(self.raw_rate, 1),
                "ours_seconds": [round(s, 3) for s in self.ours_seconds], "raw_seconds": [round(s, 3) for s in self.raw_seconds],
                **self.extra}


def environment() -> dict[str, Any]:
    """Where and when the figures were taken."""
    try:
        commit = subprocess.run(["git", "rev-parse", "--short", "HEAD"], capture_output=True, text=True, cwd=HERE, check=False).stdout.strip()
    except OSError:
        commit = ""
    return {"date": datetime.now(UTC).isoformat(timespec="seconds"), "python": platform.python_version(),
            "implementation": platform.python_implementation(), "cpu_count": os.cpu_count(), "machine": platform.machine(),
            "system": f"{platform.system()} {platform.release()}", "git_commit": commit or None}


SPINE_FOOTNOTE = ("Raw ingest = `insert_many` of the same bodies, same batch size and concurrency, same MongoDB server; "
                  "raw end to end = aiokafka produce + consumer-group consume (manual commits) of the same events to a "
                  "fresh 6-partition topic. The diagnostic row repeats our ingest with the relay process frozen (SIGSTOP), "
                  "i.e. the API alone on the MongoDB server. Produced by `python -m bench`.")


def markdown(comparisons: list[Comparison], facts: dict[str, Any], env: dict[str, Any], footnote: str = SPINE_FOOTNOTE) -> str:
    """The README-ready table, with what the baselines were in ``footnote``."""
    memory: dict[str, dict[str, float]] = facts["memory_mib"]
    lines = ["| metric | ours | raw | ratio | target | met? |", "|---|---:|---:|---:|---:|:---:|"]
    for c in comparisons:
        target = "–" if c.target is None else f"≥ {c.target:g}"
        met = "–" if c.met is None else "yes" if c.met else "no"
        lines.append(f"| {c.name} ({c.unit}, N={c.unit_count:,}) | {c.ours_rate:,.0f} | {c.raw_rate:,.0f} | {c.ratio:.2f} | {target} | {met} |")
    for name, values in memory.items():
        lines.append(f"| peak memory, {name} (VmHWM MiB) | {values.get('VmHWM', float('nan')):.0f} | – | – | – | – |")
    reps = max((len(c.ours_seconds) for c in comparisons), default=0)
    lines += ["", f"Medians of {reps} interleaved repetitions (ratio = median of paired ours/raw ratios); "
              f"{env['date']}, Python {env['python']}, {env['cpu_count']} CPUs, commit {env['git_commit']}. " + footnote]
    if facts.get("server_errors_resent"):
        lines.append(f"\n**{facts['server_errors_resent']} batch(es) got an HTTP 5xx and were re-sent** "
                     f"(first: `{facts['server_error_samples'][0][:120]}`).")
    return "\n".join(lines) + "\n"


def write(comparisons: list[Comparison], facts: dict[str, Any], settings: dict[str, Any], out: Path = HERE,
          stem: str = "results", footnote: str = SPINE_FOOTNOTE) -> str:
    """Write ``<stem>.json`` and ``<stem>.md`` (by default next to this module); return the Markdown table."""
    env = environment()
    table = markdown(comparisons, facts, env, footnote)
    data = {"environment": env, "settings": settings, **facts,
            **{c.key: c.as_dict() for c in comparisons}}
    out.mkdir(parents=True, exist_ok=True)
    (out / f"{stem}.json").write_text(json.dumps(data, indent=2) + "\n")
    (out / f"{stem}.md").write_text(table)
    print(table, file=sys.stdout)
    return table


def update_readme(table: str, readme: Path = README, marker: str = "bench") -> bool:
    """Put the table between the README's ``<marker>:start``/``<marker>:end`` comments; False if they are missing."""
    start, end = f"<!-- {marker}:start -->", f"<!-- {marker}:end -->"
    text = readme.read_text()
    if start not in text or end not in text:
        return False
    head, rest = text.split(start, 1)
    readme.write_text(f"{head}{start}\n{table}{end}{rest.split(end, 1)[1]}")
    return True


def log(message: str) -> None:
    """A progress line on stderr, so the tables on stdout stay clean."""
    print(f"[bench {time.strftime('%H:%M:%S')}] {message}", file=sys.stderr, flush=True)
