"""Shapes of media uploads and playback (CONTRACT.md "Reports, media, points, push" and
"Groups, chat, intercom and map drawings"; video clips on bulletins, docs/comms.md)."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import Field, StringConstraints

from shouwang.typed_routes import QueryModel, ReplyModel

PhotoType = Literal["image/jpeg", "image/png", "image/webp"]
PHOTO_TYPES: tuple[str, ...] = ("image/jpeg", "image/png", "image/webp")
VoiceType = Literal["audio/webm", "audio/ogg"]
VideoType = Literal["video/mp4", "video/webm"]
MEDIA_TYPES: tuple[str, ...] = (*PHOTO_TYPES, "audio/webm", "audio/ogg", "video/mp4", "video/webm")
MediaKind = Literal["photo", "voice", "video"]

# The multipart body, documented for clients and fuzzers; read by hand as it streams in
# (services/gateway/media/upload.py), so a huge upload is refused without being held.
UPLOAD_FORM: dict[str, Any] = {
    "type": "object",
    "required": ["file"],
    "properties": {
        "file": {
            "type": "string",
            "format": "binary",
            "description": "a JPEG, PNG or WebP photo of at most 10 MiB, an Opus voice clip "
            "in WebM or Ogg of at most 60 s and 1 MiB, or a video clip in MP4 (H.264, H.265, "
            "AV1, VP9) or WebM (VP8, VP9, AV1) of at most 20 MiB, judged by its content",
        }
    },
}


class MediaStored(ReplyModel):
    """The stored photo's or clip's id and the type its content was recognised as."""

    media_id: str
    content_type: PhotoType | VoiceType | VideoType
    kind: MediaKind = Field(description="photo, voice (push-to-talk) or video (bulletins)")
    duration_ms: int | None = Field(
        None,
        description="a voice clip's length, measured from its packets; a video clip's, as its "
        "container states it (null when it states none)",
    )


class PlaybackTicket(ReplyModel):
    """Where a <video> or <img> element fetches one media without an Authorization header."""

    url: str = Field(description="GET it (Range requests included) until the ticket expires")
    content_type: str
    expires_in: int = Field(description="seconds the ticket is valid")


class PlaybackQuery(QueryModel):
    ticket: Annotated[str, StringConstraints(min_length=1, max_length=200)] = Field(
        description="from POST /media/{media_id}/tickets"
    )
