"""Which kind an upload is, told by its bytes, and its judge: the limit its first bytes choose
while it streams in (``size_limit``), then the photo, voice or video judge (``accepted_media``).
It sits above the kinds, which is why the largest upload of any kind is stated here."""

from __future__ import annotations

from dataclasses import dataclass

from services.gateway.media.matroska import EBML_MAGIC
from services.gateway.media.photos import accepted_photo, sniffed_type
from services.gateway.media.upload import MAX_MEDIA_BYTES, SizeLimit
from services.gateway.media.video import MAX_VIDEO_BYTES, accepted_video, is_mp4, webm_has_video
from services.gateway.media.voice import MAX_VOICE_BYTES, OGG_MAGIC, accepted_voice, is_voice
from shouwang.http import UnsupportedMediaType

# The largest upload of any kind, and room for the multipart framing around it: a request
# announcing more is refused on its Content-Length before a byte of its body is read.
MAX_UPLOAD_BYTES = MAX_VIDEO_BYTES
MULTIPART_ALLOWANCE = 64 * 1024
PHOTO_LIMIT = SizeLimit("a photo", MAX_MEDIA_BYTES)
VOICE_LIMIT = SizeLimit("a voice clip", MAX_VOICE_BYTES)
VIDEO_LIMIT = SizeLimit("a video clip", MAX_VIDEO_BYTES)
ACCEPTED = (
    "JPEG, PNG or WebP photos, Opus voice clips in WebM or Ogg, and video clips in MP4 "
    "(H.264, H.265, AV1, VP9) or WebM (VP8, VP9, AV1)"
)


@dataclass(frozen=True)
class Stored:
    """An accepted upload as it is kept: its bytes, type, kind and length when it has one."""

    data: bytes
    content_type: str
    kind: str  # photo | voice | video
    duration_ms: int | None = None


def size_limit(head: bytes) -> SizeLimit:
    """The limit of the kind an upload's first bytes announce; 415 when they announce none
    accepted (a WebM may hold voice or video, which only its tracks tell: the larger limit)."""
    if sniffed_type(head):
        return PHOTO_LIMIT
    if head.startswith(OGG_MAGIC):
        return VOICE_LIMIT
    if head.startswith(EBML_MAGIC) or is_mp4(head):
        return VIDEO_LIMIT
    raise UnsupportedMediaType(detail=f"the file is none of the accepted kinds: {ACCEPTED}")


def accepted_media(data: bytes, *, keep_location: bool) -> Stored:
    """Any accepted upload, judged by its bytes: a photo, a voice clip or a video clip."""
    if (data.startswith(EBML_MAGIC) and webm_has_video(data)) or is_mp4(data):
        video = accepted_video(data)
        return Stored(video.data, video.content_type, "video", video.duration_ms)
    if is_voice(data):
        voice = accepted_voice(data)
        return Stored(voice.data, voice.content_type, "voice", voice.duration_ms)
    if sniffed_type(data) is None:
        raise UnsupportedMediaType(detail=f"the file is none of the accepted kinds: {ACCEPTED}")
    photo = accepted_photo(data, keep_location=keep_location)
    return Stored(photo.data, photo.content_type, "photo")
