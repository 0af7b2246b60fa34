"""Who may see a pupil's evidence, and for which purpose: the trust, school and role boundaries
of the platform, narrowed by the consent the purpose needs.

Every read names a purpose (or gets the one its role implies), the purpose must suit the role,
and the pupil's consent for that purpose must stand at that moment, so withdrawing consent cuts
access at once.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING

from engagement_shared.auth.principal import TRUST_WIDE, Principal, Role
from engagement_shared.errors import Forbidden, NotFound
from engagement_shared.events.evidence import Purpose
from evidence_store.core.pupils import Pupil

if TYPE_CHECKING:
    from evidence_store.ports.store import EvidenceRepository

SCHOOL_STAFF = {Role.SENCO, Role.TEACHER, Role.TEACHING_ASSISTANT, Role.APP}
#: The purposes each role may read under.
PURPOSES_OF_ROLE: dict[Role, set[Purpose]] = {
    Role.TRUST_ADMIN: {"internal_assessment", "share_with_parents", "cross_school_moderation", "exemplar_library"},
    Role.CENTRAL_MODERATOR: {"cross_school_moderation", "exemplar_library"},
    # Staff who write reports to parents may put in them what the family agreed to share.
    Role.SENCO: {"internal_assessment", "share_with_parents", "exemplar_library"},
    Role.TEACHER: {"internal_assessment", "share_with_parents", "exemplar_library"},
    Role.TEACHING_ASSISTANT: {"internal_assessment", "exemplar_library"},
    Role.APP: {"internal_assessment"},
    Role.PARENT: {"share_with_parents"},
}
DEFAULT_PURPOSE: dict[Role, Purpose] = {Role.PARENT: "share_with_parents", Role.CENTRAL_MODERATOR: "cross_school_moderation"}


async def known_pupil(by: Principal, repo: EvidenceRepository, pupil_id: str) -> Pupil:
    """The pupil, if it exists in the caller's trust; other trusts' pupils do not exist for them."""
    pupil = next(iter(await repo.pupils([pupil_id])), None)
    if pupil is None or pupil.trust_id != by.trust_id:
        raise NotFound(f"pupil {pupil_id} not found", field="pupil_id")
    return pupil


def reaches(by: Principal, pupil: Pupil, purpose: Purpose) -> bool:
    """Whether the role, school and family boundaries let the caller near this pupil for this purpose."""
    if by.trust_id != pupil.trust_id or purpose not in PURPOSES_OF_ROLE.get(by.role, set()):
        return False
    if purpose == "exemplar_library":
        return True  # the trust's library: any of its staff, whatever their school
    if purpose == "cross_school_moderation":
        return by.role in TRUST_WIDE
    return by.can_read_pupil(pupil.trust_id, pupil.school_id, pupil.pupil_id)


def purpose_for(by: Principal, asked: Purpose | None) -> Purpose:
    """The purpose a read is for: the one asked, or the one the caller's role implies."""
    return asked or DEFAULT_PURPOSE.get(by.role, "internal_assessment")


def require_read(by: Principal, pupil: Pupil, purpose: Purpose, consent: Mapping[str, bool]) -> None:
    """Refuse a read the caller's role or school does not allow, or the pupil's consent does not cover."""
    if not reaches(by, pupil, purpose):
        raise Forbidden(f"your role may not see this pupil's evidence for {purpose.replace('_', ' ')}")
    if not consent.get(purpose, False):
        raise Forbidden(f"there is no consent for {purpose.replace('_', ' ')} of this pupil's evidence", field="consent")


def require_upload(by: Principal, pupil: Pupil, consent: Mapping[str, bool]) -> None:
    """Observers of the pupil may add evidence, once there is consent to keep it for assessment."""
    if not by.can_record_observation(pupil.trust_id, pupil.school_id, pupil.pupil_id):
        raise Forbidden("you may not add evidence for a pupil outside your school")
    if not consent.get("internal_assessment", False):
        raise Forbidden("there is no consent to keep evidence of this pupil for internal assessment", field="consent")
    if pupil.left_on is not None:
        raise Forbidden("this pupil has left; new evidence cannot be added", field="pupil_id")


def require_manage(by: Principal, pupil: Pupil) -> None:
    """Erasure, access logs and subject access exports: the school's SENCO or the trust admin (the DPO's role)."""
    if not by.can_manage_school(pupil.trust_id, pupil.school_id):
        raise Forbidden("only the school's SENCO or the trust admin may do this")
