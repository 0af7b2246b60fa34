"""Use cases on the trust directory; each write emits the matching event in the same transaction."""

from __future__ import annotations

from datetime import UTC, date, datetime, time

from engagement_shared.auth.principal import Principal, Role
from engagement_shared.errors import Forbidden, Invalid, NotFound
from engagement_shared.events.directory import (
    EhcOutcomeSet, EhcOutcomeUpdated, PupilLeft, PupilRegistered, PupilUpdated, TrustConfigured, TrustSettings,
)
from engagement_shared.events.envelope import new_id, utcnow
from observation_ingest.core import access
from observation_ingest.core.directory import (
    ClassGroup, ClassInput, LeaveInput, Outcome, OutcomeChanges, OutcomeInput, Pupil, PupilChanges, PupilInput, School,
    SchoolInput, StaffInput, StaffMember, Trust, TrustInput,
)
from observation_ingest.core.statutory_export import ks2_engagement_model_pupils, render_csv
from observation_ingest.core.trust_config import TrustConfig
from observation_ingest.ports.repositories import UnitOfWork, UnitOfWorkFactory


def _day(day: object) -> datetime:
    return datetime.combine(day, time(), tzinfo=UTC)  # type: ignore[arg-type]


class DirectoryService:
    """Trusts, schools, classes, staff, pupils and EHC outcomes, with role and school checks."""

    def __init__(self, uow: UnitOfWorkFactory) -> None:
        self._uow = uow

    async def put_trust(self, by: Principal, trust_id: str, data: TrustInput) -> Trust:
        """Create or rename the caller's trust."""
        if by.trust_id != trust_id:
            raise NotFound(f"trust {trust_id} not found")
        if not by.can_administer_trust(trust_id):
            raise Forbidden("only the trust's admin may change the trust")
        trust = Trust(trust_id=trust_id, **data.model_dump())
        async with self._uow() as uow:
            await uow.directory.save_trust(trust)
        return trust

    async def get_config(self, by: Principal, trust_id: str) -> TrustConfig:
        """Anyone in the trust may read its vocabularies (apps need them to build forms)."""
        if by.trust_id != trust_id:
            raise NotFound(f"trust {trust_id} not found")
        return await self._uow.readonly().configs.get(trust_id)

    async def put_config(self, by: Principal, trust_id: str, config: TrustConfig) -> TrustConfig:
        """Replace the trust's configuration (trust admin only)."""
        if by.trust_id != trust_id:
            raise NotFound(f"trust {trust_id} not found")
        if not by.can_administer_trust(trust_id):
            raise Forbidden("only the trust's admin may change its configuration")
        settings = TrustSettings(trust_id=trust_id, descriptor_scale=config.descriptor_scale, prompt_hierarchy=config.prompt_hierarchy,
                                 observation_gap_days=config.observation_gap_days, target_warning_days=config.target_warning_days,
                                 progress_period=config.progress_period)
        async with self._uow() as uow:
            await uow.configs.save(trust_id, config)
            uow.emit(TrustConfigured(occurred_at=utcnow(), trust_id=trust_id, school_id="", producer=access.PRODUCER, payload=settings))
        return config

    async def add_school(self, by: Principal, data: SchoolInput) -> School:
        """Add a school to the caller's trust."""
        if not by.can_administer_trust(by.trust_id):
            raise Forbidden("only the trust's admin may add schools")
        school = School(school_id=new_id(), trust_id=by.trust_id, **data.model_dump())
        async with self._uow() as uow:
            await uow.directory.save_school(school)
        return school

    async def list_schools(self, by: Principal) -> list[School]:
        """The schools the caller works in, or all of the trust's for trust-wide roles."""
        schools = await self._uow.readonly().directory.list_schools(by.trust_id)
        return [s for s in schools if by.in_school(s.trust_id, s.school_id)]

    async def get_school(self, by: Principal, school_id: str) -> School:
        """One school the caller may see."""
        return access.viewable_school(by, await self._uow.readonly().directory.get_school(school_id), school_id)

    async def add_class(self, by: Principal, school_id: str, data: ClassInput) -> ClassGroup:
        """Add a class to a school the caller manages."""
        async with self._uow() as uow:
            school = access.managed_school(by, await uow.directory.get_school(school_id), school_id)
            group = ClassGroup(class_id=new_id(), school_id=school.school_id, trust_id=school.trust_id, **data.model_dump())
            await uow.directory.save_class(group)
        return group

    async def list_classes(self, by: Principal, school_id: str) -> list[ClassGroup]:
        """A school's classes."""
        repo = self._uow.readonly().directory
        access.viewable_school(by, await repo.get_school(school_id), school_id)
        return await repo.list_classes(school_id)

    async def add_staff(self, by: Principal, school_id: str, data: StaffInput) -> StaffMember:
        """Add a staff member to a school the caller manages."""
        async with self._uow() as uow:
            school = access.managed_school(by, await uow.directory.get_school(school_id), school_id)
            member = StaffMember(staff_id=new_id(), school_id=school.school_id, trust_id=school.trust_id, **data.model_dump())
            await uow.directory.save_staff(member)
        return member

    async def list_staff(self, by: Principal, school_id: str) -> list[StaffMember]:
        """A school's staff."""
        repo = self._uow.readonly().directory
        access.viewable_school(by, await repo.get_school(school_id), school_id)
        return await repo.list_staff(school_id)

    async def register_pupil(self, by: Principal, data: PupilInput, uow: UnitOfWork | None = None) -> Pupil:
        """Put a pupil on a school's roll and tell the other services."""
        if uow is None:
            async with self._uow() as own:
                return await self.register_pupil(by, data, own)
        school = access.managed_school(by, await uow.directory.get_school(data.school_id), data.school_id)
        await self._check_class(uow, data.class_id, school.school_id)
        pupil = Pupil(pupil_id=new_id(), trust_id=school.trust_id, **data.model_dump())
        await uow.directory.save_pupil(pupil)
        uow.emit(PupilRegistered(occurred_at=utcnow(), trust_id=pupil.trust_id, school_id=pupil.school_id,
                                 producer=access.PRODUCER, payload=pupil.facts()))
        return pupil

    async def update_pupil(self, by: Principal, pupil_id: str, changes: PupilChanges, uow: UnitOfWork | None = None) -> Pupil:
        """Change a pupil's details; an event follows only if facts other services know changed."""
        if uow is None:
            async with self._uow() as own:
                return await self.update_pupil(by, pupil_id, changes, own)
        pupil = await self._managed_pupil(by, uow, pupil_id)
        await self._check_class(uow, changes.class_id, pupil.school_id)
        updated = pupil.model_copy(update=changes.model_dump(exclude_unset=True))
        await uow.directory.save_pupil(updated)
        if updated.facts() != pupil.facts():
            uow.emit(PupilUpdated(occurred_at=utcnow(), trust_id=updated.trust_id, school_id=updated.school_id,
                                  producer=access.PRODUCER, payload=updated.facts()))
        return updated

    async def pupil_left(self, by: Principal, pupil_id: str, data: LeaveInput) -> Pupil:
        """Record the day a pupil left; their records stay for the trust's retention period."""
        async with self._uow() as uow:
            pupil = await self._managed_pupil(by, uow, pupil_id)
            updated = pupil.model_copy(update={"left_on": data.left_on})
            await uow.directory.save_pupil(updated)
            uow.emit(PupilLeft(occurred_at=_day(data.left_on), trust_id=updated.trust_id, school_id=updated.school_id,
                               producer=access.PRODUCER, payload=updated.facts()))
        return updated

    async def get_pupil(self, by: Principal, pupil_id: str) -> Pupil:
        """One pupil the caller may see."""
        return access.readable_pupil(by, await self._uow.readonly().directory.get_pupil(pupil_id), pupil_id)

    async def list_pupils(self, by: Principal, school_id: str) -> list[Pupil]:
        """A school's pupils for staff; a parent sees only their own children there."""
        repo = self._uow.readonly().directory
        school = access.school_in_trust(by, await repo.get_school(school_id), school_id)
        if by.role != Role.PARENT:
            access.viewable_school(by, school, school_id)
        pupils = await repo.list_pupils(school_id)
        return [p for p in pupils if by.can_read_pupil(p.trust_id, p.school_id, p.pupil_id)]

    async def add_outcome(self, by: Principal, pupil_id: str, data: OutcomeInput) -> Outcome:
        """Add an EHC plan outcome or target to a pupil."""
        async with self._uow() as uow:
            pupil = await self._managed_pupil(by, uow, pupil_id)
            if data.parent_outcome_id:
                parent = await uow.directory.get_outcome(data.parent_outcome_id)
                if parent is None or parent.pupil_id != pupil.pupil_id:
                    raise Invalid("is not an outcome of this pupil", field="parent_outcome_id")
            outcome = Outcome(outcome_id=new_id(), pupil_id=pupil.pupil_id, school_id=pupil.school_id,
                              trust_id=pupil.trust_id, **data.model_dump())
            await uow.directory.save_outcome(outcome)
            uow.emit(EhcOutcomeSet(occurred_at=utcnow(), trust_id=pupil.trust_id, school_id=pupil.school_id,
                                   producer=access.PRODUCER, payload=outcome.facts()))
        return outcome

    async def update_outcome(self, by: Principal, pupil_id: str, outcome_id: str, changes: OutcomeChanges) -> Outcome:
        """Change an outcome's wording, target date or achievement."""
        async with self._uow() as uow:
            pupil = await self._managed_pupil(by, uow, pupil_id)
            outcome = await uow.directory.get_outcome(outcome_id)
            if outcome is None or outcome.pupil_id != pupil.pupil_id:
                raise NotFound(f"outcome {outcome_id} not found")
            updated = outcome.model_copy(update=changes.model_dump(exclude_unset=True))
            await uow.directory.save_outcome(updated)
            uow.emit(EhcOutcomeUpdated(occurred_at=utcnow(), trust_id=pupil.trust_id, school_id=pupil.school_id,
                                       producer=access.PRODUCER, payload=updated.facts()))
        return updated

    async def list_outcomes(self, by: Principal, pupil_id: str) -> list[Outcome]:
        """A pupil's EHC outcomes."""
        repo = self._uow.readonly().directory
        access.readable_pupil(by, await repo.get_pupil(pupil_id), pupil_id)
        return await repo.list_outcomes([pupil_id])

    async def ks2_return(self, by: Principal, school_id: str, on: date) -> str:
        """The statutory list of KS2 pupils assessed using the engagement model, as CSV."""
        repo = self._uow.readonly().directory
        school = access.school_in_trust(by, await repo.get_school(school_id), school_id)
        if not by.can_export(school.trust_id, school.school_id):
            raise Forbidden("only the school's SENCO or the trust admin may export statutory returns")
        pupils = ks2_engagement_model_pupils(await repo.list_pupils(school_id), on)
        return render_csv(pupils, await repo.list_classes(school_id))

    async def _managed_pupil(self, by: Principal, uow: UnitOfWork, pupil_id: str) -> Pupil:
        pupil = await uow.directory.get_pupil(pupil_id)
        if pupil is None or pupil.trust_id != by.trust_id:
            raise NotFound(f"pupil {pupil_id} not found")
        if not by.can_manage_school(pupil.trust_id, pupil.school_id):
            raise Forbidden("your role may not change this pupil's records")
        return pupil

    @staticmethod
    async def _check_class(uow: UnitOfWork, class_id: str | None, school_id: str) -> None:
        if class_id and class_id not in {c.class_id for c in await uow.directory.list_classes(school_id)}:
            raise Invalid("is not a class of this school", field="class_id")
