"""Identifier generation in one place: opaque, URL-safe, roughly time-ordered strings."""

from __future__ import annotations

import hashlib
import os
import time


def new_id() -> str:
    """A 26-character id: 48 bits of milliseconds then 80 random bits (the ULID layout), hex-free
    Crockford base32 so ids sort by creation time and read well in logs."""
    millis = int(time.time() * 1000)
    value = (millis << 80) | int.from_bytes(os.urandom(10), "big")
    return _encode_base32(value, 26)


_CROCKFORD = "0123456789abcdefghjkmnpqrstvwxyz"


def _encode_base32(value: int, length: int) -> str:
    chars = []
    for _ in range(length):
        value, digit = divmod(value, 32)
        chars.append(_CROCKFORD[digit])
    return "".join(reversed(chars))


def derived_id(*parts: str) -> str:
    """A stable id for something derived from other data (e.g. an event computed from a fix), so
    replicas or redeliveries that derive it again produce the same id and consumers dedupe it."""
    digest = hashlib.sha256("\x1f".join(parts).encode()).digest()[:16]
    return _encode_base32(int.from_bytes(digest, "big"), 26)
