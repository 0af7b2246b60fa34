"""Authorisation checks phrased as the core needs them; they raise rather than return.

Unknown and forbidden are told apart only for callers inside the trust, so nobody can probe
another trust's ids.
"""

from __future__ import annotations

from engagement_shared.auth.principal import Principal
from engagement_shared.errors import Forbidden, NotFound
from observation_ingest.core.directory import Pupil, School

PRODUCER = "observation-ingest"


def readable_pupil(principal: Principal, pupil: Pupil | None, pupil_id: str) -> Pupil:
    """The pupil, if the caller may see them."""
    if pupil is None or pupil.trust_id != principal.trust_id:
        raise NotFound(f"pupil {pupil_id} not found")
    if not principal.can_read_pupil(pupil.trust_id, pupil.school_id, pupil.pupil_id):
        raise Forbidden("you may not see this pupil")
    return pupil


def school_in_trust(principal: Principal, school: School | None, school_id: str) -> School:
    """The school, if it belongs to the caller's trust."""
    if school is None or school.trust_id != principal.trust_id:
        raise NotFound(f"school {school_id} not found")
    return school


def managed_school(principal: Principal, school: School | None, school_id: str) -> School:
    """The school, if the caller may change its roll, classes, staff and outcomes."""
    school = school_in_trust(principal, school, school_id)
    if not principal.can_manage_school(school.trust_id, school.school_id):
        raise Forbidden("your role may not change this school's records")
    return school


def viewable_school(principal: Principal, school: School | None, school_id: str) -> School:
    """The school, if the caller works in it or oversees the trust."""
    school = school_in_trust(principal, school, school_id)
    if not principal.in_school(school.trust_id, school.school_id):
        raise Forbidden("you may not see this school's records")
    return school
