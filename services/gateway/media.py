"""Evidence photos: reading an upload without holding more than the limit, accepting only real
JPEG, PNG and WebP images, and stripping their GPS position unless an officer took them."""

from __future__ import annotations

import io
import struct
from collections.abc import Callable
from dataclasses import dataclass

from PIL import ExifTags, Image, UnidentifiedImageError
from werkzeug.http import parse_options_header
from werkzeug.sansio.multipart import Data, Epilogue, Field, File, MultipartDecoder, NeedData

from shouwang.errors import DomainError, Malformed
from shouwang.http import UnsupportedMediaType

MAX_MEDIA_BYTES = 10 * 1024 * 1024
CHUNK_BYTES = 64 * 1024
FILE_FIELD = "file"

# Magic bytes -> (content type, the format Pillow must then decode it as).
_JPEG, _PNG = b"\xff\xd8\xff", b"\x89PNG\r\n\x1a\n"
FORMATS = {"image/jpeg": "JPEG", "image/png": "PNG", "image/webp": "WEBP"}
# Pixels decoded for one upload, over all its frames (an animated PNG or WebP is decoded and
# re-encoded frame by frame, each at the full canvas size): a 50-megapixel photo, or an
# animation of fewer pixels per frame. 30 frames of 4000x4000 (721 KB of PNG) once cost 20 s
# of CPU and 0.9 GB when only one frame was counted.
MAX_DECODED_PIXELS = 50_000_000
MAX_FRAMES = 100


class TooLarge(DomainError):
    http_status = 413
    title = "Payload too large"


@dataclass(frozen=True)
class Photo:
    data: bytes
    content_type: str


def read_file_field(
    read: Callable[[int], bytes], content_type: str, *, limit: int = MAX_MEDIA_BYTES
) -> bytes:
    """The bytes of the multipart field ``file``, read ``CHUNK_BYTES`` at a time.

    Reading stops as soon as the field passes ``limit`` (413) or ends, so neither a huge upload
    nor the rest of the body is ever read.
    """
    mimetype, options = parse_options_header(content_type)
    boundary = options.get("boundary", "")
    if mimetype != "multipart/form-data" or not boundary:
        raise UnsupportedMediaType(detail="send the photo as multipart/form-data, field 'file'")
    decoder = MultipartDecoder(boundary.encode("latin-1"), max_parts=100)
    collected: bytearray | None = None  # set while inside the file field
    ended = False
    while True:
        try:
            event = decoder.next_event()
        except ValueError:
            raise Malformed(detail="the multipart body is malformed") from None
        if isinstance(event, NeedData):
            if ended:
                raise Malformed(detail="the multipart body ends too soon")
            chunk = read(CHUNK_BYTES)
            ended = not chunk
            decoder.receive_data(chunk or None)
        elif isinstance(event, File | Field):
            collected = bytearray() if event.name == FILE_FIELD else None
        elif isinstance(event, Data) and collected is not None:
            collected += event.data
            if len(collected) > limit:
                raise TooLarge(detail=f"a photo may be at most {limit} bytes")
            if not event.more_data:
                return bytes(collected)
        elif isinstance(event, Epilogue):
            raise Malformed(detail="the multipart body has no field 'file'")


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


# Voice clips (push-to-talk) -------------------------------------------------------------------
# Opus in WebM (Chromium's MediaRecorder) or in Ogg (Firefox's), judged by their bytes: the
# container is parsed whole, its one audio track must be Opus, and the duration is measured from
# the packets (WebM: the last block's time plus its packet's length from the Opus TOC; Ogg: the
# last page's granule position less the pre-skip), not taken from any header.
MAX_VOICE_BYTES = 1024 * 1024
MAX_VOICE_MS = 60_000
VOICE_TYPES = ("audio/webm", "audio/ogg")
_EBML = b"\x1a\x45\xdf\xa3"
_OGG = b"OggS"


@dataclass(frozen=True)
class Voice:
    data: bytes
    content_type: str
    duration_ms: int


class _BadClip(Exception):
    pass


def is_voice(data: bytes) -> bool:
    """Whether the bytes announce a voice clip's container (then ``accepted_voice`` judges)."""
    return data.startswith(_EBML) or data.startswith(_OGG)


def accepted_voice(data: bytes) -> Voice:
    """The clip as uploaded, with its measured length: 415 when it is not Opus in a WebM or Ogg
    container that parses to its end, 413 beyond 1 MiB or 60 s."""
    if len(data) > MAX_VOICE_BYTES:
        raise TooLarge(detail=f"a voice clip may be at most {MAX_VOICE_BYTES} bytes")
    try:
        if data.startswith(_EBML):
            content_type, duration_ms = "audio/webm", _webm_opus_ms(data)
        elif data.startswith(_OGG):
            content_type, duration_ms = "audio/ogg", _ogg_opus_ms(data)
        else:
            raise _BadClip("not WebM or Ogg")
    except (_BadClip, IndexError, ValueError, struct.error) as error:
        raise UnsupportedMediaType(
            detail=f"a voice clip must be Opus in WebM or Ogg ({error or 'truncated'})"
        ) from None
    if duration_ms <= 0:
        raise UnsupportedMediaType(detail="the voice clip holds no sound")
    if duration_ms > MAX_VOICE_MS:
        raise TooLarge(detail=f"a voice clip may last at most 60 s (this one: {duration_ms} ms)")
    return Voice(data, content_type, duration_ms)


def opus_packet_us(packet: bytes) -> int:
    """An Opus packet's length in microseconds, from its TOC byte (RFC 6716 section 3.1)."""
    if not packet:
        raise _BadClip("an empty Opus packet")
    toc = packet[0]
    config = toc >> 3
    if config < 12:  # SILK-only: 10, 20, 40, 60 ms
        frame_us = (10_000, 20_000, 40_000, 60_000)[config % 4]
    elif config < 16:  # hybrid: 10, 20 ms
        frame_us = (10_000, 20_000)[config % 2]
    else:  # CELT-only: 2.5, 5, 10, 20 ms
        frame_us = (2_500, 5_000, 10_000, 20_000)[config % 4]
    code = toc & 3
    frames = 1 if code == 0 else 2 if code in (1, 2) else packet[1] & 0x3F
    if frames == 0 or frames * frame_us > 120_000:
        raise _BadClip("an Opus packet of a length Opus does not have")
    return frames * frame_us


# WebM (Matroska) ------------------------------------------------------------------------------
_SEGMENT, _CLUSTER, _INFO, _TRACKS = 0x18538067, 0x1F43B675, 0x1549A966, 0x1654AE6B
_SEGMENT_CHILDREN = {0x114D9B74, _INFO, _TRACKS, _CLUSTER, 0x1C53BB6B, 0x1254C367, 0x1941A469,
                     0x1043A770, 0xEC, 0xBF}  # fmt: skip
_UNKNOWN = -1


def _vint(data: bytes, at: int, *, keep_marker: bool) -> tuple[int, int]:
    """An EBML variable-length integer at ``at``: (value, next offset); sizes of all ones are
    ``_UNKNOWN``."""
    first = data[at]
    length = 1
    while length <= 8 and not first & (0x80 >> (length - 1)):
        length += 1
    if length > 8:
        raise _BadClip("a malformed EBML number")
    raw = data[at : at + length]
    if len(raw) < length:
        raise _BadClip("truncated")
    value = int.from_bytes(raw, "big")
    if not keep_marker:
        value &= (1 << (7 * length)) - 1
        if value == (1 << (7 * length)) - 1:
            return _UNKNOWN, at + length
    return value, at + length


def _element(data: bytes, at: int) -> tuple[int, int, int]:
    """(id, start of its data, its size or ``_UNKNOWN``)."""
    element_id, at = _vint(data, at, keep_marker=True)
    size, at = _vint(data, at, keep_marker=False)
    if size != _UNKNOWN and at + size > len(data):
        raise _BadClip("an element runs past the end of the file")
    return element_id, at, size


def _children(data: bytes, start: int, end: int) -> list[tuple[int, int, int]]:
    found, at = [], start
    while at < end:
        element_id, body, size = _element(data, at)
        if size == _UNKNOWN:
            raise _BadClip("an element of unknown size where none is allowed")
        found.append((element_id, body, size))
        at = body + size
    if at != end:
        raise _BadClip("elements overrun their parent")
    return found


def _uint(data: bytes, at: int, size: int) -> int:
    return int.from_bytes(data[at : at + size], "big") if size else 0


def _webm_opus_ms(data: bytes) -> int:
    element_id, body, size = _element(data, 0)
    header = dict((i, (b, s)) for i, b, s in _children(data, body, body + size))
    doc_type = header.get(0x4282)
    if doc_type is None or data[doc_type[0] : doc_type[0] + doc_type[1]].rstrip(b"\0") != b"webm":
        raise _BadClip("not a WebM file")
    element_id, at, size = _element(data, body + size)
    if element_id != _SEGMENT:
        raise _BadClip("no segment")
    end = len(data) if size == _UNKNOWN else at + size
    scale_ns, track, last_end_us = 1_000_000, None, 0
    while at < end:
        element_id, body, size = _element(data, at)
        if element_id not in _SEGMENT_CHILDREN:
            raise _BadClip(f"an unexpected element {element_id:#x} in the segment")
        if element_id == _CLUSTER:
            at, cluster_end_us = _cluster(data, body, size, end, track, scale_ns)
            last_end_us = max(last_end_us, cluster_end_us)
            continue
        if size == _UNKNOWN:
            raise _BadClip("an element of unknown size where none is allowed")
        if element_id == _INFO:
            for child, child_at, child_size in _children(data, body, body + size):
                if child == 0x2AD7B1:
                    scale_ns = _uint(data, child_at, child_size)
        elif element_id == _TRACKS:
            track = _opus_track(data, body, size)
        at = body + size
    if track is None:
        raise _BadClip("no Opus audio track")
    return last_end_us // 1000


def _opus_track(data: bytes, body: int, size: int) -> int:
    entries = [(b, s) for i, b, s in _children(data, body, body + size) if i == 0xAE]
    if len(entries) != 1:
        raise _BadClip("a voice clip has exactly one track")
    fields = {i: (b, s) for i, b, s in _children(data, *_span(entries[0]))}
    codec = fields.get(0x86)
    number = fields.get(0xD7)
    kind = fields.get(0x83)
    if codec is None or data[codec[0] : codec[0] + codec[1]] != b"A_OPUS":
        raise _BadClip("the track is not Opus")
    if number is None or (kind is not None and _uint(data, *kind) != 2):
        raise _BadClip("the track is not audio")
    return _uint(data, *number)


def _span(element: tuple[int, int]) -> tuple[int, int]:
    return element[0], element[0] + element[1]


def _cluster(
    data: bytes, body: int, size: int, segment_end: int, track: int | None, scale_ns: int
) -> tuple[int, int]:
    """Parse a cluster (of unknown size: up to the next segment-level element); (where it
    ends, the end of its last packet in microseconds)."""
    if track is None:
        raise _BadClip("a cluster before the tracks")
    end = segment_end if size == _UNKNOWN else body + size
    at, timecode, last_end_us = body, None, 0
    while at < end:
        element_id, child, child_size = _element(data, at)
        if size == _UNKNOWN and element_id in _SEGMENT_CHILDREN:
            break  # the next cluster (or cues, tags...) ends an unknown-size cluster
        if child_size == _UNKNOWN:
            raise _BadClip("an element of unknown size inside a cluster")
        if element_id == 0xE7:
            timecode = _uint(data, child, child_size)
        elif element_id in (0xA3, 0xA0):
            if timecode is None:
                raise _BadClip("a block before its cluster's timecode")
            block = (child, child_size)
            if element_id == 0xA0:  # BlockGroup: its Block
                blocks = [(b, s) for i, b, s in _children(data, *_span(block)) if i == 0xA1]
                if len(blocks) != 1:
                    raise _BadClip("a block group without one block")
                block = blocks[0]
            last_end_us = max(last_end_us, _block_end_us(data, block, track, timecode, scale_ns))
        elif element_id not in (0xEC, 0xBF, 0xA7, 0xAB):  # void, CRC, position, prev size
            raise _BadClip(f"an unexpected element {element_id:#x} in a cluster")
        at = child + child_size
    if size != _UNKNOWN and at != end:
        raise _BadClip("a cluster's elements overrun it")
    return at, last_end_us


def _block_end_us(
    data: bytes, block: tuple[int, int], track: int, timecode: int, scale_ns: int
) -> int:
    start, size = block
    number, at = _vint(data, start, keep_marker=False)
    if number != track:
        raise _BadClip("a block of another track")
    relative = struct.unpack(">h", data[at : at + 2])[0]
    flags = data[at + 2]
    payload = data[at + 3 : start + size]
    if (flags >> 1) & 3:
        raise _BadClip("laced blocks are not taken (MediaRecorder writes none)")
    begin_us = (timecode + relative) * scale_ns // 1000
    return begin_us + opus_packet_us(payload)


# Ogg ------------------------------------------------------------------------------------------
def _ogg_crc_table() -> list[int]:
    table = []
    for byte in range(256):
        crc = byte << 24
        for _ in range(8):
            crc = ((crc << 1) ^ 0x04C11DB7) if crc & 0x80000000 else crc << 1
        table.append(crc & 0xFFFFFFFF)
    return table


_OGG_CRC = _ogg_crc_table()


def _ogg_crc(page: bytes) -> int:
    crc, table = 0, _OGG_CRC
    for byte in page:
        crc = ((crc << 8) & 0xFFFFFFFF) ^ table[(crc >> 24) ^ byte]
    return crc


def _ogg_opus_ms(data: bytes) -> int:
    """Every page checked (capture pattern, version, one stream, sequence, CRC); the first
    packet an OpusHead, the second OpusTags; the length from the last granule position."""
    at, sequence, serial, packets, packet = 0, 0, None, [], b""
    granule = 0
    while at < len(data):
        if data[at : at + 4] != _OGG or data[at + 4] != 0:
            raise _BadClip("not an Ogg page")
        header_type = data[at + 5]
        page_granule, page_serial, page_sequence, crc, count = struct.unpack(
            "<qIIIB", data[at + 6 : at + 27]
        )
        lacing = data[at + 27 : at + 27 + count]
        if len(lacing) != count:
            raise _BadClip("truncated")
        body_at = at + 27 + count
        end = body_at + sum(lacing)
        if end > len(data):
            raise _BadClip("truncated")
        page = bytearray(data[at:end])
        page[22:26] = b"\0\0\0\0"
        if _ogg_crc(bytes(page)) != crc:
            raise _BadClip("an Ogg page fails its checksum")
        if serial is None:
            if not header_type & 2:
                raise _BadClip("the first page does not begin a stream")
            serial = page_serial
        elif page_serial != serial:
            raise _BadClip("more than one stream")
        if page_sequence != sequence:
            raise _BadClip("pages out of sequence")
        sequence += 1
        offset = body_at
        for length in lacing:
            packet += data[offset : offset + length]
            offset += length
            if length < 255:
                if len(packets) < 2:
                    packets.append(packet)
                packet = b""
        if page_granule != -1:
            granule = page_granule
        at = end
    if len(packets) < 2 or not packets[0].startswith(b"OpusHead") or len(packets[0]) < 19:
        raise _BadClip("no OpusHead")
    if not packets[1].startswith(b"OpusTags"):
        raise _BadClip("no OpusTags")
    pre_skip = struct.unpack("<H", packets[0][10:12])[0]
    return max(granule - pre_skip, 0) * 1000 // 48_000
