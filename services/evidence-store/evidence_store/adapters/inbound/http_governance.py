"""HTTP routes for consent, the access log, erasure records and the trust's evidence policy."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Request

from engagement_shared.events.evidence import Purpose
from engagement_shared.http.auth import CurrentPrincipal
from evidence_store.core.audit import AccessRecord, ErasureRecord
from evidence_store.core.consent import ConsentRequest, ConsentState
from evidence_store.core.policy import EvidencePolicy
from evidence_store.core.viewing import Viewing

router = APIRouter(prefix="/v1", tags=["consent, access log and policy"])


def _viewing(request: Request) -> Viewing:
    return request.app.state.viewing


@router.get("/pupils/{pupil_id}/consents", summary="A pupil's consent per purpose, with every decision behind it")
async def consents(pupil_id: str, by: CurrentPrincipal, request: Request) -> ConsentState:
    return await _viewing(request).consents(by, pupil_id)


@router.put("/pupils/{pupil_id}/consents/{purpose}", summary="Give or withdraw consent for one purpose; access follows at once")
async def record_consent(pupil_id: str, purpose: Purpose, body: ConsentRequest, by: CurrentPrincipal, request: Request) -> ConsentState:
    return await _viewing(request).record_consent(by, pupil_id, purpose, body)


@router.get("/access-log", summary="Who did what with evidence, when and why (a SENCO for their schools, the trust admin for the trust)")
async def access_log(by: CurrentPrincipal, request: Request, pupil_id: Annotated[str | None, Query(max_length=100)] = None,
                     evidence_id: Annotated[str | None, Query(max_length=100)] = None,
                     limit: Annotated[int, Query(ge=1, le=1000)] = 200) -> list[AccessRecord]:
    return await _viewing(request).access_log(by, pupil_id, evidence_id, limit)


@router.get("/erasures", summary="Proof of every erasure in the trust, without personal data (the trust admin)")
async def erasures(by: CurrentPrincipal, request: Request) -> list[ErasureRecord]:
    return await _viewing(request).erasures(by)


@router.get("/trusts/{trust_id}/evidence-policy", summary="What the trust accepts and how long it keeps it")
async def policy(trust_id: str, by: CurrentPrincipal, request: Request) -> EvidencePolicy:
    return await _viewing(request).policy(by, trust_id)


@router.put("/trusts/{trust_id}/evidence-policy", summary="Change the trust's evidence policy (the trust admin)")
async def set_policy(trust_id: str, body: EvidencePolicy, by: CurrentPrincipal, request: Request) -> EvidencePolicy:
    return await _viewing(request).set_policy(by, trust_id, body)
