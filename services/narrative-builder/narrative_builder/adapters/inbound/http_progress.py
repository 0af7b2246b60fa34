"""HTTP routes for reading progress: the running summary, the full profile, and alerts."""

from __future__ import annotations

from fastapi import APIRouter, Request

from engagement_shared.http.auth import CurrentPrincipal
from narrative_builder.core.alerts import Alert, AlertService
from narrative_builder.core.profile import PupilProfile
from narrative_builder.core.profiles import ProfileService
from narrative_builder.core.progress import PupilProgress

router = APIRouter(prefix="/v1", tags=["progress"])


def _profiles(request: Request) -> ProfileService:
    return request.app.state.profiles


@router.get("/pupils/{pupil_id}/progress", summary="A pupil's running summary per area of engagement")
async def get_progress(pupil_id: str, by: CurrentPrincipal, request: Request) -> PupilProgress:
    return await _profiles(request).progress(by, pupil_id)


@router.get("/pupils/{pupil_id}/profile",
            summary="A pupil's progress profile: timeline, lateral dimensions, progress per half-term (or term) and per EHC outcome, what works")
async def get_profile(pupil_id: str, by: CurrentPrincipal, request: Request) -> PupilProfile:
    return await _profiles(request).profile(by, pupil_id)


@router.get("/alerts", summary="Stall and observation-gap alerts for the SENCO's schools (the trust admin: the trust)")
async def list_alerts(by: CurrentPrincipal, request: Request) -> list[Alert]:
    service: AlertService = request.app.state.alerts
    return await service.list(by)
