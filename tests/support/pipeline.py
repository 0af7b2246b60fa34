"""Running the relay and the consumer inside the test process, and waiting for projections."""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager

from engagement_shared.settings import ServiceConfig
from narrative_builder.inject import consumer
from observation_ingest.inject import relay


@asynccontextmanager
async def running_pipeline(ingest_config: ServiceConfig, narrative_config: ServiceConfig) -> AsyncIterator[None]:
    """The outbox relay and the progress consumer as background tasks for the duration."""
    stop = asyncio.Event()
    async with relay(ingest_config) as outbox_relay, consumer(narrative_config) as subscriber:
        tasks = [asyncio.create_task(outbox_relay.run(stop)), asyncio.create_task(subscriber.run(stop))]
        try:
            yield
        finally:
            stop.set()
            await asyncio.wait_for(asyncio.gather(*tasks, return_exceptions=True), 30)


async def eventually(check: Callable[[], Awaitable[bool]], timeout: float = 30.0, interval: float = 0.1) -> None:
    """Poll until ``check`` is true, or fail after ``timeout`` seconds."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if await check():
            return
        await asyncio.sleep(interval)
    raise AssertionError(f"condition not met within {timeout}s")
