"""HTTP routes for rounds and their items: schedule, moderate blind, agree, act."""

from __future__ import annotations

from fastapi import APIRouter, Request

from engagement_shared.http.auth import CurrentPrincipal
from moderation.core.judging import Judging
from moderation.core.reporting import RoundAgreement
from moderation.core.rounds import AgreementRecord, BlindJudgement, Round, RoundAction, RoundRequest
from moderation.core.views import ItemView

router = APIRouter(prefix="/v1", tags=["moderation rounds"])


def _judging(request: Request) -> Judging:
    return request.app.state.judging


@router.post("/rounds", status_code=201, summary="Schedule a round: draw the stratified sample and assign moderators")
async def schedule(body: RoundRequest, by: CurrentPrincipal, request: Request) -> Round:
    return await request.app.state.scheduler.schedule(by, body)


@router.get("/rounds", summary="The rounds you lead, newest first")
async def rounds(by: CurrentPrincipal, request: Request) -> list[Round]:
    return await _judging(request).rounds(by)


@router.get("/rounds/{round_id}", summary="A round with its sampling plan and seed")
async def round_(round_id: str, by: CurrentPrincipal, request: Request) -> Round:
    return await _judging(request).round(by, round_id)


@router.get("/rounds/{round_id}/items", summary="Every item of a round (for its lead)")
async def round_items(round_id: str, by: CurrentPrincipal, request: Request) -> list[ItemView]:
    return await _judging(request).round_items(by, round_id)


@router.get("/rounds/{round_id}/agreement", summary="Agreement in a round: overall and by area, school and descriptor")
async def round_agreement(round_id: str, by: CurrentPrincipal, request: Request) -> RoundAgreement:
    return await request.app.state.reporting.round_agreement(by, round_id)


@router.post("/rounds/{round_id}/actions", status_code=201, summary="Record an action the round agreed")
async def add_action(round_id: str, body: RoundAction, by: CurrentPrincipal, request: Request) -> Round:
    return await _judging(request).add_action(by, round_id, body)


@router.get("/my/items", summary="Your items to moderate, in every round")
async def my_items(by: CurrentPrincipal, request: Request) -> list[ItemView]:
    return await _judging(request).my_items(by)


@router.get("/items/{item_id}", summary="One item: blind until you judge it, pseudonymised across schools")
async def item(item_id: str, by: CurrentPrincipal, request: Request) -> ItemView:
    return await _judging(request).item(by, item_id)


@router.post("/items/{item_id}/judgement", summary="Record your blind judgement; the original is revealed in the reply")
async def judge(item_id: str, body: BlindJudgement, by: CurrentPrincipal, request: Request) -> ItemView:
    return await _judging(request).judge(by, item_id, body)


@router.post("/items/{item_id}/agreement", summary="Record the agreed judgement and rationale")
async def agree(item_id: str, body: AgreementRecord, by: CurrentPrincipal, request: Request) -> ItemView:
    return await _judging(request).agree(by, item_id, body)
