"""Location and other identifying metadata taken out of photos before anyone can see them.

A phone photo of a pupil carries where it was taken (on a home visit, the family's address), the
camera's serial number and the photographer's name, and often a thumbnail of the uncropped
original; none of that is evidence and all of it identifies. Only metadata segments and chunks
are removed or rewritten: the pixels stay byte for byte as recorded, since re-encoding would lose
quality and change the evidence, and Orientation is kept so photos are not shown on their side.
"""

from __future__ import annotations

import re
import zlib
from collections.abc import Callable
from dataclasses import dataclass

from PIL import ExifTags, Image

from evidence_store.core.content import ContentError, normalise_media_type

_GPS = ExifTags.IFD.GPSInfo
_EXIF_IFD = ExifTags.IFD.Exif
_ORIENTATION = ExifTags.Base.Orientation
_EXIF_PREFIX = b"Exif\x00\x00"
#: tags that name or single out a person or a device, found in IFD0 or the Exif IFD
_IDENTIFYING: dict[int, str] = {
    ExifTags.Base.Artist: "photographer's name",
    ExifTags.Base.XPAuthor: "photographer's name",
    ExifTags.Base.HostComputer: "computer name",
    ExifTags.Base.CameraOwnerName: "camera owner's name",
    ExifTags.Base.BodySerialNumber: "camera serial number",
    ExifTags.Base.LensSerialNumber: "lens serial number",
    ExifTags.Base.ImageUniqueID: "image unique ID",
    ExifTags.Base.MakerNote: "camera maker notes",
}
_XMP_PREFIXES = (b"http://ns.adobe.com/xap/1.0/\x00", b"http://ns.adobe.com/xmp/extension/\x00")
_JPEG_APP1, _JPEG_APP2, _JPEG_APP13, _JPEG_SOS = 0xE1, 0xE2, 0xED, 0xDA
#: most payload one JPEG segment holds (its length field counts itself)
_JPEG_SEGMENT_MAX = 0xFFFF - 2
#: a JPEG marker that is neither a stuffed 0xFF in scan data, a restart marker nor fill
_JPEG_MARKER = re.compile(rb"\xff[^\x00\xd0-\xd7\xff]")
_PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
_PNG_TEXT_CHUNKS = frozenset({b"tEXt", b"iTXt", b"zTXt"})
_LOCATION_WORDS = ("gps", "location", "latitude", "longitude", "geotag")
_VP8X_EXIF, _VP8X_XMP = 0x08, 0x04


@dataclass(frozen=True)
class Stripped:
    """A photo fit to show, and what was taken out of it, so staff can be told in plain words."""

    data: bytes
    removed: list[str]


def strip_location(media_type: str, data: bytes) -> Stripped:
    """The photo without location or identifying metadata; other media are returned as they are.

    Raises ContentError (422) when the image's structure cannot be read, since what cannot be read
    cannot be known to be clean.
    """
    strip = _STRIPPERS.get(normalise_media_type(media_type))
    if strip is None:
        return Stripped(data, [])
    removed: list[str] = []
    cleaned = strip(data, removed)
    return Stripped(cleaned if removed else data, list(dict.fromkeys(removed)))


def _clean_exif(block: bytes, removed: list[str], limit: int = 2**31 - 1) -> bytes | None:
    """An EXIF block (TIFF, with or without its ``Exif`` prefix) rewritten without location,
    identifying tags or thumbnail, as bare TIFF of at most ``limit`` bytes; None when it held none of them.

    A block Pillow cannot read or rewrite (or only larger than the limit) is replaced by one holding
    only its orientation (empty when even that cannot be read), so damaged EXIF neither blocks a
    photo nor leaks.
    """
    exif = Image.Exif()
    try:
        found = _take_out_identifying(exif, block)
        rebuilt = exif.tobytes().removeprefix(_EXIF_PREFIX) if found else None
        fits = rebuilt is None or len(rebuilt) <= limit
    except Exception:  # Pillow's TIFF code fails in many ways (SyntaxError, struct.error, TypeError...) on odd input
        fits = False
    if not fits:
        removed.append("EXIF metadata other than orientation (it could not be edited safely)")
        return _orientation_only(exif)
    removed.extend(found)
    return rebuilt


def _take_out_identifying(exif: Image.Exif, block: bytes) -> list[str]:
    """Load ``block`` into ``exif`` and delete location, identifying tags and the thumbnail, saying which were there."""
    exif.load(block)
    exif_ifd = exif.get_ifd(_EXIF_IFD) if _EXIF_IFD in exif else {}
    found: list[str] = []
    if _GPS in exif:  # never read through get_ifd first: Pillow would write its cached copy back
        del exif[_GPS]
        found.append("GPS location (EXIF)")
    for ifd in (exif, exif_ifd):
        for tag in [tag for tag in _IDENTIFYING if tag in ifd]:
            del ifd[tag]
            found.append(_IDENTIFYING[tag])
    if exif.get_ifd(ExifTags.IFD.IFD1):  # Pillow never writes IFD1 back, so rebuilding drops it
        found.append("embedded thumbnail")
    return found


def _orientation_only(uneditable: Image.Exif) -> bytes:
    """A bare TIFF block holding just the orientation of one that could not be edited, or nothing if that is unreadable too."""
    try:
        orientation = uneditable.get(_ORIENTATION)
    except Exception:  # same reason as in _clean_exif
        orientation = None
    if orientation not in range(1, 9):
        return b""
    exif = Image.Exif()
    exif[_ORIENTATION] = orientation
    return exif.tobytes().removeprefix(_EXIF_PREFIX)


def _damaged(image: str) -> ContentError:
    """The refusal for an image whose structure cannot be followed."""
    return ContentError(f"the {image} image is damaged: its structure cannot be read")


def _strip_jpeg(data: bytes, removed: list[str]) -> bytes:
    """Walk the segments before the first scan, rewriting EXIF and dropping XMP and Photoshop/IPTC.

    Anything after the photo's end marker (depth or HDR maps, appended videos) is dropped with the
    MPF segment that points at it, since its own metadata is not cleaned here.
    """
    if not data.startswith(b"\xff\xd8"):
        raise _damaged("JPEG")
    segments: list[tuple[int, bytes]] = []
    pos = 2
    while True:
        if pos + 4 > len(data) or data[pos] != 0xFF:
            raise _damaged("JPEG")
        marker = data[pos + 1]
        if marker == 0xFF:
            pos += 1
            continue
        end = pos + 2 + int.from_bytes(data[pos + 2:pos + 4], "big")
        if marker == _JPEG_SOS:
            break
        if end > len(data) or end < pos + 4:
            raise _damaged("JPEG")
        segments.append((marker, _jpeg_segment(marker, data[pos:end], removed)))
        pos = end
    image_end = _jpeg_image_end(data, pos)
    if data[image_end:].strip(b"\x00"):
        removed.append("extra images or data after the photo")
        segments = [(m, s) for m, s in segments if not (m == _JPEG_APP2 and s[4:8] == b"MPF\x00")]
        return b"".join([data[:2], *(s for _, s in segments), data[pos:image_end]])
    return b"".join([data[:2], *(s for _, s in segments), data[pos:]])


def _jpeg_segment(marker: int, segment: bytes, removed: list[str]) -> bytes:
    """A segment as it should stay: unchanged, rewritten (EXIF) or empty (dropped)."""
    payload = segment[4:]
    if marker == _JPEG_APP13:
        removed.append("Photoshop/IPTC metadata")
        return b""
    if marker != _JPEG_APP1:
        return segment
    if payload.startswith(_XMP_PREFIXES):
        removed.append("XMP metadata")
        return b""
    if not payload.startswith(_EXIF_PREFIX):
        return segment
    cleaned = _clean_exif(payload, removed, limit=_JPEG_SEGMENT_MAX - len(_EXIF_PREFIX))
    if cleaned is None:
        return segment
    if not cleaned:
        return b""
    body = _EXIF_PREFIX + cleaned
    return b"\xff\xe1" + (len(body) + 2).to_bytes(2, "big") + body


def _jpeg_image_end(data: bytes, pos: int) -> int:
    """Where the photo's own data ends (just after its EOI), following its scans and the segments between them."""
    while (match := _JPEG_MARKER.search(data, pos)) is not None:
        if data[match.start() + 1] == 0xD9:
            return match.end()
        pos = match.start() + 2 + int.from_bytes(data[match.start() + 2:match.start() + 4], "big")
    raise _damaged("JPEG")


def _strip_png(data: bytes, removed: list[str]) -> bytes:
    """Rewrite eXIf and drop text chunks holding XMP, location or embedded metadata profiles."""
    if not data.startswith(_PNG_SIGNATURE):
        raise _damaged("PNG")
    kept = [_PNG_SIGNATURE]
    pos = len(_PNG_SIGNATURE)
    while True:
        if pos + 12 > len(data):
            raise _damaged("PNG")
        length = int.from_bytes(data[pos:pos + 4], "big")
        kind, end = data[pos + 4:pos + 8], pos + 12 + length
        if end > len(data):
            raise _damaged("PNG")
        body = data[pos + 8:end - 4]
        reason = _png_text_removal(body) if kind in _PNG_TEXT_CHUNKS else None
        cleaned = _clean_exif(body, removed) if kind == b"eXIf" else None
        if reason:
            removed.append(reason)
        elif cleaned is not None:
            kept.append(_png_chunk(kind, cleaned) if cleaned else b"")
        else:
            kept.append(data[pos:end])
        if kind == b"IEND":
            return b"".join(kept)
        pos = end


def _png_text_removal(body: bytes) -> str | None:
    """Why a tEXt/iTXt/zTXt chunk must go, judged by its keyword; None when it may stay."""
    keyword = body.split(b"\x00", 1)[0].decode("latin-1").lower()
    if keyword == "xml:com.adobe.xmp":
        return "XMP metadata"
    if keyword.startswith("raw profile type"):
        return "embedded EXIF/IPTC profile"
    if any(word in keyword for word in _LOCATION_WORDS):
        return "GPS location (PNG text)"
    if keyword == "author":
        return "photographer's name"
    return None


def _png_chunk(kind: bytes, body: bytes) -> bytes:
    """A PNG chunk with its length and a CRC computed afresh."""
    return len(body).to_bytes(4, "big") + kind + body + zlib.crc32(kind + body).to_bytes(4, "big")


def _strip_webp(data: bytes, removed: list[str]) -> bytes:
    """Rewrite the EXIF chunk, drop the XMP chunk, then fix the VP8X flags and the RIFF size to match."""
    if len(data) < 12 or data[:4] != b"RIFF" or data[8:12] != b"WEBP":
        raise _damaged("WebP")
    chunks: list[tuple[bytes, bytes]] = []
    pos = 12
    while pos < len(data):
        size = int.from_bytes(data[pos + 4:pos + 8], "little")
        fourcc, end = data[pos:pos + 4], pos + 8 + size
        if pos + 8 > len(data) or end > len(data):
            raise _damaged("WebP")
        body = data[pos + 8:end]
        pos = end + (size & 1)
        if fourcc == b"XMP ":
            removed.append("XMP metadata")
            continue
        cleaned = _clean_exif(body, removed) if fourcc == b"EXIF" else None
        if cleaned != b"":
            chunks.append((fourcc, body if cleaned is None else cleaned))
    has_exif = any(fourcc == b"EXIF" for fourcc, _ in chunks)
    payload = b"WEBP" + b"".join(_riff_chunk(fourcc, _vp8x(body, has_exif) if fourcc == b"VP8X" else body) for fourcc, body in chunks)
    return b"RIFF" + len(payload).to_bytes(4, "little") + payload


def _vp8x(body: bytes, has_exif: bool) -> bytes:
    """A VP8X header whose EXIF and XMP flags say what the file now holds."""
    if not body:
        raise _damaged("WebP")
    flags = body[0] & ~(_VP8X_EXIF | _VP8X_XMP) | (_VP8X_EXIF if has_exif else 0)
    return bytes([flags]) + body[1:]


def _riff_chunk(fourcc: bytes, body: bytes) -> bytes:
    """A RIFF chunk with its size, padded to an even length."""
    return fourcc + len(body).to_bytes(4, "little") + body + b"\x00" * (len(body) & 1)


_STRIPPERS: dict[str, Callable[[bytes, list[str]], bytes]] = {
    "image/jpeg": _strip_jpeg, "image/png": _strip_png, "image/webp": _strip_webp,
}
