"""Importing a school's roll from its MIS export: new pupils registered, known ones updated.

A pupil is recognised by unique pupil number or MIS id, so importing the same export twice
changes nothing. Classes named in the file are created when missing. Each row's problems are
reported by line and field; good rows are imported whatever the bad ones say.
"""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, Field

from engagement_shared.auth.principal import Principal
from engagement_shared.errors import DomainError, Invalid
from engagement_shared.events.envelope import new_id
from observation_ingest.core import access
from observation_ingest.core.directory import ClassGroup, PupilChanges
from observation_ingest.core.directory_service import DirectoryService
from observation_ingest.core.pupil_import import parse_pupils
from observation_ingest.ports.repositories import UnitOfWork, UnitOfWorkFactory


class RowReport(BaseModel):
    """What happened to one line of the file."""

    line: int
    status: Literal["registered", "updated", "unchanged", "rejected"]
    pupil_id: str | None = None
    errors: list[dict[str, str]] = Field(default_factory=list)


class ImportReport(BaseModel):
    """Counts and a per-row report."""

    registered: int
    updated: int
    unchanged: int
    rejected: int
    rows: list[RowReport]


class RollImport:
    """Turns CSV text into registrations and updates for one school."""

    def __init__(self, uow: UnitOfWorkFactory, directory: DirectoryService) -> None:
        self._uow = uow
        self._directory = directory

    async def import_csv(self, by: Principal, school_id: str, text: str, first_line: int = 2) -> ImportReport:
        """Import CSV text (with its header row); ``first_line`` numbers rows of a chunk as in the whole file."""
        async with self._uow() as uow:
            access.managed_school(by, await uow.directory.get_school(school_id), school_id)
            rows, missing = parse_pupils(text, school_id, first_line)
            if missing:
                raise Invalid(f"the file has no column for {', '.join(missing)}", field="header")
            classes = {c.name.strip().lower(): c.class_id for c in await uow.directory.list_classes(school_id)}
            reports = []
            for row in rows:
                if row.errors or row.pupil is None:
                    reports.append(RowReport(line=row.line, status="rejected", errors=[{"field": f, "message": m} for f, m in row.errors]))
                    continue
                try:
                    class_id = await self._class_id(by, uow, school_id, row.class_name, classes)
                    reports.append(await self._upsert(by, uow, row.line, row.pupil.model_copy(update={"class_id": class_id})))
                except DomainError as exc:
                    reports.append(RowReport(line=row.line, status="rejected", errors=[{"field": exc.field or "row", "message": exc.message}]))
        count = {s: sum(r.status == s for r in reports) for s in ("registered", "updated", "unchanged", "rejected")}
        return ImportReport(**count, rows=reports)

    async def _upsert(self, by: Principal, uow: UnitOfWork, line: int, pupil_input) -> RowReport:  # type: ignore[no-untyped-def]
        known = await uow.directory.find_pupil(pupil_input.school_id, pupil_input.upn, pupil_input.mis_id)
        if known is None:
            pupil = await self._directory.register_pupil(by, pupil_input, uow)
            return RowReport(line=line, status="registered", pupil_id=pupil.pupil_id)
        changes = PupilChanges(**pupil_input.model_dump(include=set(PupilChanges.model_fields)))
        if all(getattr(known, name) == value for name, value in changes.model_dump().items()):
            return RowReport(line=line, status="unchanged", pupil_id=known.pupil_id)
        await self._directory.update_pupil(by, known.pupil_id, changes, uow)
        return RowReport(line=line, status="updated", pupil_id=known.pupil_id)

    @staticmethod
    async def _class_id(by: Principal, uow: UnitOfWork, school_id: str, name: str | None, classes: dict[str, str]) -> str | None:
        if not name:
            return None
        key = name.strip().lower()
        if key not in classes:
            group = ClassGroup(class_id=new_id(), school_id=school_id, trust_id=by.trust_id, name=name.strip())
            await uow.directory.save_class(group)
            classes[key] = group.class_id
        return classes[key]
