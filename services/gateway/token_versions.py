"""The lowest token version still accepted per member, so suspension and role changes take
effect at once even though tokens are checked without a network hop.

Every gateway replica follows ``shouwang.identity.v1`` itself (its own consumer group) and raises
a member's minimum when identity bumps their version; a replica that made the change learns it
from identity's reply before the event arrives. Access tokens live 15 minutes, so an entry older
than that can be forgotten.
"""

from __future__ import annotations

import threading

from shouwang.events import Event
from shouwang.identity.v1 import events_pb2

IDENTITY_TOPIC = "shouwang.identity.v1"
VERSION_EVENTS = {
    f"shouwang.member.{change}": events_pb2.MemberStatusChanged
    for change in ("verified", "rejected", "suspended", "roles_changed")
}


class TokenVersions:
    def __init__(self) -> None:
        self._minimum: dict[str, int] = {}
        self._lock = threading.Lock()

    def raise_to(self, member_id: str, version: int) -> None:
        with self._lock:
            if version > self._minimum.get(member_id, 0):
                self._minimum[member_id] = version

    def accepts(self, member_id: str, version: int) -> bool:
        with self._lock:
            return version >= self._minimum.get(member_id, 0)

    def on_member_changed(self, event: Event) -> None:
        change: events_pb2.MemberStatusChanged = event.data  # type: ignore[assignment]
        self.raise_to(change.member_id, change.token_version)
