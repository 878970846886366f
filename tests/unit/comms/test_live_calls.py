"""Live calls as use cases on the embedded store (services/comms/live_calls.py), with a manual
clock and fakes of identity and location: scope, one call per member, the events to the two
parties, the sweep, task endings and suspensions."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from google.protobuf.struct_pb2 import Struct

from services.comms import live_calls as cases
from services.comms.live_call import CallLimits, Status
from services.comms.live_call_repository import LiveCallRepository
from services.comms.live_calls import LiveCallPorts
from shouwang.clock import ManualClock
from shouwang.comms.v1.event_types import LIVE_CALLS_TOPIC
from shouwang.errors import Conflict, Forbidden, NotFound
from shouwang.events import Event
from shouwang.identity.v1 import events_pb2 as identity_events
from shouwang.identity.v1 import identity_pb2
from shouwang.location.v1 import location_pb2
from shouwang.outbox import Outbox
from shouwang.runtime import embedded_adapters
from shouwang.tasks.v1 import events_pb2 as task_events
from tests.unit.comms.conftest import OFFICER, START, member
from tests.unit.comms.fakes import RecordingBus

LIMITS = CallLimits(ring_ms=30_000, max_ms=300_000)


@dataclass
class People:
    """identity's GetMember and location's GetDutyState, from what a test placed."""

    stations: dict[str, str] = field(default_factory=dict)
    statuses: dict[str, str] = field(default_factory=dict)
    on_duty: set[str] = field(default_factory=set)

    def add(self, member_id: str, station_id: str = "st-1", *, on_duty: bool = True) -> str:
        self.stations[member_id] = station_id
        if on_duty:
            self.on_duty.add(member_id)
        return member_id

    def GetMember(self, request: identity_pb2.GetMemberRequest) -> identity_pb2.Member:  # noqa: N802
        if request.member_id not in self.stations:
            raise NotFound(detail="no such member")
        return identity_pb2.Member(
            member_id=request.member_id,
            station_id=self.stations[request.member_id],
            status=self.statuses.get(request.member_id, "verified"),
        )

    def GetDutyState(self, request: location_pb2.GetDutyStateRequest) -> location_pb2.DutyState:  # noqa: N802
        return location_pb2.DutyState(
            member_id=request.member_id, on_duty=request.member_id in self.on_duty
        )


@dataclass
class Calls:
    ports: LiveCallPorts
    bus: RecordingBus
    clock: ManualClock
    people: People

    def published(self, event_type: str) -> list[Event]:
        return [e for t, e in self.bus.published if t == LIVE_CALLS_TOPIC and e.type == event_type]


@pytest.fixture
def calls(tmp_path: Path) -> Iterator[Calls]:
    adapters = embedded_adapters(tmp_path)
    clock = ManualClock(START)
    bus = RecordingBus(adapters.bus)
    repository = LiveCallRepository(
        adapters.store,
        outbox=lambda c: Outbox(bus, c, clock),  # type: ignore[arg-type]
    )
    repository.ensure_indexes()
    people = People()
    ports = LiveCallPorts(
        calls=repository,
        bus=bus,  # type: ignore[arg-type]
        clock=clock,
        identity=people,  # type: ignore[arg-type]
        location=people,  # type: ignore[arg-type]
        limits=LIMITS,
    )
    yield Calls(ports, bus, clock, people)
    adapters.close()


def ring(calls: Calls, member_id: str = "m-1", *, task_id: str = "") -> cases.LiveCall:
    calls.people.add(member_id)
    return cases.start_call(calls.ports, OFFICER, member_id=member_id, task_id=task_id)


def test_a_call_rings_and_both_parties_and_nobody_else_are_told(calls: Calls) -> None:
    call = ring(calls)
    assert call.status is Status.RINGING and call.station_id == "st-1"
    [event] = calls.published("shouwang.live_call.ringing")
    assert event.subject == call.call_id
    assert sorted(event.data.recipient_ids) == sorted([OFFICER.member_id, "m-1"])


def test_an_officer_of_another_station_cannot_call(calls: Calls) -> None:
    calls.people.add("m-far", "st-2")
    with pytest.raises(Forbidden):
        cases.start_call(calls.ports, OFFICER, member_id="m-far", task_id="")


def test_a_member_cannot_call(calls: Calls) -> None:
    calls.people.add("m-2")
    with pytest.raises(Forbidden):
        cases.start_call(calls.ports, member("m-1"), member_id="m-2", task_id="")


def test_a_member_off_duty_is_called_only_about_a_task(calls: Calls) -> None:
    calls.people.add("m-off", on_duty=False)
    with pytest.raises(Conflict):
        cases.start_call(calls.ports, OFFICER, member_id="m-off", task_id="")
    call = cases.start_call(calls.ports, OFFICER, member_id="m-off", task_id="task-1")
    assert call.task_id == "task-1"


def test_a_suspended_member_cannot_be_called(calls: Calls) -> None:
    calls.people.add("m-s")
    calls.people.statuses["m-s"] = "suspended"
    with pytest.raises(Conflict):
        cases.start_call(calls.ports, OFFICER, member_id="m-s", task_id="")


def test_a_second_call_to_a_member_in_a_call_is_refused_until_the_first_ends(calls: Calls) -> None:
    first = ring(calls)
    with pytest.raises(Conflict):
        ring(calls)
    cases.end_call(calls.ports, OFFICER, first.call_id)
    assert ring(calls).status is Status.RINGING


def test_a_declined_call_frees_the_member_for_the_next(calls: Calls) -> None:
    first = ring(calls)
    declined = cases.decline_call(calls.ports, member("m-1"), first.call_id)
    assert declined.status is Status.DECLINED
    assert ring(calls).call_id != first.call_id


def test_a_signal_goes_to_the_other_party_only(calls: Calls) -> None:
    call = ring(calls)
    cases.accept_call(calls.ports, member("m-1"), call.call_id)
    payload = Struct()
    payload.update({"type": "offer", "sdp": "v=0\r\n"})
    to = cases.relay_signal(calls.ports, member("m-1"), call.call_id, kind="offer", payload=payload)
    assert to == OFFICER.member_id
    [signal] = calls.published("shouwang.live_call.signal")
    assert list(signal.data.recipient_ids) == [OFFICER.member_id]
    assert signal.data.payload["sdp"] == "v=0\r\n" and signal.data.from_member_id == "m-1"


def test_someone_else_acting_on_a_call_is_refused_and_an_unknown_call_is_not_found(
    calls: Calls,
) -> None:
    call = ring(calls)
    with pytest.raises(Forbidden):
        cases.accept_call(calls.ports, member("m-9"), call.call_id)
    with pytest.raises(NotFound):
        cases.accept_call(calls.ports, member("m-1"), "no-such-call")
    with pytest.raises(NotFound):
        cases.visible_call(calls.ports, member("m-9"), call.call_id)


def test_the_sweep_ends_unanswered_and_over_long_calls(calls: Calls) -> None:
    unanswered = ring(calls, "m-1")
    talking = ring(calls, "m-2")
    cases.accept_call(calls.ports, member("m-2"), talking.call_id)
    calls.clock.advance(29)
    assert cases.end_overdue_calls(calls.ports) == 0
    calls.clock.advance(1)
    assert cases.end_overdue_calls(calls.ports) == 1
    assert calls.ports.calls.get(unanswered.call_id).end_reason == "unanswered"  # type: ignore[union-attr]
    calls.clock.advance(270)
    assert cases.end_overdue_calls(calls.ports) == 1
    ended = calls.ports.calls.get(talking.call_id)
    assert ended is not None and ended.end_reason == "max_duration"
    assert ended.connected_ms == 300_000
    assert len(calls.published("shouwang.live_call.ended")) == 2


def test_the_end_of_its_task_ends_a_call_about_it_and_no_other(calls: Calls) -> None:
    about = ring(calls, "m-1", task_id="task-1")
    other = ring(calls, "m-2")
    cancelled = Event(
        type="shouwang.task.cancelled",
        source="/test",
        subject="task-1",
        time=START,
        data=task_events.TaskUpdated(task_id="task-1", status="cancelled"),
    )
    cases.on_task_event(calls.ports, cancelled)
    assert calls.ports.calls.get(about.call_id).end_reason == "task_ended"  # type: ignore[union-attr]
    assert calls.ports.calls.get(other.call_id).live  # type: ignore[union-attr]


@pytest.mark.parametrize("suspended", ["m-1", OFFICER.member_id])
def test_a_party_suspended_mid_call_is_cut_off(calls: Calls, suspended: str) -> None:
    call = ring(calls)
    cases.accept_call(calls.ports, member("m-1"), call.call_id)
    event = Event(
        type="shouwang.member.suspended",
        source="/test",
        subject=suspended,
        time=START,
        data=identity_events.MemberStatusChanged(member_id=suspended, status="suspended"),
    )
    cases.on_member_event(calls.ports, event)
    ended = calls.ports.calls.get(call.call_id)
    assert ended is not None and ended.end_reason == "suspended" and not ended.live
    [told] = calls.published("shouwang.live_call.ended")
    assert told.data.end_reason == "suspended"


def test_the_audit_lists_the_officers_scope_and_a_members_own_calls(calls: Calls) -> None:
    mine = ring(calls, "m-1")
    cases.end_call(calls.ports, member("m-1"), mine.call_id)
    ring(calls, "m-2")
    officer_page = cases.list_calls(calls.ports, OFFICER, member_id="", size=50, cursor="")
    assert len(officer_page.items) == 2
    own = cases.list_calls(calls.ports, member("m-1"), member_id="", size=50, cursor="")
    assert [c.call_id for c in own.items] == [mine.call_id]
    narrowed = cases.list_calls(calls.ports, OFFICER, member_id="m-2", size=50, cursor="")
    assert [c.member_id for c in narrowed.items] == ["m-2"]
