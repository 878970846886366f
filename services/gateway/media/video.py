"""Video clips (bulletins): MP4 (ISO base media file format) or WebM, judged by their bytes.

20 MiB holds a minute of what a phone's browser records: Chromium's MediaRecorder writes video at
2.5 Mbit/s and Opus at 128 kbit/s unless told otherwise, 19.7 MB for 60 s. A phone camera's own
files are larger (1080p at ~17 Mbit/s is 127 MB a minute): they are shared shortened or
re-encoded, as chat apps do. The container is parsed whole from its bytes, whatever the name
or declared type says; the codecs are the ones browsers play in <video>."""

from __future__ import annotations

import functools
import struct
from dataclasses import dataclass

from services.gateway.media.containers import BadClip, refused_unless_parsed
from services.gateway.media.matroska import (
    CLUSTER,
    EBML_MAGIC,
    TRACKS,
    UNKNOWN,
    Block,
    children,
    element,
    uint,
    walk_segment,
    webm_segment,
)
from services.gateway.media.upload import TooLarge

MAX_VIDEO_BYTES = 20 * 1024 * 1024
VIDEO_TYPES = ("video/mp4", "video/webm")
_WEBM_VIDEO_CODECS = {b"V_VP8", b"V_VP9", b"V_AV1"}
_WEBM_AUDIO_CODECS = {b"A_OPUS", b"A_VORBIS"}
_MP4_BRANDS = {b"iso%d" % n for n in range(2, 10)} | {
    b"isom", b"mp41", b"mp42", b"avc1", b"av01", b"dash", b"cmfc", b"M4V ", b"MSNV", b"mp71"
}  # fmt: skip
_MP4_VIDEO_CODECS = {b"avc1", b"avc3", b"hvc1", b"hev1", b"av01", b"vp08", b"vp09", b"mp4v"}


@dataclass(frozen=True)
class Video:
    data: bytes
    content_type: str
    duration_ms: int | None


def is_mp4(head: bytes) -> bool:
    return head[4:8] == b"ftyp"


def accepted_video(data: bytes) -> Video:
    """The clip as uploaded: 413 beyond 20 MiB, 415 unless it is an MP4 or WebM that parses to
    its end with a video track of a codec browsers play; its length from the container."""
    if len(data) > MAX_VIDEO_BYTES:
        raise TooLarge(
            detail=f"a video clip may be at most {MAX_VIDEO_BYTES} bytes (20 MiB); "
            f"this one has {len(data)}"
        )
    with refused_unless_parsed("a video clip must be an MP4 or WebM file"):
        if data.startswith(EBML_MAGIC):
            content_type, duration_ms = "video/webm", _webm_video_ms(data)
        elif is_mp4(data):
            content_type, duration_ms = "video/mp4", _mp4_video_ms(data)
        else:
            raise BadClip("not MP4 or WebM")
    return Video(data, content_type, duration_ms)


# WebM ----------------------------------------------------------------------------------------
def webm_has_video(data: bytes) -> bool:
    """Whether a WebM declares a video track (then it is judged as video, else as voice)."""
    try:
        at, end = webm_segment(data)
        while at < end:
            element_id, body, size = element(data, at)
            if element_id == TRACKS and size != UNKNOWN:
                return any(kind == 1 for kind, _ in _webm_tracks(data, body, size).values())
            if size == UNKNOWN or element_id == CLUSTER:
                return False
            at = body + size
    except (BadClip, IndexError, ValueError):
        return False
    return False


def _webm_video_ms(data: bytes) -> int | None:
    """Every element parsed to the end of the file; the tracks' codecs checked; every block of
    a declared track; the length from the segment's Duration, or else the last block's time."""
    segment = walk_segment(
        data, read_tracks=functools.partial(_judged_webm_tracks, data), block_us=_declared_block_us
    )
    tracks = segment.tracks
    if tracks is None:
        raise BadClip("no tracks")
    if not any(tracks[number][0] == 1 for number in segment.blocks):
        raise BadClip("no video frames")
    if segment.duration is not None and segment.duration > 0:
        return int(segment.duration * segment.scale_ns / 1_000_000)
    return segment.last_block_us // 1000


def _declared_block_us(tracks: dict[int, tuple[int, bytes]], block: Block) -> int:
    if block.track not in tracks:
        raise BadClip("a block of an undeclared track")
    return block.time_us


def _judged_webm_tracks(data: bytes, body: int, size: int) -> dict[int, tuple[int, bytes]]:
    tracks = _webm_tracks(data, body, size)
    _check_webm_codecs(tracks)
    return tracks


def _webm_tracks(data: bytes, body: int, size: int) -> dict[int, tuple[int, bytes]]:
    """Track number -> (track type: 1 video, 2 audio; codec id)."""
    tracks = {}
    for entry_id, entry_at, entry_size in children(data, body, body + size):
        if entry_id != 0xAE:
            continue
        fields = {i: (b, s) for i, b, s in children(data, entry_at, entry_at + entry_size)}
        if 0xD7 not in fields or 0x83 not in fields or 0x86 not in fields:
            raise BadClip("a track without its number, type or codec")
        codec_at, codec_size = fields[0x86]
        tracks[uint(data, *fields[0xD7])] = (
            uint(data, *fields[0x83]),
            data[codec_at : codec_at + codec_size].rstrip(b"\0"),
        )
    return tracks


def _check_webm_codecs(tracks: dict[int, tuple[int, bytes]]) -> None:
    videos = [codec for kind, codec in tracks.values() if kind == 1]
    if not videos:
        raise BadClip("no video track")
    for kind, codec in tracks.values():
        allowed = _WEBM_VIDEO_CODECS if kind == 1 else _WEBM_AUDIO_CODECS if kind == 2 else None
        if allowed is None:
            raise BadClip(f"a track of type {kind}: only video and audio are taken")
        if codec not in allowed:
            name = codec.decode("ascii", "replace")
            raise BadClip(
                f"the codec {name} is not taken (video VP8, VP9, AV1; audio Opus, Vorbis)"
            )


# MP4 (ISO base media file format) -------------------------------------------------------------
def _boxes(data: bytes, start: int, end: int, *, top: bool = False) -> list[tuple[bytes, int, int]]:
    """The boxes from ``start`` to ``end`` as (type, body start, body end), which must tile the
    span exactly; a size of 0 (to the end of the file) only for the file's last box."""
    found, at = [], start
    while at < end:
        if at + 8 > end:
            raise BadClip("a box header runs past its parent")
        size, kind = struct.unpack(">I4s", data[at : at + 8])
        header = 8
        if size == 1:
            size, header = struct.unpack(">Q", data[at + 8 : at + 16])[0], 16
        elif size == 0 and top:
            size = end - at
        if not all(32 <= byte < 127 for byte in kind):
            raise BadClip("a box of an unreadable type")
        if size < header or at + size > end:
            raise BadClip(f"the box {kind.decode()} runs past the end of its parent")
        found.append((kind, at + header, at + size))
        at += size
    return found


def _child(data: bytes, parent: tuple[bytes, int, int], kind: bytes) -> tuple[bytes, int, int]:
    for box in _boxes(data, parent[1], parent[2]):
        if box[0] == kind:
            return box
    raise BadClip(f"no {kind.decode()} in {parent[0].decode()}")


def _mp4_video_ms(data: bytes) -> int | None:
    """Top-level boxes tiling the file; an MP4 brand (QuickTime's is not one); one moov with a
    movie header and a video track of a codec browsers play; media data present."""
    top = _boxes(data, 0, len(data), top=True)
    ftyp = top[0]
    if ftyp[0] != b"ftyp" or ftyp[2] - ftyp[1] < 8:
        raise BadClip("the file does not begin with its type box")
    major = data[ftyp[1] : ftyp[1] + 4]
    brands = {major} | {data[i : i + 4] for i in range(ftyp[1] + 8, ftyp[2] - 3, 4)}
    if major == b"qt  " or not brands & _MP4_BRANDS:
        raise BadClip(f"the brand {major.decode('ascii', 'replace')!r} is not MP4")
    moovs = [box for box in top if box[0] == b"moov"]
    if len(moovs) != 1:
        raise BadClip("an MP4 has exactly one movie box")
    if not any(box[0] == b"mdat" for box in top):
        raise BadClip("no media data")
    moov = moovs[0]
    codecs = [
        _track_codec(data, trak) for trak in _boxes(data, moov[1], moov[2]) if trak[0] == b"trak"
    ]
    videos = [codec for handler, codec in codecs if handler == b"vide"]
    if not videos:
        raise BadClip("no video track")
    for codec in videos:
        if codec not in _MP4_VIDEO_CODECS:
            raise BadClip(f"the video codec {codec.decode('ascii', 'replace')} is not taken")
    return _mp4_duration_ms(data, moov)


def _track_codec(data: bytes, trak: tuple[bytes, int, int]) -> tuple[bytes, bytes]:
    """(handler type, the first sample entry's format) of a track."""
    mdia = _child(data, trak, b"mdia")
    hdlr = _child(data, mdia, b"hdlr")
    stsd = _child(data, _child(data, _child(data, mdia, b"minf"), b"stbl"), b"stsd")
    if stsd[2] - stsd[1] < 16 or hdlr[2] - hdlr[1] < 12:
        raise BadClip("a truncated track description")
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
        raise BadClip("a movie header without a timescale")
    if not duration:
        for box in _boxes(data, moov[1], moov[2]):
            if box[0] == b"mvex":
                for mehd in _boxes(data, box[1], box[2]):
                    if mehd[0] == b"mehd":
                        wide = data[mehd[1]] == 1
                        duration = struct.unpack_from(">Q" if wide else ">I", data, mehd[1] + 4)[0]
    return duration * 1000 // timescale if duration else None
