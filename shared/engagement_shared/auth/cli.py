"""``em-token``: mint a bearer token for local use (the demo, curl, a test app).

Reads the same ``AUTH_*`` settings as the services, so a token minted here is accepted by a
local deployment and by no other.
"""

from __future__ import annotations

import argparse

from engagement_shared.auth.principal import Principal, Role
from engagement_shared.auth.tokens import mint_token
from engagement_shared.settings import AuthSettings


def main(argv: list[str] | None = None) -> None:
    """Print a signed token for the given role and scope."""
    parser = argparse.ArgumentParser(description="Mint a signed bearer token for local use.")
    parser.add_argument("--role", required=True, choices=[r.value for r in Role])
    parser.add_argument("--trust", required=True, help="trust id")
    parser.add_argument("--school", action="append", default=[], help="school id (repeatable)")
    parser.add_argument("--pupil", action="append", default=[], help="pupil id, for a parent (repeatable)")
    parser.add_argument("--subject", default="local-user", help="user or app id (not a name)")
    parser.add_argument("--hours", type=float, default=8.0)
    args = parser.parse_args(argv)
    principal = Principal(subject=args.subject, role=Role(args.role), trust_id=args.trust,
                          school_ids=frozenset(args.school), pupil_ids=frozenset(args.pupil))
    print(mint_token(AuthSettings(), principal, ttl_seconds=int(args.hours * 3600)))
