"""``python -m bench``: run every measurement against a freshly started platform and report.

Each timed section starts from an idle pipeline, and each repetition runs ours and the raw
baseline back to back, so machine noise touches both sides of a ratio alike. CPU seconds per
process are recorded for every timed section: on two shared cores they show which process
(the API, the relay, the consumer or the MongoDB/Kafka servers) the time really goes to.
"""

from __future__ import annotations

import argparse
import asyncio
import shutil
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
from pymongo import AsyncMongoClient

from bench.end_to_end import from_store, ours, raw_kafka, stored_events
from bench.harness import BenchPlatform, cpu_used, wait_until_idle
from bench.ingest import BATCH, CONCURRENCY, observation_bodies, post_all, raw_insert
from bench.report import Comparison, log, update_readme, write
from tests.support.world import build_world

PUPILS_PER_SCHOOL = 15  # two schools: 30 pupils
WARM_UP = 500


@dataclass
class Run:
    """What the measurements share: the platform, its clients and how many observations it holds."""

    platform: BenchPlatform
    api: httpx.AsyncClient
    client: AsyncMongoClient
    projected: int = 0
    errors: list[str] = field(default_factory=list)

    async def idle(self) -> float:
        """Wait until everything posted so far is relayed and projected."""
        return await wait_until_idle(self.platform, self.client, self.projected)

    async def cpu(self, extra: dict[str, Any], key: str, work: Any) -> Any:
        """Await ``work`` and keep the CPU seconds each process spent meanwhile under ``extra[key]``."""
        before = self.platform.cpu_seconds()
        result = await work
        used = cpu_used(before, self.platform.cpu_seconds())
        extra.setdefault(key, []).append(used)
        log(f"  CPU seconds ({key.removeprefix('cpu_seconds_')}): " + ", ".join(f"{k} {v:.1f}" for k, v in used.items()))
        return result


async def measure_ingest(run: Run, count: int, repetitions: int, diagnostic: bool) -> list[Comparison]:
    """Raw insert_many, then ours, per repetition; optionally ours again with the relay frozen."""
    ingest = Comparison("batch_ingest", "Batch ingest", count, 0.5)
    alone = Comparison("batch_ingest_relay_paused", "Batch ingest with relay paused (diagnostic)", count, None)
    indexed = Comparison("batch_ingest_vs_indexed", "Batch ingest vs raw insert into a collection indexed by pupil (context)", count, None)
    for rep in range(repetitions):
        world = await build_world(run.api, PUPILS_PER_SCHOOL)
        bodies = observation_bodies(world, count)
        await run.idle()
        ingest.raw_seconds.append(await run.cpu(ingest.extra, "cpu_seconds_raw", raw_insert(run.client, "bench_scratch", bodies)))
        await run.idle()
        indexed.raw_seconds.append(await run.cpu(indexed.extra, "cpu_seconds_raw", raw_insert(run.client, "bench_scratch", bodies, indexed=True)))
        await run.idle()
        ingest.ours_seconds.append(await run.cpu(ingest.extra, "cpu_seconds_ours", post_all(run.api, world.token("app", school="all"), bodies, run.errors)))
        run.projected += count
        indexed.ours_seconds.append(ingest.ours_seconds[-1])
        if diagnostic:
            world = await build_world(run.api, PUPILS_PER_SCHOOL)
            bodies = observation_bodies(world, count)
            await run.idle()
            with run.platform.paused("relay"):
                alone.ours_seconds.append(await run.cpu(alone.extra, "cpu_seconds_ours", post_all(run.api, world.token("app", school="all"), bodies, run.errors)))
            alone.raw_seconds.append(ingest.raw_seconds[-1])
            run.projected += count
        log(f"ingest {rep + 1}/{repetitions}: ours {ingest.ours_seconds[-1]:.2f}s, raw {ingest.raw_seconds[-1]:.2f}s"
             + (f", relay paused {alone.ours_seconds[-1]:.2f}s" if diagnostic else ""))
    waited = await run.idle()
    ingest.extra["pipeline_drain_after_last_ingest_s"] = round(waited, 1)
    log(f"pipeline drained {waited:.1f}s after the last ingest")
    return [ingest, indexed, alone] if diagnostic else [ingest, indexed]


async def measure_end_to_end(run: Run, count: int, repetitions: int) -> list[Comparison]:
    """Ours from first POST, and from the store, to the projection; raw Kafka with the very events ours produced."""
    e2e = Comparison("end_to_end", "End to end, first POST to projection", count, None)
    pipeline = Comparison("store_to_projection", "End to end, stored event to projection (relay + bus + consumer)", count, 0.3)
    phases = e2e.extra.setdefault("phases", [])
    for rep in range(repetitions):
        world = await build_world(run.api, PUPILS_PER_SCHOOL)
        await run.idle()
        result = await run.cpu(e2e.extra, "cpu_seconds_ours", ours(run.platform, run.api, run.client, world, count, run.errors))
        run.projected += count
        e2e.ours_seconds.append(result.seconds)
        phases.append({"posted_at_s": round(result.posted_at, 3), "projected_at_s": round(result.seconds, 3)})
        events = await stored_events(run.platform, run.client, world)
        if len(events) != count:
            raise RuntimeError(f"expected {count} events in the outbox, found {len(events)}")
        e2e.raw_seconds.append(await run.cpu(e2e.extra, "cpu_seconds_raw", raw_kafka(run.platform.endpoints.kafka, events)))
        log(f"end to end {rep + 1}/{repetitions}: ours {result.seconds:.2f}s (posted {result.posted_at:.2f}s), "
             f"raw {e2e.raw_seconds[-1]:.2f}s")
        stored_world = await build_world(run.api, PUPILS_PER_SCHOOL)
        await run.idle()
        pipeline.ours_seconds.append(await run.cpu(pipeline.extra, "cpu_seconds_ours",
                                                   from_store(run.platform, run.api, run.client, stored_world, count, run.errors)))
        run.projected += count
        pipeline.raw_seconds.append(e2e.raw_seconds[-1])
        log(f"store to projection {rep + 1}/{repetitions}: ours {pipeline.ours_seconds[-1]:.2f}s, raw bus {e2e.raw_seconds[-1]:.2f}s")
    return [e2e, pipeline]


async def measure(platform: BenchPlatform, args: argparse.Namespace) -> tuple[list[Comparison], dict[str, Any]]:
    """Warm up, then the ingest and end-to-end comparisons; returns them and the run's facts."""
    client = platform.mongo()
    async with httpx.AsyncClient(base_url=platform.api, timeout=300) as api:
        run = Run(platform, api, client)
        world = await build_world(api, PUPILS_PER_SCHOOL)
        await post_all(api, world.token("app", school="all"), observation_bodies(world, WARM_UP))
        run.projected += WARM_UP
        comparisons = await measure_ingest(run, args.observations, args.repetitions, not args.no_diagnostic)
        e2e, pipeline = await measure_end_to_end(run, args.e2e_observations, args.repetitions)
        comparisons[1:1] = [pipeline, e2e]
    # Context for the end-to-end target: the bus-only baseline ignores that our path must also
    # store every observation, so also compare with "raw insert, then raw bus" in sequence.
    composite = 1 / (1 / comparisons[0].raw_rate + 1 / e2e.raw_rate)
    e2e.extra["raw_insert_then_bus_rate_per_s"] = round(composite, 1)
    e2e.extra["ratio_vs_raw_insert_then_bus"] = round(e2e.ours_rate / composite, 3)
    await client.close()
    platform.check_alive()
    if run.errors:
        log(f"{len(run.errors)} batches failed with a server error and were re-sent; first: {run.errors[0]}")
    facts = {"memory_mib": platform.memory_mib(), "infrastructure_memory_mib": platform.infrastructure_memory_mib(),
             "server_errors_resent": len(run.errors), "server_error_samples": run.errors[:5]}
    return comparisons, facts


def main(argv: list[str] | None = None) -> None:
    """Parse options, run, write the results."""
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__)
    parser.add_argument("--observations", type=int, default=10_000, help="observations per ingest repetition")
    parser.add_argument("--e2e-observations", type=int, default=5_000, help="observations per end-to-end repetition")
    parser.add_argument("--repetitions", type=int, default=3)
    parser.add_argument("--no-diagnostic", action="store_true", help="skip the ingest runs with the relay paused")
    parser.add_argument("--update-readme", action="store_true", help="also replace the table between the README's bench markers")
    parser.add_argument("--keep", action="store_true", help="keep the temporary folder (infrastructure data and service logs)")
    parser.add_argument("--out", type=Path, default=Path(__file__).parent, help="folder for results.json and results.md")
    args = parser.parse_args(argv)
    root = Path(tempfile.mkdtemp(prefix="engagement-bench-"))
    started = time.monotonic()
    try:
        with BenchPlatform(root) as platform:
            log(f"platform up under {root}")
            comparisons, facts = asyncio.run(measure(platform, args))
        settings = {"observations": args.observations, "e2e_observations": args.e2e_observations, "repetitions": args.repetitions,
                    "batch_size": BATCH, "client_concurrency": CONCURRENCY, "pupils": 2 * PUPILS_PER_SCHOOL,
                    "partitions": 6, "warm_up_observations": WARM_UP, "total_seconds": round(time.monotonic() - started, 1)}
        table = write(comparisons, facts, settings, args.out)
        if args.update_readme and not update_readme(table):
            log("README.md has no bench:start/bench:end markers; not updated")
    finally:
        if args.keep:
            log(f"kept {root}")
        else:
            shutil.rmtree(root, ignore_errors=True)


if __name__ == "__main__":
    main()
