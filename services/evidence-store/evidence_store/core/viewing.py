"""Reading evidence: lists, short-lived links, consent decisions, the access log and the trust's policy.

A file is only ever handed out as a presigned link that expires within minutes, and only after
the role, school and consent checks for the purpose named; every link issued is logged.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta

from pydantic import BaseModel

from engagement_shared.auth.principal import TRUST_WIDE, Principal, Role
from engagement_shared.errors import Forbidden, NotFound
from engagement_shared.events.envelope import utcnow
from engagement_shared.events.evidence import ConsentChange, ConsentChanged, EvidenceDetached, Purpose
from evidence_store.core import access
from evidence_store.core.audit import AccessRecord, ErasureRecord, access_record
from evidence_store.core.completion import PRODUCER, Completion
from evidence_store.core.consent import ConsentRequest, ConsentState, decision, may_record, state_of
from evidence_store.core.items import EvidenceItem, EvidenceView
from evidence_store.core.policy import EvidencePolicy
from evidence_store.core.pupils import Pupil
from evidence_store.ports.objects import ObjectStorage
from evidence_store.ports.store import EvidenceRepository

LINK_LIFETIME = timedelta(minutes=5)
EXTENSION = {"image/jpeg": "jpg", "image/png": "png", "image/webp": "webp", "image/heic": "heic", "video/mp4": "mp4", "video/quicktime": "mov",
             "video/webm": "webm", "audio/mpeg": "mp3", "audio/mp4": "m4a", "audio/wav": "wav", "audio/ogg": "ogg", "application/pdf": "pdf"}


class Link(BaseModel):
    """A short-lived link to a file or its preview."""

    evidence_id: str
    purpose: Purpose
    url: str
    expires_at: datetime


def neutral_filename(item: EvidenceItem, preview: bool = False) -> str:
    """What a download is called: the item id and its kind, never the name it was uploaded with."""
    return f"evidence-{item.evidence_id}.preview.jpg" if preview else f"evidence-{item.evidence_id}.{EXTENSION.get(item.media_type, 'bin')}"


class Viewing:
    """Read-side use cases, each behind the access rules."""

    def __init__(self, repo: EvidenceRepository, objects: ObjectStorage, completion: Completion) -> None:
        self._repo = repo
        self._objects = objects
        self._completion = completion

    async def pupil(self, by: Principal, pupil_id: str) -> Pupil:
        """The pupil, if the caller's trust has them."""
        return await access.known_pupil(by, self._repo, pupil_id)

    async def consent_of(self, pupil_id: str) -> dict[str, bool]:
        """The pupil's standing consent per purpose."""
        return state_of(pupil_id, await self._repo.consents(pupil_id)).current  # type: ignore[return-value]

    async def item(self, by: Principal, evidence_id: str, purpose: Purpose | None = None) -> tuple[EvidenceItem, Pupil, Purpose]:
        """An item the caller may see for the purpose (asked or implied by their role)."""
        item = await self._repo.evidence(evidence_id)
        if item is None or item.trust_id != by.trust_id:
            raise NotFound(f"evidence {evidence_id} not found", field="evidence_id")
        pupil = await self.pupil(by, item.pupil_id)
        chosen = access.purpose_for(by, purpose)
        access.require_read(by, pupil, chosen, await self.consent_of(pupil.pupil_id))
        return item, pupil, chosen

    async def list_for_pupil(self, by: Principal, pupil_id: str, purpose: Purpose | None = None) -> list[EvidenceView]:
        """A pupil's evidence, for a purpose the caller may use and the pupil has consented to."""
        pupil = await self.pupil(by, pupil_id)
        access.require_read(by, pupil, access.purpose_for(by, purpose), await self.consent_of(pupil_id))
        return [EvidenceView.of(i) for i in await self._repo.evidence_of_pupil(pupil_id)]

    async def link(self, by: Principal, evidence_id: str, purpose: Purpose | None, preview: bool) -> Link:
        """A presigned link, logged with who, what, when and why."""
        item, pupil, chosen = await self.item(by, evidence_id, purpose)
        if preview and item.preview_key is None:
            raise NotFound("this evidence has no preview (yet)", field="preview")
        key = item.preview_key if preview and item.preview_key else item.object_key
        url = await self._objects.presigned_get(key, LINK_LIFETIME, filename=neutral_filename(item, preview),
                                                content_type="image/jpeg" if preview else item.media_type)
        await self._repo.add_access(access_record(by, item, "preview" if preview else "view", chosen, item.evidence_id))
        return Link(evidence_id=item.evidence_id, purpose=chosen, url=url, expires_at=utcnow() + LINK_LIFETIME)

    async def attach(self, by: Principal, evidence_id: str, observation_ids: Sequence[str]) -> EvidenceView:
        """Link evidence to observations (staff of the pupil's school)."""
        item, pupil, _ = await self.item(by, evidence_id, "internal_assessment")
        if not by.can_record_observation(pupil.trust_id, pupil.school_id, pupil.pupil_id):
            raise Forbidden("you may not change this pupil's evidence")
        return EvidenceView.of(await self._completion.attach(by, item, observation_ids))

    async def detach(self, by: Principal, evidence_id: str, observation_id: str) -> EvidenceView:
        """Unlink evidence from an observation."""
        item, pupil, _ = await self.item(by, evidence_id, "internal_assessment")
        if not by.can_record_observation(pupil.trust_id, pupil.school_id, pupil.pupil_id):
            raise Forbidden("you may not change this pupil's evidence")
        if observation_id not in item.observation_ids:
            raise NotFound(f"evidence {evidence_id} does not support observation {observation_id}", field="observation_id")
        async with self._repo.transaction() as tx:
            current = await tx.evidence(evidence_id) or item
            updated = current.model_copy(update={"observation_ids": [o for o in current.observation_ids if o != observation_id]})
            await tx.save_evidence(updated)
            await tx.add_access(access_record(by, item, "detach", "internal_assessment", evidence_id))
            tx.emit(EvidenceDetached(occurred_at=utcnow(), trust_id=item.trust_id, school_id=item.school_id, producer=PRODUCER,
                                     payload={"evidence_id": evidence_id, "pupil_id": item.pupil_id, "observation_id": observation_id}))  # type: ignore[arg-type]
        return EvidenceView.of(updated)

    async def consents(self, by: Principal, pupil_id: str) -> ConsentState:
        """A pupil's consent decisions: for those who may record them, and the pupil's staff."""
        pupil = await self.pupil(by, pupil_id)
        if not (may_record(by, pupil.trust_id, pupil.school_id, pupil_id) or by.can_read_pupil(pupil.trust_id, pupil.school_id, pupil_id)):
            raise Forbidden("you may not see this pupil's consent decisions")
        return state_of(pupil_id, await self._repo.consents(pupil_id))

    async def record_consent(self, by: Principal, pupil_id: str, purpose: Purpose, request: ConsentRequest) -> ConsentState:
        """Give or withdraw consent for one purpose; access follows at once, and other services hear of it."""
        pupil = await self.pupil(by, pupil_id)
        if not may_record(by, pupil.trust_id, pupil.school_id, pupil_id):
            raise Forbidden("only the pupil's parent or carer, the school's SENCO or the trust admin may record consent")
        made = decision(by, pupil_id, purpose, request, utcnow())
        async with self._repo.transaction() as tx:
            await tx.add_consent(made)
            await tx.add_access(access_record(by, pupil, "consent", purpose, at=made.effective_at))
            tx.emit(ConsentChanged(occurred_at=made.effective_at, trust_id=pupil.trust_id, school_id=pupil.school_id, producer=PRODUCER,
                                   payload=ConsentChange(pupil_id=pupil_id, purpose=purpose, granted=made.granted, given_by_role=made.given_by,
                                                         effective_at=made.effective_at)))
        return state_of(pupil_id, await self._repo.consents(pupil_id))

    async def access_log(self, by: Principal, pupil_id: str | None, evidence_id: str | None, limit: int) -> list[AccessRecord]:
        """Who did what with evidence: a SENCO for their schools, the trust admin (the DPO's role) for the trust."""
        if by.role not in (Role.TRUST_ADMIN, Role.SENCO):
            raise Forbidden("only a SENCO or the trust admin may read the access log")
        if pupil_id:
            access.require_manage(by, await self.pupil(by, pupil_id))
        schools = None if by.role in TRUST_WIDE else sorted(by.school_ids)
        return await self._repo.access_log(by.trust_id, schools, pupil_id, evidence_id, limit)

    async def erasures(self, by: Principal) -> list[ErasureRecord]:
        """Proof of every erasure in the trust, with nothing that identifies a pupil."""
        if by.role != Role.TRUST_ADMIN:
            raise Forbidden("only the trust admin may read the erasure record")
        return await self._repo.erasures(by.trust_id)

    async def policy(self, by: Principal, trust_id: str) -> EvidencePolicy:
        """The trust's evidence policy (defaults until it sets one)."""
        if by.trust_id != trust_id or by.role == Role.PARENT:
            raise NotFound(f"trust {trust_id} not found", field="trust_id")
        return await self._repo.policy(trust_id) or EvidencePolicy()

    async def set_policy(self, by: Principal, trust_id: str, policy: EvidencePolicy) -> EvidencePolicy:
        """Change what the trust accepts and keeps: the trust admin only."""
        if not by.can_administer_trust(trust_id):
            raise Forbidden("only the trust admin may change the evidence policy")
        await self._repo.save_policy(trust_id, policy)
        return policy
