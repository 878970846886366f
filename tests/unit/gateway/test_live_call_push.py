"""The push hub and live calls: a call's changes and signals reach its two parties' streams and
no one else's — not the officers of the member's station, not an administrator — live or on
resume."""

from __future__ import annotations

import json

from services.gateway.stream import StreamHub, Viewer, frames_of
from shouwang.clock import ManualClock, to_timestamp
from shouwang.comms.v1 import comms_pb2
from shouwang.events import Event

clock = ManualClock()
OFFICER = Viewer("officer-1", officer=True, station_ids=frozenset({"station-a"}))
MEMBER = Viewer("member-1")
COLLEAGUE = Viewer("officer-2", officer=True, station_ids=frozenset({"station-a"}))
ADMIN = Viewer("admin", officer=True, city_wide=True)
EVERYONE = (OFFICER, MEMBER, COLLEAGUE, ADMIN)


def signal(to: str, event_id: str) -> Event:
    data = comms_pb2.LiveCallSignal(
        call_id="call-1", from_member_id="member-1", kind="offer", recipient_ids=[to]
    )
    data.payload.update({"type": "offer", "sdp": "v=0\r\n"})
    data.at.CopyFrom(to_timestamp(clock.now()))
    return Event(
        type="shouwang.live_call.signal",
        source="/test",
        subject="call-1",
        data=data,
        time=clock.now(),
        id=event_id,
    )


def ringing(event_id: str) -> Event:
    data = comms_pb2.LiveCallChanged(
        call_id="call-1",
        status="ringing",
        officer_id="officer-1",
        member_id="member-1",
        station_id="station-a",
        recipient_ids=["officer-1", "member-1"],
    )
    return Event(
        type="shouwang.live_call.ringing",
        source="/test",
        subject="call-1",
        data=data,
        time=clock.now(),
        id=event_id,
    )


def receivers(hub: StreamHub, streams: dict[Viewer, object]) -> set[str]:
    return {v.member_id for v, s in streams.items() if frames_of(s.take(0) or [])}  # type: ignore[attr-defined]


def test_a_calls_change_reaches_its_two_parties_and_not_their_station_or_an_admin() -> None:
    hub = StreamHub(clock=clock)
    streams = {v: hub.open(v).subscription for v in EVERYONE}
    hub.on_event(ringing("ev-1"))
    assert receivers(hub, streams) == {"officer-1", "member-1"}


def test_a_signal_reaches_the_other_party_only_with_its_payload_and_not_who_else_got_it() -> None:
    hub = StreamHub(clock=clock)
    streams = {v: hub.open(v).subscription for v in EVERYONE}
    hub.on_event(signal("officer-1", "ev-2"))
    [(_, event_type, data)] = frames_of(streams[OFFICER].take(0) or [])
    assert event_type == "shouwang.live_call.signal"
    assert json.loads(data)["payload"] == {"type": "offer", "sdp": "v=0\r\n"}
    assert "recipient_ids" not in json.loads(data)
    assert receivers(hub, streams) == set()  # the rest got nothing


def test_resume_replays_a_signal_to_its_party_only() -> None:
    hub = StreamHub(clock=clock)
    hub.on_event(ringing("ev-1"))
    hub.on_event(signal("officer-1", "ev-2"))
    replayed = {
        v.member_id: [f[0] for f in frames_of(hub.open(v, last_event_id="ev-1").first_frames)]
        for v in EVERYONE
    }
    assert replayed == {"officer-1": ["ev-2"], "member-1": [], "officer-2": [], "admin": []}
