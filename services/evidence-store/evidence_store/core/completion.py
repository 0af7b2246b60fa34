"""Turning a fully received upload into evidence: the last checks, location metadata out of
images, a preview, and the item with its events in one transaction.

The object becomes visible in the bucket when its multipart upload completes, but it is evidence
only once the item is stored; an upload that fails its checks here is erased, every version.
When two uploads of the same file for the same pupil race, the second finds the first's item,
erases its own object and joins the first: the file is stored once.
"""

from __future__ import annotations

import asyncio
import hashlib
from collections.abc import Sequence
from datetime import timedelta

from engagement_shared.auth.principal import Principal
from engagement_shared.errors import Invalid
from engagement_shared.events.envelope import utcnow
from engagement_shared.events.evidence import EvidenceAttached, EvidenceFacts, EvidenceLink, EvidenceUploaded
from evidence_store.core.audit import AccessRecord, access_record
from evidence_store.core.content import ContentError, ContentInspector, MediaKind
from evidence_store.core.items import EvidenceItem, UploadSession
from evidence_store.core.location import strip_location
from evidence_store.core.policy import EvidencePolicy
from evidence_store.ports.objects import ObjectStorage
from evidence_store.ports.previews import Previewer
from evidence_store.ports.store import EvidenceRepository

PRODUCER = "evidence-store"
PREVIEW_SUFFIX = ".preview.jpg"


def preview_key(item_key: str) -> str:
    """Where an item's preview lives: beside it, so erasing the item's key erases both."""
    return item_key + PREVIEW_SUFFIX


class Completion:
    """Finishes uploads and links evidence to observations."""

    def __init__(self, repo: EvidenceRepository, objects: ObjectStorage, previewer: Previewer) -> None:
        self._repo = repo
        self._objects = objects
        self._previewer = previewer

    async def complete(self, by: Principal, session: UploadSession, inspector: ContentInspector | None, digest: str | None) -> EvidenceItem:
        """Check, store and record; raises ContentError (nothing kept) if the file is not what was declared."""
        kind = inspector.finish() if inspector is not None else None
        if digest is not None and digest != session.sha256:
            raise ContentError("checksum mismatch: the bytes received do not match the declared sha256", field="sha256")
        session.status = "completing"
        await self._repo.save_upload(session)
        await self._objects.complete_multipart(session.object_key, session.s3_upload_id or "", session.parts)
        if kind is None:
            kind = await self._recheck(session)
        item = await self._stored_item(session, kind)
        async with self._repo.transaction() as tx:
            if await tx.add_evidence(item):
                session.status, session.evidence_id = "done", item.evidence_id
                await tx.save_upload(session)
                await tx.add_access(self._record(by, item, "upload"))
                facts = EvidenceFacts(evidence_id=item.evidence_id, pupil_id=item.pupil_id, media_type=item.media_type, size_bytes=item.size_bytes,
                                      sha256=item.sha256, observation_ids=item.observation_ids)
                tx.emit(EvidenceUploaded(occurred_at=item.uploaded_at, trust_id=item.trust_id, school_id=item.school_id, producer=PRODUCER,
                                         payload=facts), *self._links(item, item.observation_ids, EvidenceAttached))
                return item
        existing = await self._repo.evidence_by_hash(session.pupil_id, session.sha256)
        await self._objects.erase(session.object_key)
        if existing is None:
            raise Invalid("the same file is being stored by another request; try again", field="sha256")
        joined = await self.attach(by, existing, session.observation_ids)
        session.status, session.evidence_id = "done", joined.evidence_id
        await self._repo.save_upload(session)
        return joined

    async def _recheck(self, session: UploadSession) -> MediaKind:
        """After a restart the running checks were lost: read the stored object once and redo them."""
        inspector = (await self._repo.policy(session.trust_id) or EvidencePolicy()).inspector(session.media_type, session.size_bytes)
        hasher = hashlib.sha256()
        async for chunk in self._objects.stream(session.object_key):
            inspector.feed(chunk)
            hasher.update(chunk)
        kind = inspector.finish()
        if hasher.hexdigest() != session.sha256:
            raise ContentError("checksum mismatch: the bytes received do not match the declared sha256", field="sha256")
        return kind

    async def _stored_item(self, session: UploadSession, kind: MediaKind) -> EvidenceItem:
        """Strip location metadata from images (before anyone can see them), make previews, lock if the trust wants it."""
        stored_sha, stored_size, removed, preview = session.sha256, session.size_bytes, [], "none"
        key = session.object_key
        if kind.category == "image":
            data = b"".join([chunk async for chunk in self._objects.stream(key)])
            stripped = await asyncio.to_thread(strip_location, kind.media_type, data)
            removed = stripped.removed
            if stripped.data != data:
                await self._objects.erase(key)
                await self._objects.put(key, stripped.data, kind.media_type)
                stored_sha, stored_size = hashlib.sha256(stripped.data).hexdigest(), len(stripped.data)
            thumbnail = await asyncio.to_thread(self._previewer.image_thumbnail, stripped.data)
            await self._objects.put(preview_key(key), thumbnail, "image/jpeg")
            preview = "ready"
        elif kind.category == "video":
            preview = "pending"
        policy = await self._repo.policy(session.trust_id) or EvidencePolicy()
        if policy.object_lock_days:
            await self._objects.set_retention(key, None, utcnow() + timedelta(days=policy.object_lock_days))
        return EvidenceItem(evidence_id=session.upload_id, trust_id=session.trust_id, school_id=session.school_id, pupil_id=session.pupil_id,
                            media_type=kind.media_type, category=kind.category, size_bytes=session.size_bytes, sha256=session.sha256,
                            stored_sha256=stored_sha, stored_size_bytes=stored_size, object_key=key,
                            preview_key=preview_key(key) if preview == "ready" else None, preview=preview,  # type: ignore[arg-type]
                            observation_ids=session.observation_ids, metadata_removed=removed, uploaded_by=session.uploaded_by,
                            uploaded_by_role=session.uploaded_by_role, uploaded_at=utcnow())

    async def attach(self, by: Principal, item: EvidenceItem, observation_ids: Sequence[str]) -> EvidenceItem:
        """Link evidence to more observations; ids it already supports change nothing."""
        new = [o for o in dict.fromkeys(observation_ids) if o not in item.observation_ids]
        if not new:
            return item
        async with self._repo.transaction() as tx:
            current = await tx.evidence(item.evidence_id) or item
            new = [o for o in new if o not in current.observation_ids]
            updated = current.model_copy(update={"observation_ids": [*current.observation_ids, *new]})
            await tx.save_evidence(updated)
            await tx.add_access(self._record(by, updated, "attach"))
            tx.emit(*self._links(updated, new, EvidenceAttached))
        return updated

    @staticmethod
    def _links(item: EvidenceItem, observation_ids: Sequence[str], kind: type[EvidenceAttached]) -> list[EvidenceAttached]:
        return [kind(occurred_at=utcnow(), trust_id=item.trust_id, school_id=item.school_id, producer=PRODUCER,
                     payload=EvidenceLink(evidence_id=item.evidence_id, pupil_id=item.pupil_id, observation_id=o)) for o in observation_ids]

    @staticmethod
    def _record(by: Principal, item: EvidenceItem, action: str) -> AccessRecord:
        return access_record(by, item, action, "internal_assessment", item.evidence_id)  # type: ignore[arg-type]
