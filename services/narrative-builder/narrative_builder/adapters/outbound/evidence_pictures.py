"""Evidence thumbnails for reports, fetched from evidence-store as the person asking.

narrative-builder never holds files or consent: it asks evidence-store's API with the caller's
own token for the pupil's evidence the family agreed to share with parents, then for five-minute
preview links, so the consent check and the access log stay where they belong. A report without
pictures is still a report: any failure here leaves the pictures out and says so in the log
(ids and status codes only).
"""

from __future__ import annotations

import asyncio
from collections.abc import Mapping, Sequence

import httpx
import structlog

log = structlog.get_logger(__name__)
SHARE_WITH_PARENTS = "share_with_parents"
MAX_PICTURES = 8
MAX_BYTES = 2 * 1024 * 1024


class EvidenceStorePictures:
    """Reads thumbnails through evidence-store's HTTP API."""

    def __init__(self, base_url: str, timeout: float = 10.0, transport: httpx.AsyncBaseTransport | None = None) -> None:
        self._base_url = base_url.rstrip("/")
        self._timeout = timeout
        self._transport = transport  # tests reach an in-process evidence-store

    async def thumbnails(self, token: str, pupil_id: str, evidence_ids: Sequence[str]) -> Mapping[str, bytes]:
        wanted = list(dict.fromkeys(evidence_ids))
        if not wanted:
            return {}
        headers = {"Authorization": f"Bearer {token}"}
        try:
            async with httpx.AsyncClient(base_url=self._base_url, headers=headers, timeout=self._timeout, transport=self._transport) as client:
                listed = await client.get(f"/v1/pupils/{pupil_id}/evidence", params={"purpose": SHARE_WITH_PARENTS})
                if listed.status_code != 200:
                    log.info("no shareable evidence listed", status=listed.status_code)
                    return {}
                shareable = {item["evidence_id"] for item in listed.json() if item.get("preview") == "ready"}
                chosen = [e for e in wanted if e in shareable][:MAX_PICTURES]
                fetched = await asyncio.gather(*(self._one(client, e) for e in chosen))
        except httpx.HTTPError as exc:
            log.warning("evidence-store unreachable; report drawn without pictures", error=exc.__class__.__name__)
            return {}
        return {e: data for e, data in zip(chosen, fetched, strict=True) if data}

    @staticmethod
    async def _one(client: httpx.AsyncClient, evidence_id: str) -> bytes | None:
        link = await client.post(f"/v1/evidence/{evidence_id}/link", json={"purpose": SHARE_WITH_PARENTS, "preview": True})
        if link.status_code != 200:
            log.info("no preview link", evidence_id=evidence_id, status=link.status_code)
            return None
        async with httpx.AsyncClient(timeout=10.0) as plain:
            picture = await plain.get(link.json()["url"])
        if picture.status_code != 200 or len(picture.content) > MAX_BYTES:
            log.info("preview not fetched", evidence_id=evidence_id, status=picture.status_code)
            return None
        return picture.content
