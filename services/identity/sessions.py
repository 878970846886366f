"""Sessions: login with throttling, rotating refresh tokens with reuse detection, logout.

Refresh tokens are random, stored only as SHA-256 hashes, and grouped in a family per login.
Each refresh spends the presented token (a unique insert, so exactly one of two concurrent uses
wins) and issues the next one in the family; presenting a spent token again means it was stolen
or replayed, and the whole family is revoked.

Logout and a revoked family also raise the member's token version (as suspension does), so the
access tokens already handed out stop working at once rather than when they expire.
"""

from __future__ import annotations

import hashlib
import logging
import secrets
from dataclasses import dataclass

from argon2.exceptions import InvalidHashError, VerificationError

from services.identity import model
from services.identity.handlers import ERASED, PASSWORDS, SUSPENDED, bump_token_version
from services.identity.ports import Ports
from services.identity.scope import Actor
from services.identity.tokens import Claims
from shouwang.clock import to_millis
from shouwang.errors import Forbidden, RateLimited, Unauthenticated
from shouwang.ids import new_id
from shouwang.store import Document

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Session:
    access_token: str
    refresh_token: str
    member: Document


@dataclass(frozen=True)
class FamilyRevoked:
    """A refresh token was presented twice: its family is revoked and the member's access
    tokens end at ``token_version``; the caller is refused."""

    member_id: str
    token_version: int


def login(ports: Ports, *, phone: str, password: str, client_address: str) -> Session:
    now_ms = to_millis(ports.clock.now())
    limits = ports.login_limits
    window = now_ms // (limits.window_s * 1000)
    window_ends_ms = (window + 1) * limits.window_s * 1000
    phone_e164, _ = model.validate_mobile(phone)
    phone_index = ports.vault.blind_index(phone_e164 or phone.strip(), purpose="phone")
    # Keys hold the blind index, never the phone itself, and the client address.
    keys = [(f"phone:{phone_index}:{window}", limits.per_phone)]
    if client_address:
        keys.append((f"addr:{client_address}:{window}", limits.per_address))
    for key, limit in keys:
        if ports.login_failures.count(key) >= limit:
            raise RateLimited(
                detail="too many failed logins; try again later",
                retry_after_s=max(1, (window_ends_ms - now_ms + 999) // 1000),
            )
    member = ports.members.by_phone_index(phone_index) if phone_e164 else None
    if not _password_matches(member, password):
        for key, _ in keys:
            ports.login_failures.record(key, window_ends_ms=window_ends_ms)
        raise Unauthenticated(detail="wrong phone number or password")
    assert member is not None
    if member["status"] == SUSPENDED:
        raise Forbidden(detail="this account is suspended")
    ports.login_failures.clear(keys[0][0])
    family_id = new_id()
    ports.sessions.open_family(family_id=family_id, member_id=member["_id"], at_ms=now_ms)
    return _issue(ports, member, family_id=family_id)


def refresh(ports: Ports, *, refresh_token: str) -> Session | FamilyRevoked:
    invalid = Unauthenticated(detail="the refresh token is invalid, expired or revoked")
    token_hash = _hash(refresh_token)
    token = ports.sessions.token(token_hash)
    now_ms = to_millis(ports.clock.now())
    if token is None or token["expires_at"] <= now_ms:
        raise invalid
    family = ports.sessions.family(token["family_id"])
    if family is None or family["revoked"]:
        raise invalid
    if not ports.sessions.spend(token_hash, at_ms=now_ms):
        ports.sessions.revoke_family(token["family_id"])
        log.warning(
            "refresh token reused; family revoked",
            extra={"member_id": token["member_id"], "family_id": token["family_id"]},
        )
        # Whoever holds the stolen pair also holds a working access token: end it too.
        version = bump_token_version(ports, token["member_id"])
        return FamilyRevoked(member_id=token["member_id"], token_version=version)
    member = ports.members.get(token["member_id"])
    if member is None or member["status"] in (SUSPENDED, ERASED):
        ports.sessions.revoke_family(token["family_id"])
        raise invalid
    return _issue(ports, member, family_id=token["family_id"])


def open_session(ports: Ports, member_id: str) -> Session:
    """A new login's session for a member who proved themselves another way (a new password)."""
    member = ports.members.get(member_id)
    assert member is not None
    family_id = new_id()
    now_ms = to_millis(ports.clock.now())
    ports.sessions.open_family(family_id=family_id, member_id=member_id, at_ms=now_ms)
    return _issue(ports, member, family_id=family_id)


def check_password(member: Document, password: str) -> bool:
    return _password_matches(member, password)


def hash_password(password: str) -> str:
    return PASSWORDS.hash(password)


def logout(ports: Ports, actor: Actor, *, refresh_token: str) -> int:
    """Revoke the session the refresh token belongs to (the caller's own only) and end the
    caller's access tokens; returns their new token version. Other sessions refresh again."""
    token = ports.sessions.token(_hash(refresh_token))
    if token is not None and token["member_id"] == actor.member_id:
        ports.sessions.revoke_family(token["family_id"])
    return bump_token_version(ports, actor.member_id, actor=actor)


def end_other_sessions(ports: Ports, actor: Actor) -> int:
    """Revoke every refresh family of the member and end their access tokens (a new password,
    an erasure); returns the new token version."""
    ports.sessions.revoke_member(actor.member_id)
    return bump_token_version(ports, actor.member_id, actor=actor)


def _issue(ports: Ports, member: Document, *, family_id: str) -> Session:
    now = ports.clock.now()
    refresh_token = secrets.token_urlsafe(32)
    ports.sessions.add_token(
        token_hash=_hash(refresh_token),
        family_id=family_id,
        member_id=member["_id"],
        expires_at_ms=to_millis(now) + ports.refresh_ttl_s * 1000,
    )
    claims = Claims(
        member_id=member["_id"],
        roles=tuple(member["roles"]),
        org_id=member.get("org_id", ""),
        status=member["status"],
        token_version=member["token_version"],
    )
    return Session(ports.tokens.issue(claims, now=now), refresh_token, member)


def _password_matches(member: Document | None, password: str) -> bool:
    if len(password) > model.MAX_PASSWORD_CHARS:
        return False  # no stored password is this long; do not spend a hash on it
    if member is None:
        PASSWORDS.hash(password)  # the same cost whether or not the phone exists: no enumeration
        return False
    try:
        return PASSWORDS.verify(member["password_hash"], password)
    except (VerificationError, InvalidHashError):
        return False


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()
