"""Run the whole platform on this machine: local Kafka, MongoDB and S3, every service process,
and a demo trust to explore. ``./dev up`` calls this; Ctrl-C stops everything.

Data lives under ``.local/`` (the infrastructure's files and each process's log). The demo is
seeded through the public API, so what a newcomer sees is what an app would have created.
"""

from __future__ import annotations

import argparse
import importlib.util
import signal
import socket
import sys
import threading
import time
from pathlib import Path

import httpx

from engagement_shared.infra.local import Endpoints, LocalInfrastructure, free_ports
from engagement_shared.infra.processes import ServiceProcess

ROOT = Path(__file__).resolve().parent.parent
SERVICES = {  # name -> (default port, database, extra worker commands)
    "observation-ingest": (8001, "observation_ingest", ["relay", "consume"]),
    "evidence-store": (8002, "evidence_store", ["consume", "relay", "housekeeping"]),
    "narrative-builder": (8003, "narrative_builder", ["consume", "reports", "monitor"]),
    "moderation": (8004, "moderation", ["consume", "relay", "remind"]),
}


def _port(preferred: int) -> int:
    with socket.socket() as sock:
        if sock.connect_ex(("127.0.0.1", preferred)) != 0:
            return preferred
    return free_ports(1)[0]


def plan_processes(endpoints: Endpoints, logs: Path) -> tuple[list[ServiceProcess], dict[str, str]]:
    """Every process of the platform with its environment, and each API's base URL."""
    processes, urls = [], {}
    for name, (preferred, database, workers) in SERVICES.items():
        port = _port(preferred)
        env = {**endpoints.environment(), "MONGO_DATABASE": database, "HTTP_PORT": str(port), "OTEL_SERVICE_NAME": name,
               "LINKS_EVIDENCE_STORE_URL": urls.get("evidence-store", "")}
        urls[name] = f"http://127.0.0.1:{port}"
        processes.append(ServiceProcess(name, [name, "serve"], env, logs, f"{urls[name]}/health"))
        processes += [ServiceProcess(f"{name}-{worker}", [name, worker], env, logs) for worker in workers]
    return processes, urls


def _load(name: str) -> object:
    spec = importlib.util.spec_from_file_location(name, ROOT / "deploy" / f"{name}.py")
    module = importlib.util.module_from_spec(spec)  # type: ignore[arg-type]
    sys.modules[name] = module
    spec.loader.exec_module(module)  # type: ignore[union-attr]
    return module


def _seed(urls: dict[str, str]) -> str:
    demo, demo_evidence = _load("demo"), _load("demo_evidence")
    ingest, narrative, evidence = urls["observation-ingest"], urls["narrative-builder"], urls["evidence-store"]
    summary = demo.seed_demo_sync(ingest)  # type: ignore[attr-defined]
    pictures = demo_evidence.seed_evidence_sync(ingest, evidence, summary.senco_token, summary.schools[0].school_id,  # type: ignore[attr-defined]
                                                summary.parent_pupil_id)
    pupil = summary.parent_pupil_id
    report_id = _first_report(narrative, summary.senco_token, pupil)
    return "\n".join([
        summary.render(ingest),
        "A pupil's progress profile (narrative-builder): how established each area is over time, lateral progress,",
        "progress per half-term and per EHC outcome, what works for them:",
        f'  curl -s -H "Authorization: Bearer $EM_TOKEN" {narrative}/v1/pupils/{pupil}/profile',
        f"A drafted end-of-year report for that pupil's parents (edit it with PUT /v1/reports/{report_id}/content, finalise it as the SENCO):",
        f'  curl -s -H "Authorization: Bearer {summary.senco_token}" {narrative}/v1/reports/{report_id}/pdf -o report.pdf',
        f'  curl -s -H "Authorization: Bearer {summary.senco_token}" {narrative}/v1/reports/{report_id}/html -o report.html',
        f"Evidence (evidence-store): {pictures} invented pictures added, with consent, for pupils of the first school. As the parent:",
        f'  curl -s -H "Authorization: Bearer {summary.parent_token}" {evidence}/v1/pupils/{pupil}/evidence',
        "  then POST /v1/evidence/<evidence_id>/link with {} for a five-minute link to the picture."])


def _first_report(narrative: str, senco_token: str, pupil: str, timeout: float = 60.0) -> str:
    """Draft the demo pupil's parent report once their profile is in (the consumer needs a moment)."""
    headers = {"Authorization": f"Bearer {senco_token}"}
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if httpx.get(f"{narrative}/v1/pupils/{pupil}/profile", headers=headers, timeout=30).status_code == 200:
            break
        time.sleep(0.5)
    response = httpx.post(f"{narrative}/v1/reports", headers=headers, timeout=60,
                          json={"kind": "parent_end_of_year", "period": "this school year", "pupil_id": pupil})
    response.raise_for_status()
    return str(response.json()["report_id"])


def main(argv: list[str] | None = None) -> None:
    """Start everything, seed the demo, print where to look, and wait for Ctrl-C."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--data", type=Path, default=ROOT / ".local", help="folder for data and logs")
    parser.add_argument("--no-demo", action="store_true", help="do not seed the demo trust")
    args = parser.parse_args(argv)
    infra = LocalInfrastructure(args.data / "infra")
    print("Starting local Kafka, MongoDB and S3 servers…", flush=True)
    endpoints = infra.start()
    processes, urls = plan_processes(endpoints, args.data / "logs")
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    try:
        for process in processes:
            print(f"Starting {process.name}…", flush=True)
            process.start()
        if not args.no_demo:
            print(_seed(urls), flush=True)
        print("\nThe platform is running:")
        for name, url in urls.items():
            print(f"  {name:20} {url}/docs")
        print(f"  logs                 {args.data / 'logs'}")
        print("  infrastructure       " + ", ".join(f"{k}={v}" for k, v in endpoints.environment().items() if "SECRET" not in k))
        print("READY — press Ctrl-C to stop.", flush=True)
        stop.wait()
    except KeyboardInterrupt:
        pass
    finally:
        print("Stopping…", flush=True)
        for process in reversed(processes):
            process.stop()
        infra.stop()


if __name__ == "__main__":
    main()
