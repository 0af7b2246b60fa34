"""Reading pupils' progress and keeping their profiles fresh.

A profile is rebuilt from the stored records whenever an event marked its pupil stale; a reader
who asks between the change and the rebuild gets one built on the spot, so what staff see always
includes every observation the projection has applied.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import timedelta

import structlog

from engagement_shared.auth.principal import Principal
from engagement_shared.errors import Forbidden, NotFound
from engagement_shared.events.envelope import utcnow
from narrative_builder.core.profile import PupilProfile
from narrative_builder.core.progress import PupilProgress
from narrative_builder.core.progress_rules import build_profile
from narrative_builder.core.records import ProfileInputs, default_settings
from narrative_builder.ports.projection_store import ProjectionStore

log = structlog.get_logger(__name__)


def readable(by: Principal, found: PupilProgress | PupilProfile | None, pupil_id: str) -> None:
    """Refuse a caller who may not see this pupil (another trust looks like an unknown pupil)."""
    if found is None or found.trust_id != by.trust_id:
        raise NotFound(f"no progress recorded for pupil {pupil_id}")
    if not by.can_read_pupil(found.trust_id, found.school_id, found.pupil_id):
        raise Forbidden("you may not see this pupil")


def profile_from(inputs: ProfileInputs) -> PupilProfile | None:
    """The profile these records make, or None if there is nothing about the pupil yet."""
    if not inputs.observations and inputs.pupil is None:
        return None
    trust_id = inputs.pupil.trust_id if inputs.pupil else inputs.observations[0].trust_id
    return build_profile(inputs.pupil_id, inputs.observations, inputs.pupil, inputs.settings or default_settings(trust_id))


class ProfileService:
    """Serves progress and profiles, and rebuilds stale profiles."""

    def __init__(self, store: ProjectionStore, batch: int = 50, settle: timedelta = timedelta(seconds=1),
                 longest_wait: timedelta = timedelta(seconds=15)) -> None:
        self._store = store
        self._batch = batch
        self._settle = settle
        self._longest_wait = longest_wait

    async def progress(self, by: Principal, pupil_id: str) -> PupilProgress:
        """A pupil's running summary, for callers who may see the pupil."""
        found = await self._store.progress(pupil_id)
        readable(by, found, pupil_id)
        return found  # type: ignore[return-value]

    async def profile(self, by: Principal, pupil_id: str) -> PupilProfile:
        """A pupil's full profile, for callers who may see the pupil."""
        found = await self.current(pupil_id)
        readable(by, found, pupil_id)
        return found  # type: ignore[return-value]

    async def current(self, pupil_id: str) -> PupilProfile | None:
        """The stored profile, or one built now if a change has not been folded in yet."""
        if await self._store.is_stale(pupil_id):
            return profile_from(await self._store.inputs(pupil_id))
        return await self._store.profile(pupil_id)

    async def current_many(self, pupil_ids: Sequence[str]) -> list[PupilProfile]:
        """Several pupils' current profiles (stored ones read together, stale ones built)."""
        stored = {p.pupil_id: p for p in await self._store.profiles(pupil_ids)}
        out = []
        for pupil_id in pupil_ids:
            found = await self.current(pupil_id) if await self._store.is_stale(pupil_id) else stored.get(pupil_id)
            if found is not None:
                out.append(found)
        return out

    async def refresh(self, settled_only: bool = False) -> int:
        """Rebuild up to one batch of stale profiles; returns how many were rebuilt.

        With ``settled_only`` (the consumer's refresher) a pupil waits until their events have been
        quiet for a moment, or until they have waited the longest allowed during a long burst: a
        profile costs a read of all the pupil's observations, so it is built once per burst, not
        once per batch (readers in the meantime get one built on the spot)."""
        now = utcnow()
        pupil_ids = (await self._store.stale(self._batch, now - self._settle, now - self._longest_wait) if settled_only
                     else await self._store.stale(self._batch))
        for pupil_id in pupil_ids:
            inputs = await self._store.inputs(pupil_id)
            built = profile_from(inputs)
            if built is not None:
                await self._store.save_profile(built)
            await self._store.clear_stale(pupil_id, inputs.revision)
        if pupil_ids:
            log.debug("profiles refreshed", count=len(pupil_ids))
        return len(pupil_ids)

    async def refresh_all(self, settled_only: bool = False) -> int:
        """Rebuild every stale profile (after a replay; the consumer's refresher only settled ones)."""
        total = 0
        while (done := await self.refresh(settled_only)):
            total += done
        return total

    async def refresh_settled(self) -> int:
        """The consumer's periodic job: every profile whose events have settled."""
        return await self.refresh_all(settled_only=True)
