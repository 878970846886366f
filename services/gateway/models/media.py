"""Shapes of photo and voice clip uploads (CONTRACT.md "Reports, media, points, push" and
"Groups, chat, intercom and map drawings")."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import Field

from shouwang.typed_routes import ReplyModel

PhotoType = Literal["image/jpeg", "image/png", "image/webp"]
PHOTO_TYPES: tuple[str, ...] = ("image/jpeg", "image/png", "image/webp")
VoiceType = Literal["audio/webm", "audio/ogg"]
MEDIA_TYPES: tuple[str, ...] = (*PHOTO_TYPES, "audio/webm", "audio/ogg")

# The multipart body, documented for clients and fuzzers; read by hand as it streams in
# (services/gateway/media.py), so a huge upload is refused without being held.
UPLOAD_FORM: dict[str, Any] = {
    "type": "object",
    "required": ["file"],
    "properties": {
        "file": {
            "type": "string",
            "format": "binary",
            "description": "a JPEG, PNG or WebP photo of at most 10 MiB, or an Opus voice clip "
            "in WebM or Ogg of at most 60 s and 1 MiB, judged by its content",
        }
    },
}


class MediaStored(ReplyModel):
    """The stored photo's or clip's id and the type its content was recognised as."""

    media_id: str
    content_type: PhotoType | VoiceType
    duration_ms: int | None = Field(None, description="a voice clip's length, from its bytes")
