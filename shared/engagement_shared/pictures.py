"""Small, upright, metadata-free JPEGs of photos: evidence previews and report thumbnails.

Both need the same care (decode only what is needed, honour the camera's orientation, lay any
transparency over white, keep no EXIF), so it is done once here.
"""

from __future__ import annotations

import io
from collections.abc import Sequence

from PIL import Image, ImageOps


def flattened(image: Image.Image) -> Image.Image:
    """The image as RGB, transparency laid over white, since JPEG has no alpha channel."""
    if image.mode in ("RGBA", "LA") or (image.mode == "P" and "transparency" in image.info):
        rgba = image.convert("RGBA")
        white = Image.new("RGBA", rgba.size, "white")
        return Image.alpha_composite(white, rgba).convert("RGB")
    return image.convert("RGB")


def small_jpeg(data: bytes, max_side: int, quality: int = 80, formats: Sequence[str] | None = None,
               max_pixels: int | None = None) -> tuple[bytes, int, int]:
    """(JPEG bytes, width, height) of the picture scaled to fit ``max_side``; raises ``OSError``,
    ``ValueError``, ``SyntaxError`` or ``Image.DecompressionBombError`` for what is not a readable
    picture of an allowed format and size, for the caller to turn into its own refusal."""
    with Image.open(io.BytesIO(data), formats=formats) as image:
        if max_pixels is not None and image.width * image.height > max_pixels:
            raise ValueError("picture too large for a thumbnail")
        image.draft("RGB", (max_side, max_side))
        upright = ImageOps.exif_transpose(image)
    upright.thumbnail((max_side, max_side))
    flat = flattened(upright)
    flat.info.clear()
    out = io.BytesIO()
    flat.save(out, "JPEG", quality=quality)
    return out.getvalue(), flat.width, flat.height
