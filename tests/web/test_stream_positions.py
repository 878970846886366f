"""Officers' streams carry members' coarse positions for the console's live map: scoped by the
member's team like task events by station, throttled per member, never buffered for resume."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest

from services.gateway.stream import POSITION_EVENT, StreamHub, Subscription, Viewer, frames_of
from shouwang.clock import ManualClock, to_timestamp
from shouwang.events import Event
from shouwang.location.v1 import events_pb2

clock = ManualClock()
MEMBER = Viewer("m1")
# An officer's scope lists their station and its teams (identity's ResolveScope).
OFFICER_A = Viewer("o1", officer=True, station_ids=frozenset({"station-a", "team-a1"}))
OFFICER_B = Viewer("o2", officer=True, station_ids=frozenset({"station-b", "team-b1"}))
ADMIN = Viewer("admin", officer=True, city_wide=True)


def position(member_id: str = "m1", *, team: str = "team-a1", age_s: float = 0) -> Event:
    at = clock.now() - timedelta(seconds=age_s)
    data = events_pb2.LocationUpdated(
        member_id=member_id, lat=27.781, lon=120.652, grid_id="g1", team_id=team,
        at=to_timestamp(at),
    )  # fmt: skip
    return Event(type=POSITION_EVENT, source="/test", subject=member_id, data=data, time=at)


def received(subscription: Subscription) -> list[tuple[str, str, str]]:
    return frames_of(subscription.take(0) or [])


@pytest.fixture
def hub() -> StreamHub:
    return StreamHub(clock=clock, max_streams=10, position_every_s=5.0)


def test_a_position_reaches_the_officers_whose_scope_holds_the_members_team(
    hub: StreamHub,
) -> None:
    streams = {v: hub.open(v).subscription for v in (MEMBER, OFFICER_A, OFFICER_B, ADMIN)}

    hub.on_position(position("m1"))

    assert {v.member_id for v, s in streams.items() if received(s)} == {"o1", "admin"}


def test_the_position_frame_has_no_id_and_carries_the_coarse_position(hub: StreamHub) -> None:
    stream = hub.open(OFFICER_A).subscription

    hub.on_position(position("m1"))

    [(event_id, event_type, data)] = received(stream)
    assert (event_id, event_type) == ("", POSITION_EVENT)
    assert json.loads(data) | {"at": None} == {
        "member_id": "m1", "lat": 27.781, "lon": 120.652, "grid_id": "g1", "team_id": "team-a1",
        "at": None,
    }  # fmt: skip


def test_positions_are_throttled_per_member(hub: StreamHub) -> None:
    stream = hub.open(ADMIN).subscription

    for _ in range(3):
        hub.on_position(position("m1"))
    hub.on_position(position("m2"))

    assert [json.loads(d)["member_id"] for _, _, d in received(stream)] == ["m1", "m2"]


def test_a_position_after_the_throttle_interval_is_pushed_again() -> None:
    hub = StreamHub(clock=clock, position_every_s=0.0)
    stream = hub.open(ADMIN).subscription

    hub.on_position(position("m1"))
    hub.on_position(position("m1"))

    assert len(received(stream)) == 2


def test_a_member_of_no_team_is_seen_by_admins_only(hub: StreamHub) -> None:
    officer, admin = hub.open(OFFICER_A).subscription, hub.open(ADMIN).subscription

    hub.on_position(position("m1", team=""))

    assert (len(received(officer)), len(received(admin))) == (0, 1)


def test_old_positions_are_not_pushed(hub: StreamHub) -> None:
    stream = hub.open(ADMIN).subscription

    hub.on_position(position("m1", age_s=600))

    assert received(stream) == []


def test_positions_are_not_replayed_on_resume(hub: StreamHub) -> None:
    first = hub.open(ADMIN)
    hub.on_position(position("m1"))
    assert received(first.subscription)

    resumed = hub.open(ADMIN, last_event_id="anything")

    assert all(f[1] != POSITION_EVENT for f in frames_of(resumed.first_frames))
