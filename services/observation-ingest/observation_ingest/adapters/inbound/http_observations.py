"""HTTP routes for observations: single, offline batch, read, amend, withdraw."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query, Request, Response
from pydantic import BaseModel, Field

from engagement_shared.http.auth import CurrentPrincipal
from observation_ingest.core.intake import MAX_BATCH, BatchResult, ObservationIntake
from observation_ingest.core.observations import NewObservation, ObservationAmendment, StoredObservation, Withdrawal

router = APIRouter(prefix="/v1", tags=["observations"])


class Batch(BaseModel):
    """Observations from an app that was offline; each item is checked on its own."""

    observations: list[dict[str, Any]] = Field(min_length=1, max_length=MAX_BATCH,
                                               description="Items of the NewObservation shape, each with a client-chosen observation_id.")


def _intake(request: Request) -> ObservationIntake:
    return request.app.state.intake


@router.post("/observations", status_code=201, summary="Record one observation",
             responses={200: {"description": "This observation_id was already stored; nothing changed."}})
async def record(body: NewObservation, by: CurrentPrincipal, request: Request, response: Response) -> StoredObservation:
    stored, replayed = await _intake(request).record(by, body)
    if replayed:
        response.status_code = 200
    return stored


@router.post("/observations/batch", summary="Record up to 500 observations from an offline app")
async def record_batch(body: Batch, by: CurrentPrincipal, request: Request) -> BatchResult:
    return await _intake(request).record_batch(by, body.observations)


@router.get("/observations/{observation_id}", summary="One observation with its audit trail")
async def get_observation(observation_id: str, by: CurrentPrincipal, request: Request) -> StoredObservation:
    return await _intake(request).get(by, observation_id)


@router.patch("/observations/{observation_id}", summary="Amend an observation (a new version, with the reason kept)")
async def amend(observation_id: str, body: ObservationAmendment, by: CurrentPrincipal, request: Request) -> StoredObservation:
    return await _intake(request).amend(by, observation_id, body)


@router.post("/observations/{observation_id}/withdraw", summary="Withdraw an observation (kept for audit, no longer counts)")
async def withdraw(observation_id: str, body: Withdrawal, by: CurrentPrincipal, request: Request) -> StoredObservation:
    return await _intake(request).withdraw(by, observation_id, body)


@router.get("/pupils/{pupil_id}/observations", summary="A pupil's observations, oldest first")
async def list_for_pupil(pupil_id: str, by: CurrentPrincipal, request: Request,
                         include_withdrawn: Annotated[bool, Query()] = False) -> list[StoredObservation]:
    return await _intake(request).list_for_pupil(by, pupil_id, include_withdrawn)
