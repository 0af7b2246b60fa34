"""Photos lose where they were taken and who took them, keep their orientation, and keep every pixel as recorded."""

from __future__ import annotations

import io
import struct
import zlib

import pytest
from PIL import ExifTags, Image, PngImagePlugin

from evidence_store.core.content import ContentError
from evidence_store.core.location import strip_location

GPS = {ExifTags.GPS.GPSLatitudeRef: "N", ExifTags.GPS.GPSLatitude: (51.0, 30.0, 12.5), ExifTags.GPS.GPSLongitudeRef: "W",
       ExifTags.GPS.GPSLongitude: (0.0, 7.0, 39.0)}
XMP = (b'<x:xmpmeta xmlns:x="adobe:ns:meta/"><rdf:RDF><rdf:Description exif:GPSLatitude="51,30.2N" '
       b'dc:creator="Ms Example"/></rdf:RDF></x:xmpmeta>')
SERIAL = "SN-998877"
ARTIST = "Ms Example"


def exif_block() -> bytes:
    exif = Image.Exif()
    exif[ExifTags.Base.Orientation] = 6
    exif[ExifTags.Base.Make] = "PhoneCo"
    exif[ExifTags.Base.Artist] = ARTIST
    exif[ExifTags.IFD.GPSInfo] = GPS
    exif[ExifTags.IFD.Exif] = {ExifTags.Base.BodySerialNumber: SERIAL, ExifTags.Base.DateTimeOriginal: "2024:03:01 10:00:00"}
    return exif.tobytes()


def picture() -> Image.Image:
    image = Image.new("RGB", (96, 64))
    image.putdata([(x * 2 % 256, y * 4 % 256, (x * y) % 256) for y in range(64) for x in range(96)])
    return image


def jpeg(exif: bytes | None = None) -> bytes:
    out = io.BytesIO()
    picture().save(out, "JPEG", quality=90, **({"exif": exif} if exif is not None else {}))
    return out.getvalue()


def segment(marker: int, payload: bytes) -> bytes:
    return bytes([0xFF, marker]) + (len(payload) + 2).to_bytes(2, "big") + payload


def with_segments(data: bytes, *segments: bytes) -> bytes:
    return data[:2] + b"".join(segments) + data[2:]


def scan(data: bytes) -> bytes:
    """Everything from the first start-of-scan marker on: the entropy-coded pixels."""
    pos = 2
    while data[pos + 1] != 0xDA:
        pos += 2 + int.from_bytes(data[pos + 2:pos + 4], "big")
    return data[pos:]


def pixels(data: bytes) -> bytes:
    with Image.open(io.BytesIO(data)) as image:
        return image.convert("RGB").tobytes()


def exif_of(data: bytes) -> Image.Exif:
    with Image.open(io.BytesIO(data)) as image:
        return image.getexif()


def tiff_with_thumbnail(thumbnail: bytes) -> bytes:
    """A little-endian EXIF block: IFD0 holding Orientation 6, then IFD1 pointing at a JPEG thumbnail."""
    def entry(tag: int, kind: int, value: bytes) -> bytes:
        return struct.pack("<HHI", tag, kind, 1) + value
    ifd1 = 8 + 2 + 12 + 4
    thumb_at = ifd1 + 2 + 2 * 12 + 4
    return (b"Exif\x00\x00II*\x00" + struct.pack("<IH", 8, 1) + entry(0x0112, 3, struct.pack("<HH", 6, 0)) + struct.pack("<I", ifd1)
            + struct.pack("<H", 2) + entry(0x0201, 4, struct.pack("<I", thumb_at)) + entry(0x0202, 4, struct.pack("<I", len(thumbnail)))
            + struct.pack("<I", 0) + thumbnail)


def test_a_jpeg_loses_location_and_identifying_metadata_but_keeps_orientation_and_pixels() -> None:
    original = with_segments(jpeg(exif_block()), segment(0xE1, b"http://ns.adobe.com/xap/1.0/\x00" + XMP),
                             segment(0xED, b"Photoshop 3.0\x008BIM\x04\x04" + ARTIST.encode()))
    stripped = strip_location("image/jpeg", original)
    assert set(stripped.removed) == {"GPS location (EXIF)", "photographer's name", "camera serial number", "XMP metadata",
                                     "Photoshop/IPTC metadata"}
    exif = exif_of(stripped.data)
    assert exif[ExifTags.Base.Orientation] == 6 and exif[ExifTags.Base.Make] == "PhoneCo"
    assert ExifTags.IFD.GPSInfo not in exif and ExifTags.Base.Artist not in exif
    exif_ifd = exif.get_ifd(ExifTags.IFD.Exif)
    assert ExifTags.Base.BodySerialNumber not in exif_ifd and exif_ifd[ExifTags.Base.DateTimeOriginal] == "2024:03:01 10:00:00"
    for leak in (SERIAL.encode(), ARTIST.encode(), b"ns.adobe.com", b"Photoshop", b"GPSLatitude"):
        assert leak not in stripped.data
    assert scan(stripped.data) == scan(original)
    assert pixels(stripped.data) == pixels(original)


def test_a_photo_without_such_metadata_is_returned_unchanged() -> None:
    plain = jpeg()
    assert strip_location("image/jpeg", plain) == strip_location("image/jpg", plain)
    assert strip_location("image/jpeg", plain).data == plain and strip_location("image/jpeg", plain).removed == []
    orientation = Image.Exif()
    orientation[ExifTags.Base.Orientation] = 3
    only_orientation = jpeg(orientation.tobytes())
    assert strip_location("image/jpeg", only_orientation).data == only_orientation


def test_the_embedded_thumbnail_goes_since_it_can_show_what_was_cropped_out() -> None:
    thumbnail = jpeg()
    original = jpeg(tiff_with_thumbnail(thumbnail))
    stripped = strip_location("image/jpeg", original)
    assert stripped.removed == ["embedded thumbnail"]
    assert thumbnail not in stripped.data
    assert exif_of(stripped.data)[ExifTags.Base.Orientation] == 6
    assert scan(stripped.data) == scan(original)


def test_exif_that_cannot_be_edited_is_replaced_by_its_orientation_alone() -> None:
    def entry(tag: int, kind: int, value: bytes) -> bytes:
        return struct.pack("<HHI", tag, kind, 1) + value
    rational_at = 8 + 2 + 3 * 12 + 4
    odd = (b"Exif\x00\x00II*\x00" + struct.pack("<IH", 8, 3) + entry(0x010F, 5, struct.pack("<I", rational_at))
           + entry(0x0112, 3, struct.pack("<HH", 8, 0)) + entry(0x8825, 4, struct.pack("<I", rational_at + 8)) + struct.pack("<I", 0)
           + struct.pack("<II", 1, 3) + struct.pack("<H", 1) + entry(1, 2, b"N\x00\x00\x00") + struct.pack("<I", 0))
    stripped = strip_location("image/jpeg", jpeg(odd))
    assert stripped.removed == ["EXIF metadata other than orientation (it could not be edited safely)"]
    assert dict(exif_of(stripped.data)) == {ExifTags.Base.Orientation: 8}
    unreadable = strip_location("image/jpeg", jpeg(b"Exif\x00\x00XX\x00\x2a\x00\x00\x00\x08garbage"))
    assert b"Exif\x00\x00" not in unreadable.data and unreadable.removed
    assert pixels(unreadable.data) == pixels(jpeg())


def test_data_after_the_photo_goes_with_the_mpf_index_that_points_at_it() -> None:
    extra = jpeg(exif_block())
    original = with_segments(jpeg(), segment(0xE2, b"MPF\x00II*\x00" + bytes(20))) + extra
    stripped = strip_location("image/jpeg", original)
    assert stripped.removed == ["extra images or data after the photo"]
    assert b"MPF\x00" not in stripped.data and SERIAL.encode() not in stripped.data
    assert stripped.data.endswith(b"\xff\xd9") and pixels(stripped.data) == pixels(jpeg())
    padded = jpeg() + bytes(100)
    assert strip_location("image/jpeg", padded).data == padded


def test_a_progressive_jpeg_keeps_all_its_scans() -> None:
    out = io.BytesIO()
    picture().save(out, "JPEG", progressive=True, exif=exif_block())
    original = out.getvalue()
    stripped = strip_location("image/jpeg", original)
    assert "GPS location (EXIF)" in stripped.removed
    assert scan(stripped.data) == scan(original) and pixels(stripped.data) == pixels(original)


@pytest.mark.parametrize("damaged", [
    b"", b"\xff\xd8", b"\xff\xd8\x00\x00\x00\x00", b"\xff\xd8\xff\xe1\x40\x00Exif\x00\x00", b"GIF89a" + bytes(20),
    jpeg()[:-2][:400],
])
def test_a_damaged_jpeg_is_refused_not_crashed_on(damaged: bytes) -> None:
    with pytest.raises(ContentError) as caught:
        strip_location("image/jpeg", damaged)
    assert (caught.value.status, caught.value.field) == (422, "content")


def png_chunks(data: bytes) -> list[tuple[bytes, bytes]]:
    chunks, pos = [], 8
    while pos < len(data):
        length = int.from_bytes(data[pos:pos + 4], "big")
        kind, body, crc = data[pos + 4:pos + 8], data[pos + 8:pos + 8 + length], data[pos + 8 + length:pos + 12 + length]
        assert zlib.crc32(kind + body).to_bytes(4, "big") == crc
        chunks.append((kind, body))
        pos += 12 + length
    return chunks


def test_a_png_loses_exif_location_xmp_and_location_text_with_valid_crcs() -> None:
    info = PngImagePlugin.PngInfo()
    info.add_itxt("XML:com.adobe.xmp", XMP.decode())
    info.add_text("GPSLocation", "51.5033,-0.1196")
    info.add_text("Raw profile type exif", "exif\n  20\n4578696600004d4d002a00000008", zip=True)
    info.add_text("Comment", "sensory room, morning")
    out = io.BytesIO()
    picture().save(out, "PNG", exif=exif_block(), pnginfo=info)
    original = out.getvalue()
    stripped = strip_location("image/png", original)
    assert set(stripped.removed) == {"GPS location (EXIF)", "photographer's name", "camera serial number", "XMP metadata",
                                     "GPS location (PNG text)", "embedded EXIF/IPTC profile"}
    chunks = png_chunks(stripped.data)
    kinds = [kind for kind, _ in chunks]
    assert kinds.count(b"tEXt") == 1 and b"iTXt" not in kinds and b"zTXt" not in kinds and kinds[-1] == b"IEND"
    assert [body for kind, body in chunks if kind == b"IDAT"] == [body for kind, body in png_chunks(original) if kind == b"IDAT"]
    with Image.open(io.BytesIO(stripped.data)) as image:
        assert isinstance(image, PngImagePlugin.PngImageFile)
        assert image.text == {"Comment": "sensory room, morning"}
        exif = image.getexif()
        assert exif[ExifTags.Base.Orientation] == 6 and ExifTags.IFD.GPSInfo not in exif
    assert SERIAL.encode() not in stripped.data and pixels(stripped.data) == pixels(original)


def test_a_damaged_png_is_refused() -> None:
    out = io.BytesIO()
    picture().save(out, "PNG", exif=exif_block())
    for damaged in (out.getvalue()[:60], b"\x89PNG\r\n\x1a\n\x7f\xff\xff\xffIHDR", out.getvalue()[:-12]):
        with pytest.raises(ContentError) as caught:
            strip_location("image/png", damaged)
        assert caught.value.status == 422


def riff_chunks(data: bytes) -> dict[bytes, bytes]:
    chunks, pos = {}, 12
    while pos < len(data):
        size = int.from_bytes(data[pos + 4:pos + 8], "little")
        chunks[data[pos:pos + 4]] = data[pos + 8:pos + 8 + size]
        pos += 8 + size + (size & 1)
    return chunks


def test_a_webp_loses_location_and_xmp_with_its_riff_size_and_flags_fixed() -> None:
    out = io.BytesIO()
    picture().save(out, "WEBP", lossless=True, exif=exif_block(), xmp=XMP)
    original = out.getvalue()
    assert riff_chunks(original)[b"VP8X"][0] & 0x0C == 0x0C
    stripped = strip_location("image/webp", original)
    assert set(stripped.removed) == {"GPS location (EXIF)", "photographer's name", "camera serial number", "XMP metadata"}
    chunks = riff_chunks(stripped.data)
    assert int.from_bytes(stripped.data[4:8], "little") == len(stripped.data) - 8
    assert b"XMP " not in chunks and chunks[b"VP8X"][0] & 0x0C == 0x08
    assert chunks[b"VP8L"] == riff_chunks(original)[b"VP8L"]
    assert exif_of(stripped.data)[ExifTags.Base.Orientation] == 6 and ExifTags.IFD.GPSInfo not in exif_of(stripped.data)
    assert pixels(stripped.data) == pixels(original) and b"GPSLatitude" not in stripped.data


def test_a_damaged_webp_is_refused() -> None:
    for damaged in (b"RIFF\x00\x00\x00\x00WEBX", b"RIFF\x20\x00\x00\x00WEBPVP8X\xff\x00\x00\x00\x00",
                    b"RIFF\x0c\x00\x00\x00WEBPVP8X\x00\x00\x00\x00"):
        with pytest.raises(ContentError) as caught:
            strip_location("image/webp", damaged)
        assert caught.value.status == 422


def test_other_media_are_returned_as_they_are() -> None:
    for media_type, data in (("video/mp4", b"\x00\x00\x00\x08ftyp"), ("application/pdf", b"%PDF-1.4"), ("audio/mpeg", b"ID3")):
        stripped = strip_location(media_type, data)
        assert stripped.data is data and stripped.removed == []
