"""Voice clips (push-to-talk): Opus in WebM (Chromium's MediaRecorder) or in Ogg (Firefox's),
judged by their bytes. The container is parsed whole, its one audio track must be Opus, and the
duration is measured from the packets (WebM: the last block's time plus its packet's length from
the Opus TOC; Ogg: the last page's granule position less the pre-skip), not taken from any
header."""

from __future__ import annotations

import functools
import struct
from dataclasses import dataclass

from services.gateway.media.containers import BadClip, refused_unless_parsed
from services.gateway.media.matroska import (
    EBML_MAGIC,
    Block,
    children,
    span,
    uint,
    walk_segment,
)
from services.gateway.media.upload import TooLarge
from shouwang.http import UnsupportedMediaType

MAX_VOICE_BYTES = 1024 * 1024
MAX_VOICE_MS = 60_000
VOICE_TYPES = ("audio/webm", "audio/ogg")
OGG_MAGIC = b"OggS"


@dataclass(frozen=True)
class Voice:
    data: bytes
    content_type: str
    duration_ms: int


def is_voice(data: bytes) -> bool:
    """Whether the bytes announce a voice clip's container (then ``accepted_voice`` judges)."""
    return data.startswith(EBML_MAGIC) or data.startswith(OGG_MAGIC)


def accepted_voice(data: bytes) -> Voice:
    """The clip as uploaded, with its measured length: 415 when it is not Opus in a WebM or Ogg
    container that parses to its end, 413 beyond 1 MiB or 60 s."""
    if len(data) > MAX_VOICE_BYTES:
        raise TooLarge(detail=f"a voice clip may be at most {MAX_VOICE_BYTES} bytes")
    with refused_unless_parsed("a voice clip must be Opus in WebM or Ogg"):
        if data.startswith(EBML_MAGIC):
            content_type, duration_ms = "audio/webm", _webm_opus_ms(data)
        elif data.startswith(OGG_MAGIC):
            content_type, duration_ms = "audio/ogg", _ogg_opus_ms(data)
        else:
            raise BadClip("not WebM or Ogg")
    if duration_ms <= 0:
        raise UnsupportedMediaType(detail="the voice clip holds no sound")
    if duration_ms > MAX_VOICE_MS:
        raise TooLarge(detail=f"a voice clip may last at most 60 s (this one: {duration_ms} ms)")
    return Voice(data, content_type, duration_ms)


def opus_packet_us(packet: bytes) -> int:
    """An Opus packet's length in microseconds, from its TOC byte (RFC 6716 section 3.1)."""
    if not packet:
        raise BadClip("an empty Opus packet")
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
        raise BadClip("an Opus packet of a length Opus does not have")
    return frames * frame_us


# WebM ----------------------------------------------------------------------------------------
def _webm_opus_ms(data: bytes) -> int:
    segment = walk_segment(
        data, read_tracks=functools.partial(_opus_track, data), block_us=_opus_block_end_us
    )
    if segment.tracks is None:
        raise BadClip("no Opus audio track")
    return segment.last_block_us // 1000


def _opus_track(data: bytes, body: int, size: int) -> int:
    entries = [(b, s) for i, b, s in children(data, body, body + size) if i == 0xAE]
    if len(entries) != 1:
        raise BadClip("a voice clip has exactly one track")
    fields = {i: (b, s) for i, b, s in children(data, *span(entries[0]))}
    codec = fields.get(0x86)
    number = fields.get(0xD7)
    kind = fields.get(0x83)
    if codec is None or data[codec[0] : codec[0] + codec[1]] != b"A_OPUS":
        raise BadClip("the track is not Opus")
    if number is None or (kind is not None and uint(data, *kind) != 2):
        raise BadClip("the track is not audio")
    return uint(data, *number)


def _opus_block_end_us(track: int, block: Block) -> int:
    if block.track != track:
        raise BadClip("a block of another track")
    begin_us = block.time_us
    if (block.flags >> 1) & 3:
        raise BadClip("laced blocks are not taken (MediaRecorder writes none)")
    return begin_us + opus_packet_us(block.payload)


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
        if data[at : at + 4] != OGG_MAGIC or data[at + 4] != 0:
            raise BadClip("not an Ogg page")
        header_type = data[at + 5]
        page_granule, page_serial, page_sequence, crc, count = struct.unpack(
            "<qIIIB", data[at + 6 : at + 27]
        )
        lacing = data[at + 27 : at + 27 + count]
        if len(lacing) != count:
            raise BadClip("truncated")
        body_at = at + 27 + count
        end = body_at + sum(lacing)
        if end > len(data):
            raise BadClip("truncated")
        page = bytearray(data[at:end])
        page[22:26] = b"\0\0\0\0"
        if _ogg_crc(bytes(page)) != crc:
            raise BadClip("an Ogg page fails its checksum")
        if serial is None:
            if not header_type & 2:
                raise BadClip("the first page does not begin a stream")
            serial = page_serial
        elif page_serial != serial:
            raise BadClip("more than one stream")
        if page_sequence != sequence:
            raise BadClip("pages out of sequence")
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
        raise BadClip("no OpusHead")
    if not packets[1].startswith(b"OpusTags"):
        raise BadClip("no OpusTags")
    pre_skip = struct.unpack("<H", packets[0][10:12])[0]
    return max(granule - pre_skip, 0) * 1000 // 48_000
