"""Small previews of evidence, so listing or moderating it never means pulling a whole video.

Thumbnails are made from the photo in memory. Poster frames are cut from a video by the ffmpeg
binary shipped inside the imageio-ffmpeg wheel, so every machine gets the same one from PyPI; it
reads the object itself (a presigned URL or a local path), so no copy of the video passes through
this service. Previews are new images carrying no metadata at all, never copies of the evidence.
"""

from __future__ import annotations

import asyncio

import imageio_ffmpeg
import structlog
from PIL import Image

from engagement_shared.pictures import small_jpeg

from evidence_store.core.content import ContentError

log = structlog.get_logger(__name__)

#: how far into a video its poster frame is taken (the first frame is often black)
POSTER_AT_SECONDS = 1.0
#: the only containers ffmpeg may open: those evidence videos are accepted in (never playlists, which fetch other URLs)
_DEMUXERS = "mov,mp4,m4a,3gp,3g2,mj2,matroska,webm"
_URL_PROTOCOLS = "http,https,tcp,tls"


def image_thumbnail(data: bytes, max_side: int = 320) -> bytes:
    """A small JPEG of a photo for lists and moderation screens: the right way up, and with no metadata."""
    try:
        return small_jpeg(data, max_side)[0]
    except (OSError, ValueError, SyntaxError, Image.DecompressionBombError) as error:
        raise ContentError("the image cannot be decoded") from error


async def video_poster(source: str, max_side: int = 320, timeout: float = 60.0) -> bytes | None:
    """A JPEG poster frame of a video, about a second in (the first frame when it is shorter), or None.

    ``source`` is a local path or an http(s) URL, such as a presigned one that ffmpeg reads with
    range requests, so only the parts it needs are fetched. None when ffmpeg cannot read the video
    or takes longer than ``timeout`` seconds in all (it is then killed): a missing poster is no
    reason to refuse evidence. The URL is never logged, since it carries credentials.
    """
    deadline = asyncio.get_running_loop().time() + timeout
    frame = await _frame(source, POSTER_AT_SECONDS, max_side, timeout)
    remaining = deadline - asyncio.get_running_loop().time()
    if frame == b"" and remaining > 0:
        frame = await _frame(source, None, max_side, remaining)
    return frame or None


async def _frame(source: str, seek: float | None, max_side: int, timeout: float) -> bytes | None:
    """One frame (at ``seek`` seconds, or the first) as a JPEG; empty when the video is shorter than
    ``seek``, None when ffmpeg failed or ran out of time."""
    is_url = source.startswith(("http://", "https://"))
    scale = f"scale=w='min(iw,{max_side})':h='min(ih,{max_side})':force_original_aspect_ratio=decrease,format=yuvj420p"
    args = [
        "-nostdin", "-hide_banner", "-loglevel", "error",
        "-protocol_whitelist", _URL_PROTOCOLS if is_url else "file", "-format_whitelist", _DEMUXERS,
        *(["-ss", str(seek)] if seek is not None else []), "-i", source if is_url else f"file:{source}",
        "-map", "0:v:0", "-frames:v", "1", "-vf", scale, "-map_metadata", "-1", "-flags:v", "+bitexact", "-fflags", "+bitexact",
        "-f", "image2pipe", "-c:v", "mjpeg", "-q:v", "4", "pipe:1",
    ]
    try:
        process = await asyncio.create_subprocess_exec(imageio_ffmpeg.get_ffmpeg_exe(), *args, stdin=asyncio.subprocess.DEVNULL,
                                                       stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.DEVNULL)
    except (RuntimeError, OSError) as error:  # imageio-ffmpeg has no binary for this platform, or it cannot run
        log.warning("video_poster.unavailable", error=type(error).__name__)
        return None
    try:
        frame, _ = await asyncio.wait_for(process.communicate(), timeout)
    except TimeoutError:
        log.warning("video_poster.timeout", timeout_s=timeout)
        return None
    finally:
        if process.returncode is None:
            process.kill()
            await process.wait()
    if process.returncode != 0:
        log.warning("video_poster.failed", exit_code=process.returncode)
        return None
    return frame if not frame or frame.startswith(b"\xff\xd8") else None
