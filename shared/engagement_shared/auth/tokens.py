"""Minting and verifying signed JWT bearer tokens.

Services only verify; in production the trust's identity provider mints with a private key
and services hold the public key (RS256/ES256). Locally, ``em-token`` mints with a shared secret.
"""

from __future__ import annotations

import time

import jwt

from engagement_shared.auth.principal import Principal, Role
from engagement_shared.settings import AuthSettings


class InvalidToken(Exception):
    """The bearer token is missing, expired, forged or lacks required claims."""


def _verification_key(settings: AuthSettings) -> str:
    if settings.algorithm.startswith("HS"):
        return settings.jwt_secret.get_secret_value()
    if not settings.jwt_public_key:
        raise InvalidToken("server has no public key configured for " + settings.algorithm)
    return settings.jwt_public_key


def mint_token(settings: AuthSettings, principal: Principal, ttl_seconds: int = 8 * 3600) -> str:
    """Sign a token for a principal (local use, tests and the demo)."""
    now = int(time.time())
    claims = {
        "sub": principal.subject,
        "role": principal.role.value,
        "trust_id": principal.trust_id,
        "school_ids": sorted(principal.school_ids),
        "pupil_ids": sorted(principal.pupil_ids),
        "iss": settings.issuer,
        "aud": settings.audience,
        "iat": now,
        "exp": now + ttl_seconds,
    }
    key = settings.jwt_secret.get_secret_value() if settings.algorithm.startswith("HS") else settings.jwt_private_key.get_secret_value()  # type: ignore[union-attr]
    return jwt.encode(claims, key, algorithm=settings.algorithm)


def verify_token(settings: AuthSettings, token: str) -> Principal:
    """Check signature, expiry, issuer and audience; return the principal or raise InvalidToken."""
    try:
        claims = jwt.decode(
            token,
            _verification_key(settings),
            algorithms=[settings.algorithm],
            audience=settings.audience,
            issuer=settings.issuer,
            options={"require": ["exp", "sub", "iss", "aud"]},
        )
        return Principal(
            subject=claims["sub"],
            role=Role(claims["role"]),
            trust_id=claims["trust_id"],
            school_ids=frozenset(claims.get("school_ids") or ()),
            pupil_ids=frozenset(claims.get("pupil_ids") or ()),
        )
    except (jwt.PyJWTError, KeyError, ValueError) as exc:
        raise InvalidToken(exc.__class__.__name__) from None
