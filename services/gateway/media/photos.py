"""Photos judged by their bytes: JPEG, PNG and WebP only, decoded in full within a pixel budget,
their GPS position stripped by re-encoding unless an officer took them."""

from __future__ import annotations

import io
from dataclasses import dataclass

from PIL import ExifTags, Image, UnidentifiedImageError

from services.gateway.media.upload import TooLarge
from shouwang.http import UnsupportedMediaType

# Magic bytes -> (content type, the format Pillow must then decode it as).
_JPEG, _PNG = b"\xff\xd8\xff", b"\x89PNG\r\n\x1a\n"
FORMATS = {"image/jpeg": "JPEG", "image/png": "PNG", "image/webp": "WEBP"}
# Pixels decoded for one upload, over all its frames (an animated PNG or WebP is decoded and
# re-encoded frame by frame, each at the full canvas size): a 50-megapixel photo, or an
# animation of fewer pixels per frame. 30 frames of 4000x4000 (721 KB of PNG) once cost 20 s
# of CPU and 0.9 GB when only one frame was counted.
MAX_DECODED_PIXELS = 50_000_000
MAX_FRAMES = 100


@dataclass(frozen=True)
class Photo:
    data: bytes
    content_type: str


def sniffed_type(data: bytes) -> str | None:
    """The content type the leading bytes announce, of the three accepted; None otherwise."""
    if data.startswith(_JPEG):
        return "image/jpeg"
    if data.startswith(_PNG):
        return "image/png"
    if len(data) >= 12 and data[:4] == b"RIFF" and data[8:12] == b"WEBP":
        return "image/webp"
    return None


def accepted_photo(data: bytes, *, keep_location: bool) -> Photo:
    """The photo to store: checked by magic bytes and a full decode (415 otherwise), GPS tags
    removed by re-encoding unless ``keep_location`` (an officer's photo is evidence as taken)."""
    content_type = sniffed_type(data)
    if content_type is None:
        raise UnsupportedMediaType(detail="only JPEG, PNG and WebP photos are accepted")
    image = _decoded(data, FORMATS[content_type])
    if keep_location:
        return Photo(data, content_type)
    return Photo(_without_location(image, data, content_type), content_type)


def _decoded(data: bytes, expected_format: str) -> Image.Image:
    try:
        # Image.open refuses more than twice MAX_IMAGE_PIXELS itself; the check below draws the
        # line at MAX_DECODED_PIXELS over all frames, before a single pixel is decoded (the
        # frame count comes from the header: acTL in a PNG, the demuxer's count in a WebP).
        image = Image.open(io.BytesIO(data), formats=[expected_format])
        _check_pixels(image)
        image.load()  # a real decode: a right header on a broken body fails here
    except Image.DecompressionBombError:
        raise TooLarge(detail="the photo has more pixels than accepted") from None
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError, EOFError):
        raise UnsupportedMediaType(detail="the file is not a readable image") from None
    return image


def _check_pixels(image: Image.Image) -> None:
    width, height = image.size
    frames = getattr(image, "n_frames", 1)
    if frames > MAX_FRAMES:
        raise TooLarge(detail=f"the photo has {frames} frames; at most {MAX_FRAMES} are accepted")
    if frames * width * height > MAX_DECODED_PIXELS:
        raise TooLarge(
            detail=f"the photo has {frames} frame(s) of {width}x{height} pixels; at most "
            f"{MAX_DECODED_PIXELS:,} pixels over all frames are accepted"
        )


def _without_location(image: Image.Image, data: bytes, content_type: str) -> bytes:
    """Re-encode with the EXIF minus its GPS directory. XMP and text chunks, which can also
    carry a position, are not copied; JPEGs keep their quantisation so quality is preserved."""
    exif = image.getexif()
    exif.pop(ExifTags.IFD.GPSInfo, None)
    options: dict[str, object] = {"exif": exif.tobytes()}
    if image.info.get("icc_profile"):
        options["icc_profile"] = image.info["icc_profile"]
    if getattr(image, "is_animated", False):
        options["save_all"] = True
    if content_type == "image/jpeg":
        options["quality"] = "keep"
    elif content_type == "image/webp":
        options.update(lossless=_webp_is_lossless(data), quality=90)
    out = io.BytesIO()
    image.save(out, FORMATS[content_type], **options)
    return out.getvalue()


def _webp_is_lossless(data: bytes) -> bool:
    offset = 12
    while offset + 8 <= len(data):
        fourcc = data[offset : offset + 4]
        if fourcc in (b"VP8L", b"VP8 "):
            return fourcc == b"VP8L"
        size = int.from_bytes(data[offset + 4 : offset + 8], "little")
        offset += 8 + size + (size & 1)
    return False
