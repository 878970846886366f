"""Voice clips judged by their bytes: real Opus clips (Chromium's MediaRecorder WebM, opusenc's
Ogg) are measured to the millisecond; over 60 s or 1 MiB is refused; anything that is not Opus
in a container that parses to its end — truncated, corrupted, another codec, a photo — too."""

from __future__ import annotations

from pathlib import Path

import pytest

from services.gateway.media.upload import TooLarge
from services.gateway.media.voice import (
    MAX_VOICE_BYTES,
    accepted_voice,
    is_voice,
    opus_packet_us,
)
from shouwang.http import UnsupportedMediaType

CLIPS = Path(__file__).resolve().parents[2] / "support" / "voice"


def clip(name: str) -> bytes:
    return (CLIPS / name).read_bytes()


@pytest.mark.parametrize(
    ("name", "content_type", "duration_ms"),
    [("clip.webm", "audio/webm", 1500), ("clip.ogg", "audio/ogg", 1500)],
)
def test_real_clips_are_accepted_with_their_measured_length(name, content_type, duration_ms):
    data = clip(name)
    assert is_voice(data)
    voice = accepted_voice(data)
    assert (voice.content_type, voice.duration_ms, voice.data) == (content_type, duration_ms, data)


@pytest.mark.parametrize("name", ["long.webm", "long.ogg"])
def test_over_a_minute_is_refused_whatever_the_size(name):
    assert len(clip(name)) < 64 * 1024
    with pytest.raises(TooLarge, match="60 s"):
        accepted_voice(clip(name))


def test_over_a_mebibyte_is_refused_before_parsing():
    with pytest.raises(TooLarge):
        accepted_voice(clip("clip.webm") + b"\0" * MAX_VOICE_BYTES)


@pytest.mark.parametrize("name", ["clip.webm", "clip.ogg"])
def test_truncated_or_corrupted_clips_are_refused(name):
    data = clip(name)
    for broken in (data[: len(data) // 2], data[:-1], data[:60]):
        with pytest.raises(UnsupportedMediaType):
            accepted_voice(broken)
    flipped = bytearray(data)
    flipped[len(data) // 2] ^= 0xFF
    if name.endswith(".ogg"):  # every Ogg page carries a checksum
        with pytest.raises(UnsupportedMediaType):
            accepted_voice(bytes(flipped))


def test_another_codec_is_refused():
    webm = clip("clip.webm")
    assert webm.count(b"A_OPUS") == 1
    with pytest.raises(UnsupportedMediaType, match="not Opus"):
        accepted_voice(webm.replace(b"A_OPUS", b"A_VORB"))
    with pytest.raises(UnsupportedMediaType, match="not a WebM"):
        accepted_voice(webm.replace(b"webm", b"mkvx", 1))


def test_photos_and_noise_are_not_voice():
    assert not is_voice(b"\xff\xd8\xff\xe0 a jpeg")
    with pytest.raises(UnsupportedMediaType):
        accepted_voice(b"OggS" + b"\0" * 100)
    with pytest.raises(UnsupportedMediaType):
        accepted_voice(b"not a clip at all")


def test_opus_packet_lengths_follow_the_toc_byte():
    assert opus_packet_us(bytes([31 << 3])) == 20_000  # CELT 20 ms, one frame
    assert opus_packet_us(bytes([(3 << 3) | 1])) == 120_000  # SILK 60 ms, two frames
    assert opus_packet_us(bytes([(16 << 3) | 3, 4])) == 10_000  # CELT 2.5 ms, four frames
