"""Choose the infrastructure by one setting, ``INFRA_MODE``: local, testcontainers or external.

- ``local`` (default on machines without Docker): the stand-in servers of :mod:`.local`.
- ``testcontainers``: real Apache Kafka, MongoDB (one-member replica set) and MinIO images,
  where a Docker engine exists.
- ``external``: endpoints already running, read from ``KAFKA_BOOTSTRAP_SERVERS``, ``MONGO_URL``,
  ``S3_ENDPOINT``, ``S3_ACCESS_KEY`` and ``S3_SECRET_KEY``.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from pathlib import Path

from engagement_shared.infra.local import Endpoints, LocalInfrastructure


@contextmanager
def _local(root: Path) -> Iterator[Endpoints]:
    infra = LocalInfrastructure(root)
    endpoints = infra.start()
    try:
        yield endpoints
    finally:
        infra.stop()


@contextmanager
def _testcontainers() -> Iterator[Endpoints]:
    from testcontainers.core.container import DockerContainer
    from testcontainers.core.waiting_utils import wait_for_logs
    from testcontainers.kafka import KafkaContainer
    from testcontainers.minio import MinioContainer

    with ExitStack() as stack:
        kafka = stack.enter_context(KafkaContainer("confluentinc/cp-kafka:7.6.1").with_kraft())
        mongo = stack.enter_context(
            DockerContainer("mongo:7").with_command("--replSet rs0 --bind_ip_all").with_exposed_ports(27017)
        )
        wait_for_logs(mongo, "Waiting for connections")
        mongo.exec(["mongosh", "--quiet", "--eval", "rs.initiate({_id:'rs0',members:[{_id:0,host:'localhost:27017'}]})"])
        minio = stack.enter_context(MinioContainer())
        config = minio.get_config()
        yield Endpoints(
            kafka=kafka.get_bootstrap_server(),
            mongo_url=f"mongodb://{mongo.get_container_host_ip()}:{mongo.get_exposed_port(27017)}/?directConnection=true",
            s3_endpoint=config["endpoint"],
            s3_access_key=config["access_key"],
            s3_secret_key=config["secret_key"],
        )


def _external() -> Endpoints:
    return Endpoints(
        kafka=os.environ["KAFKA_BOOTSTRAP_SERVERS"],
        mongo_url=os.environ["MONGO_URL"],
        s3_endpoint=os.environ["S3_ENDPOINT"],
        s3_access_key=os.environ["S3_ACCESS_KEY"],
        s3_secret_key=os.environ["S3_SECRET_KEY"],
    )


@contextmanager
def infrastructure(root: Path, mode: str | None = None) -> Iterator[Endpoints]:
    """Provide Kafka, MongoDB and S3 endpoints for as long as the context lasts."""
    mode = mode or os.environ.get("INFRA_MODE", "local")
    if mode == "local":
        with _local(root) as endpoints:
            yield endpoints
    elif mode == "testcontainers":
        with _testcontainers() as endpoints:
            yield endpoints
    elif mode == "external":
        yield _external()
    else:
        raise ValueError(f"INFRA_MODE must be local, testcontainers or external, not {mode!r}")
