"""Settings per adapter, read from the environment (pydantic-settings).

Each service composes the ones it needs; ``docker-compose.yml`` sets exactly these variables,
and a test keeps the two in step.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from pydantic import Field, SecretStr
from pydantic_settings import BaseSettings, SettingsConfigDict


class KafkaSettings(BaseSettings):
    """Where the bus is and how this process joins it."""

    model_config = SettingsConfigDict(env_prefix="KAFKA_")

    bootstrap_servers: str = "127.0.0.1:9092"
    topic_prefix: str = Field(default="", description="Prepended to every topic; isolates tests and tenants of a shared broker.")
    partitions: int = Field(default=6, ge=1)
    replication_factor: int = Field(default=1, ge=1)
    session_timeout_ms: int = 10_000
    heartbeat_interval_ms: int = 1_000
    max_retries: int = Field(default=5, ge=0, description="Attempts at a failing handler before dead-lettering.")

    def topic(self, name: str) -> str:
        """The full topic name for a logical topic."""
        return f"{self.topic_prefix}{name}"


class MongoSettings(BaseSettings):
    """The MongoDB replica set (transactions needed) and this service's database."""

    model_config = SettingsConfigDict(env_prefix="MONGO_")

    url: str = "mongodb://127.0.0.1:27017/?directConnection=true"
    database: str = "engagement"


class S3Settings(BaseSettings):
    """The S3-compatible object store (MinIO in production)."""

    model_config = SettingsConfigDict(env_prefix="S3_")

    endpoint: str = "127.0.0.1:9000"
    access_key: str = "engagement"
    secret_key: SecretStr = SecretStr("engagement-secret")
    secure: bool = False
    bucket: str = "engagement-evidence"


class AuthSettings(BaseSettings):
    """How bearer tokens are verified: HS256 with a shared secret, or RS256/ES256 with a public key."""

    model_config = SettingsConfigDict(env_prefix="AUTH_")

    jwt_secret: SecretStr = SecretStr("local-development-secret-change-me-32bytes")
    jwt_public_key: str | None = None
    jwt_private_key: SecretStr | None = None
    algorithm: str = "HS256"
    issuer: str = "engagement-platform"
    audience: str = "engagement-api"


class HttpSettings(BaseSettings):
    """Where a service's HTTP API listens."""

    model_config = SettingsConfigDict(env_prefix="HTTP_")

    host: str = "127.0.0.1"
    port: int = 8000


class TelemetrySettings(BaseSettings):
    """Logging level and where OpenTelemetry spans go (an OTLP/HTTP collector, or nowhere)."""

    model_config = SettingsConfigDict(env_prefix="OTEL_")

    service_name: str = "engagement"
    exporter_otlp_endpoint: str | None = None
    log_level: str = "INFO"


class LinkSettings(BaseSettings):
    """Where a service finds the other services' APIs it calls on a user's behalf."""

    model_config = SettingsConfigDict(env_prefix="LINKS_")

    evidence_store_url: str = "http://127.0.0.1:8002"


@dataclass
class ServiceConfig:
    """The settings one service process reads, composed from the adapter settings above."""

    kafka: KafkaSettings = field(default_factory=KafkaSettings)
    mongo: MongoSettings = field(default_factory=MongoSettings)
    s3: S3Settings = field(default_factory=S3Settings)
    auth: AuthSettings = field(default_factory=AuthSettings)
    http: HttpSettings = field(default_factory=HttpSettings)
    telemetry: TelemetrySettings = field(default_factory=TelemetrySettings)
    links: LinkSettings = field(default_factory=LinkSettings)

    @classmethod
    def load(cls, service: str, database: str, port: int) -> ServiceConfig:
        """Read the environment; the service's own database, port and name apply where it sets none."""
        config = cls()
        if "database" not in config.mongo.model_fields_set:
            config.mongo = config.mongo.model_copy(update={"database": database})
        if "port" not in config.http.model_fields_set:
            config.http = config.http.model_copy(update={"port": port})
        if "service_name" not in config.telemetry.model_fields_set:
            config.telemetry = config.telemetry.model_copy(update={"service_name": service})
        return config
