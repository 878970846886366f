"""Matroska (WebM) parsing that voice and video clips share, so there is one copy: EBML numbers
and elements, the segment after a WebM header, and a walk of that segment to the end of the file
(clusters of unknown size as MediaRecorder writes them) that hands each block to the caller."""

from __future__ import annotations

import struct
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from typing import Generic, TypeVar

from services.gateway.media.containers import BadClip

EBML_MAGIC = b"\x1a\x45\xdf\xa3"
SEGMENT, CLUSTER, INFO, TRACKS = 0x18538067, 0x1F43B675, 0x1549A966, 0x1654AE6B
SEGMENT_CHILDREN = {0x114D9B74, INFO, TRACKS, CLUSTER, 0x1C53BB6B, 0x1254C367, 0x1941A469,
                    0x1043A770, 0xEC, 0xBF}  # fmt: skip
UNKNOWN = -1

Tracks = TypeVar("Tracks")


def vint(data: bytes, at: int, *, keep_marker: bool) -> tuple[int, int]:
    """An EBML variable-length integer at ``at``: (value, next offset); sizes of all ones are
    ``UNKNOWN``."""
    first = data[at]
    length = 1
    while length <= 8 and not first & (0x80 >> (length - 1)):
        length += 1
    if length > 8:
        raise BadClip("a malformed EBML number")
    raw = data[at : at + length]
    if len(raw) < length:
        raise BadClip("truncated")
    value = int.from_bytes(raw, "big")
    if not keep_marker:
        value &= (1 << (7 * length)) - 1
        if value == (1 << (7 * length)) - 1:
            return UNKNOWN, at + length
    return value, at + length


def element(data: bytes, at: int) -> tuple[int, int, int]:
    """(id, start of its data, its size or ``UNKNOWN``)."""
    element_id, at = vint(data, at, keep_marker=True)
    size, at = vint(data, at, keep_marker=False)
    if size != UNKNOWN and at + size > len(data):
        raise BadClip("an element runs past the end of the file")
    return element_id, at, size


def children(data: bytes, start: int, end: int) -> list[tuple[int, int, int]]:
    found, at = [], start
    while at < end:
        element_id, body, size = element(data, at)
        if size == UNKNOWN:
            raise BadClip("an element of unknown size where none is allowed")
        found.append((element_id, body, size))
        at = body + size
    if at != end:
        raise BadClip("elements overrun their parent")
    return found


def uint(data: bytes, at: int, size: int) -> int:
    return int.from_bytes(data[at : at + size], "big") if size else 0


def span(found: tuple[int, int]) -> tuple[int, int]:
    """(start, end) of an element found as (start of its data, its size)."""
    return found[0], found[0] + found[1]


def webm_segment(data: bytes) -> tuple[int, int]:
    """Where the segment's children start and end, after a WebM EBML header."""
    element_id, body, size = element(data, 0)
    header = dict((i, (b, s)) for i, b, s in children(data, body, body + size))
    doc_type = header.get(0x4282)
    if doc_type is None or data[doc_type[0] : doc_type[0] + doc_type[1]].rstrip(b"\0") != b"webm":
        raise BadClip("not a WebM file")
    element_id, at, size = element(data, body + size)
    if element_id != SEGMENT:
        raise BadClip("no segment")
    return at, len(data) if size == UNKNOWN else at + size


@dataclass(frozen=True)
class Block:
    """A block of a cluster past its track number. The rest is read when asked for, so that a
    short block is refused at the same point, whichever field a caller reads first."""

    data: bytes
    track: int
    at: int  # just past the track number: the relative time, the flags, then the frames
    end: int
    cluster_timecode: int
    scale_ns: int

    @property
    def time_us(self) -> int:
        relative = struct.unpack(">h", self.data[self.at : self.at + 2])[0]
        return (self.cluster_timecode + relative) * self.scale_ns // 1000

    @property
    def flags(self) -> int:
        return self.data[self.at + 2]

    @property
    def payload(self) -> bytes:
        return self.data[self.at + 3 : self.end]


@dataclass(frozen=True)
class Segment(Generic[Tracks]):
    """What walking a WebM segment found."""

    tracks: Tracks | None
    scale_ns: int
    duration: float | None  # the Info's Duration, in units of ``scale_ns``
    last_block_us: int  # the latest of what the caller said of each block
    blocks: Counter[int]  # blocks per track number


def walk_segment(
    data: bytes,
    *,
    read_tracks: Callable[[int, int], Tracks],
    block_us: Callable[[Tracks, Block], int],
) -> Segment[Tracks]:
    """Every element of the segment parsed to the end of the file: ``read_tracks(body, size)``
    judges the Tracks element, ``block_us(tracks, block)`` each block of the clusters after it
    (refusing it, or saying when it starts or ends)."""
    at, end = webm_segment(data)
    scale_ns, duration, tracks = 1_000_000, None, None
    last_us, blocks = 0, Counter[int]()
    while at < end:
        element_id, body, size = element(data, at)
        if element_id not in SEGMENT_CHILDREN:
            raise BadClip(f"an unexpected element {element_id:#x} in the segment")
        if element_id == CLUSTER:
            if tracks is None:
                raise BadClip("a cluster before the tracks")

            def judged(block: Block, tracks: Tracks = tracks) -> int:
                block_end_us = block_us(tracks, block)
                blocks[block.track] += 1
                return block_end_us

            at, cluster_last_us = _cluster(data, body, size, end, scale_ns, judged)
            last_us = max(last_us, cluster_last_us)
            continue
        if size == UNKNOWN:
            raise BadClip("an element of unknown size where none is allowed")
        if element_id == INFO:
            for child, child_at, child_size in children(data, body, body + size):
                if child == 0x2AD7B1:
                    scale_ns = uint(data, child_at, child_size)
                elif child == 0x4489 and child_size in (4, 8):
                    float_format = ">f" if child_size == 4 else ">d"
                    duration = struct.unpack_from(float_format, data, child_at)[0]
        elif element_id == TRACKS:
            tracks = read_tracks(body, size)
        at = body + size
    return Segment(tracks, scale_ns, duration, last_us, blocks)


def _cluster(
    data: bytes,
    body: int,
    size: int,
    segment_end: int,
    scale_ns: int,
    judged: Callable[[Block], int],
) -> tuple[int, int]:
    """Parse a cluster (of unknown size: up to the next segment-level element); (where it
    ends, the latest ``judged(block)`` of its blocks)."""
    end = segment_end if size == UNKNOWN else body + size
    at, timecode, last_end_us = body, None, 0
    while at < end:
        element_id, child, child_size = element(data, at)
        if size == UNKNOWN and element_id in SEGMENT_CHILDREN:
            break  # the next cluster (or cues, tags...) ends an unknown-size cluster
        if child_size == UNKNOWN:
            raise BadClip("an element of unknown size inside a cluster")
        if element_id == 0xE7:
            timecode = uint(data, child, child_size)
        elif element_id in (0xA3, 0xA0):
            if timecode is None:
                raise BadClip("a block before its cluster's timecode")
            block = (child, child_size)
            if element_id == 0xA0:  # BlockGroup: its Block
                found = [(b, s) for i, b, s in children(data, *span(block)) if i == 0xA1]
                if len(found) != 1:
                    raise BadClip("a block group without one block")
                block = found[0]
            number, after = vint(data, block[0], keep_marker=False)
            read = Block(data, number, after, block[0] + block[1], timecode, scale_ns)
            last_end_us = max(last_end_us, judged(read))
        elif element_id not in (0xEC, 0xBF, 0xA7, 0xAB):  # void, CRC, position, prev size
            raise BadClip(f"an unexpected element {element_id:#x} in a cluster")
        at = child + child_size
    if size != UNKNOWN and at != end:
        raise BadClip("a cluster's elements overrun it")
    return at, last_end_us
