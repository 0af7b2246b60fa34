"""``python -m bench.evidence_upload``: a 1 GiB video through evidence-store against a direct
``minio`` client put of the same file to the same S3 server, in one run; and the service's peak
memory (its process's VmHWM), which must stay under 150 MiB whatever the file's size.

The service runs as its own process (``evidence-store serve``) on the local servers; the client
streams the file from disk in 1 MiB reads, as an app would. Each repetition uploads for a new
pupil, so the second upload of the same file is not answered by "already stored". Results go to
``bench/evidence-results.{md,json}``; ``--update-readme`` quotes them.
"""

from __future__ import annotations

import argparse
import asyncio
import hashlib
import os
import shutil
import struct
import tempfile
import time
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from pathlib import Path

import httpx
from pymongo import MongoClient

from bench.harness import read_memory
from bench.report import Comparison, log, update_readme, write
from engagement_shared.auth.principal import Role
from engagement_shared.infra.local import LocalInfrastructure, free_ports
from engagement_shared.infra.processes import ServiceProcess
from engagement_shared.s3 import ObjectStore
from engagement_shared.settings import S3Settings
from tests.support.world import auth, token

MIB = 1 << 20
TRUST, SCHOOL = "bench-trust", "bench-school"
MEMORY_LIMIT_MIB = 150
FOOTNOTE = ("Ours = `POST /v1/uploads` then one streamed `PUT /v1/uploads/{id}/content` of the whole file (read from disk in "
            "1 MiB pieces) to the `evidence-store serve` process, until it answers 201 with the checked evidence item "
            "(content checks and SHA-256 on a thread of their own, 6 MiB parts to S3, two in flight); raw = `minio` `fput_object` of the same file to the same "
            "SeaweedFS server from the benchmark process. Peak memory is the service process's VmHWM after every upload. "
            "Produced by `python -m bench.evidence_upload`.")


def make_video(path: Path, size: int) -> str:
    """An MP4-shaped file of ``size`` bytes with random media data; its sha256."""
    head = struct.pack(">I", 24) + b"ftypisom" + b"\x00\x00\x02\x00isomiso2"
    moov = struct.pack(">I", 108) + b"moov" + struct.pack(">I", 100) + b"mvhd" + bytes(92)
    mdat_size = size - len(head) - len(moov)
    hasher = hashlib.sha256()
    with path.open("wb") as out:
        for piece in (head, struct.pack(">I", mdat_size) + b"mdat"):
            out.write(piece)
            hasher.update(piece)
        left = mdat_size - 8
        while left:
            block = os.urandom(min(left, 8 * MIB))
            out.write(block)
            hasher.update(block)
            left -= len(block)
        out.write(moov)
        hasher.update(moov)
    return hasher.hexdigest()


async def from_disk(path: Path) -> AsyncIterator[bytes]:
    """The file in 1 MiB reads."""
    with path.open("rb") as source:
        while chunk := source.read(MIB):
            yield chunk


def seed(mongo_url: str, database: str, pupils: list[str]) -> None:
    """The pupils and their consent, as the directory consumer and the consent API would store them."""
    db = MongoClient(mongo_url)[database]
    now = datetime.now(UTC)
    db.pupils.insert_many([{"_id": p, "pupil_id": p, "trust_id": TRUST, "school_id": SCHOOL, "left_on": None, "storage_ref": f"ref{i}"}
                           for i, p in enumerate(pupils)])
    db.consents.insert_many([{"pupil_id": p, "purpose": "internal_assessment", "granted": True, "given_by": "parent_or_carer", "note": None,
                              "recorded_by": "bench", "recorded_by_role": "senco", "effective_at": now} for p in pupils])


async def ours(base_url: str, path: Path, size: int, digest: str, pupil: str) -> float:
    """Seconds from the start of the upload to the evidence item."""
    headers = auth(token(Role.APP, TRUST, (SCHOOL,), subject="bench-app"))
    async with httpx.AsyncClient(base_url=base_url, timeout=600) as api:
        started = time.perf_counter()
        upload = await api.post("/v1/uploads", json={"pupil_id": pupil, "media_type": "video/mp4", "size_bytes": size, "sha256": digest}, headers=headers)
        upload.raise_for_status()
        done = await api.put(f"/v1/uploads/{upload.json()['upload_id']}/content", content=from_disk(path), headers=headers)
        elapsed = time.perf_counter() - started
    if done.status_code != 201:
        raise RuntimeError(f"upload ended with HTTP {done.status_code}: {done.text[:300]}")
    return elapsed


async def raw(store: ObjectStore, path: Path, n: int) -> float:
    """Seconds for a direct client put of the same file."""
    started = time.perf_counter()
    await store.put_file(f"raw/{n}", str(path), "video/mp4")
    return time.perf_counter() - started


def main(argv: list[str] | None = None) -> None:
    """Parse options, run, write the results."""
    parser = argparse.ArgumentParser(prog="python -m bench.evidence_upload", description=__doc__)
    parser.add_argument("--size-mib", type=int, default=1024, help="the video's size")
    parser.add_argument("--repetitions", type=int, default=3)
    parser.add_argument("--update-readme", action="store_true", help="also replace the table between the README's bench-evidence markers")
    parser.add_argument("--out", type=Path, default=Path(__file__).parent, help="folder for the results files")
    args = parser.parse_args(argv)
    root = Path(tempfile.mkdtemp(prefix="engagement-bench-evidence-"))
    infra = LocalInfrastructure(root / "infra")
    endpoints = infra.start()
    size = args.size_mib * MIB
    comparison = Comparison("evidence_upload", f"Upload a {args.size_mib:,} MiB video", args.size_mib, target=0.7, unit="MiB/s")
    service: ServiceProcess | None = None
    try:
        video = root / "video.mp4"
        digest = make_video(video, size)
        pupils = [f"bench-pupil-{n}" for n in range(args.repetitions)]
        seed(endpoints.mongo_url, "evidence_store_bench", pupils)
        port = free_ports(1)[0]
        env = {**endpoints.environment(), "MONGO_DATABASE": "evidence_store_bench", "HTTP_PORT": str(port), "OTEL_LOG_LEVEL": "WARNING"}
        service = ServiceProcess("evidence-api", ["evidence-store", "serve"], env, root / "logs", f"http://127.0.0.1:{port}/health").start()
        idle_memory = read_memory(service.process.pid)  # type: ignore[union-attr]
        store = ObjectStore(S3Settings(endpoint=endpoints.s3_endpoint, access_key=endpoints.s3_access_key, secret_key=endpoints.s3_secret_key))
        for n, pupil in enumerate(pupils):
            comparison.ours_seconds.append(asyncio.run(ours(f"http://127.0.0.1:{port}", video, size, digest, pupil)))
            comparison.raw_seconds.append(asyncio.run(raw(store, video, n)))
            log(f"repetition {n + 1}: ours {comparison.ours_seconds[-1]:.1f}s, raw {comparison.raw_seconds[-1]:.1f}s")
        peak = read_memory(service.process.pid)  # type: ignore[union-attr]
        store.close()
    finally:
        if service is not None:
            service.stop()
        infra.stop()
        shutil.rmtree(root, ignore_errors=True)
    facts = {"memory_mib": {"evidence-store serve, idle": idle_memory, f"evidence-store serve, after {args.repetitions} uploads": peak},
             "memory_limit_mib": MEMORY_LIMIT_MIB, "memory_met": peak.get("VmHWM", 1e9) < MEMORY_LIMIT_MIB}
    table = write([comparison], facts, {"size_mib": args.size_mib, "repetitions": args.repetitions}, args.out, stem="evidence-results",
                  footnote=FOOTNOTE)
    if args.update_readme and not update_readme(table, marker="bench-evidence"):
        log("README.md has no bench-evidence markers; not updated")


if __name__ == "__main__":
    main()
