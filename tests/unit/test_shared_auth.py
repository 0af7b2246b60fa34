"""Unit tests of bearer tokens and of the Principal's trust/school/pupil rules."""

from __future__ import annotations

import time
from typing import Any

import jwt
import pytest
from pydantic import SecretStr

from engagement_shared.auth.principal import Principal, Role
from engagement_shared.auth.tokens import InvalidToken, mint_token, verify_token
from engagement_shared.settings import AuthSettings

SECRET = "unit-test-secret-that-is-at-least-32-bytes-long"
SETTINGS = AuthSettings(jwt_secret=SecretStr(SECRET), issuer="unit-issuer", audience="unit-audience")

TRUST, OTHER_TRUST = "trust-a", "trust-b"
SCHOOL, OTHER_SCHOOL = "school-1", "school-2"
CHILD, OTHER_CHILD = "pupil-own", "pupil-other"


def _principal(role: Role, **overrides: Any) -> Principal:
    scope: dict[str, Any] = {"pupil_ids": frozenset({CHILD})} if role == Role.PARENT else {"school_ids": frozenset({SCHOOL})}
    return Principal(**({"subject": f"{role.value}-1", "role": role, "trust_id": TRUST} | scope | overrides))


def _claims(**overrides: Any) -> dict[str, Any]:
    now = int(time.time())
    claims = {"sub": "u1", "role": "teacher", "trust_id": TRUST, "school_ids": [SCHOOL], "pupil_ids": [],
              "iss": SETTINGS.issuer, "aud": SETTINGS.audience, "iat": now, "exp": now + 600}
    for key, value in overrides.items():
        if value is None:
            claims.pop(key, None)
        else:
            claims[key] = value
    return claims


def _sign(claims: dict[str, Any], secret: str = SECRET) -> str:
    return jwt.encode(claims, secret, algorithm="HS256")


# --- tokens ----------------------------------------------------------------------------------------


@pytest.mark.parametrize("role", list(Role))
def test_mint_verify_round_trip(role: Role) -> None:
    """Every role's scope must survive a token round trip, or services would authorise the wrong things."""
    principal = Principal(subject="user-42", role=role, trust_id=TRUST, school_ids=frozenset({SCHOOL, OTHER_SCHOOL}),
                          pupil_ids=frozenset({CHILD}))
    assert verify_token(SETTINGS, mint_token(SETTINGS, principal)) == principal


def test_default_settings_round_trip() -> None:
    """em-token and the services read the same default settings, so a locally minted token must verify."""
    principal = _principal(Role.SENCO)
    assert verify_token(AuthSettings(), mint_token(AuthSettings(), principal, ttl_seconds=60)) == principal


def test_token_carries_no_name_only_ids() -> None:
    """Tokens end up in logs and proxies; they carry role and ids, nothing else."""
    claims = jwt.decode(mint_token(SETTINGS, _principal(Role.TEACHER)), SECRET, algorithms=["HS256"], audience=SETTINGS.audience)
    assert set(claims) == {"sub", "role", "trust_id", "school_ids", "pupil_ids", "iss", "aud", "iat", "exp"}


def test_expired_token_is_rejected() -> None:
    """A leaked old token must stop working once it expires."""
    token = mint_token(SETTINGS, _principal(Role.TEACHER), ttl_seconds=-10)
    with pytest.raises(InvalidToken, match="ExpiredSignature"):
        verify_token(SETTINGS, token)


@pytest.mark.parametrize(
    "token, why",
    [
        (_sign(_claims(), secret="another-secret-of-at-least-thirty-two-bytes"), "forged with another secret"),
        (_sign(_claims(aud="another-api")), "meant for another audience"),
        (_sign(_claims(iss="someone-else")), "issued by someone else"),
        (_sign(_claims(role=None)), "no role claim"),
        (_sign(_claims(role="headteacher")), "unknown role"),
        (_sign(_claims(trust_id=None)), "no trust claim"),
        (_sign(_claims(exp=None)), "no expiry"),
        (_sign(_claims(sub=None)), "no subject"),
        (_sign(_claims(aud=None)), "no audience"),
        (_sign(_claims(iss=None)), "no issuer"),
        ("not.a.token", "garbage"),
        ("", "empty"),
    ],
)
def test_bad_tokens_raise_invalid_token(token: str, why: str) -> None:
    """Every way a token can be wrong must surface as InvalidToken (a 401), never as a 500 or as access."""
    with pytest.raises(InvalidToken):
        verify_token(SETTINGS, token)


def test_unsigned_token_is_rejected() -> None:
    """alg=none must never be accepted: it would let anyone claim trust_admin."""
    token = jwt.encode(_claims(role="trust_admin"), None, algorithm="none")  # type: ignore[arg-type]
    with pytest.raises(InvalidToken):
        verify_token(SETTINGS, token)


def test_invalid_token_message_names_only_the_error_class() -> None:
    """The message is returned to clients and logged; it must not echo claims."""
    with pytest.raises(InvalidToken) as caught:
        verify_token(SETTINGS, _sign(_claims(role="Jane Smith")))
    assert "Jane" not in str(caught.value)


def test_public_key_algorithm_without_key_is_rejected() -> None:
    """A server configured for RS256 but missing its key must refuse every token rather than verify with nothing."""
    settings = AuthSettings(algorithm="RS256", jwt_public_key=None)
    with pytest.raises(InvalidToken):
        verify_token(settings, _sign(_claims()))


# --- principal rules -------------------------------------------------------------------------------

R = Role
ALL = set(Role)
STAFF = {R.SENCO, R.TEACHER, R.TEACHING_ASSISTANT, R.APP}

# (check, arguments, roles allowed). Each principal belongs to TRUST; staff to SCHOOL; the parent to CHILD.
RULES: list[tuple[str, tuple[str, ...], set[Role]]] = [
    # in_school: staff of the school and trust-wide roles; never a parent, never another trust
    ("in_school", (TRUST, SCHOOL), STAFF | {R.TRUST_ADMIN, R.CENTRAL_MODERATOR}),
    ("in_school", (TRUST, OTHER_SCHOOL), {R.TRUST_ADMIN, R.CENTRAL_MODERATOR}),
    ("in_school", (OTHER_TRUST, SCHOOL), set()),
    # can_read_pupil: a parent only their own child; staff their school; trust-wide roles the trust
    ("can_read_pupil", (TRUST, SCHOOL, CHILD), ALL),
    ("can_read_pupil", (TRUST, SCHOOL, OTHER_CHILD), STAFF | {R.TRUST_ADMIN, R.CENTRAL_MODERATOR}),
    ("can_read_pupil", (TRUST, OTHER_SCHOOL, OTHER_CHILD), {R.TRUST_ADMIN, R.CENTRAL_MODERATOR}),
    ("can_read_pupil", (OTHER_TRUST, SCHOOL, CHILD), set()),
    # can_record_observation: readers except the central moderator (who judges, not observes)
    ("can_record_observation", (TRUST, SCHOOL, CHILD), ALL - {R.CENTRAL_MODERATOR}),
    ("can_record_observation", (TRUST, SCHOOL, OTHER_CHILD), STAFF | {R.TRUST_ADMIN}),
    ("can_record_observation", (TRUST, OTHER_SCHOOL, OTHER_CHILD), {R.TRUST_ADMIN}),
    ("can_record_observation", (OTHER_TRUST, SCHOOL, CHILD), set()),
    # can_manage_school: the school's SENCO and the trust admin only
    ("can_manage_school", (TRUST, SCHOOL), {R.SENCO, R.TRUST_ADMIN}),
    ("can_manage_school", (TRUST, OTHER_SCHOOL), {R.TRUST_ADMIN}),
    ("can_manage_school", (OTHER_TRUST, SCHOOL), set()),
    # can_export: the school's SENCO and the trust admin only
    ("can_export", (TRUST, SCHOOL), {R.SENCO, R.TRUST_ADMIN}),
    ("can_export", (TRUST, OTHER_SCHOOL), {R.TRUST_ADMIN}),
    ("can_export", (OTHER_TRUST, SCHOOL), set()),
    # can_administer_trust: the trust admin of that trust only
    ("can_administer_trust", (TRUST,), {R.TRUST_ADMIN}),
    ("can_administer_trust", (OTHER_TRUST,), set()),
]


@pytest.mark.parametrize("role", list(Role))
@pytest.mark.parametrize("check, args, allowed", RULES, ids=[f"{c}{a}" for c, a, _ in RULES])
def test_principal_rules(role: Role, check: str, args: tuple[str, ...], allowed: set[Role]) -> None:
    """School and trust boundaries are enforced only here; one wrong cell is a data breach or a locked-out SENCO."""
    principal = _principal(role)
    assert getattr(principal, check)(*args) is (role in allowed), f"{role.value}.{check}{args} should be {role in allowed}"


def test_parent_is_never_in_school_even_if_token_lists_schools() -> None:
    """A parent's school_ids must not open the whole school's pupils to them."""
    parent = _principal(Role.PARENT, school_ids=frozenset({SCHOOL}))
    assert not parent.in_school(TRUST, SCHOOL)
    assert not parent.can_read_pupil(TRUST, SCHOOL, OTHER_CHILD)
    assert parent.can_read_pupil(TRUST, SCHOOL, CHILD)


def test_staff_pupil_ids_grant_nothing_outside_their_schools() -> None:
    """Only parents are scoped by pupil; a teacher's stray pupil_ids must not reach another school."""
    teacher = _principal(Role.TEACHER, pupil_ids=frozenset({OTHER_CHILD}))
    assert not teacher.can_read_pupil(TRUST, OTHER_SCHOOL, OTHER_CHILD)


def test_staff_without_schools_reach_nothing() -> None:
    """A staff token with no schools must be useless, not trust-wide."""
    for role in STAFF:
        principal = _principal(role, school_ids=frozenset())
        assert not principal.in_school(TRUST, SCHOOL)
        assert not principal.can_read_pupil(TRUST, SCHOOL, CHILD)
