"""Which payload each event type on ``shouwang.identity.v1`` carries (CONTRACT.md); written by
hand beside the generated code, for any consumer of the topic."""

from __future__ import annotations

from google.protobuf.message import Message

from shouwang.identity.v1 import events_pb2

IDENTITY_TOPIC = "shouwang.identity.v1"

IDENTITY_EVENT_TYPES: dict[str, type[Message]] = {
    "shouwang.member.registered": events_pb2.MemberRegistered,
    **{
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
    },
}
