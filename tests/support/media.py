"""Synthetic files for evidence tests: made here, byte by byte or with Pillow, never real photos."""

from __future__ import annotations

import hashlib
import io
import struct
import subprocess
from pathlib import Path

import imageio_ffmpeg
from PIL import Image

GPS_IFD, ORIENTATION, BODY_SERIAL = 0x8825, 0x0112, 0xA431


def jpeg_with_location(size: tuple[int, int] = (64, 48)) -> bytes:
    """A JPEG whose EXIF carries a GPS position, an orientation and a camera serial number."""
    image = Image.new("RGB", size, (200, 120, 40))
    exif = Image.Exif()
    exif[ORIENTATION] = 1
    exif[BODY_SERIAL] = "SN-000123"
    exif[GPS_IFD] = {1: "N", 2: (51.0, 30.0, 0.0), 3: "W", 4: (0.0, 7.0, 0.0)}
    out = io.BytesIO()
    image.save(out, "JPEG", exif=exif.tobytes(), quality=80)
    return out.getvalue()


def png(size: tuple[int, int] = (32, 32)) -> bytes:
    """A plain PNG."""
    out = io.BytesIO()
    Image.new("RGB", size, (10, 160, 90)).save(out, "PNG")
    return out.getvalue()


def _box(kind: bytes, body: bytes) -> bytes:
    return struct.pack(">I", 8 + len(body)) + kind + body


def mp4(payload_bytes: int = 1024) -> bytes:
    """An MP4-shaped file: ftyp, a media box of ``payload_bytes`` and a moov box."""
    return _box(b"ftyp", b"isom\x00\x00\x02\x00isomiso2mp41") + _box(b"mdat", bytes(payload_bytes)) + _box(b"moov", _box(b"mvhd", bytes(100)))


def pdf() -> bytes:
    """A tiny PDF."""
    return b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"


def windows_executable() -> bytes:
    """The start of a Windows program, to be disguised as a photo."""
    return b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff\x00\x00" + bytes(200)


def sha256(data: bytes) -> str:
    """The hex digest the API expects."""
    return hashlib.sha256(data).hexdigest()


def real_video(folder: Path, seconds: float = 1.5) -> bytes:
    """A playable MP4 (a test pattern) made by the ffmpeg binary the imageio-ffmpeg wheel ships."""
    target = folder / "pattern.mp4"
    subprocess.run([imageio_ffmpeg.get_ffmpeg_exe(), "-v", "error", "-y", "-f", "lavfi", "-i", f"testsrc=duration={seconds}:size=320x240:rate=10",
                    "-pix_fmt", "yuv420p", "-movflags", "+faststart", str(target)], check=True, timeout=60)
    return target.read_bytes()
