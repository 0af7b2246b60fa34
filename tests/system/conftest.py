"""System tests run the services as real processes against their own infrastructure, which
they are free to break (kill the broker, kill -9 workers)."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.support.spine import Spine


def _spine(root: Path, moderation: bool = False, evidence: bool = False, reports: bool = False) -> Iterator[Spine]:
    if os.environ.get("INFRA_MODE", "local") != "local":
        pytest.skip("restarting the broker needs the local stand-ins")
    with Spine(root, moderation=moderation, evidence=evidence, reports=reports) as spine:
        yield spine


@pytest.fixture
def platform(tmp_path: Path) -> Iterator[Spine]:
    """Local infrastructure plus observation-ingest (serve, relay) and narrative-builder (consume)."""
    yield from _spine(tmp_path, moderation=False)


@pytest.fixture
def platform_with_moderation(tmp_path: Path) -> Iterator[Spine]:
    """The platform plus moderation (serve, consume, relay) and observation-ingest's consumer of its agreed changes."""
    yield from _spine(tmp_path, moderation=True)


@pytest.fixture
def platform_with_evidence(tmp_path: Path) -> Iterator[Spine]:
    """The platform plus evidence-store (serve, consume, relay)."""
    yield from _spine(tmp_path, evidence=True)


@pytest.fixture
def platform_with_reports(tmp_path: Path) -> Iterator[Spine]:
    """The platform plus narrative-builder's API and report-run worker."""
    yield from _spine(tmp_path, reports=True)
