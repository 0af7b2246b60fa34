"""HTTP routes for the exemplar library, the CPD record and the trust's moderation report."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Request

from engagement_shared.events.vocabulary import Area
from engagement_shared.http.auth import CurrentPrincipal
from moderation.core.exemplars import Exemplar, ExemplarRequest
from moderation.core.reporting import CpdEntry, ModerationReport

router = APIRouter(prefix="/v1", tags=["exemplars, CPD and reports"])


@router.post("/exemplars", status_code=201, summary="Add an agreed item to the trust's exemplar library (needs exemplar consent)")
async def add_exemplar(body: ExemplarRequest, by: CurrentPrincipal, request: Request) -> Exemplar:
    return await request.app.state.library.add(by, body)


@router.get("/exemplars", summary="Search exemplars by area and descriptor")
async def search_exemplars(by: CurrentPrincipal, request: Request, area: Annotated[Area | None, Query()] = None,
                           descriptor: Annotated[str | None, Query(max_length=60)] = None) -> list[Exemplar]:
    return await request.app.state.library.search(by, area, descriptor)


@router.get("/staff/{staff_id}/cpd", summary="Who moderated what, when: one member of staff's CPD record")
async def cpd(staff_id: str, by: CurrentPrincipal, request: Request) -> list[CpdEntry]:
    return await request.app.state.reporting.cpd(by, staff_id)


@router.get("/report", summary="The trust's moderation report: rounds, coverage, agreement and its trend, actions")
async def report(by: CurrentPrincipal, request: Request) -> ModerationReport:
    return await request.app.state.reporting.report(by)
