"""The lowest token version still accepted per member, so suspension, role changes, logout, a
reused refresh token, a new password and erasure take effect at once even though tokens are
checked without a network hop.

Every gateway replica follows ``shouwang.identity.v1`` itself (its own consumer group) and raises
a member's minimum when identity bumps their version; a replica that made the change learns it
from identity's reply before the event arrives. Access tokens live 15 minutes, so an entry older
than that can be forgotten.
"""

from __future__ import annotations

import threading
from datetime import datetime, timedelta

from shouwang.clock import to_timestamp
from shouwang.errors import Unavailable
from shouwang.events import Event
from shouwang.identity.v1 import events_pb2, identity_pb2, identity_pb2_grpc

IDENTITY_TOPIC = "shouwang.identity.v1"
VERSION_EVENTS = {
    f"shouwang.member.{change}": events_pb2.MemberStatusChanged
    for change in (
        "verified",
        "rejected",
        "suspended",
        "roles_changed",
        "team_changed",
        "sessions_revoked",
        "erased",
    )
}


class TokenVersions:
    def __init__(self) -> None:
        self._minimum: dict[str, int] = {}
        self._lock = threading.Lock()
        self._loaded = threading.Event()

    @property
    def loaded(self) -> bool:
        return self._loaded.is_set()

    def load(
        self,
        identity: identity_pb2_grpc.IdentityServiceStub,
        *,
        now: datetime,
        token_ttl_s: int = 900,
    ) -> None:
        """Learn the bumps of the last token lifetime before serving: a token older than that
        has expired anyway, and later bumps arrive as events."""
        since = to_timestamp(now - timedelta(seconds=token_ttl_s + 60))
        reply = identity.ListTokenVersions(
            identity_pb2.ListTokenVersionsRequest(changed_since=since)
        )
        for entry in reply.versions:
            self.raise_to(entry.member_id, entry.token_version)
        self._loaded.set()

    def ensure_loaded(
        self, identity: identity_pb2_grpc.IdentityServiceStub, *, now: datetime
    ) -> None:
        """A readiness check: load once identity answers."""
        if not self.loaded:
            self.load(identity, now=now)

    def raise_to(self, member_id: str, version: int) -> None:
        with self._lock:
            if version > self._minimum.get(member_id, 0):
                self._minimum[member_id] = version

    def accepts(self, member_id: str, version: int) -> bool:
        if not self.loaded:
            raise Unavailable(
                detail="the gateway is starting; try again in a moment", retry_after_s=1
            )
        with self._lock:
            return version >= self._minimum.get(member_id, 0)

    def on_member_changed(self, event: Event) -> None:
        change: events_pb2.MemberStatusChanged = event.data  # type: ignore[assignment]
        self.raise_to(change.member_id, change.token_version)
