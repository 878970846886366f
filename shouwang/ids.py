"""Identifier generation in one place: opaque, URL-safe, roughly time-ordered strings."""

from __future__ import annotations

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
