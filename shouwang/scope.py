"""The caller of a domain service as the gateway resolved them: who, with which roles, the
stations an officer acts for and their own station. Every service's gRPC ``Caller`` message
carries these fields (the gateway fills them in ``services/gateway/scope.py``)."""

from __future__ import annotations

from dataclasses import dataclass

from google.protobuf.message import Message

from shouwang.identity.v1 import identity_pb2

OFFICER_ROLES = frozenset({"officer", "admin"})


@dataclass(frozen=True)
class Caller:
    member_id: str
    roles: frozenset[str]
    scope_org_ids: frozenset[str]
    city_wide: bool
    station_id: str
    org_id: str = ""

    @property
    def is_officer(self) -> bool:
        return bool(self.roles & OFFICER_ROLES)

    def covers(self, station_id: str) -> bool:
        """Whether an officer acts for ``station_id`` (administrators act city-wide)."""
        return self.is_officer and (self.city_wide or station_id in self.scope_org_ids)

    @property
    def actor(self) -> identity_pb2.Actor:
        """The caller as identity knows an actor, for asking it on their behalf."""
        return identity_pb2.Actor(
            member_id=self.member_id, roles=sorted(self.roles), org_id=self.org_id
        )

    @classmethod
    def from_message(cls, message: Message) -> Caller:
        """From a service's ``Caller`` message (``org_id`` where the message has one)."""
        return cls(
            member_id=message.member_id,  # type: ignore[attr-defined]
            roles=frozenset(message.roles),  # type: ignore[attr-defined]
            scope_org_ids=frozenset(message.scope_org_ids),  # type: ignore[attr-defined]
            city_wide=message.city_wide,  # type: ignore[attr-defined]
            station_id=message.station_id,  # type: ignore[attr-defined]
            org_id=getattr(message, "org_id", ""),
        )
