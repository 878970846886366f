"""The push hub: who receives which event, bounded queues, and Last-Event-ID resume."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from services.gateway.auth import Caller
from services.gateway.stream import (
    HEARTBEAT,
    MAX_OPEN_TICKETS,
    TICKET_SECONDS,
    EventStream,
    StreamGrant,
    StreamHub,
    StreamsFull,
    StreamTickets,
    Subscription,
    Viewer,
    frames_of,
)
from shouwang.clock import ManualClock, to_timestamp
from shouwang.errors import RateLimited
from shouwang.events import Event
from shouwang.store.embedded import SqliteDocumentStore
from shouwang.tasks.v1 import events_pb2

clock = ManualClock()
MEMBER, OTHER = Viewer("m1"), Viewer("m2")
OFFICER_A = Viewer("o1", officer=True, station_ids=frozenset({"station-a"}))
OFFICER_B = Viewer("o2", officer=True, station_ids=frozenset({"station-b"}))
ADMIN = Viewer("admin", officer=True, city_wide=True)


def offered(*member_ids: str, station: str = "station-a", event_id: str = "") -> Event:
    data = events_pb2.TaskOffered(
        task_id="t1",
        station_id=station,
        title="可疑人员",
        offers=[events_pb2.Offer(member_id=m, distance_m=10.0, wave=1) for m in member_ids],
    )
    return event("shouwang.task.offered", data, event_id)


def event(event_type: str, data: object, event_id: str = "", *, age_s: float = 0) -> Event:
    extra = {"id": event_id} if event_id else {}
    return Event(
        type=event_type,
        source="/test",
        subject="t1",
        data=data,  # type: ignore[arg-type]
        time=clock.now() - timedelta(seconds=age_s),
        **extra,
    )


def types_in(subscription: Subscription) -> list[str]:
    return [frame[1] for frame in frames_of(subscription.take(0) or [])]


@pytest.fixture
def hub() -> StreamHub:
    return StreamHub(clock=clock, max_streams=10, queue_frames=3, buffer_events=5)


def test_an_offer_reaches_the_offered_member_and_the_officers_of_its_station(
    hub: StreamHub,
) -> None:
    streams = {v: hub.open(v).subscription for v in (MEMBER, OTHER, OFFICER_A, OFFICER_B, ADMIN)}

    hub.on_event(offered("m1"))

    received = {v.member_id for v, s in streams.items() if types_in(s)}
    assert received == {"m1", "o1", "admin"}


def test_task_updates_reach_participants_and_the_member_concerned(hub: StreamHub) -> None:
    member, other = hub.open(MEMBER).subscription, hub.open(OTHER).subscription
    update = events_pb2.TaskUpdated(task_id="t1", status="claimed", participant_ids=["m1"])

    hub.on_event(event("shouwang.task.claimed", update))

    assert types_in(member) == ["shouwang.task.claimed"]
    assert types_in(other) == []


def test_a_closed_task_reaches_its_claimants(hub: StreamHub) -> None:
    member = hub.open(MEMBER).subscription
    closed = events_pb2.TaskClosed(task_id="t1", claimants=[events_pb2.Claimant(member_id="m1")])

    hub.on_event(event("shouwang.task.closed", closed))

    assert types_in(member) == ["shouwang.task.closed"]


def test_an_approved_report_reaches_the_officers_of_the_station_it_was_submitted_in(
    hub: StreamHub,
) -> None:
    officer_a, officer_b = hub.open(OFFICER_A).subscription, hub.open(OFFICER_B).subscription
    author = hub.open(MEMBER).subscription
    submitted = events_pb2.ReportUpdated(report_id="r1", member_id="m1", station_id="station-a")
    hub.on_event(event("shouwang.report.submitted", submitted))

    hub.on_event(
        event("shouwang.report.approved", events_pb2.ReportApproved(report_id="r1", member_id="m1"))
    )

    assert types_in(officer_a) == ["shouwang.report.submitted", "shouwang.report.approved"]
    assert types_in(officer_b) == []
    assert types_in(author) == ["shouwang.report.submitted", "shouwang.report.approved"]


def test_the_frame_carries_the_cloud_event_type_id_and_payload_with_proto_field_names(
    hub: StreamHub,
) -> None:
    member = hub.open(MEMBER).subscription
    hub.on_event(offered("m1", event_id="ev-1"))

    [(event_id, event_type, data)] = frames_of(member.take(0) or [])

    assert (event_id, event_type) == ("ev-1", "shouwang.task.offered")
    payload = json.loads(data)
    assert payload["task_id"] == "t1" and payload["station_id"] == "station-a"
    assert payload["offers"][0]["member_id"] == "m1"
    assert payload["title"] == "可疑人员"


def test_times_in_a_frame_carry_milliseconds_even_on_a_whole_second_so_they_sort_as_strings(
    hub: StreamHub,
) -> None:
    officer = hub.open(OFFICER_A).subscription
    whole_second = datetime(2026, 12, 1, 15, 2, 43, tzinfo=UTC)
    for moment in (whole_second + timedelta(milliseconds=13), whole_second):
        closed = events_pb2.TaskClosed(
            task_id="t1",
            station_id="station-a",
            claimants=[events_pb2.Claimant(member_id="m1", arrived=True)],
            closed_at=to_timestamp(moment),
        )
        hub.on_event(event("shouwang.task.closed", closed))

    payloads = [json.loads(data) for _, _, data in frames_of(officer.take(0) or [])]

    times = [p["closed_at"] for p in payloads]
    assert times == ["2026-12-01T15:02:43.013Z", "2026-12-01T15:02:43.000Z"]
    assert times == sorted(times, reverse=True)
    assert payloads[0]["claimants"] == [{"member_id": "m1", "arrived": True}]


def test_a_redelivered_event_is_pushed_once(hub: StreamHub) -> None:
    member = hub.open(MEMBER).subscription

    hub.on_event(offered("m1", event_id="ev-1"))
    hub.on_event(offered("m1", event_id="ev-1"))

    assert len(types_in(member)) == 1


def test_history_older_than_the_resume_window_is_not_pushed(hub: StreamHub) -> None:
    member = hub.open(MEMBER).subscription
    old = events_pb2.TaskUpdated(task_id="t1", participant_ids=["m1"], at=to_timestamp(clock.now()))

    hub.on_event(event("shouwang.task.claimed", old, age_s=3600))

    assert types_in(member) == []


def test_a_stream_whose_queue_overflows_is_closed_and_others_still_receive(
    hub: StreamHub,
) -> None:
    slow, fast = hub.open(MEMBER).subscription, hub.open(ADMIN).subscription

    for n in range(4):  # the queue holds 3
        hub.on_event(offered("m1", event_id=f"ev-{n}"))
        assert fast.take(0)

    assert slow.take(0) is None
    assert slow.closed_because == "overflow"
    assert hub.stream_count == 1


def test_resume_replays_the_events_after_the_last_id_that_the_viewer_may_see(
    hub: StreamHub,
) -> None:
    hub.on_event(offered("m1", event_id="ev-1"))
    hub.on_event(offered("m2", event_id="ev-2"))
    hub.on_event(offered("m1", event_id="ev-3"))

    opened = hub.open(MEMBER, last_event_id="ev-1")

    assert [f[0] for f in frames_of(opened.first_frames)] == ["ev-3"]
    assert not opened.reset


def test_resume_from_an_evicted_id_resets_the_stream(hub: StreamHub) -> None:
    for n in range(7):  # the buffer keeps 5
        hub.on_event(offered("m1", event_id=f"ev-{n}"))

    opened = hub.open(MEMBER, last_event_id="ev-0")

    assert opened.reset
    [(event_id, event_type, _)] = frames_of(opened.first_frames)
    assert (event_id, event_type) == ("ev-6", "stream.reset")


def test_events_older_than_the_buffer_time_window_are_forgotten() -> None:
    hub = StreamHub(clock=clock, buffer_seconds=0.0)
    hub.on_event(offered("m1", event_id="ev-1"))
    hub.on_event(offered("m1", event_id="ev-2"))

    assert hub.open(MEMBER, last_event_id="ev-1").reset


def test_a_replica_holds_at_most_max_streams(hub: StreamHub) -> None:
    for number in range(10):
        hub.open(Viewer(f"m{number}"))

    with pytest.raises(StreamsFull):
        hub.open(Viewer("one more"))


def test_a_members_fourth_stream_closes_their_oldest(hub: StreamHub) -> None:
    first, *others = [hub.open(MEMBER).subscription for _ in range(3)]
    kept = hub.open(OTHER).subscription

    newest = hub.open(MEMBER).subscription

    assert first.closed_because == "replaced"
    assert first.take(0) is None
    assert all(s.closed_because is None for s in [*others, newest, kept])
    assert hub.stream_count == 4
    hub.on_event(offered(MEMBER.member_id))
    assert [len(s.take(0) or []) for s in [*others, newest]] == [1, 1, 1]


def test_one_member_cannot_fill_a_replica(hub: StreamHub) -> None:
    for _ in range(50):
        hub.open(MEMBER)

    assert hub.stream_count == hub.max_streams_per_member
    hub.open(OTHER)


def test_the_event_stream_sends_a_heartbeat_when_idle_and_unregisters_on_close() -> None:
    hub = StreamHub(clock=clock, heartbeat_s=0.01)
    stream = EventStream(hub, hub.open(MEMBER), still_allowed=lambda: True)

    assert next(stream).startswith(b"retry:")
    assert next(stream) == HEARTBEAT
    stream.close()

    assert hub.stream_count == 0


def test_the_event_stream_ends_when_the_token_is_no_longer_allowed() -> None:
    hub = StreamHub(clock=clock, heartbeat_s=0.01)
    stream = EventStream(hub, hub.open(MEMBER), still_allowed=lambda: False)
    next(stream)

    with pytest.raises(StopIteration):
        next(stream)


def test_closing_the_hub_ends_every_stream(hub: StreamHub) -> None:
    subscription = hub.open(MEMBER).subscription

    hub.close()

    assert subscription.take(1) is None
    with pytest.raises(StreamsFull):
        hub.open(MEMBER)


# Stream tickets --------------------------------------------------------------------------------

CALLER = Caller("m1", frozenset({"member"}), "", "verified", token_version=3)


@pytest.fixture
def tickets(tmp_path: Path) -> Iterator[StreamTickets]:
    store = SqliteDocumentStore(tmp_path / "gateway.db")
    issued = StreamTickets(store.collection("gateway_stream_tickets"), ManualClock())
    issued.ensure_indexes()
    yield issued
    store.close()


def test_a_ticket_opens_a_stream_once_with_the_callers_grant(tickets: StreamTickets) -> None:
    ticket = tickets.issue(StreamGrant(CALLER, expires_at=1234.0))

    assert tickets.redeem(ticket) == StreamGrant(CALLER, expires_at=1234.0)
    assert tickets.redeem(ticket) is None


def test_a_ticket_expires_after_thirty_seconds(tickets: StreamTickets) -> None:
    ticket = tickets.issue(StreamGrant(CALLER, expires_at=1234.0))
    tickets.clock.advance(TICKET_SECONDS + 1)  # type: ignore[attr-defined]

    assert tickets.redeem(ticket) is None


def test_a_made_up_ticket_opens_nothing(tickets: StreamTickets) -> None:
    tickets.issue(StreamGrant(CALLER, expires_at=1234.0))

    assert tickets.redeem("made-up") is None


def test_the_store_holds_no_usable_ticket(tickets: StreamTickets) -> None:
    ticket = tickets.issue(StreamGrant(CALLER, expires_at=1234.0))

    assert tickets.collection.get(ticket) is None
    assert tickets.collection.count() == 1


def test_a_member_holds_a_bounded_number_of_unused_tickets(tickets: StreamTickets) -> None:
    for _ in range(MAX_OPEN_TICKETS):
        tickets.issue(StreamGrant(CALLER, expires_at=1234.0))

    with pytest.raises(RateLimited):
        tickets.issue(StreamGrant(CALLER, expires_at=1234.0))
    tickets.clock.advance(TICKET_SECONDS + 1)  # type: ignore[attr-defined]
    assert tickets.issue(StreamGrant(CALLER, expires_at=1234.0))
