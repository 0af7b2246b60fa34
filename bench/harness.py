"""The platform under measurement: local infrastructure plus the three service processes.

The benchmark runs the services exactly as production does (separate processes started from
their console scripts, talking to real Kafka- and MongoDB-protocol servers), so what it measures
includes serialisation, sockets and transactions, not just Python functions. Everything lives
under one temporary folder and is stopped by PID at the end, like the system tests' platform.
"""

from __future__ import annotations

import asyncio
import os
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

from pymongo import AsyncMongoClient
from pymongo.asynchronous.database import AsyncDatabase

from tests.support.spine import Spine


@dataclass
class BenchPlatform(Spine):
    """The spine's processes, with what a benchmark reads off them: CPU, memory, pauses."""

    prefix: str = field(default_factory=lambda: f"b{uuid.uuid4().hex[:8]}.")

    def check_alive(self) -> None:
        """Fail loudly if a service died: a benchmark of a crashed pipeline would just hang."""
        for name, process in self.processes.items():
            if not process.running():
                raise RuntimeError(f"{name} exited; see {self.root / 'logs' / name}.log")

    def mongo(self) -> AsyncMongoClient:
        """A client of the same MongoDB server the services use (for baselines and polling)."""
        return AsyncMongoClient(self.endpoints.mongo_url, tz_aware=True)

    @contextmanager
    def paused(self, name: str) -> Iterator[None]:
        """Freeze one service process (SIGSTOP) for the duration, then let it continue (SIGCONT).

        Used for the diagnostic ingest figure with the relay frozen: the API then has the
        MongoDB server to itself, which shows how much the relay's work slows intake down.
        """
        process = self.processes[name]
        process.freeze()
        try:
            yield
        finally:
            process.thaw()

    def pids(self) -> dict[str, int]:
        """The services' and the infrastructure servers' process ids."""
        pids = {name: p.process.pid for name, p in self.processes.items() if p.process is not None}
        return {**pids, **{name: pid for name, pid in self.endpoints.pids.items() if name != "s3"}}

    def cpu_seconds(self) -> dict[str, float]:
        """CPU time (user + system) used so far by each process, and by this benchmark process."""
        used = {name: read_cpu(pid) for name, pid in self.pids().items()}
        times = os.times()
        return {**used, "bench client": times.user + times.system}

    def memory_mib(self) -> dict[str, dict[str, float]]:
        """Peak (VmHWM) and current (VmRSS) resident memory of each service process, in MiB."""
        return {name: read_memory(p.process.pid) for name, p in self.processes.items() if p.process is not None}

    def infrastructure_memory_mib(self) -> dict[str, dict[str, float]]:
        """The same for the local Kafka and MongoDB servers (context, not part of the targets)."""
        return {name: read_memory(pid) for name, pid in self.endpoints.pids.items() if name != "s3"}


def read_cpu(pid: int) -> float:
    """utime + stime of a process (and its reaped children) from /proc/<pid>/stat, in seconds."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return sum(int(v) for v in fields[11:15]) / os.sysconf("SC_CLK_TCK")


def cpu_used(before: dict[str, float], after: dict[str, float]) -> dict[str, float]:
    """CPU seconds each process spent between two readings."""
    return {name: round(after[name] - before[name], 2) for name in after if name in before}


def read_memory(pid: int) -> dict[str, float]:
    """VmHWM and VmRSS from /proc/<pid>/status, in MiB."""
    values: dict[str, float] = {}
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        key, _, rest = line.partition(":")
        if key in ("VmHWM", "VmRSS"):
            values[key] = round(int(rest.split()[0]) / 1024, 1)
    return values


async def wait_until_idle(platform: BenchPlatform, client: AsyncMongoClient, projected: int, timeout: float = 600.0) -> float:
    """Wait until every posted observation is in the projection (so the relay has drained too).

    Every timed section starts from an idle pipeline, so the relay and the consumer catching up
    on an earlier section never steal CPU from the next one (ours or the raw baseline).
    Returns the seconds waited.
    """
    start = time.monotonic()
    narrative = client[platform.narrative_db]
    while True:
        platform.check_alive()
        done = await projected_count(narrative)  # a read of a few small documents, not a scan
        if done >= projected:
            return time.monotonic() - start
        if time.monotonic() - start > timeout:
            raise TimeoutError(f"pipeline not idle after {timeout}s: {done}/{projected} projected")
        await asyncio.sleep(0.2)


async def projected_count(narrative: AsyncDatabase, pupils: list[str] | None = None) -> int:
    """Observations counted by narrative-builder's pupil_progress (all pupils, or these)."""
    query = {} if pupils is None else {"_id": {"$in": pupils}}
    return sum([d.get("observations", 0) async for d in narrative.pupil_progress.find(query, {"observations": 1})])
