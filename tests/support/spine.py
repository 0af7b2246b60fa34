"""The spine as real processes: local infrastructure, observation-ingest (serve, relay) and
narrative-builder (consume), each with its own database and a topic prefix of its own; with
``moderation=True`` also moderation (serve, consume, relay) and observation-ingest's consumer of
moderation's agreed changes; with ``evidence=True`` also evidence-store (serve, consume, relay);
with ``reports=True`` also narrative-builder's API and its report-run worker.

System tests break it on purpose (kill -9, a broker restart); the benchmarks measure it.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from pathlib import Path

from engagement_shared.infra.local import Endpoints, LocalInfrastructure, free_ports
from engagement_shared.infra.processes import ServiceProcess


@dataclass
class Spine:
    """A context manager: started on enter, everything stopped on exit."""

    root: Path
    prefix: str = field(default_factory=lambda: f"s{uuid.uuid4().hex[:8]}.")
    infra: LocalInfrastructure = field(init=False)
    endpoints: Endpoints = field(init=False)
    moderation: bool = False
    evidence: bool = False
    reports: bool = False
    processes: dict[str, ServiceProcess] = field(default_factory=dict)
    api: str = ""
    moderation_api: str = ""
    evidence_api: str = ""
    narrative_api: str = ""

    @property
    def ingest_db(self) -> str:
        """observation-ingest's database (observations, outbox)."""
        return f"ingest_{self.prefix.strip('.')}"

    @property
    def narrative_db(self) -> str:
        """narrative-builder's database (pupil_progress, projected_observations)."""
        return f"narrative_builder_{self.prefix.strip('.')}"

    @property
    def moderation_db(self) -> str:
        """moderation's database (candidates, rounds, items, outbox)."""
        return f"moderation_{self.prefix.strip('.')}"

    @property
    def evidence_db(self) -> str:
        """evidence-store's database (pupils, consents, uploads, evidence, outbox)."""
        return f"evidence_store_{self.prefix.strip('.')}"

    @property
    def logs(self) -> Path:
        """Where each process writes its log."""
        return self.root / "logs"

    def _env(self, database: str, port: int | None = None) -> dict[str, str]:
        # Short Kafka sessions for the local broker, and WARNING logs so log volume stays small.
        env = {**self.endpoints.environment(), "KAFKA_TOPIC_PREFIX": self.prefix, "MONGO_DATABASE": database,
               "KAFKA_SESSION_TIMEOUT_MS": "6000", "OTEL_LOG_LEVEL": "WARNING"}
        if port:
            env["HTTP_PORT"] = str(port)
        return env

    def __enter__(self) -> Spine:
        self.infra = LocalInfrastructure(self.root / "infra")
        self.endpoints = self.infra.start()
        port, moderation_port, evidence_port, narrative_port = free_ports(4)
        self.api = f"http://127.0.0.1:{port}"
        ingest, narrative = self._env(self.ingest_db, port), self._env(self.narrative_db)
        self.processes = {
            "api": ServiceProcess("api", ["observation-ingest", "serve"], ingest, self.logs, f"{self.api}/health"),
            "relay": ServiceProcess("relay", ["observation-ingest", "relay"], ingest, self.logs),
            "consumer": ServiceProcess("consumer", ["narrative-builder", "consume"], narrative, self.logs),
        }
        if self.moderation:
            self.moderation_api = f"http://127.0.0.1:{moderation_port}"
            moderation = self._env(self.moderation_db, moderation_port)
            self.processes |= {
                "ingest-consumer": ServiceProcess("ingest-consumer", ["observation-ingest", "consume"], ingest, self.logs),
                "moderation-api": ServiceProcess("moderation-api", ["moderation", "serve"], moderation, self.logs,
                                                 f"{self.moderation_api}/health"),
                "moderation-consumer": ServiceProcess("moderation-consumer", ["moderation", "consume"], moderation, self.logs),
                "moderation-relay": ServiceProcess("moderation-relay", ["moderation", "relay"], moderation, self.logs),
            }
        if self.evidence:
            self.evidence_api = f"http://127.0.0.1:{evidence_port}"
            evidence = self._env(self.evidence_db, evidence_port)
            self.processes |= {
                "evidence-api": ServiceProcess("evidence-api", ["evidence-store", "serve"], evidence, self.logs, f"{self.evidence_api}/health"),
                "evidence-consumer": ServiceProcess("evidence-consumer", ["evidence-store", "consume"], evidence, self.logs),
                "evidence-relay": ServiceProcess("evidence-relay", ["evidence-store", "relay"], evidence, self.logs),
            }
        if self.reports:
            self.narrative_api = f"http://127.0.0.1:{narrative_port}"
            served = self._env(self.narrative_db, narrative_port)
            self.processes |= {
                "narrative-api": ServiceProcess("narrative-api", ["narrative-builder", "serve"], served, self.logs, f"{self.narrative_api}/health"),
                "narrative-reports": ServiceProcess("narrative-reports", ["narrative-builder", "reports"], served, self.logs),
            }
        try:
            for process in self.processes.values():
                process.start()
        except BaseException:
            self.__exit__()
            raise
        return self

    def __exit__(self, *_exc: object) -> None:
        for process in self.processes.values():
            process.stop()
        self.infra.stop()
