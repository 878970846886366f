"""Which payload each event type on ``shouwang.presence.v1`` and ``shouwang.location.v1`` carries
(CONTRACT.md); written by hand beside the generated code, for any consumer of those topics."""

from __future__ import annotations

from google.protobuf.message import Message

from shouwang.location.v1 import events_pb2

PRESENCE_TOPIC = "shouwang.presence.v1"
LOCATION_TOPIC = "shouwang.location.v1"

PRESENCE_EVENT_TYPES: dict[str, type[Message]] = {
    "shouwang.member.duty_started": events_pb2.DutyStarted,
    "shouwang.member.duty_ended": events_pb2.DutyEnded,
    "shouwang.member.came_online": events_pb2.PresenceChanged,
    "shouwang.member.went_offline": events_pb2.PresenceChanged,
}
LOCATION_EVENT_TYPES: dict[str, type[Message]] = {
    "shouwang.location.updated": events_pb2.LocationUpdated,
    "shouwang.geofence.entered": events_pb2.GeofenceCrossed,
    "shouwang.geofence.exited": events_pb2.GeofenceCrossed,
}
