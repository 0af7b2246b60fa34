"""Requests whose transaction lost a race are run again before anyone sees a 503."""

from __future__ import annotations

import httpx

from engagement_shared.errors import ConcurrentChange
from engagement_shared.http.app import create_app


async def test_a_request_that_lost_a_race_is_run_again_with_its_body() -> None:
    """Concurrent uploads from many classroom tablets must not surface as errors."""
    app = create_app("test", "test")
    seen: list[bytes] = []

    @app.post("/flaky")
    async def flaky(body: dict) -> dict:
        seen.append(repr(body).encode())
        if len(seen) < 3:
            raise ConcurrentChange("lost a race")
        return {"attempts": len(seen)}

    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://t") as client:
        response = await client.post("/flaky", json={"x": 1})
    assert response.status_code == 200 and response.json() == {"attempts": 3}
    assert "x-retryable-conflict" not in response.headers
    assert len(set(seen)) == 1


async def test_a_request_that_keeps_losing_gets_503_with_retry_after() -> None:
    """After a few attempts the client is told to retry later, plainly."""
    app = create_app("test", "test")

    @app.post("/always")
    async def always() -> dict:
        raise ConcurrentChange("lost a race")

    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://t") as client:
        response = await client.post("/always")
    assert response.status_code == 503 and response.headers["retry-after"] == "1"
    assert "x-retryable-conflict" not in response.headers


async def test_large_or_unsized_bodies_stream_through_unbuffered() -> None:
    """Video uploads must stay streamed: the retry layer never holds a large body in memory."""
    app = create_app("test", "test")
    calls: list[int] = []

    @app.post("/upload")
    async def upload() -> dict:
        calls.append(1)
        raise ConcurrentChange("lost a race")

    async def chunks():  # type: ignore[no-untyped-def]
        yield b"x" * 1024

    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://t") as client:
        response = await client.post("/upload", content=chunks())
    assert response.status_code == 503 and calls == [1]
    assert "x-retryable-conflict" not in response.headers
