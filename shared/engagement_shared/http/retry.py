"""Running a request again when its transaction lost a race with a concurrent writer.

A transaction that conflicts with another is aborted whole, so repeating the whole request is
safe and is what the database's own drivers advise. This ASGI middleware keeps the request body,
and when the app answers with a response marked retryable (a ConcurrentChange), runs it again
after a short random pause; only the final answer reaches the client. Reads (GET, HEAD) change
nothing and may stream large answers (a subject access export), and bodies too large to keep in
memory (or of unknown size) are streamed uploads: all of these pass straight through.
"""

from __future__ import annotations

import asyncio
import random
from typing import Any

from starlette.types import ASGIApp, Message, Receive, Scope, Send

RETRYABLE_HEADER = b"x-retryable-conflict"
ATTEMPTS = 5
MAX_BUFFERED_BYTES = 8 * 1024 * 1024  # larger or unsized bodies (video uploads) stream through, unretried


class RetryConcurrentChanges:
    """Wraps an ASGI app; see the module docstring."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        length = dict(scope.get("headers") or []).get(b"content-length")
        if scope["type"] != "http" or scope["method"] in ("GET", "HEAD") or (
                scope["method"] != "DELETE" and (length is None or not length.isdigit() or int(length) > MAX_BUFFERED_BYTES)):
            await self.app(scope, receive, _without_marker(send))
            return
        body, more = b"", True
        while more:
            message = await receive()
            body += message.get("body", b"")
            more = message.get("more_body", False)
        for attempt in range(ATTEMPTS):
            messages: list[Message] = []

            sent = False

            async def replay() -> dict[str, Any]:
                nonlocal sent
                if sent:  # as a server does once the body is read: nothing more until the client goes
                    await asyncio.Event().wait()
                sent = True
                return {"type": "http.request", "body": body, "more_body": False}

            async def keep(message: Message) -> None:
                messages.append(message)

            await self.app(scope, replay, keep)
            start = messages[0] if messages else {}
            headers = start.get("headers", [])
            if attempt < ATTEMPTS - 1 and any(name == RETRYABLE_HEADER for name, _ in headers):
                await asyncio.sleep(random.uniform(0.005, 0.02) * 2**attempt)
                continue
            deliver = _without_marker(send)
            for message in messages:
                await deliver(message)
            return


def _without_marker(send: Send) -> Send:
    """A ``send`` that drops the internal retry marker from the response headers."""

    async def forward(message: Message) -> None:
        if message["type"] == "http.response.start":
            message = {**message, "headers": [(k, v) for k, v in message.get("headers", []) if k != RETRYABLE_HEADER]}
        await send(message)

    return forward
