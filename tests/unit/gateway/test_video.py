"""Video clips judged by their bytes, limits checked while the upload streams in, byte ranges
and playback tickets (docs/comms.md "Video clips"). The clips are Chromium's MediaRecorder's
(tests/support/video/README.md)."""

from __future__ import annotations

import io
import struct
from pathlib import Path

import pytest

from services.gateway.media.kinds import MAX_UPLOAD_BYTES, accepted_media, size_limit
from services.gateway.media.playback import (
    RangeNotSatisfiable,
    byte_range,
    new_url_key,
    playback_ticket,
    ticket_holder,
)
from services.gateway.media.upload import CHUNK_BYTES, MAX_MEDIA_BYTES, TooLarge, read_file_field
from services.gateway.media.video import MAX_VIDEO_BYTES, accepted_video
from services.gateway.media.voice import MAX_VOICE_BYTES
from shouwang.http import UnsupportedMediaType

SUPPORT = Path(__file__).resolve().parents[2] / "support"
BOUNDARY = "b0undary"
CONTENT_TYPE = f"multipart/form-data; boundary={BOUNDARY}"


def clip(name: str) -> bytes:
    return (SUPPORT / "video" / name).read_bytes()


class EndlessFile:
    """A multipart body whose file field starts with ``head`` and never ends, counting reads."""

    def __init__(self, head: bytes) -> None:
        self.read_bytes = 0
        self._pending = (
            f'--{BOUNDARY}\r\nContent-Disposition: form-data; name="file"; filename="v"\r\n\r\n'
        ).encode() + head

    def read(self, size: int) -> bytes:
        chunk, self._pending = (self._pending, b"") if self._pending else (b"\0" * size, b"")
        self.read_bytes += len(chunk)
        return chunk


def multipart(content: bytes) -> io.BytesIO:
    head = f'--{BOUNDARY}\r\nContent-Disposition: form-data; name="file"\r\n\r\n'.encode()
    return io.BytesIO(head + content + f"\r\n--{BOUNDARY}--\r\n".encode())


@pytest.mark.parametrize(
    ("name", "content_type", "duration_ms"),
    [("clip.webm", "video/webm", 1490), ("clip.mp4", "video/mp4", 1485)],
)
def test_real_clips_are_accepted_as_video_with_their_stated_length(
    name: str, content_type: str, duration_ms: int
) -> None:
    data = clip(name)

    stored = accepted_media(data, keep_location=False)

    assert (stored.kind, stored.content_type, stored.duration_ms) == (
        "video",
        content_type,
        duration_ms,
    )
    assert stored.data == data  # kept as uploaded


def test_a_webm_without_a_video_track_is_still_a_voice_clip() -> None:
    stored = accepted_media((SUPPORT / "voice" / "clip.webm").read_bytes(), keep_location=False)

    assert (stored.kind, stored.content_type, stored.duration_ms) == ("voice", "audio/webm", 1500)


@pytest.mark.parametrize("name", ["clip.webm", "clip.mp4"])
def test_truncated_clips_are_refused(name: str) -> None:
    data = clip(name)
    for cut in (len(data) // 2, len(data) - 1, 40):
        with pytest.raises(UnsupportedMediaType, match="MP4 or WebM"):
            accepted_video(data[:cut])


def test_a_webm_of_a_codec_browsers_do_not_play_is_refused_by_name() -> None:
    data = clip("clip.webm")
    assert data.count(b"V_VP8") == 1

    with pytest.raises(UnsupportedMediaType, match="V_THE"):
        accepted_video(data.replace(b"V_VP8", b"V_THE"))


def test_an_mp4_of_another_video_codec_is_refused_by_name() -> None:
    data = clip("clip.mp4")
    assert data.count(b"vp09") == 2  # a compatible brand, and the sample entry

    with pytest.raises(UnsupportedMediaType, match="codec mjp2"):
        accepted_video(data[:40] + data[40:].replace(b"vp09", b"mjp2"))


def test_quicktime_is_not_mp4() -> None:
    data = clip("clip.mp4")
    brands = b"qt  \0\0\2\0qt  "
    quicktime = struct.pack(">I", 8 + len(brands)) + b"ftyp" + brands + data[36:]

    with pytest.raises(UnsupportedMediaType, match="'qt  ' is not MP4"):
        accepted_video(quicktime)


def test_an_mp4_whose_boxes_do_not_tile_the_file_is_refused() -> None:
    with pytest.raises(UnsupportedMediaType, match="runs past"):
        accepted_video(clip("clip.mp4") + b"\0\0\0\x10junk")


def test_an_mp4_without_its_movie_box_is_refused() -> None:
    data = clip("clip.mp4")
    moov_size = struct.unpack(">I", data[36:40])[0]

    with pytest.raises(UnsupportedMediaType, match="one movie box"):
        accepted_video(data[:36] + data[36 + moov_size :])


def test_a_video_over_twenty_mebibytes_is_refused() -> None:
    with pytest.raises(TooLarge, match="20 MiB"):
        accepted_video(clip("clip.mp4") + b"\0" * MAX_VIDEO_BYTES)


def test_a_renamed_photo_or_noise_is_no_video() -> None:
    with pytest.raises(UnsupportedMediaType):
        accepted_video(b"\xff\xd8\xff\xe0 a jpeg named clip.mp4")
    with pytest.raises(UnsupportedMediaType, match="none of the accepted kinds"):
        accepted_media(b"<html>not a clip at all</html>", keep_location=False)


@pytest.mark.parametrize(
    ("head", "limit"),
    [
        (b"\xff\xd8\xff\xe0\0\0\0\0\0\0\0\0", MAX_MEDIA_BYTES),
        (b"OggS\0\2\0\0\0\0\0\0", MAX_VOICE_BYTES),
        (b"\x1a\x45\xdf\xa3\x9f\x42\x86\x81\x01\x42\xf7\x81", MAX_VIDEO_BYTES),
        (b"\0\0\0\x24ftypisom", MAX_VIDEO_BYTES),
    ],
)
def test_the_first_bytes_choose_the_limit(head: bytes, limit: int) -> None:
    assert size_limit(head).max_bytes == limit


@pytest.mark.parametrize(
    ("head", "limit"),
    [
        (b"\0\0\0\x24ftypisom", MAX_VIDEO_BYTES),
        (b"\xff\xd8\xff\xe0\0\0\0\0\0\0\0\0", MAX_MEDIA_BYTES),
        (b"OggS\0\2\0\0\0\0\0\0", MAX_VOICE_BYTES),
    ],
)
def test_an_endless_upload_stops_being_read_just_past_its_kinds_limit(
    head: bytes, limit: int
) -> None:
    upload = EndlessFile(head)

    with pytest.raises(TooLarge, match=f"at most {limit} bytes"):
        read_file_field(upload.read, CONTENT_TYPE, limit=MAX_UPLOAD_BYTES, limit_for=size_limit)

    assert limit < upload.read_bytes <= limit + 2 * CHUNK_BYTES


def test_an_upload_of_no_accepted_kind_is_refused_after_its_first_chunk() -> None:
    upload = EndlessFile(b"MZ\x90\0 an executable")

    with pytest.raises(UnsupportedMediaType):
        read_file_field(upload.read, CONTENT_TYPE, limit=MAX_UPLOAD_BYTES, limit_for=size_limit)

    assert upload.read_bytes <= 2 * CHUNK_BYTES


def test_a_whole_video_is_read_through_the_multipart_body() -> None:
    data = clip("clip.webm")

    read = read_file_field(
        multipart(data).read, CONTENT_TYPE, limit=MAX_UPLOAD_BYTES, limit_for=size_limit
    )

    assert read == data


# Byte ranges ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("header", "expected"),
    [
        ("bytes=0-", (0, 1000)),
        ("bytes=0-99", (0, 100)),
        ("bytes=900-5000", (900, 1000)),  # clipped to the end
        ("bytes=-100", (900, 1000)),  # the last 100
        ("bytes=999-999", (999, 1000)),
        (None, None),
        ("bytes=0-1,5-9", None),  # several ranges: the whole media
        ("pages=1-2", None),
        ("bytes=nonsense", None),
    ],
)
def test_a_single_byte_range_is_read_from_the_header(
    header: str | None, expected: tuple[int, int] | None
) -> None:
    assert byte_range(header, 1000, if_range=None, etag="m1") == expected


def test_a_range_past_the_end_cannot_be_satisfied() -> None:
    with pytest.raises(RangeNotSatisfiable):
        byte_range("bytes=1000-", 1000, if_range=None, etag="m1")


def test_if_range_of_another_version_sends_everything() -> None:
    assert byte_range("bytes=0-9", 1000, if_range='"m2"', etag="m1") is None
    assert byte_range("bytes=0-9", 1000, if_range='"m1"', etag="m1") == (0, 10)


# Playback tickets ----------------------------------------------------------------------------


def ticket(key: str, *, media_id: str = "m1", expires_at: int = 2_000) -> str:
    return playback_ticket(
        url_key=key, media_id=media_id, member_id="a1", token_version=3, expires_at=expires_at
    )


def test_a_ticket_names_its_holder_until_it_expires() -> None:
    key = new_url_key()

    assert ticket_holder(ticket(key), url_key=key, media_id="m1", now=1_999) == ("a1", 3)
    assert ticket_holder(ticket(key), url_key=key, media_id="m1", now=2_001) is None


def test_a_ticket_opens_its_own_media_only() -> None:
    key = new_url_key()

    assert ticket_holder(ticket(key), url_key=key, media_id="m2", now=0) is None
    assert ticket_holder(ticket(key), url_key=new_url_key(), media_id="m1", now=0) is None


def test_a_ticket_whose_expiry_was_changed_is_refused() -> None:
    key = new_url_key()
    member, version, _, signature = ticket(key).split(".")

    forged = f"{member}.{version}.9999999999.{signature}"

    assert ticket_holder(forged, url_key=key, media_id="m1", now=0) is None
    assert ticket_holder("not-a-ticket", url_key=key, media_id="m1", now=0) is None
