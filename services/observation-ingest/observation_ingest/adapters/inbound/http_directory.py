"""HTTP routes for the trust directory, trust configuration, roll import and statutory export."""

from __future__ import annotations

from datetime import date
from typing import Annotated

from fastapi import APIRouter, Body, Query, Request, Response

from engagement_shared.errors import Invalid
from engagement_shared.http.auth import CurrentPrincipal
from observation_ingest.core.directory import (
    ClassGroup, ClassInput, LeaveInput, Outcome, OutcomeChanges, OutcomeInput, Pupil, PupilChanges, PupilInput, School,
    SchoolInput, StaffInput, StaffMember, Trust, TrustInput,
)
from observation_ingest.core.directory_service import DirectoryService
from observation_ingest.core.roll_import import ImportReport, RollImport
from observation_ingest.core.trust_config import TrustConfig

router = APIRouter(prefix="/v1")
MAX_CSV_BYTES = 5 * 1024 * 1024


def _directory(request: Request) -> DirectoryService:
    return request.app.state.directory


@router.put("/trusts/{trust_id}", tags=["trust"], summary="Create or rename the caller's trust")
async def put_trust(trust_id: str, body: TrustInput, by: CurrentPrincipal, request: Request) -> Trust:
    return await _directory(request).put_trust(by, trust_id, body)


@router.get("/trusts/{trust_id}/config", tags=["trust"], summary="The trust's descriptor scale, prompt hierarchy and vocabularies")
async def get_config(trust_id: str, by: CurrentPrincipal, request: Request) -> TrustConfig:
    return await _directory(request).get_config(by, trust_id)


@router.put("/trusts/{trust_id}/config", tags=["trust"], summary="Replace the trust's configuration")
async def put_config(trust_id: str, body: TrustConfig, by: CurrentPrincipal, request: Request) -> TrustConfig:
    return await _directory(request).put_config(by, trust_id, body)


@router.post("/schools", status_code=201, tags=["schools"], summary="Add a school to the caller's trust")
async def add_school(body: SchoolInput, by: CurrentPrincipal, request: Request) -> School:
    return await _directory(request).add_school(by, body)


@router.get("/schools", tags=["schools"], summary="Schools the caller may see")
async def list_schools(by: CurrentPrincipal, request: Request) -> list[School]:
    return await _directory(request).list_schools(by)


@router.get("/schools/{school_id}", tags=["schools"])
async def get_school(school_id: str, by: CurrentPrincipal, request: Request) -> School:
    return await _directory(request).get_school(by, school_id)


@router.post("/schools/{school_id}/classes", status_code=201, tags=["schools"])
async def add_class(school_id: str, body: ClassInput, by: CurrentPrincipal, request: Request) -> ClassGroup:
    return await _directory(request).add_class(by, school_id, body)


@router.get("/schools/{school_id}/classes", tags=["schools"])
async def list_classes(school_id: str, by: CurrentPrincipal, request: Request) -> list[ClassGroup]:
    return await _directory(request).list_classes(by, school_id)


@router.post("/schools/{school_id}/staff", status_code=201, tags=["schools"])
async def add_staff(school_id: str, body: StaffInput, by: CurrentPrincipal, request: Request) -> StaffMember:
    return await _directory(request).add_staff(by, school_id, body)


@router.get("/schools/{school_id}/staff", tags=["schools"])
async def list_staff(school_id: str, by: CurrentPrincipal, request: Request) -> list[StaffMember]:
    return await _directory(request).list_staff(by, school_id)


@router.get("/schools/{school_id}/pupils", tags=["pupils"], summary="A school's pupils (a parent sees only their own children)")
async def list_pupils(school_id: str, by: CurrentPrincipal, request: Request) -> list[Pupil]:
    return await _directory(request).list_pupils(by, school_id)


@router.post("/schools/{school_id}/pupils/import", tags=["pupils"], summary="Import pupils from an MIS export (CSV with a header row)",
             openapi_extra={"requestBody": {"content": {"text/csv": {"schema": {"type": "string"}}}, "required": True}})
async def import_pupils(school_id: str, by: CurrentPrincipal, request: Request,
                        first_line: Annotated[int, Query(ge=2, description="File line number of the first data row (for chunked uploads).")] = 2) -> ImportReport:
    raw = await request.body()
    if len(raw) > MAX_CSV_BYTES:
        raise Invalid(f"the file is larger than {MAX_CSV_BYTES // (1024 * 1024)} MB; send it in chunks", field="body")
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise Invalid("the file is not UTF-8 text", field="body") from None
    importer: RollImport = request.app.state.roll_import
    return await importer.import_csv(by, school_id, text, first_line)


@router.get("/schools/{school_id}/exports/ks2-engagement-model.csv", tags=["exports"],
            summary="Statutory return: KS2 pupils assessed using the engagement model", response_class=Response,
            responses={200: {"content": {"text/csv": {}}}})
async def ks2_export(school_id: str, by: CurrentPrincipal, request: Request,
                     on: Annotated[date | None, Query(description="Roll date; defaults to today.")] = None) -> Response:
    text = await _directory(request).ks2_return(by, school_id, on or date.today())
    return Response(text, media_type="text/csv", headers={"Content-Disposition": 'attachment; filename="ks2-engagement-model.csv"'})


@router.post("/pupils", status_code=201, tags=["pupils"], summary="Register a pupil")
async def register_pupil(body: PupilInput, by: CurrentPrincipal, request: Request) -> Pupil:
    return await _directory(request).register_pupil(by, body)


@router.get("/pupils/{pupil_id}", tags=["pupils"])
async def get_pupil(pupil_id: str, by: CurrentPrincipal, request: Request) -> Pupil:
    return await _directory(request).get_pupil(by, pupil_id)


@router.patch("/pupils/{pupil_id}", tags=["pupils"])
async def update_pupil(pupil_id: str, body: PupilChanges, by: CurrentPrincipal, request: Request) -> Pupil:
    return await _directory(request).update_pupil(by, pupil_id, body)


@router.post("/pupils/{pupil_id}/leave", tags=["pupils"], summary="Record that a pupil left the school")
async def pupil_left(pupil_id: str, body: LeaveInput, by: CurrentPrincipal, request: Request) -> Pupil:
    return await _directory(request).pupil_left(by, pupil_id, body)


@router.post("/pupils/{pupil_id}/outcomes", status_code=201, tags=["ehc outcomes"])
async def add_outcome(pupil_id: str, body: OutcomeInput, by: CurrentPrincipal, request: Request) -> Outcome:
    return await _directory(request).add_outcome(by, pupil_id, body)


@router.get("/pupils/{pupil_id}/outcomes", tags=["ehc outcomes"])
async def list_outcomes(pupil_id: str, by: CurrentPrincipal, request: Request) -> list[Outcome]:
    return await _directory(request).list_outcomes(by, pupil_id)


@router.patch("/pupils/{pupil_id}/outcomes/{outcome_id}", tags=["ehc outcomes"])
async def update_outcome(pupil_id: str, outcome_id: str, body: Annotated[OutcomeChanges, Body()], by: CurrentPrincipal, request: Request) -> Outcome:
    return await _directory(request).update_outcome(by, pupil_id, outcome_id, body)
