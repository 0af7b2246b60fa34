"""HTTP routes for evidence: lists, short-lived links, observations, erasure and subject access exports."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Request
from fastapi.responses import StreamingResponse
from pydantic import BaseModel, Field

from engagement_shared.events.evidence import Purpose
from engagement_shared.http.auth import CurrentPrincipal
from evidence_store.core.audit import ErasureRecord
from evidence_store.core.items import EvidenceView
from evidence_store.core.viewing import Link, Viewing

router = APIRouter(prefix="/v1", tags=["evidence"])
PurposeQuery = Annotated[Purpose | None, Query(description="Why you are looking; your role implies one if left out.")]


class LinkRequest(BaseModel):
    """Which link, and why."""

    purpose: Purpose | None = None
    preview: bool = Field(default=False, description="The small preview image instead of the file.")


class ObservationLinks(BaseModel):
    """Observations the evidence supports."""

    observation_ids: list[str] = Field(min_length=1, max_length=50)


class ErasureRequest(BaseModel):
    """Why something is erased, for the record (no names, please)."""

    reason: str = Field(min_length=3, max_length=500)


def _viewing(request: Request) -> Viewing:
    return request.app.state.viewing


@router.get("/pupils/{pupil_id}/evidence", summary="A pupil's evidence, for a purpose you may use and the pupil has consented to")
async def list_for_pupil(pupil_id: str, by: CurrentPrincipal, request: Request, purpose: PurposeQuery = None) -> list[EvidenceView]:
    return await _viewing(request).list_for_pupil(by, pupil_id, purpose)


@router.get("/evidence/{evidence_id}", summary="One evidence item's details")
async def item(evidence_id: str, by: CurrentPrincipal, request: Request, purpose: PurposeQuery = None) -> EvidenceView:
    found, _, _ = await _viewing(request).item(by, evidence_id, purpose)
    return EvidenceView.of(found)


@router.post("/evidence/{evidence_id}/link", summary="A link to the file or its preview, valid for five minutes; every link is logged")
async def link(evidence_id: str, body: LinkRequest, by: CurrentPrincipal, request: Request) -> Link:
    return await _viewing(request).link(by, evidence_id, body.purpose, body.preview)


@router.post("/evidence/{evidence_id}/observations", summary="Attach the evidence to observations")
async def attach(evidence_id: str, body: ObservationLinks, by: CurrentPrincipal, request: Request) -> EvidenceView:
    return await _viewing(request).attach(by, evidence_id, body.observation_ids)


@router.delete("/evidence/{evidence_id}/observations/{observation_id}", summary="Detach the evidence from an observation")
async def detach(evidence_id: str, observation_id: str, by: CurrentPrincipal, request: Request) -> EvidenceView:
    return await _viewing(request).detach(by, evidence_id, observation_id)


@router.post("/evidence/{evidence_id}/erasure", summary="Erase one item: every stored version, its preview, its details and log entries")
async def erase_item(evidence_id: str, body: ErasureRequest, by: CurrentPrincipal, request: Request) -> ErasureRecord:
    return await request.app.state.erasure.erase_item(by, evidence_id, body.reason)


@router.post("/pupils/{pupil_id}/erasure", summary="Erase everything held about a pupil's evidence")
async def erase_pupil(pupil_id: str, body: ErasureRequest, by: CurrentPrincipal, request: Request) -> ErasureRecord:
    return await request.app.state.erasure.erase_pupil(by, pupil_id, body.reason)


@router.get("/pupils/{pupil_id}/evidence-export", summary="Subject access: everything held about a pupil's evidence, as one streamed zip",
            response_class=StreamingResponse, responses={200: {"content": {"application/zip": {}}}})
async def export(pupil_id: str, by: CurrentPrincipal, request: Request) -> StreamingResponse:
    stream = await request.app.state.export.prepare(by, pupil_id)
    return StreamingResponse(stream, media_type="application/zip",
                             headers={"Content-Disposition": f'attachment; filename="evidence-export-{pupil_id}.zip"'})
