"""``python -m bench.moderation``: a trust's whole history through moderation's two heavy reads,
against a raw aggregation of the same collection, at growing sizes.

The trust has 50 schools, 5,000 pupils (nine in ten with cross-school moderation consent) and
400 staff. At each size N (100k to 1M by default) the database holds N observations as moderation
keeps them, and N judged moderation items spread over 20 rounds:

- *drawing a sample*: the scheduler draws a cross-school round of 500 items, stratified by school
  and area, over the whole history (consent applied, moderators assigned, the round stored);
- *the agreement report*: the central team's report over every round (coverage, agreement and
  weighted kappa per round, where disagreement concentrates).

Both run in this process against the real MongoDB-protocol server through the service's own
store. The raw baseline for each is one `$group` aggregation over the same collection, with the
same filter: the least any implementation must ask of the database to read everything once.
Results go to ``bench/moderation-results.{md,json}``; ``--update-readme`` quotes them.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import shutil
import tempfile
import time
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

from pymongo import AsyncMongoClient
from pymongo.asynchronous.database import AsyncDatabase

from bench.harness import read_memory
from bench.moderation_data import TRUST, consents, schools, stored_candidates, stored_items, stored_rounds
from bench.report import Comparison, log, update_readme, write
from engagement_shared.auth.principal import Principal, Role
from engagement_shared.infra.local import LocalInfrastructure, stop_pid
from moderation.adapters.outbound.mongo_store import CANDIDATES, ITEMS, MongoModerationStore, ensure_indexes
from moderation.core.reporting import Reporting
from moderation.core.rounds import RoundRequest
from moderation.core.scheduling import RoundScheduler

SAMPLE = 500
CENTRAL = Principal(subject="central-bench", role=Role.CENTRAL_MODERATOR, trust_id=TRUST)
FOOTNOTE = ("One run per size, ours and raw back to back. Ours = the scheduler drawing a cross-school sample of 500 "
            "(strata school × area, consent applied, moderators assigned, round stored), and the central team's report "
            "over all 20 rounds, both through moderation's MongoDB store in the benchmark process; raw = one `$group` "
            "aggregation over the same collection with the same filter. Growth: time at N ÷ time at the smallest N, "
            "beside N's own growth. Produced by `python -m bench.moderation`.")


def request() -> RoundRequest:
    """A cross-school round over the last year, every school's moderator plus two from the central team."""
    now = datetime.now(UTC)
    moderators = [{"staff_id": f"moderator-{s}", "school_id": s} for s in schools()] + [{"staff_id": f"central-{n}"} for n in range(2)]
    return RoundRequest.model_validate({
        "title": "Trust-wide summer moderation", "scope": "cross_school", "moderators": moderators, "sample_size": SAMPLE,
        "opens_at": now, "deadline": now + timedelta(days=21), "observed_from": date.today() - timedelta(days=366),
        "observed_to": date.today(), "seed": 2026})


async def raw_group(db: AsyncDatabase, collection: str, match: dict[str, Any], by: dict[str, str]) -> float:
    """Seconds for one `$group` pass over the collection."""
    started = time.perf_counter()
    cursor = await db[collection].aggregate([{"$match": match}, {"$group": {"_id": by, "n": {"$sum": 1}}}])
    _ = [row async for row in cursor]
    return time.perf_counter() - started


async def timed(work: Any) -> float:
    """Seconds to await ``work``."""
    started = time.perf_counter()
    await work
    return time.perf_counter() - started


async def grow(db: AsyncDatabase, have: int, want: int) -> None:
    """Add candidates and judged items until the store holds ``want`` of each."""
    for batch in stored_candidates(have, want):
        await db[CANDIDATES].insert_many(batch, ordered=False)
    for batch in stored_items(have, want):
        await db[ITEMS].insert_many(batch, ordered=False)


async def measure(url: str, sizes: list[int]) -> tuple[list[Comparison], dict[str, Any]]:
    """Grow the history size by size; at each, time ours and raw for sampling and for the report."""
    # One aggregation over a million documents keeps the local server busy for minutes, during which it
    # cannot answer the driver's heartbeats: a long connect timeout keeps the driver from giving up on it.
    client = AsyncMongoClient(url, tz_aware=True, connectTimeoutMS=900_000)
    db = client["moderation_bench"]
    await ensure_indexes(db)
    await db["consents"].insert_many(consents())
    await db["rounds"].insert_many(stored_rounds())
    store = MongoModerationStore(client, db)
    scheduler, reporting = RoundScheduler(store), Reporting(store)
    since = (date.today() - timedelta(days=366)).isoformat()
    candidate_match = {"trust_id": TRUST, "withdrawn": False, "observed_on": {"$gte": since, "$lte": date.today().isoformat()}}
    comparisons: list[Comparison] = []
    have = 0
    for size in sizes:
        started = time.perf_counter()
        await grow(db, have, size)
        have = size
        log(f"history grown to {size:,} candidates and items in {time.perf_counter() - started:.0f}s")
        sampling = Comparison(f"sample_{size}", "Draw a stratified cross-school sample of 500", size, None, unit="candidates/s")
        sampling.ours_seconds.append(await timed(scheduler.schedule(CENTRAL, request())))
        sampling.raw_seconds.append(await raw_group(db, CANDIDATES, candidate_match, {"s": "$school_id", "a": "$area"}))
        report = Comparison(f"report_{size}", "Agreement report over 20 rounds", size, None, unit="items/s")
        report.ours_seconds.append(await timed(reporting.report(CENTRAL)))
        report.raw_seconds.append(await raw_group(db, ITEMS, {"trust_id": TRUST}, {"r": "$round_id"}))
        for c in (sampling, report):
            log(f"{c.name} at {size:,}: ours {c.ours_seconds[0]:.1f}s, raw {c.raw_seconds[0]:.1f}s, ratio {c.ratio:.2f}")
        comparisons += [sampling, report]
    await client.close()
    return comparisons, {"growth": growth(comparisons, sizes)}


def growth(comparisons: list[Comparison], sizes: list[int]) -> dict[str, dict[str, float]]:
    """How each figure's time grows with N, relative to the smallest N."""
    result: dict[str, dict[str, float]] = {}
    for kind in ("sample", "report"):
        first = {c.unit_count: c for c in comparisons if c.key.startswith(kind)}
        base = first[sizes[0]]
        result[kind] = {f"{n:,}": {"n_growth": n / sizes[0], "ours_growth": round(first[n].ours_seconds[0] / base.ours_seconds[0], 2),
                                   "raw_growth": round(first[n].raw_seconds[0] / base.raw_seconds[0], 2)} for n in sizes}
    return result


def growth_lines(facts: dict[str, Any]) -> str:
    """The growth figures as Markdown, to follow the table."""
    lines = ["", "| time grows with N | " + " | ".join(facts["growth"]["sample"]) + " |", "|---|" + "---:|" * len(facts["growth"]["sample"])]
    for kind, label in (("sample", "drawing a sample"), ("report", "agreement report")):
        for side in ("ours", "raw"):
            cells = " | ".join(f"{g[f'{side}_growth']:.1f}×" for g in facts["growth"][kind].values())
            lines.append(f"| {label}, {side} | {cells} |")
    lines.append("| N itself | " + " | ".join(f"{g['n_growth']:g}×" for g in facts["growth"]["sample"].values()) + " |")
    return "\n".join(lines) + "\n"


def main(argv: list[str] | None = None) -> None:
    """Parse options, run, write the results."""
    parser = argparse.ArgumentParser(prog="python -m bench.moderation", description=__doc__)
    parser.add_argument("--sizes", type=lambda s: [int(n) for n in s.split(",")], default=[100_000, 300_000, 1_000_000],
                        help="history sizes, comma-separated, ascending")
    parser.add_argument("--update-readme", action="store_true", help="also replace the table between the README's bench-moderation markers")
    parser.add_argument("--out", type=Path, default=Path(__file__).parent, help="folder for the results files")
    args = parser.parse_args(argv)
    root = Path(tempfile.mkdtemp(prefix="engagement-bench-moderation-"))
    started = time.monotonic()
    infra = LocalInfrastructure(root)
    root.mkdir(parents=True, exist_ok=True)
    url, pid = infra.start_mongo()
    try:
        comparisons, facts = asyncio.run(measure(url, args.sizes))
        facts["memory_mib"] = {"benchmark process (ours, and the data generator)": read_memory(os.getpid()), "MongoDB server": read_memory(pid)}
    finally:
        stop_pid(pid)
        shutil.rmtree(root, ignore_errors=True)
    settings = {"sizes": args.sizes, "sample_size": SAMPLE, "schools": 50, "pupils": 5000, "rounds": 20,
                "total_seconds": round(time.monotonic() - started, 1)}
    table = write(comparisons, facts, settings, args.out, stem="moderation-results", footnote=FOOTNOTE)
    extra = growth_lines(facts)
    (args.out / "moderation-results.md").write_text(table + extra)
    print(extra)
    if args.update_readme and not update_readme(table + extra, marker="bench-moderation"):
        log("README.md has no bench-moderation markers; not updated")


if __name__ == "__main__":
    main()
