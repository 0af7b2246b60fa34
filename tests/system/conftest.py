"""System tests run the services as real processes against their own infrastructure, which
they are free to break (kill the broker, kill -9 workers)."""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from engagement_shared.infra.local import Endpoints, LocalInfrastructure, free_ports
from engagement_shared.infra.processes import ServiceProcess


@dataclass
class Platform:
    """The running processes of one system test and what they point at."""

    infra: LocalInfrastructure
    endpoints: Endpoints
    logs: Path
    prefix: str
    api: str
    processes: dict[str, ServiceProcess]

    def database(self, service: str) -> str:
        """The MongoDB database a service of this platform uses."""
        return f"{service}_{self.prefix.strip('.')}"


def _env(endpoints: Endpoints, prefix: str, database: str, port: int | None = None) -> dict[str, str]:
    env = {**endpoints.environment(), "KAFKA_TOPIC_PREFIX": prefix, "MONGO_DATABASE": database,
           "KAFKA_SESSION_TIMEOUT_MS": "6000", "OTEL_LOG_LEVEL": "WARNING"}
    if port:
        env["HTTP_PORT"] = str(port)
    return env


@pytest.fixture
def platform(tmp_path: Path) -> Iterator[Platform]:
    """Local infrastructure plus observation-ingest (serve, relay) and narrative-builder (consume)."""
    if os.environ.get("INFRA_MODE", "local") != "local":
        pytest.skip("restarting the broker needs the local stand-ins")
    infra = LocalInfrastructure(tmp_path / "infra")
    endpoints = infra.start()
    prefix = f"s{uuid.uuid4().hex[:8]}."
    (port,) = free_ports(1)
    logs = tmp_path / "logs"
    platform = Platform(infra, endpoints, logs, prefix, f"http://127.0.0.1:{port}", {})
    ingest_env = _env(endpoints, prefix, platform.database("ingest"), port)
    narrative_env = _env(endpoints, prefix, platform.database("narrative"))
    platform.processes = {
        "api": ServiceProcess("api", ["observation-ingest", "serve"], ingest_env, logs, f"{platform.api}/health"),
        "relay": ServiceProcess("relay", ["observation-ingest", "relay"], ingest_env, logs),
        "consumer": ServiceProcess("consumer", ["narrative-builder", "consume"], narrative_env, logs),
    }
    try:
        for process in platform.processes.values():
            process.start()
        yield platform
    finally:
        for process in platform.processes.values():
            process.stop()
        infra.stop()
