"""What the projector needs from storage: one transaction that claims events and writes projections."""

from __future__ import annotations

from collections.abc import Sequence
from contextlib import AbstractAsyncContextManager
from typing import Protocol

from engagement_shared.events.envelope import Event
from narrative_builder.core.progress import ProjectedObservation, PupilProgress


class ProjectionTransaction(Protocol):
    """Reads and writes inside one transaction."""

    async def claim(self, events: Sequence[Event]) -> list[Event]: ...
    async def observations(self, keys: Sequence[tuple[str, str]]) -> dict[str, ProjectedObservation]: ...
    async def save_observations(self, new: Sequence[ProjectedObservation], changed: Sequence[ProjectedObservation]) -> None: ...
    async def progress_of(self, pupil_ids: Sequence[str]) -> dict[str, PupilProgress]: ...
    async def observations_of(self, pupil_ids: Sequence[str]) -> dict[str, list[ProjectedObservation]]: ...
    async def save_progress(self, progress: Sequence[PupilProgress]) -> None: ...


class ProjectionStore(Protocol):
    """Opens projection transactions and serves reads."""

    def transaction(self) -> AbstractAsyncContextManager[ProjectionTransaction]: ...
    async def progress(self, pupil_id: str) -> PupilProgress | None: ...
