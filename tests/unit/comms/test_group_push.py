"""The gateway's group pusher: a message's event carries no content, so the pusher reads it from
comms and hands the hub the content; events older than a stream could resume to are not fetched,
and a message comms cannot give is not pushed (nor does the consumer fail)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import timedelta

import grpc

from services.gateway.routes.comms import PUSH_MAX_AGE_S, group_pusher
from shouwang.clock import ManualClock
from shouwang.comms.v1 import comms_pb2, events_pb2
from shouwang.events import Event
from tests.unit.comms.conftest import START


class Missing(grpc.RpcError):
    pass


@dataclass
class FakeComms:
    messages: dict[str, comms_pb2.GroupMessage] = field(default_factory=dict)
    calls: int = 0

    def GetMessage(self, request: comms_pb2.GetMessageRequest) -> comms_pb2.GroupMessage:  # noqa: N802
        self.calls += 1
        if request.message_id not in self.messages:
            raise Missing()
        return self.messages[request.message_id]


@dataclass
class FakeClients:
    comms: FakeComms


def sent(message_id: str, *, at=START) -> Event:  # type: ignore[no-untyped-def]
    return Event(
        type="shouwang.group.message",
        source="/shouwang/comms",
        subject="g1",
        time=at,
        id=f"group-message:{message_id}",
        data=events_pb2.GroupMessageSent(
            group_id="g1", message_id=message_id, recipient_ids=["a"], has_text=True
        ),
    )


def test_the_pusher_hands_the_hub_the_content_and_skips_what_it_cannot_push():
    clock = ManualClock(START)
    comms = FakeComms(
        {"m1": comms_pb2.GroupMessage(message_id="m1", text="到了", recipient_ids=["a"])}
    )
    pushed: list[Event] = []
    skipped: list[Event] = []
    push = group_pusher(FakeClients(comms), clock, pushed.append, skipped.append)  # type: ignore[arg-type]

    push(sent("m1"))
    assert [(e.id, e.data.text) for e in pushed] == [("group-message:m1", "到了")]  # type: ignore[attr-defined]
    push(sent("gone"))  # comms has no such message: nothing pushed, no exception
    clock.advance(PUSH_MAX_AGE_S + 1)
    push(sent("m1"))  # too old for any stream: not even fetched
    assert len(pushed) == 1 and comms.calls == 2
    # What was not pushed is told to the hub, so that a resumed stream knows it missed it.
    assert [e.id for e in skipped] == ["group-message:gone", "group-message:m1"]

    drawing = Event(
        type="shouwang.group.drawing",
        source="/shouwang/comms",
        subject="g1",
        time=clock.now() - timedelta(seconds=1),
        data=events_pb2.GroupDrawing(group_id="g1", drawing_id="d1", change="added"),
    )
    push(drawing)
    assert pushed[-1] is drawing and comms.calls == 2
