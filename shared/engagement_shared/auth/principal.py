"""Who is calling, and what they may see or change.

Every read and write in every service goes through these checks, so the rules for school and
trust boundaries live in one place. Staff roles are scoped to schools within one trust; trust
admins and central moderators to the whole trust; a parent or carer to their own children.
"""

from __future__ import annotations

from enum import StrEnum

from pydantic import BaseModel, ConfigDict, Field


class Role(StrEnum):
    """The platform's roles."""

    TRUST_ADMIN = "trust_admin"
    CENTRAL_MODERATOR = "central_moderator"
    SENCO = "senco"
    TEACHER = "teacher"
    TEACHING_ASSISTANT = "teaching_assistant"
    PARENT = "parent"
    APP = "app"


TRUST_WIDE = {Role.TRUST_ADMIN, Role.CENTRAL_MODERATOR}
MANAGES_DIRECTORY = {Role.TRUST_ADMIN, Role.SENCO}
RECORDS_OBSERVATIONS = {Role.TRUST_ADMIN, Role.SENCO, Role.TEACHER, Role.TEACHING_ASSISTANT, Role.PARENT, Role.APP}
EXPORTS_STATUTORY = {Role.TRUST_ADMIN, Role.SENCO}


class Principal(BaseModel):
    """The verified claims of a bearer token."""

    model_config = ConfigDict(frozen=True)

    subject: str = Field(description="Staff, parent or app id; never a name.")
    role: Role
    trust_id: str
    school_ids: frozenset[str] = frozenset()
    pupil_ids: frozenset[str] = frozenset()

    def in_school(self, trust_id: str, school_id: str) -> bool:
        """Whether the caller works in (or, trust-wide, oversees) this school."""
        if trust_id != self.trust_id:
            return False
        return self.role in TRUST_WIDE or (self.role != Role.PARENT and school_id in self.school_ids)

    def can_read_pupil(self, trust_id: str, school_id: str, pupil_id: str) -> bool:
        """Staff and apps of the pupil's school, the trust's central roles, or the pupil's own parent."""
        if self.role == Role.PARENT:
            return trust_id == self.trust_id and pupil_id in self.pupil_ids
        return self.in_school(trust_id, school_id)

    def can_record_observation(self, trust_id: str, school_id: str, pupil_id: str) -> bool:
        """Observers of the pupil: staff and apps of the school, the trust admin, or the pupil's parent."""
        return self.role in RECORDS_OBSERVATIONS and self.can_read_pupil(trust_id, school_id, pupil_id)

    def can_manage_school(self, trust_id: str, school_id: str) -> bool:
        """Changing a school's roll, classes, staff and EHC outcomes: its SENCO or the trust admin."""
        return self.role in MANAGES_DIRECTORY and self.in_school(trust_id, school_id)

    def can_export(self, trust_id: str, school_id: str) -> bool:
        """Statutory returns: the school's SENCO or the trust admin."""
        return self.role in EXPORTS_STATUTORY and self.in_school(trust_id, school_id)

    def can_administer_trust(self, trust_id: str) -> bool:
        """Trust-wide settings and new schools: the trust admin only."""
        return self.role == Role.TRUST_ADMIN and trust_id == self.trust_id
