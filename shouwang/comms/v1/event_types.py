"""Which payload each event type on ``shouwang.bulletins.v1``, ``shouwang.quizzes.v1`` and
``shouwang.groups.v1`` carries (CONTRACT.md); written by hand beside the generated code, for any
consumer of those topics."""

from __future__ import annotations

from google.protobuf.message import Message

from shouwang.comms.v1 import comms_pb2, events_pb2

BULLETINS_TOPIC = "shouwang.bulletins.v1"
QUIZZES_TOPIC = "shouwang.quizzes.v1"
GROUPS_TOPIC = "shouwang.groups.v1"

BULLETIN_EVENT_TYPES: dict[str, type[Message]] = {
    "shouwang.bulletin.published": events_pb2.BulletinPublished,
    "shouwang.bulletin.expired": events_pb2.BulletinExpired,
}
QUIZ_EVENT_TYPES: dict[str, type[Message]] = {
    "shouwang.quiz.answered": events_pb2.QuizAnswered,
}
GROUP_EVENT_TYPES: dict[str, type[Message]] = {
    "shouwang.group.created": events_pb2.GroupCreated,
    "shouwang.group.message": events_pb2.GroupMessageSent,
    "shouwang.group.drawing": events_pb2.GroupDrawing,
}

# Internal, comms to the gateways only (docs/live-calls.md): a live call's changes and its WebRTC
# signals, pushed to the call's two parties and nobody else. Not in the public event catalog: the
# signals carry network addresses, and the call's audit is read through the API.
LIVE_CALLS_TOPIC = "shouwang.live_calls.internal.v1"
LIVE_CALL_SIGNAL = "shouwang.live_call.signal"
LIVE_CALL_EVENT_TYPES: dict[str, type[Message]] = {
    **{
        f"shouwang.live_call.{change}": comms_pb2.LiveCallChanged
        for change in ("ringing", "accepted", "declined", "ended")
    },
    LIVE_CALL_SIGNAL: comms_pb2.LiveCallSignal,
}
