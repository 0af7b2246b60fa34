"""Running a service process: logging and tracing set up once, HTTP or worker, clean shutdown.

Every service's ``main.py`` hands its app or worker here, so all processes start, log and stop
the same way (SIGTERM and Ctrl-C finish the current batch, then exit).
"""

from __future__ import annotations

import argparse
import asyncio
import signal
from collections.abc import Awaitable, Callable, Mapping
from contextlib import AbstractAsyncContextManager
from typing import Any

import uvicorn
from fastapi import FastAPI

from engagement_shared.observability.logging import configure_logging
from engagement_shared.observability.tracing import configure_tracing
from engagement_shared.settings import HttpSettings, ServiceConfig, TelemetrySettings


def start_process(service: str, telemetry: TelemetrySettings) -> None:
    """Configure JSON logging and tracing for this process."""
    configure_logging(service, telemetry.log_level)
    configure_tracing(telemetry.model_copy(update={"service_name": service}))


def serve(app: FastAPI, http: HttpSettings) -> None:
    """Serve an HTTP app until stopped."""
    uvicorn.run(app, host=http.host, port=http.port, log_config=None, access_log=False)


def run_worker(work: Callable[[asyncio.Event], Awaitable[None]]) -> None:
    """Run a long-lived worker (relay, consumer) until SIGTERM or SIGINT."""

    async def main() -> None:
        stop = asyncio.Event()
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGTERM, signal.SIGINT):
            loop.add_signal_handler(sig, stop.set)
        await work(stop)

    asyncio.run(main())


class PeriodicWorker:
    """A worker that does one job now and then every ``interval`` seconds until stopped (reminders,
    housekeeping): the job is idempotent, so a restart simply runs it again."""

    def __init__(self, job: Callable[[], Awaitable[Any]], interval: float) -> None:
        self._job = job
        self._interval = interval

    async def run(self, stop: asyncio.Event) -> None:
        """Run the job until ``stop`` is set."""
        while not stop.is_set():
            await self._job()
            try:
                await asyncio.wait_for(stop.wait(), self._interval)
            except TimeoutError:
                pass


Worker = Callable[[ServiceConfig], AbstractAsyncContextManager[Any]]
"""Opens a long-lived worker (an object with ``async run(stop)``) and its connections."""


def service_main(service: str, description: str, config: ServiceConfig, app: Callable[[ServiceConfig], FastAPI],
                 workers: Mapping[str, Worker], argv: list[str] | None = None) -> None:
    """The command line every service shares: ``serve`` or one of its named workers."""
    parser = argparse.ArgumentParser(prog=service, description=description)
    parser.add_argument("command", choices=["serve", *workers])
    command = parser.parse_args(argv).command
    start_process(service, config.telemetry)
    if command == "serve":
        serve(app(config), config.http)
        return

    async def work(stop: asyncio.Event) -> None:
        async with workers[command](config) as worker:
            await worker.run(stop)

    run_worker(work)
