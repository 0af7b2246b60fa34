"""Build a service's FastAPI app with the platform's tracing, error shape and health check.

Every service's HTTP adapter calls :func:`create_app`, so all APIs trace, fail and document
themselves the same way.
"""

from __future__ import annotations

import time
from collections.abc import Awaitable, Callable

import structlog
from fastapi import FastAPI, Request, Response
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from opentelemetry.trace import SpanKind, Status, StatusCode

from engagement_shared.errors import ConcurrentChange, Conflict, DomainError, Forbidden, Invalid, NotFound, TooLarge, UnsupportedMedia
from engagement_shared.http.retry import RETRYABLE_HEADER, RetryConcurrentChanges
from engagement_shared.observability.tracing import span_in

log = structlog.get_logger(__name__)
STATUS = {NotFound: 404, Forbidden: 403, Invalid: 422, Conflict: 409, ConcurrentChange: 503, TooLarge: 413, UnsupportedMedia: 415}


def validation_details(errors: list[dict]) -> list[dict[str, str]]:
    """pydantic errors as ``{field, message}`` pairs, the field as a dotted path."""
    return [
        {"field": ".".join(str(part) for part in err["loc"]), "message": err["msg"], "type": err["type"]}
        for err in errors
    ]


def create_app(title: str, description: str, version: str = "1.0.0") -> FastAPI:
    """A FastAPI app with OpenAPI docs at /docs, JSON errors and a server span per request."""
    app = FastAPI(title=title, description=description, version=version)

    @app.middleware("http")
    async def trace_request(request: Request, call_next: Callable[[Request], Awaitable[Response]]) -> Response:
        carrier = {k: v for k, v in request.headers.items() if k in ("traceparent", "tracestate")}
        started = time.perf_counter()
        with span_in(f"HTTP {request.method}", carrier, SpanKind.SERVER, **{"http.request.method": request.method}) as span:
            response = await call_next(request)
            route = request.scope.get("route")
            template = route.path if route is not None else "unmatched"
            span.update_name(f"{request.method} {template}")
            span.set_attribute("http.route", template)
            span.set_attribute("http.response.status_code", response.status_code)
            if response.status_code >= 500:
                span.set_status(Status(StatusCode.ERROR))
            # The route template, never the path: paths carry pupil ids.
            log.info("http.request", method=request.method, route=template, status=response.status_code,
                     ms=round((time.perf_counter() - started) * 1000, 1))
            return response

    @app.exception_handler(RequestValidationError)
    async def invalid_request(_request: Request, exc: RequestValidationError) -> JSONResponse:
        return JSONResponse(status_code=422, content={"detail": validation_details(list(exc.errors()))})

    @app.exception_handler(DomainError)
    async def domain_error(_request: Request, exc: DomainError) -> JSONResponse:
        status = next((code for kind, code in STATUS.items() if isinstance(exc, kind)), 400)
        body: dict[str, object] = {"detail": exc.message}
        if exc.field:
            body = {"detail": [{"field": exc.field, "message": exc.message, "type": "domain"}]}
        headers = {RETRYABLE_HEADER.decode(): "1", "Retry-After": "1"} if isinstance(exc, ConcurrentChange) else None
        return JSONResponse(status_code=status, content=body, headers=headers)

    app.add_middleware(RetryConcurrentChanges)

    @app.get("/health", tags=["operations"], summary="Liveness check")
    async def health() -> dict[str, str]:
        return {"status": "ok"}

    return app
