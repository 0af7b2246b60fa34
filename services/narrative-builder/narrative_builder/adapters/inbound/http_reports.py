"""HTTP routes for narrative reports: draft, edit, finalise, read, render, and runs for many pupils."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Request, Response
from fastapi.responses import HTMLResponse

from engagement_shared.http.auth import CurrentPrincipal
from narrative_builder.core.bulk import BatchProgress, BatchRequest, BulkReports
from narrative_builder.core.language import check_content
from narrative_builder.core.report_documents import ReportDocuments
from narrative_builder.core.report_model import LanguageFinding, ReportContent
from narrative_builder.core.report_records import DraftRequest, EditRequest, FinaliseRequest, Report, ReportSummary
from narrative_builder.core.reports import ReportService

router = APIRouter(prefix="/v1", tags=["reports"])
VersionQuery = Annotated[int | None, Query(ge=1, description="A version from the report's history; the newest if omitted.")]


def _reports(request: Request) -> ReportService:
    return request.app.state.reports


def _token(request: Request) -> str:
    return request.headers.get("authorization", "").removeprefix("Bearer ").strip()


@router.post("/reports", status_code=201, summary="Draft a report from the evidence (parent, EHC review, governors summary)")
async def draft(body: DraftRequest, by: CurrentPrincipal, request: Request) -> Report:
    return await _reports(request).draft(by, body)


@router.get("/reports", summary="Reports you may see, without their content")
async def list_reports(by: CurrentPrincipal, request: Request,
                       pupil_id: Annotated[str | None, Query(max_length=64)] = None) -> list[ReportSummary]:
    return await _reports(request).list(by, pupil_id)


@router.get("/reports/{report_id}", summary="A report with its version history (a parent sees the final wording only)")
async def get_report(report_id: str, by: CurrentPrincipal, request: Request) -> Report:
    return await _reports(request).view(by, report_id)


@router.put("/reports/{report_id}/content", summary="Save an edit as a new version; the language checks' findings come back with it")
async def edit(report_id: str, body: EditRequest, by: CurrentPrincipal, request: Request) -> Report:
    return await _reports(request).edit(by, report_id, body)


@router.post("/reports/{report_id}/finalisation", summary="Finalise the current version (refused while its wording breaks a rule)")
async def finalise(report_id: str, body: FinaliseRequest, by: CurrentPrincipal, request: Request) -> Report:
    return await _reports(request).finalise(by, report_id, body)


@router.get("/reports/{report_id}/html", response_class=HTMLResponse, summary="The report as a web page, with charts and pictures")
async def html(report_id: str, by: CurrentPrincipal, request: Request, version: VersionQuery = None) -> HTMLResponse:
    documents: ReportDocuments = request.app.state.documents
    return HTMLResponse(await documents.render(by, _token(request), report_id, version, "html"))  # type: ignore[arg-type]


@router.get("/reports/{report_id}/pdf", response_class=Response, responses={200: {"content": {"application/pdf": {}}}},
            summary="The report as a PDF, with charts and pictures")
async def pdf(report_id: str, by: CurrentPrincipal, request: Request, version: VersionQuery = None) -> Response:
    documents: ReportDocuments = request.app.state.documents
    body = await documents.render(by, _token(request), report_id, version, "pdf")
    return Response(body, media_type="application/pdf", headers={"Content-Disposition": f'inline; filename="report-{report_id}.pdf"'})


@router.post("/report-checks", summary="Check wording against the language rules before saving it")
async def check(body: ReportContent, by: CurrentPrincipal) -> list[LanguageFinding]:
    return check_content(body)


@router.post("/report-runs", status_code=202, summary="Draft reports for a class, a school or the whole trust; follow its progress")
async def start_run(body: BatchRequest, by: CurrentPrincipal, request: Request) -> BatchProgress:
    bulk: BulkReports = request.app.state.bulk
    return await bulk.start(by, body)


@router.get("/report-runs/{batch_id}", summary="How far a report run has got")
async def run_progress(batch_id: str, by: CurrentPrincipal, request: Request) -> BatchProgress:
    bulk: BulkReports = request.app.state.bulk
    return await bulk.progress(by, batch_id)
