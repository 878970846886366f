"""What parsing a clip's container (Matroska, Ogg, ISO BMFF) raises, and the one refusal it
becomes: a voice or video clip whose container does not parse to its end is not taken (415)."""

from __future__ import annotations

import struct
from collections.abc import Iterator
from contextlib import contextmanager

from shouwang.http import UnsupportedMediaType


class BadClip(Exception):
    """The container breaks a rule of its format, or of what is taken; the message says which."""


@contextmanager
def refused_unless_parsed(what: str) -> Iterator[None]:
    """415 saying ``what`` and why when the parsing inside fails: a rule broken, or bytes that
    end or read wrong where the format needs more (an index past the end, a short struct)."""
    try:
        yield
    except (BadClip, IndexError, ValueError, struct.error) as error:
        raise UnsupportedMediaType(detail=f"{what} ({error or 'truncated'})") from None
