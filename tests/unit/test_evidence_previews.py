"""Previews are small, upright, free of metadata, and never need the whole video or leak its URL."""

from __future__ import annotations

import asyncio
import functools
import io
import socket
import subprocess
import threading
import time
from collections.abc import Iterator
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import imageio_ffmpeg
import pytest
from PIL import ExifTags, Image

from evidence_store.adapters.outbound import previews
from evidence_store.adapters.outbound.previews import image_thumbnail, video_poster
from evidence_store.core.content import ContentError


def photo(size: tuple[int, int], orientation: int | None = None, mode: str = "RGB", fmt: str = "JPEG") -> bytes:
    image = Image.new("RGB", size, "orange")
    image.paste("navy", (0, 0, size[0] // 4, size[1]))
    image = image.convert(mode)
    if mode in ("RGBA", "LA"):
        image.putalpha(128)
    exif = Image.Exif()
    if orientation:
        exif[ExifTags.Base.Orientation] = orientation
    exif[ExifTags.IFD.GPSInfo] = {ExifTags.GPS.GPSLatitudeRef: "N", ExifTags.GPS.GPSLatitude: (51.0, 30.0, 12.5)}
    out = io.BytesIO()
    extra: dict[str, Any] = {"comment": b"taken by Ms Example", "icc_profile": b"\x00" * 128} if fmt == "JPEG" else {}
    if mode == "P":
        extra["transparency"] = 0
    image.save(out, fmt, exif=exif.tobytes(), **extra)
    return out.getvalue()


def jpeg_markers(data: bytes) -> set[int]:
    markers, pos = set(), 2
    while data[pos + 1] != 0xDA:
        markers.add(data[pos + 1])
        pos += 2 + int.from_bytes(data[pos + 2:pos + 4], "big")
    return markers


def test_a_thumbnail_is_upright_small_and_has_no_metadata() -> None:
    thumb = image_thumbnail(photo((800, 400), orientation=6))
    with Image.open(io.BytesIO(thumb)) as image:
        assert image.format == "JPEG" and image.size == (160, 320)
        assert len(image.getexif()) == 0
        assert not {"exif", "icc_profile", "comment"} & set(image.info)
        top = image.getpixel((80, 10))
        assert isinstance(top, tuple) and top[2] > 100  # the navy band, once on the left, is now at the top
    assert jpeg_markers(thumb) <= {0xE0, 0xDB, 0xC0, 0xC4}
    assert b"Ms Example" not in thumb and b"Exif" not in thumb


def test_a_thumbnail_is_never_larger_than_max_side_nor_enlarged() -> None:
    with Image.open(io.BytesIO(image_thumbnail(photo((1000, 700)), max_side=64))) as image:
        assert image.size == (64, 45)
    with Image.open(io.BytesIO(image_thumbnail(photo((100, 50))))) as image:
        assert image.size == (100, 50)


def test_transparent_and_palette_images_make_jpeg_thumbnails() -> None:
    for mode, fmt in (("RGBA", "PNG"), ("LA", "PNG"), ("P", "PNG"), ("RGBA", "WEBP")):
        with Image.open(io.BytesIO(image_thumbnail(photo((400, 300), mode=mode, fmt=fmt)))) as image:
            assert image.format == "JPEG" and image.mode == "RGB" and max(image.size) == 320


def test_a_thumbnail_of_something_that_is_not_an_image_is_refused() -> None:
    for data in (b"", b"%PDF-1.4", photo((300, 200))[:200]):
        with pytest.raises(ContentError) as caught:
            image_thumbnail(data)
        assert caught.value.status == 422


@pytest.fixture(scope="module")
def videos(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Short clips made by the ffmpeg binary imageio-ffmpeg ships (moov at the front, as a phone's upload often is not)."""
    folder = tmp_path_factory.mktemp("videos")
    ffmpeg = imageio_ffmpeg.get_ffmpeg_exe()
    recipes = {
        "clip.mp4": ["-f", "lavfi", "-i", "testsrc=duration=2:size=640x360:rate=10", "-pix_fmt", "yuv420p", "-movflags", "+faststart"],
        "short.mp4": ["-f", "lavfi", "-i", "testsrc=duration=0.5:size=320x480:rate=10", "-pix_fmt", "yuv420p"],
        "clip.webm": ["-f", "lavfi", "-i", "testsrc=duration=1:size=160x120:rate=10", "-c:v", "libvpx", "-b:v", "100k"],
        "voice.m4a": ["-f", "lavfi", "-i", "sine=duration=1", "-c:a", "aac"],
    }
    for name, args in recipes.items():
        subprocess.run([ffmpeg, "-v", "error", "-y", *args, str(folder / name)], check=True, timeout=60)
    (folder / "list.m3u8").write_text("#EXTM3U\n#EXTINF:1,\nhttp://127.0.0.1:9/segment.ts\n")
    return folder


def poster_size(poster: bytes | None) -> tuple[int, int]:
    assert poster is not None and poster.startswith(b"\xff\xd8")
    with Image.open(io.BytesIO(poster)) as image:
        assert image.format == "JPEG" and len(image.getexif()) == 0
        return image.size


async def test_a_poster_frame_from_a_video_file_is_a_small_jpeg(videos: Path) -> None:
    assert poster_size(await video_poster(str(videos / "clip.mp4"))) == (320, 180)
    assert poster_size(await video_poster(str(videos / "clip.webm"), max_side=64)) == (64, 48)


async def test_a_video_shorter_than_a_second_gives_its_first_frame(videos: Path) -> None:
    assert poster_size(await video_poster(str(videos / "short.mp4"))) == (213, 320)


async def test_no_poster_for_audio_playlists_or_what_ffmpeg_cannot_read(videos: Path) -> None:
    assert await video_poster(str(videos / "voice.m4a")) is None
    assert await video_poster(str(videos / "list.m3u8")) is None
    assert await video_poster(str(videos / "missing.mp4")) is None
    assert await video_poster("-version") is None


class QuietHandler(SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: Any) -> None:  # the server's access log is not the code under test
        pass


@pytest.fixture
def http_folder(videos: Path) -> Iterator[str]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(QuietHandler, directory=str(videos)))
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


async def test_a_poster_frame_is_read_from_a_url_without_the_url_being_logged(http_folder: str, capsys: pytest.CaptureFixture[str],
                                                                                 caplog: pytest.LogCaptureFixture) -> None:
    assert poster_size(await video_poster(f"{http_folder}/clip.mp4?X-Amz-Signature=s3cr3t")) == (320, 180)
    assert await video_poster(f"{http_folder}/missing.mp4?X-Amz-Signature=s3cr3t") is None
    captured = capsys.readouterr()
    assert "video_poster.failed" in captured.out + captured.err + caplog.text
    assert "s3cr3t" not in captured.out + captured.err + caplog.text


async def test_ffmpeg_is_killed_when_it_runs_out_of_time(monkeypatch: pytest.MonkeyPatch) -> None:
    silent = socket.socket()
    silent.bind(("127.0.0.1", 0))
    silent.listen(1)  # accepts connections, never answers
    started: list[asyncio.subprocess.Process] = []
    launch = asyncio.create_subprocess_exec

    async def recording(*args: Any, **kwargs: Any) -> asyncio.subprocess.Process:
        process = await launch(*args, **kwargs)
        started.append(process)
        return process

    monkeypatch.setattr(previews.asyncio, "create_subprocess_exec", recording)
    begun = time.monotonic()
    try:
        assert await video_poster(f"http://127.0.0.1:{silent.getsockname()[1]}/clip.mp4", timeout=1.0) is None
    finally:
        silent.close()
    assert time.monotonic() - begun < 10
    assert len(started) == 1 and started[0].returncode is not None
