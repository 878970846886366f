"""Shapes of photo uploads (CONTRACT.md "Reports, media, points, push")."""

from __future__ import annotations

from typing import Any, Literal

from shouwang.typed_routes import ReplyModel

PhotoType = Literal["image/jpeg", "image/png", "image/webp"]
PHOTO_TYPES: tuple[str, ...] = ("image/jpeg", "image/png", "image/webp")

# The multipart body, documented for clients and fuzzers; read by hand as it streams in
# (services/gateway/media.py), so a huge upload is refused without being held.
UPLOAD_FORM: dict[str, Any] = {
    "type": "object",
    "required": ["file"],
    "properties": {
        "file": {
            "type": "string",
            "format": "binary",
            "description": "a JPEG, PNG or WebP photo of at most 10 MiB, judged by its content",
        }
    },
}


class MediaStored(ReplyModel):
    """The stored photo's id and the type its content was recognised as."""

    media_id: str
    content_type: PhotoType
