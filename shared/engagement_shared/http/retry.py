"""Running a request again when its transaction lost a race with a concurrent writer.

A transaction that conflicts with another is aborted whole, so repeating the whole request is
safe and is what the database's own drivers advise. This ASGI middleware keeps the request body,
and when the app answers with a response marked retryable (a ConcurrentChange), runs it again
after a short random pause; only the final answer reaches the client.
"""

from __future__ import annotations

import asyncio
import random
from typing import Any

from starlette.types import ASGIApp, Message, Receive, Scope, Send

RETRYABLE_HEADER = b"x-retryable-conflict"
ATTEMPTS = 5


class RetryConcurrentChanges:
    """Wraps an ASGI app; see the module docstring."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        body, more = b"", True
        while more:
            message = await receive()
            body += message.get("body", b"")
            more = message.get("more_body", False)
        for attempt in range(ATTEMPTS):
            messages: list[Message] = []

            async def replay() -> dict[str, Any]:
                return {"type": "http.request", "body": body, "more_body": False}

            async def keep(message: Message) -> None:
                messages.append(message)

            await self.app(scope, replay, keep)
            start = messages[0] if messages else {}
            headers = start.get("headers", [])
            if attempt < ATTEMPTS - 1 and any(name == RETRYABLE_HEADER for name, _ in headers):
                await asyncio.sleep(random.uniform(0.005, 0.02) * 2**attempt)
                continue
            if messages:
                messages[0] = {**start, "headers": [(k, v) for k, v in headers if k != RETRYABLE_HEADER]}
            for message in messages:
                await send(message)
            return
