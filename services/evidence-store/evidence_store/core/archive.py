"""A subject access request: everything evidence-store holds about a pupil, as one zip archive
streamed to the requester — the files as stored, and a manifest of their details, the consent
decisions and the access log — without ever holding a whole file in memory.
"""

from __future__ import annotations

import json
import zipfile
from collections.abc import AsyncIterator
from contextlib import aclosing

from engagement_shared.auth.principal import Principal
from engagement_shared.events.envelope import utcnow
from evidence_store.core import access
from evidence_store.core.audit import access_record
from evidence_store.core.viewing import neutral_filename
from evidence_store.ports.objects import ObjectStorage
from evidence_store.ports.store import EvidenceRepository

LOG_LIMIT = 100_000


class _Spool:
    """A write-only, unseekable sink that zipfile writes into and the generator empties."""

    def __init__(self) -> None:
        self.chunks: list[bytes] = []

    def write(self, data: bytes) -> int:
        self.chunks.append(bytes(data))
        return len(data)

    def flush(self) -> None:
        """zipfile flushes; there is nothing to do."""

    def drain(self) -> bytes:
        """What zipfile wrote since the last drain."""
        out, self.chunks = b"".join(self.chunks), []
        return out


class SubjectAccessExport:
    """Builds the archive for the school's SENCO or the trust admin."""

    def __init__(self, repo: EvidenceRepository, objects: ObjectStorage) -> None:
        self._repo = repo
        self._objects = objects

    async def prepare(self, by: Principal, pupil_id: str) -> AsyncIterator[bytes]:
        """Check access and log the export now (so a refusal is an HTTP error), then return the stream."""
        pupil = await access.known_pupil(by, self._repo, pupil_id)
        access.require_manage(by, pupil)
        await self._repo.add_access(access_record(by, pupil, "export", None))
        return self._stream(pupil.trust_id, pupil_id)

    async def _stream(self, trust_id: str, pupil_id: str) -> AsyncIterator[bytes]:
        items = await self._repo.evidence_of_pupil(pupil_id)
        manifest = {
            "pupil_id": pupil_id, "exported_at": utcnow().isoformat(),
            "evidence": [{**i.model_dump(mode="json", exclude={"object_key", "preview_key"}), "file": f"files/{neutral_filename(i)}"} for i in items],
            "consent_decisions": [d.model_dump(mode="json") for d in await self._repo.consents(pupil_id)],
            "access_log": [r.model_dump(mode="json") for r in await self._repo.access_log(trust_id, None, pupil_id, None, LOG_LIMIT)],
        }
        spool = _Spool()
        with zipfile.ZipFile(spool, "w", compression=zipfile.ZIP_STORED) as archive:  # type: ignore[arg-type]
            archive.writestr("manifest.json", json.dumps(manifest, indent=2))
            yield spool.drain()
            for item in items:
                with archive.open(f"files/{neutral_filename(item)}", "w", force_zip64=True) as member:
                    async with aclosing(self._objects.stream(item.object_key)) as chunks:
                        async for chunk in chunks:
                            member.write(chunk)
                            yield spool.drain()
                yield spool.drain()
        yield spool.drain()
