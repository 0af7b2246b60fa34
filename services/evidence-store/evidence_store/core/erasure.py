"""Erasure: one item, or everything held about a pupil, gone from every object version and every
document, with other services told by event and a record kept that it happened.

Objects go first, then documents, then the record and the event in one transaction: a crash part
way leaves documents pointing at nothing, and running the erasure again finishes it. Retention
is the same erasure, run by the housekeeping worker when a trust's keeping period has passed.
"""

from __future__ import annotations

from datetime import date, datetime

from engagement_shared.auth.principal import Principal, Role
from engagement_shared.errors import NotFound
from engagement_shared.events.envelope import utcnow
from engagement_shared.events.evidence import EvidenceErased, EvidenceErasure
from evidence_store.core import access
from evidence_store.core.audit import ErasureRecord, pupil_reference
from evidence_store.core.completion import PRODUCER
from evidence_store.core.policy import EvidencePolicy
from evidence_store.core.pupils import Pupil
from evidence_store.ports.objects import ObjectStorage
from evidence_store.ports.store import EvidenceRepository

RETENTION_SUBJECT = "retention-policy"


def pupil_prefix(pupil: Pupil) -> str:
    """The pupil's folder in the object store."""
    return f"{pupil.trust_id}/{pupil.storage_ref}/"


def years_before(day: date, years: int) -> date:
    """The same calendar day ``years`` earlier (28 February for 29 February)."""
    try:
        return day.replace(year=day.year - years)
    except ValueError:
        return day.replace(year=day.year - years, day=28)


class Erasure:
    """Erase items and pupils; apply retention."""

    def __init__(self, repo: EvidenceRepository, objects: ObjectStorage) -> None:
        self._repo = repo
        self._objects = objects

    async def erase_item(self, by: Principal, evidence_id: str, reason: str) -> ErasureRecord:
        """Erase one item: its file and preview (every version), its document and its log entries."""
        item = await self._repo.evidence(evidence_id)
        if item is None or item.trust_id != by.trust_id:
            raise NotFound(f"evidence {evidence_id} not found", field="evidence_id")
        pupil = await access.known_pupil(by, self._repo, item.pupil_id)
        access.require_manage(by, pupil)
        removed = await self._objects.erase(item.object_key)
        return await self._record(pupil, "item", reason, 1, removed, by.subject, by.role, evidence_id)

    async def erase_pupil(self, by: Principal, pupil_id: str, reason: str) -> ErasureRecord:
        """Erase everything held about a pupil's evidence: files, previews, unfinished uploads, consents, logs."""
        pupil = await access.known_pupil(by, self._repo, pupil_id)
        access.require_manage(by, pupil)
        return await self._erase_pupil(pupil, len(await self._repo.evidence_of_pupil(pupil_id)), reason, by.subject, by.role)

    async def _erase_pupil(self, pupil: Pupil, items: int, reason: str, subject: str, role: Role) -> ErasureRecord:
        removed = await self._objects.erase(pupil_prefix(pupil))
        return await self._record(pupil, "pupil", reason, items, removed, subject, role, None)

    async def _record(self, pupil: Pupil, scope: str, reason: str, items: int, removed: int, subject: str, role: Role,
                      evidence_id: str | None) -> ErasureRecord:
        record = ErasureRecord(trust_id=pupil.trust_id, school_id=pupil.school_id, pupil_reference=pupil_reference(pupil.trust_id, pupil.pupil_id),
                               scope=scope, reason=reason, items_erased=items, object_versions_removed=removed, by_subject=subject,  # type: ignore[arg-type]
                               by_role=role, at=utcnow())
        async with self._repo.transaction() as tx:
            if evidence_id is None:
                await tx.forget_pupil(pupil.pupil_id)
            else:
                await tx.forget_item(evidence_id)
            await tx.add_erasure(record)
            tx.emit(EvidenceErased(occurred_at=record.at, trust_id=pupil.trust_id, school_id=pupil.school_id, producer=PRODUCER,
                                   payload=EvidenceErasure(pupil_id=pupil.pupil_id, evidence_id=evidence_id)))
        return record

    async def apply_retention(self, now: datetime) -> list[ErasureRecord]:
        """Erase the evidence of every pupil who left longer ago than their trust keeps it."""
        records = []
        for trust_id in await self._repo.trusts():
            policy = await self._repo.policy(trust_id) or EvidencePolicy()
            cutoff = years_before(now.date(), policy.retention_years_after_leaving)
            for pupil in await self._repo.pupils_left_on_or_before(trust_id, cutoff):
                items = len(await self._repo.evidence_of_pupil(pupil.pupil_id))
                if items:
                    reason = f"kept {policy.retention_years_after_leaving} years after leaving, as the trust's policy says"
                    records.append(await self._erase_pupil(pupil, items, reason, RETENTION_SUBJECT, Role.TRUST_ADMIN))
        return records
