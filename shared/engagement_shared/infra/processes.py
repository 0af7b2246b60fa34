"""Service processes started as children: the run command and the system tests use these.

Each process runs one entry point (``observation-ingest serve`` …) with the environment that
points it at the infrastructure, logs to its own file, and can be stopped, or killed with
SIGKILL to prove that nothing is lost.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

import httpx

from engagement_shared.infra.local import stop_pid


@dataclass
class ServiceProcess:
    """One child process of the platform."""

    name: str
    args: list[str]
    env: dict[str, str]
    log_dir: Path
    health_url: str | None = None
    process: subprocess.Popen | None = field(default=None, repr=False)

    def start(self) -> ServiceProcess:
        """Start it and, for HTTP processes, wait until it answers its health check."""
        self.log_dir.mkdir(parents=True, exist_ok=True)
        log = open(self.log_dir / f"{self.name}.log", "ab")  # noqa: SIM115 - handed to the child
        executable = Path(sys.executable).parent / self.args[0]
        self.process = subprocess.Popen([str(executable), *self.args[1:]], stdout=log, stderr=subprocess.STDOUT,
                                        stdin=subprocess.DEVNULL, env={**os.environ, **self.env}, start_new_session=True)
        if self.health_url:
            self.wait_healthy()
        return self

    def wait_healthy(self, timeout: float = 30.0) -> None:
        """Poll the health URL until it answers 200."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process is not None and self.process.poll() is not None:
                raise RuntimeError(f"{self.name} exited with code {self.process.returncode}; see {self.log_dir / self.name}.log")
            try:
                if httpx.get(self.health_url, timeout=1).status_code == 200:  # type: ignore[arg-type]
                    return
            except httpx.HTTPError:
                pass
            time.sleep(0.1)
        raise RuntimeError(f"{self.name} did not become healthy within {timeout}s")

    def kill(self) -> None:
        """SIGKILL: the process gets no chance to finish anything."""
        if self.process is not None and self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait()

    def freeze(self) -> None:
        """SIGSTOP: the process holds still wherever it is, as on a stalled machine, until ``thaw``
        (or a SIGKILL, which ends it without its ever running again)."""
        if self.process is not None and self.process.poll() is None:
            os.kill(self.process.pid, signal.SIGSTOP)

    def thaw(self) -> None:
        """SIGCONT: a frozen process carries on from where it stood."""
        if self.process is not None and self.process.poll() is None:
            os.kill(self.process.pid, signal.SIGCONT)

    def stop(self) -> None:
        """SIGTERM, then SIGKILL if it lingers."""
        if self.process is not None and self.process.poll() is None:
            stop_pid(self.process.pid)
            self.process.wait()

    def running(self) -> bool:
        """Whether the process is alive."""
        return self.process is not None and self.process.poll() is None
