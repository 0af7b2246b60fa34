"""Composition root of evidence-store."""

from __future__ import annotations

from fastapi import FastAPI

from engagement_shared.http.app import create_app
from engagement_shared.settings import ServiceConfig


def build_app(config: ServiceConfig) -> FastAPI:
    """The HTTP API (health check and token verification so far)."""
    app = create_app("evidence-store", "Photos, video, audio and documents as evidence, with consent, retention and erasure (issue 3).")
    app.state.auth = config.auth
    return app
