"""Turning a report version into the HTML page or PDF people read, with evidence pictures.

Pictures are only ever of evidence the family agreed to share with parents (evidence-store checks
that consent for the person asking and logs the access), and only of evidence the report cites.
Drawing a PDF is CPU work, so it runs off the event loop and a busy server keeps answering.
"""

from __future__ import annotations

import asyncio
from typing import Literal

from engagement_shared.auth.principal import Principal
from narrative_builder.core.report_model import ReportKind
from narrative_builder.core.reports import ReportService
from narrative_builder.ports.report_renderer import ReportRenderer
from narrative_builder.ports.report_store import EvidencePictures

Format = Literal["html", "pdf"]


class ReportDocuments:
    """Renders reports the caller may read."""

    def __init__(self, reports: ReportService, renderer: ReportRenderer, pictures: EvidencePictures) -> None:
        self._reports = reports
        self._renderer = renderer
        self._pictures = pictures

    async def render(self, by: Principal, token: str, report_id: str, version: int | None, fmt: Format) -> str | bytes:
        """The report (its newest version, or the one asked for) as HTML text or PDF bytes."""
        report, chosen = await self._reports.version(by, report_id, version)
        content = chosen.content
        thumbnails = {}
        if report.pupil_id and content.kind is not ReportKind.GOVERNORS and content.evidence_ids:
            thumbnails = dict(await self._pictures.thumbnails(token, report.pupil_id, content.evidence_ids))
        if fmt == "html":
            return await asyncio.to_thread(self._renderer.html, content, thumbnails)
        return await asyncio.to_thread(self._renderer.pdf, content, thumbnails)
