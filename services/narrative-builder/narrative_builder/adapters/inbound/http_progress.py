"""HTTP routes for reading progress projections."""

from __future__ import annotations

from fastapi import APIRouter, Request

from engagement_shared.http.auth import CurrentPrincipal
from narrative_builder.core.progress import PupilProgress
from narrative_builder.core.projector import ProgressProjector

router = APIRouter(prefix="/v1", tags=["progress"])


@router.get("/pupils/{pupil_id}/progress", summary="A pupil's progress per area of engagement")
async def get_progress(pupil_id: str, by: CurrentPrincipal, request: Request) -> PupilProgress:
    projector: ProgressProjector = request.app.state.projector
    return await projector.progress(by, pupil_id)
