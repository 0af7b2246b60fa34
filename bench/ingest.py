"""Batch ingest: our HTTP batch endpoint against a raw ``insert_many`` of the same documents.

Both sides push the same observation bodies, in the same batch size, with the same number of
concurrent client tasks, to the same MongoDB server, so the ratio isolates what the platform
adds (HTTP, validation, access checks, directory reads, the transaction and its outbox records).
"""

from __future__ import annotations

import asyncio
import copy
import time
from collections.abc import Awaitable, Callable, Sequence
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
from pymongo import AsyncMongoClient

from tests.support.world import World, auth, observation

BATCH = 500
CONCURRENCY = 2
RETRIES = 5


def observation_bodies(world: World, count: int) -> list[dict[str, Any]]:
    """``count`` valid observation bodies spread round-robin over the world's pupils, all in the past."""
    pupils = [p for ps in world.pupils.values() for p in ps]
    start = datetime.now(UTC) - timedelta(days=60)
    return [observation(pupils[i % len(pupils)], start + timedelta(seconds=30 * i)) for i in range(count)]


def batches(items: Sequence[Any], size: int = BATCH) -> list[Sequence[Any]]:
    """Consecutive slices of at most ``size`` items."""
    return [items[i:i + size] for i in range(0, len(items), size)]


async def run_concurrently(work: Sequence[Any], send: Callable[[Any], Awaitable[None]], concurrency: int = CONCURRENCY) -> float:
    """Feed ``work`` to ``concurrency`` tasks taking items from one queue; return the wall time."""
    queue: asyncio.Queue[Any] = asyncio.Queue()
    for item in work:
        queue.put_nowait(item)

    async def worker() -> None:
        while not queue.empty():
            await send(queue.get_nowait())

    start = time.perf_counter()
    await asyncio.gather(*(worker() for _ in range(concurrency)))
    return time.perf_counter() - start


async def post_all(api: httpx.AsyncClient, token: str, bodies: Sequence[dict[str, Any]], errors: list[str] | None = None) -> float:
    """POST the bodies to /v1/observations/batch; every item must be stored. Returns seconds.

    A batch answered with a 5xx is re-sent as an offline app would (client-chosen ids make that
    safe: already stored items come back as replays); each such failure is appended to ``errors``
    so the report shows it instead of hiding it in the timing.
    """

    async def send(chunk: Sequence[dict[str, Any]]) -> None:
        for attempt in range(1, RETRIES + 1):
            response = await api.post("/v1/observations/batch", json={"observations": list(chunk)}, headers=auth(token))
            if response.status_code < 500 or attempt == RETRIES:
                break
            if errors is not None:
                errors.append(f"HTTP {response.status_code}: {response.text[:200]}")
            await asyncio.sleep(0.2 * attempt)
        response.raise_for_status()
        result = response.json()
        if result["created"] + result["replayed"] != len(chunk):
            raise RuntimeError(f"batch not fully stored: {result['rejected']} rejected, e.g. {result['results'][0]}")

    return await run_concurrently(batches(bodies), send)


async def raw_insert(client: AsyncMongoClient, database: str, bodies: Sequence[dict[str, Any]], indexed: bool = False) -> float:
    """insert_many of the same bodies (fresh ``_id``s) into a scratch collection. Returns seconds.

    ``indexed`` gives the collection the one secondary index any observation store needs (by
    pupil and time, for a pupil's timeline); on the local server each index about doubles the
    cost of an insert, so this baseline shows what the storage layout itself costs.
    """
    collection = client[database]["raw_ingest"]
    await collection.drop()
    if indexed:
        await collection.create_index([("pupil_id", 1), ("observed_at", 1)])
    docs = copy.deepcopy(list(bodies))  # insert_many adds _id to each dict; keep the posted bodies clean

    async def send(chunk: Sequence[dict[str, Any]]) -> None:
        await collection.insert_many(list(chunk), ordered=True)

    elapsed = await run_concurrently(batches(docs), send)
    if await collection.count_documents({}) != len(docs):
        raise RuntimeError("raw insert lost documents")
    await collection.drop()
    return elapsed
