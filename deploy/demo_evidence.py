"""Give the demo trust some evidence to explore through evidence-store's public API: consent
recorded for a handful of pupils of the first school (as a SENCO would from signed forms), and a
small invented picture for each, attached to their latest observation.

The pictures are drawn here (coloured shapes, no people); nothing is a real photo. Seeding is
skipped for a pupil who already has evidence, so running the demo twice changes nothing.
"""

from __future__ import annotations

import asyncio
import hashlib
import io
import time
from typing import Any

import httpx
from PIL import Image, ImageDraw

PURPOSES = ("internal_assessment", "share_with_parents", "cross_school_moderation", "exemplar_library")
PUPILS_WITH_EVIDENCE = 5


class DemoEvidenceError(RuntimeError):
    """evidence-store refused something the demo depends on, or never learnt of the pupils."""


def picture(n: int) -> bytes:
    """A small PNG of coloured shapes: a stand-in for a photo of an activity."""
    image = Image.new("RGB", (320, 240), (250, 245, 235))
    draw = ImageDraw.Draw(image)
    for i in range(6):
        colour = ((60 + 37 * (n + i)) % 255, (120 + 53 * i) % 255, (200 + 29 * n) % 255)
        x, y = 30 + 45 * i, 60 + (n * 17 + i * 23) % 100
        draw.ellipse((x, y, x + 40, y + 40), fill=colour)
    out = io.BytesIO()
    image.save(out, "PNG")
    return out.getvalue()


async def _call(client: httpx.AsyncClient, method: str, url: str, token: str, **kwargs: Any) -> httpx.Response:
    response = await client.request(method, url, headers={"Authorization": f"Bearer {token}", **kwargs.pop("headers", {})}, **kwargs)
    if response.status_code >= 400:
        raise DemoEvidenceError(f"{method} {url} -> {response.status_code}: {response.text[:300]}")
    return response


async def _known(client: httpx.AsyncClient, evidence_url: str, senco: str, pupil_id: str, timeout: float = 60.0) -> None:
    """Wait until evidence-store has heard of the pupil from the directory events."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if (await client.get(f"{evidence_url}/v1/pupils/{pupil_id}/consents", headers={"Authorization": f"Bearer {senco}"})).status_code == 200:
            return
        await asyncio.sleep(0.5)
    raise DemoEvidenceError("evidence-store did not learn of the demo pupils in time (is its consumer running?)")


async def seed_evidence(ingest_url: str, evidence_url: str, senco: str, school_id: str, first: str) -> int:
    """Consent and a picture for ``first`` and a few more pupils of the school (by its SENCO); how many pictures were added."""
    added = 0
    async with httpx.AsyncClient(timeout=60) as client:
        roll = (await _call(client, "GET", f"{ingest_url}/v1/schools/{school_id}/pupils", senco)).json()
        others = [p["pupil_id"] for p in roll if p["pupil_id"] != first and p.get("on_engagement_model")]
        for n, pupil_id in enumerate([first, *others][:PUPILS_WITH_EVIDENCE]):
            await _known(client, evidence_url, senco, pupil_id)
            if await _consented(client, evidence_url, senco, pupil_id) and (await _call(client, "GET", f"{evidence_url}/v1/pupils/{pupil_id}/evidence",
                                                                                          senco)).json():
                continue
            for purpose in PURPOSES:
                await _call(client, "PUT", f"{evidence_url}/v1/pupils/{pupil_id}/consents/{purpose}", senco,
                            json={"granted": True, "given_by": "parent_or_carer", "note": "Demo: consent form on file"})
            observations = (await _call(client, "GET", f"{ingest_url}/v1/pupils/{pupil_id}/observations", senco)).json()
            latest = [observations[-1]["observation"]["observation_id"]] if observations else []
            data = picture(n)
            started = await _call(client, "POST", f"{evidence_url}/v1/uploads", senco,
                                  json={"pupil_id": pupil_id, "media_type": "image/png", "size_bytes": len(data),
                                        "sha256": hashlib.sha256(data).hexdigest(), "observation_ids": latest})
            if started.status_code == 201:
                await _call(client, "PUT", f"{evidence_url}/v1/uploads/{started.json()['upload_id']}/content", senco, content=data,
                            headers={"Content-Type": "application/octet-stream"})
            added += 1
    return added


async def _consented(client: httpx.AsyncClient, evidence_url: str, senco: str, pupil_id: str) -> bool:
    state = (await _call(client, "GET", f"{evidence_url}/v1/pupils/{pupil_id}/consents", senco)).json()
    return bool(state["current"].get("internal_assessment"))


def seed_evidence_sync(ingest_url: str, evidence_url: str, senco: str, school_id: str, first: str) -> int:
    """The same, from synchronous code (the run command)."""
    return asyncio.run(seed_evidence(ingest_url, evidence_url, senco, school_id, first))
