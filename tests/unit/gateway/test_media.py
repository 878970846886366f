"""Reading uploads without reading too much, and judging photos by their content."""

from __future__ import annotations

import io

import pytest
from PIL import ExifTags, Image

from services.gateway.media import photos
from services.gateway.media.photos import accepted_photo, sniffed_type
from services.gateway.media.upload import CHUNK_BYTES, TooLarge, read_file_field
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


def test_a_decompression_bomb_is_refused_before_decoding(monkeypatch: pytest.MonkeyPatch) -> None:
    photo = jpeg(gps=False)
    monkeypatch.setattr(photos, "MAX_DECODED_PIXELS", 32 * 32 - 1)
    monkeypatch.setattr(Image.Image, "load", refuse_to_decode)

    with pytest.raises(TooLarge):
        accepted_photo(photo, keep_location=False)


def refuse_to_decode(image: Image.Image) -> None:
    raise AssertionError("decoded before the pixel bound was checked")


def animation(image_format: str, *, frames: int, size: tuple[int, int]) -> bytes:
    # Each frame differs, so the encoder cannot fold them into one.
    images = [
        Image.new("RGB", size, (n * 8 % 256, n * 37 % 256, n * 91 % 256)) for n in range(frames)
    ]
    out = io.BytesIO()
    images[0].save(out, image_format, save_all=True, append_images=images[1:])
    return out.getvalue()


@pytest.mark.parametrize("image_format", ["PNG", "WEBP"])
def test_an_animation_is_bounded_by_its_pixels_over_all_frames(
    monkeypatch: pytest.MonkeyPatch, image_format: str
) -> None:
    """Each frame is within the bound; all thirty together are not."""
    monkeypatch.setattr(photos, "MAX_DECODED_PIXELS", 64 * 64 * 10)
    bomb = animation(image_format, frames=30, size=(64, 64))

    with pytest.raises(TooLarge, match="30 frame"):
        accepted_photo(bomb, keep_location=False)


def test_an_animation_of_too_many_frames_is_refused() -> None:
    bomb = animation("PNG", frames=photos.MAX_FRAMES + 1, size=(2, 2))

    with pytest.raises(TooLarge, match="frames"):
        accepted_photo(bomb, keep_location=False)


def test_a_short_animation_within_the_bound_is_kept_animated() -> None:
    clip = animation("PNG", frames=3, size=(16, 16))

    stored = accepted_photo(clip, keep_location=False)

    assert Image.open(io.BytesIO(stored.data)).n_frames == 3


def test_gps_is_removed_unless_the_location_is_kept() -> None:
    original = jpeg(gps=True)

    stripped = accepted_photo(original, keep_location=False)
    kept = accepted_photo(original, keep_location=True)

    assert not Image.open(io.BytesIO(stripped.data)).getexif().get_ifd(ExifTags.IFD.GPSInfo)
    assert kept.data == original
