"""Receiving a file: declared first, then streamed to the object store part by part, checked by
content and checksum as it arrives, and turned into evidence only when every byte is in.

Memory stays flat whatever the file's size: the service holds one part being filled and a few
parts on their way to the object store. The session records each part once the object store
has it, so a client whose connection (or whose server) dropped asks where it stands and sends
the rest. Bytes a request sent past the last whole part are not kept: the client resends them.
The running checksum and content checks live in this process; after a restart they are redone
by reading the stored object back once, before it can become evidence.
"""

from __future__ import annotations

import asyncio
import hashlib
from collections import OrderedDict, deque
from collections.abc import AsyncIterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

from engagement_shared.auth.principal import Principal
from engagement_shared.errors import Conflict, DomainError, Forbidden, Invalid, NotFound, TooLarge, UnsupportedMedia
from engagement_shared.events.envelope import new_id, utcnow
from evidence_store.core import access
from evidence_store.core.completion import Completion
from evidence_store.core.consent import state_of
from evidence_store.core.content import ContentError, ContentInspector
from evidence_store.core.items import UploadRequest, UploadSession, UploadView
from evidence_store.core.policy import EvidencePolicy
from evidence_store.core.pupils import Pupil
from evidence_store.ports.objects import ObjectStorage
from evidence_store.ports.store import EvidenceRepository

PART_SIZE = 6 << 20
PARTS_IN_FLIGHT = 2
SESSION_LIFETIME = timedelta(hours=48)
LIVE_SESSIONS = 100


def refusal(error: ContentError) -> DomainError:
    """A content error as the platform's domain error, keeping its status and field."""
    kind = {413: TooLarge, 415: UnsupportedMedia}.get(error.status, Invalid)
    return kind(error.message, field=error.field)


def object_key(pupil: Pupil, evidence_id: str) -> str:
    """Where a file lives: the trust, the pupil's random storage folder, the item. No names, no pupil id."""
    return f"{pupil.trust_id}/{pupil.storage_ref}/{evidence_id}"


@dataclass
class Live:
    """The in-process state of an upload: what has been checked and hashed so far."""

    offset: int
    inspector: ContentInspector
    hasher: Any = field(default_factory=hashlib.sha256)

    def feed(self, data: bytes) -> None:
        """Check and hash the next bytes of the file."""
        self.inspector.feed(data)
        self.hasher.update(data)
        self.offset += len(data)


class Uploads:
    """Start, receive, inspect and abort uploads."""

    def __init__(self, repo: EvidenceRepository, objects: ObjectStorage, completion: Completion, part_size: int = PART_SIZE) -> None:
        self._repo = repo
        self._objects = objects
        self._completion = completion
        self._part_size = part_size
        self._live: OrderedDict[str, Live] = OrderedDict()
        self._busy: set[str] = set()
        # One thread, so each upload's bytes are checked and hashed in order, off the event loop.
        self._checking = ThreadPoolExecutor(max_workers=1, thread_name_prefix="upload-checks")

    async def _policy(self, trust_id: str) -> EvidencePolicy:
        return await self._repo.policy(trust_id) or EvidencePolicy()

    async def start(self, by: Principal, request: UploadRequest) -> tuple[UploadView, bool]:
        """Declare a file. Returns the session and whether it is new; the same file for the same pupil is stored once."""
        pupil = await access.known_pupil(by, self._repo, request.pupil_id)
        access.require_upload(by, pupil, state_of(pupil.pupil_id, await self._repo.consents(pupil.pupil_id)).current)
        policy = await self._policy(pupil.trust_id)
        if request.size_bytes == 0:
            raise Invalid("the file is empty", field="size_bytes")
        try:
            policy.inspector(request.media_type, request.size_bytes)
        except ContentError as exc:
            raise refusal(exc) from None
        now, sha256 = utcnow(), request.sha256.lower()
        upload_id = new_id()
        session = UploadSession(upload_id=upload_id, trust_id=pupil.trust_id, school_id=pupil.school_id, pupil_id=pupil.pupil_id,
                                media_type=request.media_type, size_bytes=request.size_bytes, sha256=sha256,
                                observation_ids=list(dict.fromkeys(request.observation_ids)), uploaded_by=by.subject, uploaded_by_role=by.role,
                                object_key=object_key(pupil, upload_id), s3_upload_id=None, part_size=self._part_size, created_at=now,
                                expires_at=now + SESSION_LIFETIME)
        existing = await self._repo.evidence_by_hash(pupil.pupil_id, sha256)
        if existing is not None:
            item = await self._completion.attach(by, existing, session.observation_ids)
            done = session.model_copy(update={"status": "done", "evidence_id": item.evidence_id, "received_bytes": session.size_bytes})
            await self._repo.add_upload(done)
            return UploadView.of(done, item, duplicate=True), False
        session.s3_upload_id = await self._objects.start_multipart(session.object_key, session.media_type)
        await self._repo.add_upload(session)
        return UploadView.of(session), True

    async def _session(self, by: Principal, upload_id: str) -> UploadSession:
        session = await self._repo.upload(upload_id)
        if session is None or session.trust_id != by.trust_id:
            raise NotFound(f"upload {upload_id} not found", field="upload_id")
        if session.uploaded_by != by.subject:
            raise Forbidden("only whoever started an upload may send or inspect it")
        return session

    async def status(self, by: Principal, upload_id: str) -> UploadView:
        """Where an upload stands, so a client can resume it."""
        session = await self._session(by, upload_id)
        item = await self._repo.evidence(session.evidence_id) if session.evidence_id else None
        return UploadView.of(session, item)

    async def abort(self, by: Principal, upload_id: str) -> UploadView:
        """Give an upload up: the parts stored so far are removed."""
        session = await self._session(by, upload_id)
        if session.status == "done":
            raise Conflict("this upload is complete; erase the evidence instead", field="upload_id")
        await self._abandon(session, "abandoned by the client")
        return UploadView.of(session)

    async def receive(self, by: Principal, upload_id: str, offset: int, body: AsyncIterator[bytes]) -> tuple[UploadView, bool]:
        """Take the file's bytes from ``offset`` on. Returns the session and whether it just became evidence."""
        session = await self._session(by, upload_id)
        if session.status == "done":
            return await self.status(by, upload_id), False
        if session.status != "receiving":
            raise Conflict(f"this upload is {session.status}: {session.refusal or 'start a new one'}", field="upload_id")
        if offset != session.received_bytes:
            raise Conflict(f"{session.received_bytes} bytes of this upload are stored; send the file from that byte on", field="Upload-Offset")
        if upload_id in self._busy:
            raise Conflict("another request is sending this upload right now", field="upload_id")
        self._busy.add(upload_id)
        try:
            live = self._live.pop(upload_id, None)
            if live is None or live.offset != offset:
                live = await self._fresh(session) if offset == 0 else None
            try:
                await self._pump(session, live, body)
                if session.received_bytes < session.size_bytes:
                    self._remember(upload_id, live)
                    return UploadView.of(session), False
                item = await self._completion.complete(by, session, live.inspector if live else None, live.hasher.hexdigest() if live else None)
            except ContentError as exc:
                await self._abandon(session, exc.message)
                raise refusal(exc) from None
            return UploadView.of(session, item), True
        finally:
            self._busy.discard(upload_id)

    async def _fresh(self, session: UploadSession) -> Live:
        return Live(0, (await self._policy(session.trust_id)).inspector(session.media_type, session.size_bytes))

    def _remember(self, upload_id: str, live: Live | None) -> None:
        if live is None:
            return
        self._live[upload_id] = live
        while len(self._live) > LIVE_SESSIONS:
            self._live.popitem(last=False)

    async def _pump(self, session: UploadSession, live: Live | None, body: AsyncIterator[bytes]) -> None:
        """Cut the body into parts; check and hash each on the checking thread while up to PARTS_IN_FLIGHT
        travel to the object store; record each, in order, once both are done."""
        size, part_size = session.size_bytes, session.part_size
        held: list[bytes] = []
        held_bytes, cut = 0, session.received_bytes
        pending: deque[tuple[asyncio.Future[None] | None, asyncio.Task[str], int, int]] = deque()
        next_part = len(session.parts) + 1
        loop = asyncio.get_running_loop()

        async def settle(limit: int) -> None:
            while len(pending) > limit or (pending and pending[0][1].done()):
                checked, task, number, end = pending.popleft()
                if checked is not None:
                    await checked
                etag = await task
                if not await self._repo.record_part(session.upload_id, session.received_bytes, (number, etag), end):
                    raise Conflict("this upload changed in another request", field="upload_id")
                session.parts.append((number, etag))
                session.received_bytes = end

        def send(data: bytes) -> None:
            nonlocal next_part, cut
            checked = loop.run_in_executor(self._checking, live.feed, data) if live is not None else None
            task = asyncio.ensure_future(self._objects.upload_part(session.object_key, session.s3_upload_id or "", next_part, data))
            pending.append((checked, task, next_part, cut + len(data)))
            next_part += 1
            cut += len(data)

        try:
            async for chunk in body:
                if cut + held_bytes + len(chunk) > size:
                    raise ContentError("more bytes arrived than the declared size_bytes", field="size_bytes", status=413)
                held.append(chunk)
                held_bytes += len(chunk)
                while held_bytes >= part_size:
                    joined = b"".join(held)
                    send(joined[:part_size])  # the same object, not a copy, when exactly one part is held
                    rest = joined[part_size:]
                    held, held_bytes = ([rest] if rest else []), len(rest)
                    await settle(PARTS_IN_FLIGHT - 1)
            if held and cut + held_bytes == size:
                send(b"".join(held))
            await settle(0)
        finally:
            for checked, task, _, _ in pending:
                task.cancel()
            await asyncio.gather(*(f for c, t, _, _ in pending for f in (c, t) if f is not None), return_exceptions=True)

    async def _abandon(self, session: UploadSession, reason: str) -> None:
        """Remove whatever an upload stored and mark it so; its object never becomes evidence."""
        self._live.pop(session.upload_id, None)
        if session.s3_upload_id:
            await self._objects.abort_multipart(session.object_key, session.s3_upload_id)
        await self._objects.erase(session.object_key)
        session.status, session.refusal = "aborted", reason
        await self._repo.save_upload(session)
