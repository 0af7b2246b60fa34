"""HTTP routes for uploads: declare a file, send it (in one request or many), see where it stands."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Annotated

from fastapi import APIRouter, Header, Request, Response
from starlette.requests import ClientDisconnect

from engagement_shared.http.auth import CurrentPrincipal
from evidence_store.core.items import UploadRequest, UploadView
from evidence_store.core.uploading import Uploads

router = APIRouter(prefix="/v1", tags=["uploads"])


def _uploads(request: Request) -> Uploads:
    return request.app.state.uploads


async def _body(request: Request) -> AsyncIterator[bytes]:
    """The request body as it arrives; a client that goes away simply ends it (what was stored stays)."""
    try:
        async for chunk in request.stream():
            if chunk:
                yield chunk
    except ClientDisconnect:
        return


@router.post("/uploads", status_code=201, summary="Declare a file (pupil, media type, size, sha256); 200 if this pupil already has it")
async def start(body: UploadRequest, by: CurrentPrincipal, request: Request, response: Response) -> UploadView:
    view, new = await _uploads(request).start(by, body)
    if not new:
        response.status_code = 200
    return view


@router.put("/uploads/{upload_id}/content", summary="Send the file's bytes from Upload-Offset on; 201 with the evidence when the last byte is in",
            openapi_extra={"requestBody": {"content": {"application/octet-stream": {"schema": {"type": "string", "format": "binary"}}}}})
async def send(upload_id: str, by: CurrentPrincipal, request: Request, response: Response,
               upload_offset: Annotated[int, Header(ge=0, description="Where these bytes start in the file; GET the upload to resume.")] = 0) -> UploadView:
    view, completed = await _uploads(request).receive(by, upload_id, upload_offset, _body(request))
    response.status_code = 201 if completed else 200
    return view


@router.get("/uploads/{upload_id}", summary="Where an upload stands: bytes stored, and the evidence once complete")
async def status(upload_id: str, by: CurrentPrincipal, request: Request) -> UploadView:
    return await _uploads(request).status(by, upload_id)


@router.delete("/uploads/{upload_id}", summary="Give an upload up; what it stored is removed")
async def abort(upload_id: str, by: CurrentPrincipal, request: Request) -> UploadView:
    return await _uploads(request).abort(by, upload_id)
