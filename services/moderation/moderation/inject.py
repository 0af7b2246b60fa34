"""Composition root of moderation."""

from __future__ import annotations

from fastapi import FastAPI

from engagement_shared.http.app import create_app
from engagement_shared.settings import ServiceConfig


def build_app(config: ServiceConfig) -> FastAPI:
    """The HTTP API (health check and token verification so far)."""
    app = create_app("moderation", "Moderation rounds, blind second judgements, agreement and exemplars across a trust (issue 5).")
    app.state.auth = config.auth
    return app
