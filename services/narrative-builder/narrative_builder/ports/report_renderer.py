"""What the report service needs from a renderer: the same report as a web page and as a printable PDF.

The core decides what a report says and which pictures may be shown; a renderer only lays it out.
Thumbnails reach the renderer already filtered to evidence the family agreed to share, keyed by
evidence id, so no renderer ever needs to know about consent or fetch anything itself.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Protocol

from narrative_builder.core.report_model import ReportContent


class ReportRenderer(Protocol):
    """Turns finished report content into what families, reviewers and governors actually open.

    ``thumbnails`` maps an evidence id to JPEG or PNG bytes and holds only pictures that may be
    shown; a renderer shows no more than that and never fails a report over one bad picture.
    """

    def html(self, content: ReportContent, thumbnails: Mapping[str, bytes]) -> str:
        """A self-contained page (no outside requests), for reading on a phone or sharing online."""
        ...

    def pdf(self, content: ReportContent, thumbnails: Mapping[str, bytes]) -> bytes:
        """An A4 document for printing, filing with an EHC review, or sending home."""
        ...
