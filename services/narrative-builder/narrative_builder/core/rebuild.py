"""Rebuilding every projection by replaying the event log from its first event.

Projections are derived data: emptying them and replaying the observation, directory and alert
events through the same projector gives what the live consumer built (event ids are claimed
afresh, versions decide between an observation's events, and profiles are a pure function of
what is stored). Stop the live consumer first; it resumes from its own offsets afterwards and
skips what the replay already applied.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence

from engagement_shared.events.envelope import Event
from narrative_builder.core.profiles import ProfileService
from narrative_builder.core.projector import ProgressProjector
from narrative_builder.ports.projection_store import ProjectionStore

EventSource = Callable[[Callable[[Sequence[Event]], Awaitable[None]]], Awaitable[int]]


class Rebuild:
    """Empties the projections, replays the events and rebuilds every profile."""

    def __init__(self, store: ProjectionStore, projector: ProgressProjector, profiles: ProfileService, source: EventSource) -> None:
        self._store = store
        self._projector = projector
        self._profiles = profiles
        self._source = source

    async def run(self) -> tuple[int, int]:
        """Returns (events replayed, profiles built)."""
        await self._store.reset()
        events = await self._source(self._projector.handle)
        return events, await self._profiles.refresh_all()
