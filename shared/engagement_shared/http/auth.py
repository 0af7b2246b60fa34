"""The FastAPI dependency that turns a bearer token into a Principal, or a 401."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, HTTPException, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from engagement_shared.auth.principal import Principal
from engagement_shared.auth.tokens import InvalidToken, verify_token
from engagement_shared.settings import AuthSettings

bearer = HTTPBearer(auto_error=False, description="A signed JWT from the trust's identity provider (or `em-token` locally).")


def current_principal(request: Request, credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(bearer)]) -> Principal:
    """Verify the bearer token with the app's ``AuthSettings`` (``app.state.auth``)."""
    if credentials is None:
        raise HTTPException(status_code=401, detail="missing bearer token", headers={"WWW-Authenticate": "Bearer"})
    settings: AuthSettings = request.app.state.auth
    try:
        return verify_token(settings, credentials.credentials)
    except InvalidToken as exc:
        raise HTTPException(status_code=401, detail=f"invalid bearer token ({exc})", headers={"WWW-Authenticate": "Bearer"}) from None


CurrentPrincipal = Annotated[Principal, Depends(current_principal)]
