"""Observation intake: single posts, offline batches, amendments and withdrawals.

Batches come from apps that were offline all day. Each item is judged on its own: a bad item is
reported by index and field and never holds back the good ones; an id seen before returns the
original result and changes nothing, so an app can re-send a whole batch after a lost reply.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, Literal

from pydantic import BaseModel, Field, ValidationError

from engagement_shared.auth.principal import Principal
from engagement_shared.errors import ConcurrentChange, Conflict, DomainError, Forbidden, Invalid, NotFound
from engagement_shared.events.envelope import new_id, utcnow
from engagement_shared.events.observations import (
    ObservationAmended, ObservationContent, ObservationRecorded, ObservationRecordedPayload, ObservationWithdrawn,
    ObservationWithdrawnPayload,
)
from observation_ingest.core import access
from observation_ingest.core.directory import Outcome, Pupil
from observation_ingest.core.observations import (
    BatchObservation, NewObservation, ObservationAmendment, StoredObservation, Withdrawal, amended, check_timing, new_stored,
    withdrawn,
)
from observation_ingest.core.trust_config import TrustConfig
from observation_ingest.ports.repositories import DuplicateObservation, UnitOfWork, UnitOfWorkFactory

MAX_BATCH = 500
STATUS_OF = {NotFound: 404, Forbidden: 403, Invalid: 422, Conflict: 409}


class ItemError(BaseModel):
    """Why one field of one batch item was refused."""

    field: str
    message: str
    status: int = Field(description="The HTTP status this error would have had alone (403, 404, 409, 422).")


class ItemResult(BaseModel):
    """The outcome for one batch item, in the order sent."""

    index: int
    observation_id: str | None
    status: Literal["created", "rejected"]
    replayed: bool = Field(default=False, description="True when this id was already stored: nothing changed.")
    version: int | None = None
    errors: list[ItemError] = Field(default_factory=list)


class BatchResult(BaseModel):
    """Per-item results plus counts."""

    created: int
    replayed: int
    rejected: int
    results: list[ItemResult]


def _recorded_event(stored: StoredObservation, kind: type[ObservationRecorded] | type[ObservationAmended],
                    reason: str | None = None) -> ObservationRecorded | ObservationAmended:
    """The event carrying a stored observation's current version."""
    observation = stored.observation
    return kind(occurred_at=observation.observed_at, trust_id=stored.trust_id, school_id=observation.school_id,
                producer=access.PRODUCER,
                payload=ObservationRecordedPayload(observation=observation, pupil_id=observation.pupil_id, reason=reason))


class ObservationIntake:
    """Records observations after checking role, school, pupil, vocabulary and EHC outcomes."""

    def __init__(self, uow: UnitOfWorkFactory) -> None:
        self._uow = uow

    async def record(self, by: Principal, item: NewObservation) -> tuple[StoredObservation, bool]:
        """Record one observation; returns it and whether it was already stored (a replay)."""
        batch = BatchObservation(**item.model_dump(exclude={"observation_id"}), observation_id=item.observation_id or new_id())
        result = (await self.record_batch(by, [batch.model_dump(mode="json")])).results[0]
        if result.errors:
            error = result.errors[0]
            kind = next(k for k, code in STATUS_OF.items() if code == error.status)
            raise kind(error.message, field=None if error.status in (403, 404) else error.field)
        stored = await self._uow.readonly().observations.get(batch.observation_id)
        assert stored is not None
        return stored, result.replayed

    async def record_batch(self, by: Principal, items: Sequence[dict[str, Any]]) -> BatchResult:
        """Record many observations; see the module docstring for the rules."""
        if len(items) > MAX_BATCH:
            raise Invalid(f"at most {MAX_BATCH} observations per batch", field="observations")
        look_up = False  # most batches are new: insert first, and look for stored ids only after a clash
        for _attempt in range(3):
            try:
                return await self._record_batch(by, items, look_up)
            except DuplicateObservation:
                look_up = True  # another request stored one of these ids first: the next pass replays it
        raise ConcurrentChange("the batch kept colliding with concurrent uploads of the same ids; retry it")

    async def _record_batch(self, by: Principal, items: Sequence[dict[str, Any]], look_up: bool) -> BatchResult:
        results: list[ItemResult | None] = [None] * len(items)
        parsed: list[tuple[int, BatchObservation]] = []
        for index, raw in enumerate(items):
            try:
                parsed.append((index, BatchObservation.model_validate(raw)))
            except ValidationError as exc:
                raw_id = raw.get("observation_id") if isinstance(raw, dict) else None
                errors = [ItemError(field=".".join(str(p) for p in e["loc"]) or "item", message=e["msg"], status=422) for e in exc.errors()]
                results[index] = ItemResult(index=index, observation_id=raw_id if isinstance(raw_id, str) else None, status="rejected", errors=errors)
        reader = self._uow.readonly()
        pupil_ids = {item.pupil_id for _, item in parsed}
        pupils = await reader.directory.get_pupils(sorted(pupil_ids))
        outcomes: dict[str, set[str]] = {}
        for outcome in await reader.directory.list_outcomes(sorted(pupil_ids)):
            outcomes.setdefault(outcome.pupil_id, set()).add(outcome.outcome_id)
        config = await reader.configs.get(by.trust_id)
        existing = await reader.observations.get_many([item.observation_id for _, item in parsed]) if look_up else {}
        fresh: dict[str, StoredObservation] = {}
        for index, item in parsed:
            known = existing.get(item.observation_id) or fresh.get(item.observation_id)
            if known is not None and self._is_retry(by, item, known):
                results[index] = ItemResult(index=index, observation_id=item.observation_id, status="created", replayed=True, version=known.observation.version)
                continue
            try:
                if known is not None:
                    raise Conflict("this observation id is already in use; choose a new UUID", field="observation_id")
                pupil = self._checked(by, item, pupils.get(item.pupil_id), config, outcomes.get(item.pupil_id, set()))
            except DomainError as exc:
                status = next(code for kind, code in STATUS_OF.items() if isinstance(exc, kind))
                results[index] = ItemResult(index=index, observation_id=item.observation_id, status="rejected",
                                            errors=[ItemError(field=exc.field or "pupil_id", message=exc.message, status=status)])
                continue
            fresh[item.observation_id] = new_stored(item, item.observation_id, pupil.school_id, pupil.trust_id, by)
            results[index] = ItemResult(index=index, observation_id=item.observation_id, status="created", version=1)
        if fresh:
            async with self._uow() as uow:
                await uow.observations.add_many(list(fresh.values()))
                uow.emit(*(_recorded_event(stored, ObservationRecorded) for stored in fresh.values()))
        done = [r for r in results if r is not None]
        return BatchResult(created=sum(r.status == "created" and not r.replayed for r in done),
                           replayed=sum(r.replayed for r in done), rejected=sum(r.status == "rejected" for r in done), results=done)

    @staticmethod
    def _is_retry(by: Principal, item: BatchObservation, known: StoredObservation) -> bool:
        """A re-sent item: same trust and pupil, and a caller who may still see that pupil.

        Anything else reusing the id is refused without revealing what is stored under it.
        """
        o = known.observation
        return known.trust_id == by.trust_id and o.pupil_id == item.pupil_id and by.can_read_pupil(known.trust_id, o.school_id, o.pupil_id)

    @staticmethod
    def _checked(by: Principal, item: BatchObservation, pupil: Pupil | None, config: TrustConfig, outcome_ids: set[str]) -> Pupil:
        pupil = access.readable_pupil(by, pupil, item.pupil_id)
        if not by.can_record_observation(pupil.trust_id, pupil.school_id, pupil.pupil_id):
            raise Forbidden("your role may not record observations of this pupil")
        if not pupil.on_engagement_model:
            raise Invalid("this pupil is not assessed using the engagement model", field="pupil_id")
        if not pupil.on_roll(item.observed_at.date()):
            raise Invalid("the pupil had left the school by then", field="observed_at")
        check_timing(item)
        config.check(item)
        for i, outcome_id in enumerate(item.ehc_outcome_ids):
            if outcome_id not in outcome_ids:
                raise Invalid("is not an EHC outcome of this pupil", field=f"ehc_outcome_ids.{i}")
        return pupil

    async def get(self, by: Principal, observation_id: str) -> StoredObservation:
        """One observation with its history, if the caller may see its pupil."""
        reader = self._uow.readonly()
        stored = await reader.observations.get(observation_id)
        if stored is None or stored.trust_id != by.trust_id:
            raise NotFound(f"observation {observation_id} not found")
        access.readable_pupil(by, await reader.directory.get_pupil(stored.observation.pupil_id), stored.observation.pupil_id)
        return stored

    async def list_for_pupil(self, by: Principal, pupil_id: str, include_withdrawn: bool) -> list[StoredObservation]:
        """A pupil's observations, oldest first."""
        reader = self._uow.readonly()
        access.readable_pupil(by, await reader.directory.get_pupil(pupil_id), pupil_id)
        return await reader.observations.list_for_pupil(pupil_id, include_withdrawn)

    async def amend(self, by: Principal, observation_id: str, amendment: ObservationAmendment) -> StoredObservation:
        """Correct an observation: its observer, or the school's SENCO or the trust admin."""
        async with self._uow() as uow:
            return await self.amend_in(uow, by, observation_id, amendment)

    async def amend_in(self, uow: UnitOfWork, by: Principal, observation_id: str, amendment: ObservationAmendment) -> StoredObservation:
        """An amendment within a transaction the caller owns (e.g. with the event that asked for it)."""
        stored, outcome_ids = await self._changeable(by, uow, observation_id)
        updated = amended(stored, amendment, by)
        content = ObservationContent.model_validate(updated.observation.model_dump(include=set(ObservationContent.model_fields)))
        (await uow.configs.get(stored.trust_id)).check(content)
        check_timing(content)
        for i, outcome_id in enumerate(content.ehc_outcome_ids):
            if outcome_id not in outcome_ids:
                raise Invalid("is not an EHC outcome of this pupil", field=f"changes.ehc_outcome_ids.{i}")
        await uow.observations.replace(updated)
        uow.emit(_recorded_event(updated, ObservationAmended, amendment.reason))
        return updated

    async def withdraw(self, by: Principal, observation_id: str, withdrawal: Withdrawal) -> StoredObservation:
        """Withdraw an observation; it stays in the audit trail but no longer counts."""
        async with self._uow() as uow:
            stored, _ = await self._changeable(by, uow, observation_id)
            updated = withdrawn(stored, withdrawal, by)
            await uow.observations.replace(updated)
            observation = updated.observation
            uow.emit(ObservationWithdrawn(occurred_at=utcnow(), trust_id=updated.trust_id, school_id=observation.school_id,
                                          producer=access.PRODUCER,
                                          payload=ObservationWithdrawnPayload(observation_id=observation.observation_id, pupil_id=observation.pupil_id,
                                                                              version=observation.version, reason=withdrawal.reason)))
        return updated

    @staticmethod
    async def _changeable(by: Principal, uow: UnitOfWork, observation_id: str) -> tuple[StoredObservation, set[str]]:
        stored = await uow.observations.get(observation_id)
        if stored is None or stored.trust_id != by.trust_id:
            raise NotFound(f"observation {observation_id} not found")
        pupil_id = stored.observation.pupil_id
        pupil = access.readable_pupil(by, await uow.directory.get_pupil(pupil_id), pupil_id)
        own = stored.observation.observer_id == by.subject and by.can_record_observation(pupil.trust_id, pupil.school_id, pupil_id)
        if not (own or by.can_manage_school(pupil.trust_id, pupil.school_id)):
            raise Forbidden("only the observer, the school's SENCO or the trust admin may change this observation")
        outcomes: list[Outcome] = await uow.directory.list_outcomes([pupil_id])
        return stored, {o.outcome_id for o in outcomes}
