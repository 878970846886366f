"""Which payload each event type on ``shouwang.points.v1`` carries (CONTRACT.md); written by hand
beside the generated code, for any consumer of the topic."""

from __future__ import annotations

from google.protobuf.message import Message

from shouwang.points.v1 import events_pb2

POINTS_TOPIC = "shouwang.points.v1"

POINTS_EVENT_TYPES: dict[str, type[Message]] = {
    "shouwang.points.awarded": events_pb2.PointsAwarded,
    "shouwang.points.redeemed": events_pb2.PointsRedeemed,
}
