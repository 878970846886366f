"""Serving a stored media: the one byte range a request asks for, and playback tickets that let
a <video> element fetch its source without an Authorization header."""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets

from werkzeug.http import parse_range_header


class RangeNotSatisfiable(Exception):
    """No byte of the asked range lies inside the media."""


def byte_range(
    header: str | None, size: int, *, if_range: str | None, etag: str
) -> tuple[int, int] | None:
    """The one range ``Range: bytes=...`` asks of ``size`` bytes, as (start, end exclusive);
    None to send everything (no header, one that does not parse, several ranges — RFC 9110
    lets a server ignore Range —, or an ``If-Range`` naming another version)."""
    if not header or (if_range is not None and if_range.strip() != f'"{etag}"'):
        return None
    parsed = parse_range_header(header)
    if parsed is None or parsed.units != "bytes" or len(parsed.ranges) != 1:
        return None
    found = parsed.range_for_length(size)
    if found is None:
        raise RangeNotSatisfiable
    return found


# Playback tickets: a <video> element fetches its source itself, range by range, and cannot send
# an Authorization header; a ticket in the URL lets it, for one media and a few minutes. Each
# blob carries its own random key (``url_key`` in its metadata, written at upload), so any
# replica checks a ticket without a shared secret or a store of tickets, and a ticket leaked in
# a log opens that one media only, until it expires.
TICKET_SECONDS = 15 * 60


def new_url_key() -> str:
    return secrets.token_urlsafe(32)


def playback_ticket(
    *, url_key: str, media_id: str, member_id: str, token_version: int, expires_at: int
) -> str:
    """``<member>.<token version>.<expiry>.<signature>`` for ``GET /media/{id}/content``."""
    claim = f"{member_id}.{token_version}.{expires_at}"
    return f"{claim}.{_signature(url_key, media_id, claim)}"


def ticket_holder(
    ticket: str, *, url_key: str, media_id: str, now: float
) -> tuple[str, int] | None:
    """(member id, token version) of a valid, unexpired ticket for this media; None otherwise."""
    claim, _, signature = ticket.rpartition(".")
    parts = claim.split(".")
    if len(parts) != 3 or not parts[1].isdigit() or not parts[2].isdigit():
        return None
    if not hmac.compare_digest(signature, _signature(url_key, media_id, claim)):
        return None
    if int(parts[2]) < now:
        return None
    return parts[0], int(parts[1])


def _signature(url_key: str, media_id: str, claim: str) -> str:
    digest = hmac.new(url_key.encode(), f"{media_id}.{claim}".encode(), hashlib.sha256).digest()
    return base64.urlsafe_b64encode(digest).rstrip(b"=").decode()
