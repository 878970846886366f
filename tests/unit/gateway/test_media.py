"""Reading uploads without reading too much, and judging photos by their content."""

from __future__ import annotations

import io

import pytest
from PIL import ExifTags, Image

from services.gateway.media import (
    CHUNK_BYTES,
    TooLarge,
    accepted_photo,
    read_file_field,
    sniffed_type,
)
from shouwang.errors import Malformed
from shouwang.http import UnsupportedMediaType

BOUNDARY = "b0undary"
CONTENT_TYPE = f"multipart/form-data; boundary={BOUNDARY}"


class EndlessUpload:
    """A multipart body whose file field never ends (think 2 GB), counting what is read."""

    def __init__(self) -> None:
        self.read_bytes = 0
        self._head = (
            f'--{BOUNDARY}\r\nContent-Disposition: form-data; name="file"; filename="a.jpg"\r\n\r\n'
        ).encode()

    def read(self, size: int) -> bytes:
        chunk, self._head = (self._head, b"") if self._head else (b"\xff" * size, b"")
        self.read_bytes += len(chunk)
        return chunk


def body(*parts: tuple[str, bytes]) -> io.BytesIO:
    out = b""
    for name, content in parts:
        out += f'--{BOUNDARY}\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n'.encode()
        out += content + b"\r\n"
    return io.BytesIO(out + f"--{BOUNDARY}--\r\n".encode())


def jpeg(*, gps: bool) -> bytes:
    exif = Image.Exif()
    if gps:
        exif[ExifTags.IFD.GPSInfo] = {ExifTags.GPS.GPSLatitude: (30.0, 16.0, 27.0)}
    out = io.BytesIO()
    Image.new("RGB", (32, 32), "blue").save(out, "JPEG", exif=exif)
    return out.getvalue()


def test_an_endless_upload_is_refused_after_reading_little_more_than_the_limit() -> None:
    upload = EndlessUpload()

    with pytest.raises(TooLarge):
        read_file_field(upload.read, CONTENT_TYPE, limit=1024 * 1024)

    assert upload.read_bytes <= 1024 * 1024 + 2 * CHUNK_BYTES


def test_the_file_field_is_found_among_others() -> None:
    stream = body(("note", b"hello"), ("file", b"\x89PNG..."))

    assert read_file_field(stream.read, CONTENT_TYPE) == b"\x89PNG..."


def test_a_body_without_the_file_field_is_malformed() -> None:
    with pytest.raises(Malformed):
        read_file_field(body(("note", b"hello")).read, CONTENT_TYPE)


def test_a_body_that_is_not_multipart_is_refused() -> None:
    with pytest.raises(UnsupportedMediaType):
        read_file_field(io.BytesIO(b"{}").read, "application/json")


def test_a_body_cut_short_is_malformed() -> None:
    cut = body(("file", b"x" * 1000)).getvalue()[:200]

    with pytest.raises(Malformed):
        read_file_field(io.BytesIO(cut).read, CONTENT_TYPE)


@pytest.mark.parametrize(
    ("head", "expected"),
    [
        (b"\xff\xd8\xff\xe0rest", "image/jpeg"),
        (b"\x89PNG\r\n\x1a\nrest", "image/png"),
        (b"RIFF\0\0\0\0WEBPVP8 ", "image/webp"),
        (b"RIFF\0\0\0\0WAVEfmt ", None),
        (b"GIF89a", None),
        (b"", None),
    ],
)
def test_types_are_sniffed_from_the_leading_bytes(head: bytes, expected: str | None) -> None:
    assert sniffed_type(head) == expected


@pytest.mark.filterwarnings("ignore::PIL.Image.DecompressionBombWarning")
def test_a_decompression_bomb_is_refused_before_decoding(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(Image, "MAX_IMAGE_PIXELS", 32 * 32 - 1)

    with pytest.raises(TooLarge):
        accepted_photo(jpeg(gps=False), keep_location=False)


def test_gps_is_removed_unless_the_location_is_kept() -> None:
    original = jpeg(gps=True)

    stripped = accepted_photo(original, keep_location=False)
    kept = accepted_photo(original, keep_location=True)

    assert not Image.open(io.BytesIO(stripped.data)).getexif().get_ifd(ExifTags.IFD.GPSInfo)
    assert kept.data == original
