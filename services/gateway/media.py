"""Media uploads judged by their bytes: reading an upload without holding more than its kind's
limit; real JPEG, PNG and WebP photos (their GPS position stripped unless an officer took them),
Opus voice clips, MP4 and WebM video clips; serving byte ranges and playback tickets."""

from __future__ import annotations

import base64
import functools
import hashlib
import hmac
import io
import secrets
import struct
from collections.abc import Callable
from dataclasses import dataclass

from PIL import ExifTags, Image, UnidentifiedImageError
from werkzeug.http import parse_options_header, parse_range_header
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
class SizeLimit:
    """The most an upload of one kind may weigh, named for the refusal."""

    what: str
    max_bytes: int


@dataclass(frozen=True)
class Photo:
    data: bytes
    content_type: str


def read_file_field(
    read: Callable[[int], bytes],
    content_type: str,
    *,
    limit: int = MAX_MEDIA_BYTES,
    limit_for: Callable[[bytes], SizeLimit] | None = None,
) -> bytes:
    """The bytes of the multipart field ``file``, read ``CHUNK_BYTES`` at a time.

    Reading stops as soon as the field passes ``limit`` (413) or ends, so neither a huge upload
    nor the rest of the body is ever read. With ``limit_for``, the field's first bytes choose a
    tighter limit (a photo's, a voice clip's...) as soon as they have arrived, or refuse it.
    """
    mimetype, options = parse_options_header(content_type)
    boundary = options.get("boundary", "")
    if mimetype != "multipart/form-data" or not boundary:
        raise UnsupportedMediaType(detail="send the photo as multipart/form-data, field 'file'")
    decoder = MultipartDecoder(boundary.encode("latin-1"), max_parts=100)
    collected: bytearray | None = None  # set while inside the file field
    ended = False
    kind: SizeLimit | None = None
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
            if (
                limit_for
                and kind is None
                and (len(collected) >= SNIFF_BYTES or not event.more_data)
            ):
                kind = limit_for(bytes(collected[:SNIFF_BYTES]))
                limit = min(limit, kind.max_bytes)
            if len(collected) > limit:
                what = kind.what if kind else "a photo"
                raise TooLarge(
                    detail=f"{what} may be at most {limit} bytes ({limit / 2**20:g} MiB)"
                )
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


def _webm_segment(data: bytes) -> tuple[int, int]:
    """Where the segment's children start and end, after a WebM EBML header."""
    element_id, body, size = _element(data, 0)
    header = dict((i, (b, s)) for i, b, s in _children(data, body, body + size))
    doc_type = header.get(0x4282)
    if doc_type is None or data[doc_type[0] : doc_type[0] + doc_type[1]].rstrip(b"\0") != b"webm":
        raise _BadClip("not a WebM file")
    element_id, at, size = _element(data, body + size)
    if element_id != _SEGMENT:
        raise _BadClip("no segment")
    return at, len(data) if size == _UNKNOWN else at + size


def _webm_opus_ms(data: bytes) -> int:
    at, end = _webm_segment(data)
    scale_ns, track, last_end_us = 1_000_000, None, 0
    while at < end:
        element_id, body, size = _element(data, at)
        if element_id not in _SEGMENT_CHILDREN:
            raise _BadClip(f"an unexpected element {element_id:#x} in the segment")
        if element_id == _CLUSTER:
            if track is None:
                raise _BadClip("a cluster before the tracks")
            at, cluster_end_us = _cluster(
                data, body, size, end, functools.partial(_block_end_us, data, track, scale_ns)
            )
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
    data: bytes,
    body: int,
    size: int,
    segment_end: int,
    block_end_us: Callable[[tuple[int, int], int], int],
) -> tuple[int, int]:
    """Parse a cluster (of unknown size: up to the next segment-level element); (where it
    ends, the latest ``block_end_us(block, cluster timecode)`` of its blocks)."""
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
            last_end_us = max(last_end_us, block_end_us(block, timecode))
        elif element_id not in (0xEC, 0xBF, 0xA7, 0xAB):  # void, CRC, position, prev size
            raise _BadClip(f"an unexpected element {element_id:#x} in a cluster")
        at = child + child_size
    if size != _UNKNOWN and at != end:
        raise _BadClip("a cluster's elements overrun it")
    return at, last_end_us


def _block_end_us(
    data: bytes, track: int, scale_ns: int, block: tuple[int, int], timecode: int
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


# Video clips (bulletins) ----------------------------------------------------------------------
# 20 MiB holds a minute of what a phone's browser records: Chromium's MediaRecorder writes video at
# 2.5 Mbit/s and Opus at 128 kbit/s unless told otherwise, 19.7 MB for 60 s. A phone camera's own
# files are larger (1080p at ~17 Mbit/s is 127 MB a minute): they are shared shortened or
# re-encoded, as chat apps do. The container is parsed whole from its bytes, whatever the name
# or declared type says; the codecs are the ones browsers play in <video>.
MAX_VIDEO_BYTES = 20 * 1024 * 1024
VIDEO_TYPES = ("video/mp4", "video/webm")
# The largest upload of any kind, and room for the multipart framing around it: a request
# announcing more is refused on its Content-Length before a byte of its body is read.
MAX_UPLOAD_BYTES = MAX_VIDEO_BYTES
MULTIPART_ALLOWANCE = 64 * 1024
# Leading bytes enough to tell every accepted container: "....ftyp" and "RIFF....WEBP" need 12.
SNIFF_BYTES = 12
_WEBM_VIDEO_CODECS = {b"V_VP8", b"V_VP9", b"V_AV1"}
_WEBM_AUDIO_CODECS = {b"A_OPUS", b"A_VORBIS"}
_MP4_BRANDS = {b"iso%d" % n for n in range(2, 10)} | {
    b"isom", b"mp41", b"mp42", b"avc1", b"av01", b"dash", b"cmfc", b"M4V ", b"MSNV", b"mp71"
}  # fmt: skip
_MP4_VIDEO_CODECS = {b"avc1", b"avc3", b"hvc1", b"hev1", b"av01", b"vp08", b"vp09", b"mp4v"}
PHOTO_LIMIT = SizeLimit("a photo", MAX_MEDIA_BYTES)
VOICE_LIMIT = SizeLimit("a voice clip", MAX_VOICE_BYTES)
VIDEO_LIMIT = SizeLimit("a video clip", MAX_VIDEO_BYTES)
ACCEPTED = (
    "JPEG, PNG or WebP photos, Opus voice clips in WebM or Ogg, and video clips in MP4 "
    "(H.264, H.265, AV1, VP9) or WebM (VP8, VP9, AV1)"
)


@dataclass(frozen=True)
class Video:
    data: bytes
    content_type: str
    duration_ms: int | None


@dataclass(frozen=True)
class Stored:
    """An accepted upload as it is kept: its bytes, type, kind and length when it has one."""

    data: bytes
    content_type: str
    kind: str  # photo | voice | video
    duration_ms: int | None = None


def _is_mp4(head: bytes) -> bool:
    return head[4:8] == b"ftyp"


def size_limit(head: bytes) -> SizeLimit:
    """The limit of the kind an upload's first bytes announce; 415 when they announce none
    accepted (a WebM may hold voice or video, which only its tracks tell: the larger limit)."""
    if sniffed_type(head):
        return PHOTO_LIMIT
    if head.startswith(_OGG):
        return VOICE_LIMIT
    if head.startswith(_EBML) or _is_mp4(head):
        return VIDEO_LIMIT
    raise UnsupportedMediaType(detail=f"the file is none of the accepted kinds: {ACCEPTED}")


def accepted_media(data: bytes, *, keep_location: bool) -> Stored:
    """Any accepted upload, judged by its bytes: a photo, a voice clip or a video clip."""
    if (data.startswith(_EBML) and _webm_has_video(data)) or _is_mp4(data):
        video = accepted_video(data)
        return Stored(video.data, video.content_type, "video", video.duration_ms)
    if is_voice(data):
        voice = accepted_voice(data)
        return Stored(voice.data, voice.content_type, "voice", voice.duration_ms)
    if sniffed_type(data) is None:
        raise UnsupportedMediaType(detail=f"the file is none of the accepted kinds: {ACCEPTED}")
    photo = accepted_photo(data, keep_location=keep_location)
    return Stored(photo.data, photo.content_type, "photo")


def accepted_video(data: bytes) -> Video:
    """The clip as uploaded: 413 beyond 20 MiB, 415 unless it is an MP4 or WebM that parses to
    its end with a video track of a codec browsers play; its length from the container."""
    if len(data) > MAX_VIDEO_BYTES:
        raise TooLarge(
            detail=f"a video clip may be at most {MAX_VIDEO_BYTES} bytes (20 MiB); "
            f"this one has {len(data)}"
        )
    try:
        if data.startswith(_EBML):
            content_type, duration_ms = "video/webm", _webm_video_ms(data)
        elif _is_mp4(data):
            content_type, duration_ms = "video/mp4", _mp4_video_ms(data)
        else:
            raise _BadClip("not MP4 or WebM")
    except (_BadClip, IndexError, ValueError, struct.error) as error:
        raise UnsupportedMediaType(
            detail=f"a video clip must be an MP4 or WebM file ({error or 'truncated'})"
        ) from None
    return Video(data, content_type, duration_ms)


def _webm_has_video(data: bytes) -> bool:
    """Whether a WebM declares a video track (then it is judged as video, else as voice)."""
    try:
        at, end = _webm_segment(data)
        while at < end:
            element_id, body, size = _element(data, at)
            if element_id == _TRACKS and size != _UNKNOWN:
                return any(kind == 1 for kind, _ in _webm_tracks(data, body, size).values())
            if size == _UNKNOWN or element_id == _CLUSTER:
                return False
            at = body + size
    except (_BadClip, IndexError, ValueError):
        return False
    return False


def _webm_tracks(data: bytes, body: int, size: int) -> dict[int, tuple[int, bytes]]:
    """Track number -> (track type: 1 video, 2 audio; codec id)."""
    tracks = {}
    for entry_id, entry_at, entry_size in _children(data, body, body + size):
        if entry_id != 0xAE:
            continue
        fields = {i: (b, s) for i, b, s in _children(data, entry_at, entry_at + entry_size)}
        if 0xD7 not in fields or 0x83 not in fields or 0x86 not in fields:
            raise _BadClip("a track without its number, type or codec")
        codec_at, codec_size = fields[0x86]
        tracks[_uint(data, *fields[0xD7])] = (
            _uint(data, *fields[0x83]),
            data[codec_at : codec_at + codec_size].rstrip(b"\0"),
        )
    return tracks


def _webm_video_ms(data: bytes) -> int | None:
    """Every element parsed to the end of the file (clusters of unknown size as MediaRecorder
    writes them); the tracks' codecs checked; every block of a declared track; the length from
    the segment's Duration, or else the last block's time."""
    at, end = _webm_segment(data)
    scale_ns, duration, tracks = 1_000_000, None, None
    last_us, video_frames = 0, 0

    def block_time_us(block: tuple[int, int], timecode: int) -> int:
        nonlocal video_frames
        number, after = _vint(data, block[0], keep_marker=False)
        if tracks is None or number not in tracks:
            raise _BadClip("a block of an undeclared track")
        if tracks[number][0] == 1:
            video_frames += 1
        relative = struct.unpack(">h", data[after : after + 2])[0]
        return (timecode + relative) * scale_ns // 1000

    while at < end:
        element_id, body, size = _element(data, at)
        if element_id not in _SEGMENT_CHILDREN:
            raise _BadClip(f"an unexpected element {element_id:#x} in the segment")
        if element_id == _CLUSTER:
            if tracks is None:
                raise _BadClip("a cluster before the tracks")
            at, cluster_last_us = _cluster(data, body, size, end, block_time_us)
            last_us = max(last_us, cluster_last_us)
            continue
        if size == _UNKNOWN:
            raise _BadClip("an element of unknown size where none is allowed")
        if element_id == _INFO:
            for child, child_at, child_size in _children(data, body, body + size):
                if child == 0x2AD7B1:
                    scale_ns = _uint(data, child_at, child_size)
                elif child == 0x4489 and child_size in (4, 8):
                    float_format = ">f" if child_size == 4 else ">d"
                    duration = struct.unpack_from(float_format, data, child_at)[0]
        elif element_id == _TRACKS:
            tracks = _webm_tracks(data, body, size)
            _check_webm_codecs(tracks)
        at = body + size
    if tracks is None:
        raise _BadClip("no tracks")
    if not video_frames:
        raise _BadClip("no video frames")
    if duration is not None and duration > 0:
        return int(duration * scale_ns / 1_000_000)
    return last_us // 1000


def _check_webm_codecs(tracks: dict[int, tuple[int, bytes]]) -> None:
    videos = [codec for kind, codec in tracks.values() if kind == 1]
    if not videos:
        raise _BadClip("no video track")
    for kind, codec in tracks.values():
        allowed = _WEBM_VIDEO_CODECS if kind == 1 else _WEBM_AUDIO_CODECS if kind == 2 else None
        if allowed is None:
            raise _BadClip(f"a track of type {kind}: only video and audio are taken")
        if codec not in allowed:
            name = codec.decode("ascii", "replace")
            raise _BadClip(
                f"the codec {name} is not taken (video VP8, VP9, AV1; audio Opus, Vorbis)"
            )


# MP4 (ISO base media file format) -------------------------------------------------------------
def _boxes(data: bytes, start: int, end: int, *, top: bool = False) -> list[tuple[bytes, int, int]]:
    """The boxes from ``start`` to ``end`` as (type, body start, body end), which must tile the
    span exactly; a size of 0 (to the end of the file) only for the file's last box."""
    found, at = [], start
    while at < end:
        if at + 8 > end:
            raise _BadClip("a box header runs past its parent")
        size, kind = struct.unpack(">I4s", data[at : at + 8])
        header = 8
        if size == 1:
            size, header = struct.unpack(">Q", data[at + 8 : at + 16])[0], 16
        elif size == 0 and top:
            size = end - at
        if not all(32 <= byte < 127 for byte in kind):
            raise _BadClip("a box of an unreadable type")
        if size < header or at + size > end:
            raise _BadClip(f"the box {kind.decode()} runs past the end of its parent")
        found.append((kind, at + header, at + size))
        at += size
    return found


def _child(data: bytes, parent: tuple[bytes, int, int], kind: bytes) -> tuple[bytes, int, int]:
    for box in _boxes(data, parent[1], parent[2]):
        if box[0] == kind:
            return box
    raise _BadClip(f"no {kind.decode()} in {parent[0].decode()}")


def _mp4_video_ms(data: bytes) -> int | None:
    """Top-level boxes tiling the file; an MP4 brand (QuickTime's is not one); one moov with a
    movie header and a video track of a codec browsers play; media data present."""
    top = _boxes(data, 0, len(data), top=True)
    ftyp = top[0]
    if ftyp[0] != b"ftyp" or ftyp[2] - ftyp[1] < 8:
        raise _BadClip("the file does not begin with its type box")
    major = data[ftyp[1] : ftyp[1] + 4]
    brands = {major} | {data[i : i + 4] for i in range(ftyp[1] + 8, ftyp[2] - 3, 4)}
    if major == b"qt  " or not brands & _MP4_BRANDS:
        raise _BadClip(f"the brand {major.decode('ascii', 'replace')!r} is not MP4")
    moovs = [box for box in top if box[0] == b"moov"]
    if len(moovs) != 1:
        raise _BadClip("an MP4 has exactly one movie box")
    if not any(box[0] == b"mdat" for box in top):
        raise _BadClip("no media data")
    moov = moovs[0]
    codecs = [
        _track_codec(data, trak) for trak in _boxes(data, moov[1], moov[2]) if trak[0] == b"trak"
    ]
    videos = [codec for handler, codec in codecs if handler == b"vide"]
    if not videos:
        raise _BadClip("no video track")
    for codec in videos:
        if codec not in _MP4_VIDEO_CODECS:
            raise _BadClip(f"the video codec {codec.decode('ascii', 'replace')} is not taken")
    return _mp4_duration_ms(data, moov)


def _track_codec(data: bytes, trak: tuple[bytes, int, int]) -> tuple[bytes, bytes]:
    """(handler type, the first sample entry's format) of a track."""
    mdia = _child(data, trak, b"mdia")
    hdlr = _child(data, mdia, b"hdlr")
    stsd = _child(data, _child(data, _child(data, mdia, b"minf"), b"stbl"), b"stsd")
    if stsd[2] - stsd[1] < 16 or hdlr[2] - hdlr[1] < 12:
        raise _BadClip("a truncated track description")
    return data[hdlr[1] + 8 : hdlr[1] + 12], data[stsd[1] + 12 : stsd[1] + 16]


def _mp4_duration_ms(data: bytes, moov: tuple[bytes, int, int]) -> int | None:
    """The movie header's duration, or a fragmented file's (movie extends header); None when
    neither states one."""
    mvhd = _child(data, moov, b"mvhd")
    version = data[mvhd[1]]
    if version == 1:
        timescale, duration = struct.unpack(">IQ", data[mvhd[1] + 20 : mvhd[1] + 32])
    else:
        timescale, duration = struct.unpack(">II", data[mvhd[1] + 12 : mvhd[1] + 20])
    if not timescale:
        raise _BadClip("a movie header without a timescale")
    if not duration:
        for box in _boxes(data, moov[1], moov[2]):
            if box[0] == b"mvex":
                for mehd in _boxes(data, box[1], box[2]):
                    if mehd[0] == b"mehd":
                        wide = data[mehd[1]] == 1
                        duration = struct.unpack_from(">Q" if wide else ">I", data, mehd[1] + 4)[0]
    return duration * 1000 // timescale if duration else None


# Serving ------------------------------------------------------------------------------------
class RangeNotSatisfiable(Exception):
    """No byte of the asked range lies inside the media."""


def byte_range(
    header: str | None, size: int, *, if_range: str | None, etag: str
) -> tuple[int, int] | None:
    """The one range ``Range: bytes=...`` asks of ``size`` bytes, as (start, end exclusive);
    None to send everything (no header, one that does not parse, several ranges — RFC 9110
    lets a server ignore Range —, or an ``If-Range`` naming another version)."""
    if not header or (if_range is not None and if_range.strip() != f'"{etag}"'):
        return None
    parsed = parse_range_header(header)
    if parsed is None or parsed.units != "bytes" or len(parsed.ranges) != 1:
        return None
    found = parsed.range_for_length(size)
    if found is None:
        raise RangeNotSatisfiable
    return found


# Playback tickets: a <video> element fetches its source itself, range by range, and cannot send
# an Authorization header; a ticket in the URL lets it, for one media and a few minutes. Each
# blob carries its own random key (``url_key`` in its metadata, written at upload), so any
# replica checks a ticket without a shared secret or a store of tickets, and a ticket leaked in
# a log opens that one media only, until it expires.
TICKET_SECONDS = 15 * 60


def new_url_key() -> str:
    return secrets.token_urlsafe(32)


def playback_ticket(
    *, url_key: str, media_id: str, member_id: str, token_version: int, expires_at: int
) -> str:
    """``<member>.<token version>.<expiry>.<signature>`` for ``GET /media/{id}/content``."""
    claim = f"{member_id}.{token_version}.{expires_at}"
    return f"{claim}.{_signature(url_key, media_id, claim)}"


def ticket_holder(
    ticket: str, *, url_key: str, media_id: str, now: float
) -> tuple[str, int] | None:
    """(member id, token version) of a valid, unexpired ticket for this media; None otherwise."""
    claim, _, signature = ticket.rpartition(".")
    parts = claim.split(".")
    if len(parts) != 3 or not parts[1].isdigit() or not parts[2].isdigit():
        return None
    if not hmac.compare_digest(signature, _signature(url_key, media_id, claim)):
        return None
    if int(parts[2]) < now:
        return None
    return parts[0], int(parts[1])


def _signature(url_key: str, media_id: str, claim: str) -> str:
    digest = hmac.new(url_key.encode(), f"{media_id}.{claim}".encode(), hashlib.sha256).digest()
    return base64.urlsafe_b64encode(digest).rstrip(b"=").decode()
