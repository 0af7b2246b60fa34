"""What the core needs to make previews, so staff and moderators need not pull whole videos."""

from __future__ import annotations

from typing import Protocol


class Previewer(Protocol):
    """Thumbnails of images and poster frames of videos, as small JPEGs without metadata."""

    def image_thumbnail(self, data: bytes, max_side: int = 320) -> bytes: ...
    async def video_poster(self, source: str, max_side: int = 320, timeout: float = 60.0) -> bytes | None: ...
