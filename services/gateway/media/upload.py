"""Reading an upload's multipart file field without holding more than its kind's limit: the
lowest layer, which every kind's judge raises ``TooLarge`` from."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from werkzeug.http import parse_options_header
from werkzeug.sansio.multipart import Data, Epilogue, Field, File, MultipartDecoder, NeedData

from shouwang.errors import DomainError, Malformed
from shouwang.http import UnsupportedMediaType

# A photo's limit, and the one a field is read within when no kind chooses another.
MAX_MEDIA_BYTES = 10 * 1024 * 1024
CHUNK_BYTES = 64 * 1024
FILE_FIELD = "file"
# Leading bytes enough to tell every accepted container: "....ftyp" and "RIFF....WEBP" need 12.
SNIFF_BYTES = 12


class TooLarge(DomainError):
    http_status = 413
    title = "Payload too large"


@dataclass(frozen=True)
class SizeLimit:
    """The most an upload of one kind may weigh, named for the refusal."""

    what: str
    max_bytes: int


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
