"""System tests run the services as real processes against their own infrastructure, which
they are free to break (kill the broker, kill -9 workers)."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.support.spine import Spine


@pytest.fixture
def platform(tmp_path: Path) -> Iterator[Spine]:
    """Local infrastructure plus observation-ingest (serve, relay) and narrative-builder (consume)."""
    if os.environ.get("INFRA_MODE", "local") != "local":
        pytest.skip("restarting the broker needs the local stand-ins")
    with Spine(tmp_path) as spine:
        yield spine
