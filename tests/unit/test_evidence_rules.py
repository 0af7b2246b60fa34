"""evidence-store's rules without I/O: the trust's policy, who reaches a pupil for which purpose,
consent as the latest decision, and the retention calendar."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
from pydantic import ValidationError

from engagement_shared.auth.principal import Principal, Role
from engagement_shared.errors import Forbidden
from evidence_store.core import access
from evidence_store.core.consent import ConsentDecision, state_of
from evidence_store.core.erasure import years_before
from evidence_store.core.policy import DEFAULT_MAX_BYTES, MIB, EvidencePolicy
from evidence_store.core.pupils import Pupil

PUPIL = Pupil(pupil_id="p1", trust_id="t1", school_id="s1")


def who(role: Role, schools: tuple[str, ...] = ("s1",), pupils: tuple[str, ...] = (), trust: str = "t1") -> Principal:
    return Principal(subject=f"{role}-1", role=role, trust_id=trust, school_ids=frozenset(schools), pupil_ids=frozenset(pupils))


def test_policy_keeps_defaults_for_kinds_left_out_and_refuses_what_it_cannot_clean() -> None:
    policy = EvidencePolicy(max_bytes={"video": 100 * MIB})
    assert policy.max_size("video/mp4") == 100 * MIB and policy.max_size("image/png") == DEFAULT_MAX_BYTES["image"]
    assert policy.max_size("application/pdf") == DEFAULT_MAX_BYTES["document"]
    for bad in ({"allowed_media_types": ["image/heic"]}, {"allowed_media_types": ["application/x-msdownload"]}, {"max_bytes": {"image": 0}}):
        with pytest.raises(ValidationError):
            EvidencePolicy.model_validate(bad)


@pytest.mark.parametrize(("principal", "purpose", "reaches"), [
    (who(Role.TEACHER), "internal_assessment", True),
    (who(Role.TEACHER, ("s2",)), "internal_assessment", False),
    (who(Role.TEACHER, ("s2",)), "exemplar_library", True),
    (who(Role.TEACHER), "cross_school_moderation", False),
    (who(Role.CENTRAL_MODERATOR, ()), "cross_school_moderation", True),
    (who(Role.CENTRAL_MODERATOR, ()), "internal_assessment", False),
    (who(Role.PARENT, (), ("p1",)), "share_with_parents", True),
    (who(Role.PARENT, (), ("p2",)), "share_with_parents", False),
    (who(Role.PARENT, (), ("p1",)), "internal_assessment", False),
    (who(Role.TRUST_ADMIN, (), trust="t2"), "internal_assessment", False),
    (who(Role.APP), "share_with_parents", False),
])
def test_who_reaches_a_pupil_for_which_purpose(principal: Principal, purpose: str, reaches: bool) -> None:
    assert access.reaches(principal, PUPIL, purpose) is reaches  # type: ignore[arg-type]


def test_a_read_needs_the_consent_of_its_purpose_and_an_upload_consent_to_keep() -> None:
    teacher = who(Role.TEACHER)
    access.require_read(teacher, PUPIL, "internal_assessment", {"internal_assessment": True})
    with pytest.raises(Forbidden) as refused:
        access.require_read(teacher, PUPIL, "internal_assessment", {"share_with_parents": True})
    assert refused.value.field == "consent"
    with pytest.raises(Forbidden):
        access.require_upload(teacher, PUPIL, {})
    with pytest.raises(Forbidden):
        access.require_upload(teacher, PUPIL.model_copy(update={"left_on": date(2026, 7, 20)}), {"internal_assessment": True})
    assert access.purpose_for(who(Role.PARENT, (), ("p1",)), None) == "share_with_parents"


def test_consent_is_the_latest_decision_for_each_purpose() -> None:
    now = datetime.now(UTC)

    def decided(purpose: str, granted: bool, minutes: int) -> ConsentDecision:
        return ConsentDecision(pupil_id="p1", purpose=purpose, granted=granted, given_by="parent_or_carer", recorded_by="senco-1",  # type: ignore[arg-type]
                               recorded_by_role=Role.SENCO, effective_at=now + timedelta(minutes=minutes))

    state = state_of("p1", [decided("share_with_parents", False, 5), decided("share_with_parents", True, 1), decided("internal_assessment", True, 2)])
    assert state.current == {"share_with_parents": False, "internal_assessment": True}
    assert [d.effective_at for d in state.history] == sorted(d.effective_at for d in state.history)


def test_retention_counts_whole_years_even_from_a_leap_day() -> None:
    assert years_before(date(2030, 9, 1), 6) == date(2024, 9, 1)
    assert years_before(date(2028, 2, 29), 1) == date(2027, 2, 28)
