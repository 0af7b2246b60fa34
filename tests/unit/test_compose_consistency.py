"""Keeps docker-compose.yml correct although no machine here can run it (no Docker engine).

The stack is checked structurally against the repository itself: the service folders, the
pydantic-settings classes in ``engagement_shared.settings`` and the files under ``deploy/``.
A renamed setting, a typo in a variable, a new service without a compose entry or a published
port that differs from the one the process listens on fails here instead of at deploy time.
"""

from __future__ import annotations

import inspect
from pathlib import Path

import pytest
import yaml
from pydantic_settings import BaseSettings

from engagement_shared import settings as settings_module

ROOT = Path(__file__).resolve().parents[2]
SERVICE_FOLDERS = sorted(
    p.name for p in (ROOT / "services").iterdir() if p.is_dir() and not p.name.startswith((".", "_"))
)
# What every process sets: the connection variable of each settings class it composes, and more.
REQUIRED = [
    "KAFKA_BOOTSTRAP_SERVERS",
    "MONGO_URL",
    "MONGO_DATABASE",
    "AUTH_JWT_SECRET",
    "HTTP_HOST",
    "HTTP_PORT",
    "OTEL_SERVICE_NAME",
    "OTEL_EXPORTER_OTLP_ENDPOINT",
]
S3_REQUIRED = ["S3_ENDPOINT", "S3_ACCESS_KEY", "S3_SECRET_KEY", "S3_BUCKET"]
S3_SERVICES = {"evidence-store"}


def _settings_classes() -> list[type[BaseSettings]]:
    return [
        cls
        for _, cls in inspect.getmembers(settings_module, inspect.isclass)
        if issubclass(cls, BaseSettings) and cls is not BaseSettings and cls.__module__ == settings_module.__name__
    ]


def _allowed_variables() -> set[str]:
    names = set()
    for cls in _settings_classes():
        prefix = cls.model_config.get("env_prefix", "")
        names.update(f"{prefix}{field}".upper() for field in cls.model_fields)
    return names


@pytest.fixture(scope="module")
def compose() -> dict:
    return yaml.safe_load((ROOT / "docker-compose.yml").read_text())


@pytest.fixture(scope="module")
def platform(compose: dict) -> dict[str, dict]:
    """Compose services built from our Dockerfile (service and relay/consumer processes)."""
    return {
        name: svc
        for name, svc in compose["services"].items()
        if isinstance(svc.get("build"), dict) and "SERVICE" in svc["build"].get("args", {})
    }


def test_every_service_folder_is_built_from_the_shared_dockerfile(compose: dict, platform: dict) -> None:
    """Each folder under services/ must ship: a compose service of that name, built by deploy/Dockerfile."""
    assert SERVICE_FOLDERS, "no service folders found"
    assert (ROOT / "deploy" / "Dockerfile").is_file()
    for folder in SERVICE_FOLDERS:
        assert folder in platform, f"{folder} has no compose service built from deploy/Dockerfile"
        assert platform[folder]["build"]["args"]["SERVICE"] == folder, f"{folder} builds another service"
    for name, svc in platform.items():
        build = svc["build"]
        assert build.get("dockerfile") == "deploy/Dockerfile", name
        assert build.get("context") in (".", "./"), name
        assert build["args"]["SERVICE"] in SERVICE_FOLDERS, f"{name} builds unknown service {build['args']['SERVICE']}"


def test_environment_variables_are_settings_fields(platform: dict) -> None:
    """A variable no settings class reads is a typo or a renamed setting: it would be silently ignored."""
    allowed = _allowed_variables()
    for name, svc in platform.items():
        unknown = set(svc.get("environment", {})) - allowed
        assert not unknown, f"{name} sets variables no settings class reads: {sorted(unknown)}"


def test_each_process_configures_the_settings_it_needs(platform: dict) -> None:
    """Defaults point at 127.0.0.1, which is wrong in a container: every needed adapter must be configured."""
    for name, svc in platform.items():
        env = svc.get("environment", {})
        service = svc["build"]["args"]["SERVICE"]
        needed = REQUIRED + (S3_REQUIRED if service in S3_SERVICES else [])
        missing = [var for var in needed if var not in env]
        assert not missing, f"{name} lacks {missing}"
        assert env["HTTP_HOST"] == "0.0.0.0", f"{name} must listen on all interfaces"
        assert env["OTEL_EXPORTER_OTLP_ENDPOINT"] == "http://otel-collector:4318", name
        assert env["MONGO_DATABASE"] == service.replace("-", "_"), f"{name} uses another service's database"


def test_secrets_come_from_the_environment(platform: dict) -> None:
    """No literal secret in the repository: secret variables are interpolated from the host environment."""
    for name, svc in platform.items():
        for var, value in svc.get("environment", {}).items():
            if "SECRET" in var or "PRIVATE_KEY" in var:
                assert str(value).startswith("${"), f"{name}: {var} is a literal"
        assert str(svc["environment"]["AUTH_JWT_SECRET"]).startswith("${AUTH_JWT_SECRET:?"), name


def test_published_ports_match_http_port(platform: dict) -> None:
    """A port mapping to anything but HTTP_PORT would publish a port nothing listens on."""
    for name, svc in platform.items():
        http_port = str(svc["environment"]["HTTP_PORT"])
        for mapping in svc.get("ports", []):
            container_port = str(mapping).split(":")[-1].split("/")[0]
            assert container_port == http_port, f"{name} publishes {mapping} but listens on {http_port}"
        if svc.get("command") == ["serve"]:
            assert svc.get("ports"), f"{name} serves HTTP but publishes no port"


def test_kafka_runs_in_kraft_mode(compose: dict) -> None:
    """Production Kafka is KRaft (no ZooKeeper), as the design card fixes."""
    services = compose["services"]
    assert not any("zookeeper" in name or "zookeeper" in str(s.get("image", "")) for name, s in services.items())
    env = services["kafka"]["environment"]
    assert "KAFKA_PROCESS_ROLES" in env and "controller" in env["KAFKA_PROCESS_ROLES"]
    assert "healthcheck" in services["kafka"]


def test_mongo_is_a_replica_set(compose: dict) -> None:
    """The outbox needs multi-document transactions, which need a replica set."""
    mongo = compose["services"]["mongo"]
    assert "--replSet" in mongo["command"]
    assert "rs.initiate" in str(mongo["healthcheck"]["test"])


def test_collector_config_exists(compose: dict) -> None:
    """The collector mounts its config from the repository; a missing file would fail at startup."""
    volumes = compose["services"]["otel-collector"]["volumes"]
    sources = [v.split(":")[0] for v in volumes if str(v).startswith("./")]
    assert sources, "the collector mounts no config file"
    for source in sources:
        assert (ROOT / source).is_file(), f"{source} does not exist"
