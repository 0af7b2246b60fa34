"""Whether an upload is what it claims to be, judged by its bytes as they stream past.

A file's name and the type its browser declares are the uploader's word; the bytes are not. The
first few KiB say what the content really is, so an executable, archive or page of script posing
as a photo is refused before the rest of it arrives; each format's structure then says whether
the upload is whole: a video whose recording was cut off has no index, a photo that stopped
arriving has no end marker, and either would only fail later in front of a moderator.

Memory stays flat whatever the size: an inspector keeps the first 4 KiB, the last 64 KiB and, for
MP4-family files, where the next box starts, never the content itself. A box's payload is skipped
by arithmetic, so a 1 GB video costs a few slices per chunk.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Mapping
from dataclasses import dataclass
from typing import Literal

Category = Literal["image", "video", "audio", "document"]

#: largest upload accepted when a trust sets no lower limit
MAX_SIZE = 2 * 1024**3
#: how much of the start of an upload decides what it is
SNIFF_BYTES = 4096
#: how much of the end of an upload is kept to find its end marker (and any zero padding after it)
TAIL_BYTES = 64 * 1024


@dataclass(frozen=True)
class MediaKind:
    """What an upload really is: the media type it is stored and served as, and how it is listed."""

    media_type: str
    category: Category


class ContentError(Exception):
    """Why an upload's content is refused.

    ``status`` is the HTTP status the refusal maps to (413 too large, 415 not a kind accepted, 422
    empty, cut short or damaged); ``field`` names the part of the upload at fault.
    """

    def __init__(self, message: str, field: str = "content", status: int = 422) -> None:
        super().__init__(message)
        self.message = message
        self.field = field
        self.status = status


_FORMATS: dict[str, tuple[Category, str]] = {
    "image/jpeg": ("image", "a JPEG image"),
    "image/png": ("image", "a PNG image"),
    "image/webp": ("image", "a WebP image"),
    "image/heic": ("image", "a HEIC image"),
    "image/avif": ("image", "an AVIF image"),
    "video/mp4": ("video", "an MP4 video"),
    "video/quicktime": ("video", "a QuickTime video"),
    "video/3gpp": ("video", "a 3GPP video"),
    "video/webm": ("video", "a WebM video"),
    "video/x-matroska": ("video", "a Matroska video"),
    "audio/mp4": ("audio", "an MPEG-4 audio file"),
    "audio/webm": ("audio", "a WebM audio file"),
    "audio/mpeg": ("audio", "an MP3 audio file"),
    "audio/wav": ("audio", "a WAV audio file"),
    "audio/ogg": ("audio", "an Ogg audio file"),
    "application/pdf": ("document", "a PDF document"),
}

#: every media type content can be recognised as, with how it is listed
KINDS: Mapping[str, MediaKind] = {media_type: MediaKind(media_type, category) for media_type, (category, _) in _FORMATS.items()}

#: media types accepted by default (a trust can narrow them); see KINDS for their categories
DEFAULT_ALLOWED: frozenset[str] = frozenset({
    "image/jpeg", "image/png", "image/webp", "video/mp4", "video/quicktime", "video/webm", "audio/mpeg", "audio/mp4",
    "audio/wav", "audio/ogg", "audio/webm", "application/pdf",
})

_ALIASES = {
    "image/jpg": "image/jpeg", "image/pjpeg": "image/jpeg", "audio/x-wav": "audio/wav", "audio/wave": "audio/wav",
    "audio/vnd.wave": "audio/wav", "audio/x-m4a": "audio/mp4", "audio/m4a": "audio/mp4", "audio/mp3": "audio/mpeg",
}

# Content these containers hold cannot be told apart from the first bytes (phones write an "mp42"
# brand on voice notes and MPEG-4 into .mov files; browsers record voice into WebM), so within a
# family the declared type stands.
_FAMILIES = (frozenset({"video/mp4", "video/quicktime", "audio/mp4"}), frozenset({"video/webm", "audio/webm"}))

_REFUSED: tuple[tuple[bytes, str], ...] = (
    (b"MZ", "a Windows program"),
    (b"\x7fELF", "a Linux program"),
    (b"\xfe\xed\xfa\xce", "a macOS program"),
    (b"\xfe\xed\xfa\xcf", "a macOS program"),
    (b"\xce\xfa\xed\xfe", "a macOS program"),
    (b"\xcf\xfa\xed\xfe", "a macOS program"),
    (b"\xca\xfe\xba\xbe", "a Java class or macOS program"),
    (b"\xca\xfe\xba\xbf", "a macOS program"),
    (b"\x00asm", "a WebAssembly program"),
    (b"#!", "a script"),
    (b"PK\x03\x04", "a ZIP archive (or a JAR, APK or Office file built on one)"),
    (b"PK\x05\x06", "a ZIP archive"),
    (b"PK\x07\x08", "a ZIP archive"),
    (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1", "an installer or old Office file"),
    (b"Rar!\x1a\x07", "a RAR archive"),
    (b"7z\xbc\xaf\x27\x1c", "a 7-Zip archive"),
    (b"\x1f\x8b", "a gzip archive"),
    (b"\xfd7zXZ\x00", "an XZ archive"),
)

_BRANDS: dict[bytes, str] = {
    b"qt  ": "video/quicktime",
    **dict.fromkeys((b"M4A ", b"M4B ", b"M4P ", b"F4A "), "audio/mp4"),
    **dict.fromkeys((b"isom", b"iso2", b"iso3", b"iso4", b"iso5", b"iso6", b"mp41", b"mp42", b"avc1", b"dash", b"MSNV",
                     b"NDAS", b"mmp4", b"M4V ", b"M4VH", b"M4VP", b"F4V ", b"XAVC"), "video/mp4"),
    **dict.fromkeys((b"3gp4", b"3gp5", b"3gp6", b"3gp7", b"3ge6", b"3gs7", b"3g2a", b"3g2b", b"3g2c"), "video/3gpp"),
    **dict.fromkeys((b"heic", b"heix", b"heim", b"heis", b"hevc", b"hevx"), "image/heic"),
    **dict.fromkeys((b"avif", b"avis"), "image/avif"),
}
_HEIF_BRANDS = frozenset({b"mif1", b"msf1"})
_QUICKTIME_ATOMS = frozenset({b"moov", b"mdat", b"wide", b"free", b"skip", b"pnot"})
_RIFF_FORMS = {b"WEBP": "image/webp", b"WAVE": "audio/wav"}
_EBML_DOCTYPES = {b"webm": "video/webm", b"matroska": "video/x-matroska"}
_EBML_DOCTYPE_ID = 0x4282
#: the box an ISO base media file cannot be played or shown without
_INDEX_BOX = {"video/mp4": b"moov", "video/quicktime": b"moov", "video/3gpp": b"moov", "audio/mp4": b"moov",
              "image/heic": b"meta", "image/avif": b"meta"}
_PNG_END = b"\x00\x00\x00\x00IEND\xaeB`\x82"


def normalise_media_type(value: str) -> str:
    """The one spelling of a media type, so ``image/jpg`` or ``audio/webm;codecs=opus`` match the rules."""
    bare = value.split(";", 1)[0].strip().lower()
    return _ALIASES.get(bare, bare)


def sniff(head: bytes) -> MediaKind:
    """What content really is, from its first bytes; programs, archives, markup and unknown formats are refused."""
    for signature, description in _REFUSED:
        if head.startswith(signature):
            raise ContentError(f"the content is {description}, which is never accepted", status=415)
    media_type = _recognised(head)
    if media_type is None:
        raise ContentError(_unrecognised(head), status=415)
    return KINDS[media_type]


class ContentInspector:
    """Watches one upload stream past and refuses it the moment its bytes show it must be.

    Feed every chunk in order, then call ``finish``. The declared size, itself within the size
    limit, caps the stream, so an upload can never grow past what was agreed when it began.
    """

    def __init__(self, declared_media_type: str, declared_size: int, allowed: Collection[str] = DEFAULT_ALLOWED,
                 max_size: int = MAX_SIZE) -> None:
        self._allowed = frozenset(normalise_media_type(t) for t in allowed).intersection(KINDS)
        self._declared = normalise_media_type(declared_media_type)
        if self._declared not in self._allowed:
            raise ContentError("media_type is not a type accepted here", field="media_type", status=415)
        if declared_size > max_size:
            raise ContentError(f"size_bytes is over the limit of {max_size // 1024**2} MiB", field="size_bytes", status=413)
        if declared_size < 1:
            raise ContentError("size_bytes must be at least 1", field="size_bytes")
        self._declared_size = declared_size
        self._seen = 0
        self._head = bytearray()
        self._tail = bytearray()
        self._format: str | None = None
        self._boxes: _BoxWalker | None = None

    @property
    def bytes_seen(self) -> int:
        """How much has been fed so far, for progress and for the stored size."""
        return self._seen

    def feed(self, chunk: bytes) -> None:
        """Take the next chunk; raises as soon as the bytes so far show the upload must be refused."""
        offset = self._seen
        self._seen += len(chunk)
        if self._seen > self._declared_size:
            raise ContentError("the content is larger than size_bytes declared", status=413)
        view = memoryview(chunk)
        self._keep_tail(view)
        if self._format is None:
            taken = SNIFF_BYTES - len(self._head)
            self._head += view[:taken]
            if len(self._head) < SNIFF_BYTES:
                return
            self._recognise()
            view, offset = view[taken:], SNIFF_BYTES
        if self._boxes is not None:
            self._boxes.feed(view, offset)

    def finish(self) -> MediaKind:
        """The upload's kind once every chunk is in; raises if it is empty, cut short or damaged."""
        if self._seen == 0:
            raise ContentError("the file is empty")
        if self._seen < self._declared_size:
            raise ContentError("truncated: fewer bytes arrived than size_bytes declared")
        content = self._format or self._recognise()
        if self._boxes is not None:
            self._boxes.finish(self._seen)
        check = _END_CHECKS.get(content)
        if check is not None:
            check(bytes(self._head), bytes(self._tail[-TAIL_BYTES:]), self._seen)
        return KINDS[self._declared]

    def _recognise(self) -> str:
        """What the content is, from the head, once it is known to be what was declared."""
        content = sniff(bytes(self._head)).media_type
        if content != self._declared and not any({content, self._declared} <= family for family in _FAMILIES):
            refused = "" if content in self._allowed else ", which is not accepted here"
            raise ContentError(f"declared {self._declared} but the content is {_FORMATS[content][1]}{refused}", status=415)
        self._format = content
        if content in _INDEX_BOX:
            self._boxes = _BoxWalker(_INDEX_BOX[content])
            self._boxes.feed(memoryview(self._head), 0)
        return content

    def _keep_tail(self, view: memoryview) -> None:
        """Remember the last bytes seen, trimming in batches so small chunks cost no more than large ones."""
        if len(view) >= TAIL_BYTES:
            self._tail = bytearray(view[-TAIL_BYTES:])
            return
        self._tail += view
        if len(self._tail) > 2 * TAIL_BYTES:
            del self._tail[:-TAIL_BYTES]


class _BoxWalker:
    """Follows the top-level boxes of an ISO base media file (MP4, QuickTime, M4A, HEIC) across chunks.

    Only the header of the next box is ever held; a payload, however large, is skipped by moving
    the next box's offset past it.
    """

    def __init__(self, index: bytes) -> None:
        self._index = index
        self._found = False
        self._next = 0
        self._header = bytearray()
        self._to_end = False

    def feed(self, chunk: memoryview, offset: int) -> None:
        """Read whichever box headers begin in ``chunk``, which starts ``offset`` bytes into the file."""
        end = offset + len(chunk)
        while not self._to_end and self._next + len(self._header) < end:
            start = self._next + len(self._header) - offset
            self._header += chunk[start:start + self._header_size() - len(self._header)]
            if len(self._header) == self._header_size():
                self._step()

    def finish(self, size: int) -> None:
        """Refuse a file whose last box was cut off or that never had its index box."""
        if not self._to_end and (self._header or self._next != size):
            raise ContentError("truncated: the file ends inside a box")
        if not self._found:
            raise ContentError(f"truncated: the file has no {self._index.decode()} box (its recording may not have finished)")

    def _header_size(self) -> int:
        """8 bytes, or 16 once the 32-bit size says a 64-bit one follows."""
        return 16 if self._header[:4] == b"\x00\x00\x00\x01" else 8

    def _step(self) -> None:
        """Move past the box whose header is complete."""
        size = int.from_bytes(self._header[:4], "big")
        if size == 1:
            size = int.from_bytes(self._header[8:16], "big")
        self._to_end = size == 0 and len(self._header) == 8
        if (not self._to_end and size < len(self._header)) or not all(0x20 <= b <= 0x7E for b in self._header[4:8]):
            raise ContentError("the content is damaged: a box header is invalid")
        self._found = self._found or self._header[4:8] == self._index
        self._next += size
        self._header.clear()


def _recognised(head: bytes) -> str | None:
    """The media type whose signature the head carries, if any."""
    if head.startswith(b"\xff\xd8\xff"):
        return "image/jpeg"
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return "image/png"
    if head.startswith(b"%PDF-"):
        return "application/pdf"
    if head.startswith(b"OggS"):
        return "audio/ogg"
    if head.startswith(b"RIFF"):
        return _RIFF_FORMS.get(head[8:12])
    if head.startswith(b"\x1a\x45\xdf\xa3"):
        return _EBML_DOCTYPES.get(_ebml_doctype(head) or b"")
    if head[4:8] == b"ftyp":
        return _ftyp_type(head)
    if head[4:8] in _QUICKTIME_ATOMS:
        return "video/quicktime"
    if head.startswith(b"ID3") or _mpeg_audio_frame(head):
        return "audio/mpeg"
    return None


def _unrecognised(head: bytes) -> str:
    """Why content without a known signature is refused, in words an uploader can act on."""
    if head.removeprefix(b"\xef\xbb\xbf").lstrip().startswith(b"<"):
        return "the content is HTML, XML or SVG markup, which is never accepted"
    if head and _is_text(head):
        return "the content is text (such as a script), which is never accepted"
    return "the content is not an image, video, audio or PDF format accepted here"


def _is_text(head: bytes) -> bool:
    """Whether the head reads as UTF-8 text (a character cut off at its end still counts)."""
    if b"\x00" in head:
        return False
    try:
        head.decode("utf-8")
    except UnicodeDecodeError as error:
        return error.reason == "unexpected end of data"
    return True


def _ftyp_type(head: bytes) -> str | None:
    """The media type an ``ftyp`` box's major brand (or, failing that, its compatible brands) names."""
    box_end = min(len(head), int.from_bytes(head[:4], "big"))
    brands = [head[8:12], *(head[i:i + 4] for i in range(16, box_end - 3, 4))]
    named = next((_BRANDS[brand] for brand in brands if brand in _BRANDS), None)
    return named or ("image/heic" if _HEIF_BRANDS.intersection(brands) else None)


def _mpeg_audio_frame(head: bytes) -> bool:
    """Whether the head starts with an MPEG audio frame header (an MP3 without an ID3 tag)."""
    if len(head) < 4 or head[0] != 0xFF or head[1] & 0xE0 != 0xE0:
        return False
    version, layer = (head[1] >> 3) & 3, (head[1] >> 1) & 3
    return version != 1 and layer != 0 and head[2] >> 4 != 15 and (head[2] >> 2) & 3 != 3


def _ebml_doctype(head: bytes) -> bytes | None:
    """The DocType of an EBML header (``webm`` or ``matroska``), if the head holds it whole."""
    header = _ebml_element(head, 0)
    if header is None:
        return None
    pos, end = header[1], min(header[2], len(head))
    while pos < end:
        element = _ebml_element(head, pos)
        if element is None:
            return None
        ident, start, stop = element
        if ident == _EBML_DOCTYPE_ID:
            return head[start:stop]
        pos = stop
    return None


def _ebml_element(data: bytes, pos: int) -> tuple[int, int, int] | None:
    """(id, where its data starts, where it ends) of the EBML element at ``pos``; None if cut off."""
    ident = _vint(data, pos, keep_marker=True)
    size = _vint(data, ident[1], keep_marker=False) if ident else None
    if ident is None or size is None:
        return None
    return ident[0], size[1], size[1] + size[0]


def _vint(data: bytes, pos: int, keep_marker: bool) -> tuple[int, int] | None:
    """An EBML variable-length integer at ``pos`` and where the next field starts; None if cut off or invalid."""
    if pos >= len(data) or data[pos] == 0:
        return None
    length = 9 - data[pos].bit_length()
    if pos + length > len(data):
        return None
    value = int.from_bytes(data[pos:pos + length], "big")
    return (value if keep_marker else value & ((1 << 7 * length) - 1)), pos + length


def _jpeg_ends(_head: bytes, tail: bytes, _size: int) -> None:
    """A JPEG ends with its EOI marker; some cameras pad the file with zeros after it."""
    if not tail.rstrip(b"\x00").endswith(b"\xff\xd9"):
        raise ContentError("truncated: the JPEG image has no end marker")


def _png_ends(_head: bytes, tail: bytes, _size: int) -> None:
    """A PNG ends with its IEND chunk."""
    if not tail.endswith(_PNG_END):
        raise ContentError("truncated: the PNG image has no IEND chunk at its end")


def _pdf_ends(_head: bytes, tail: bytes, _size: int) -> None:
    """A PDF's last KiB holds its %%EOF marker."""
    if b"%%EOF" not in tail[-1024:]:
        raise ContentError("truncated: the PDF has no %%EOF marker at its end")


def _riff_ends(head: bytes, _tail: bytes, size: int) -> None:
    """A RIFF file (WAV, WebP) is exactly as long as its header says, plus a pad byte when that is odd."""
    expected = int.from_bytes(head[4:8], "little") + 8
    if size < expected:
        raise ContentError("truncated: the file is shorter than its RIFF header says")
    if size > expected + (expected & 1):
        raise ContentError("the content is damaged: it is longer than its RIFF header says")


_END_CHECKS: dict[str, Callable[[bytes, bytes, int], None]] = {
    "image/jpeg": _jpeg_ends, "image/png": _png_ends, "application/pdf": _pdf_ends, "image/webp": _riff_ends, "audio/wav": _riff_ends,
}
