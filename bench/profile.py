"""``python -m bench.profile``: where the time goes, stage by stage, under cProfile in one process.

py-spy is not available, so each stage runs in-process against the real local servers, alone,
with the same tracing setup as the service processes:
  1. intake: the ASGI app (``build_app``) driven by ``httpx.ASGITransport``, batches of 500;
  2. relay: ``OutboxRelay.relay_once`` until the outbox those batches filled is drained;
  3. consumer: ``EventSubscriber`` (narrative-builder's handler) until all are projected.
Each stage prints its wall time and its top functions by own time and by cumulative time.
"""

from __future__ import annotations

import argparse
import asyncio
import cProfile
import io
import os
import pstats
import shutil
import tempfile
import time
import uuid
from collections.abc import Awaitable, Callable
from pathlib import Path

import httpx

from bench.harness import projected_count, read_cpu
from bench.ingest import BATCH, observation_bodies
from bench.sections import print_sections, timed_sections
from engagement_shared.infra.local import LocalInfrastructure
from engagement_shared.observability.logging import configure_logging
from engagement_shared.observability.tracing import configure_tracing
from engagement_shared.settings import KafkaSettings, MongoSettings, ServiceConfig, TelemetrySettings
from narrative_builder.inject import consumer
from observation_ingest.inject import build_app, relay
from tests.support.world import auth, build_world


async def profiled(name: str, work: Callable[[], Awaitable[None]], top: int, units: int, mongo_pid: int) -> None:
    """Run ``work`` under cProfile and the section timers; print wall time, sections and hot functions.

    The MongoDB server's own CPU time is printed too: the local server is a Python process on
    the same two cores, so work it is asked to do is CPU taken from the services.
    """
    profile = cProfile.Profile()
    with timed_sections() as sections:
        mongo_before, ours_before = read_cpu(mongo_pid), sum(os.times()[:2])
        start = time.perf_counter()
        profile.enable()
        await work()
        profile.disable()
        elapsed = time.perf_counter() - start
        mongo_cpu, ours_cpu = read_cpu(mongo_pid) - mongo_before, sum(os.times()[:2]) - ours_before
    print(f"\n=== {name}: {elapsed:.2f}s for {units} observations ({units / elapsed:,.0f}/s, under cProfile) ===")
    print(f"CPU seconds: MongoDB server {mongo_cpu:.2f}, this process {ours_cpu:.2f}")
    print_sections(sections, elapsed)
    for order in ("tottime", "cumulative"):
        out = io.StringIO()
        pstats.Stats(profile, stream=out).strip_dirs().sort_stats(order).print_stats(top)
        print(f"--- by {order} ---")
        print("\n".join(line for line in out.getvalue().splitlines() if line.strip() and not line.startswith(("   Ordered", "   List"))))


async def run(count: int, top: int, root: Path) -> None:
    """Start Kafka and MongoDB, then profile the three stages one after another."""
    infra = LocalInfrastructure(root)
    endpoints = infra.start()
    mongo_pid = endpoints.pids["mongo"]
    prefix = f"p{uuid.uuid4().hex[:6]}."
    kafka = KafkaSettings(bootstrap_servers=endpoints.kafka, topic_prefix=prefix, session_timeout_ms=6000)
    ingest_config = ServiceConfig(kafka=kafka, mongo=MongoSettings(url=endpoints.mongo_url, database="ingest"))
    narrative_config = ServiceConfig(kafka=kafka, mongo=MongoSettings(url=endpoints.mongo_url, database="narrative"))
    configure_logging("bench-profile", "WARNING")
    configure_tracing(TelemetrySettings(service_name="bench-profile"))
    try:
        app = build_app(ingest_config)
        async with app.router.lifespan_context(app):
            async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://bench", timeout=300) as api:
                world = await build_world(api, 15)
                token = world.token("app", school="all")
                bodies = observation_bodies(world, count)

                async def intake() -> None:
                    for i in range(0, count, BATCH):
                        response = await api.post("/v1/observations/batch", json={"observations": bodies[i:i + BATCH]}, headers=auth(token))
                        response.raise_for_status()

                await profiled("intake (POST /v1/observations/batch, ASGI in-process)", intake, top, count, mongo_pid)
        async with relay(ingest_config) as outbox_relay:
            await outbox_relay._admin.start()  # noqa: SLF001 - what run() does before its loop
            await outbox_relay._publisher.start()  # noqa: SLF001

            async def relaying() -> None:
                while await outbox_relay.relay_once():
                    pass

            await profiled("relay (OutboxRelay.relay_once until drained)", relaying, top, count, mongo_pid)
            await outbox_relay._publisher.stop()  # noqa: SLF001
            await outbox_relay._admin.close()  # noqa: SLF001
        async with consumer(narrative_config) as subscriber:
            from pymongo import AsyncMongoClient

            client: AsyncMongoClient = AsyncMongoClient(endpoints.mongo_url)
            stop = asyncio.Event()

            async def consuming() -> None:
                task = asyncio.create_task(subscriber.run(stop))
                while await projected_count(client.narrative) < count:
                    if task.done():
                        task.result()
                    await asyncio.sleep(0.05)
                stop.set()
                await task

            await profiled("consumer (EventSubscriber + ProgressProjector, incl. group join)", consuming, top, count, mongo_pid)
            await client.close()
    finally:
        infra.stop()


def main() -> None:
    """Parse options and profile."""
    parser = argparse.ArgumentParser(prog="python -m bench.profile", description=__doc__)
    parser.add_argument("--observations", type=int, default=5000)
    parser.add_argument("--top", type=int, default=25)
    args = parser.parse_args()
    root = Path(tempfile.mkdtemp(prefix="engagement-profile-"))
    try:
        asyncio.run(run(args.observations, args.top, root))
    finally:
        shutil.rmtree(root, ignore_errors=True)


if __name__ == "__main__":
    main()
