"""Duty over time: sessions kept once per finished period (from duty_ended, however often it is
delivered), and per bucket the members on duty and patrol hours less the gaps in fixes."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from services.location import duty_history, handlers
from services.location.duty_history import Session
from shouwang.clock import ManualClock, to_millis
from shouwang.errors import InvalidArgument
from shouwang.location.v1 import location_pb2 as pb
from tests.support.api import wait_for
from tests.unit.location.test_location_service import START, Running

HOUR_MS = 3600 * 1000
T0 = to_millis(START)


@pytest.fixture
def clock() -> ManualClock:
    return ManualClock(START)


@pytest.fixture
def running(tmp_path: Path, clock: ManualClock) -> Iterator[Running]:
    service = Running(tmp_path, clock)
    yield service
    service.stop()


def test_a_session_counts_in_every_bucket_it_overlaps_for_the_time_it_spent_there() -> None:
    found = duty_history.per_bucket(
        [Session("a", T0 + HOUR_MS // 2, T0 + 2 * HOUR_MS + HOUR_MS // 4)],
        from_ms=T0,
        to_ms=T0 + 4 * HOUR_MS,
        bucket_ms=HOUR_MS,
    )
    assert [(b.members_on_duty, b.patrol_hours) for b in found] == [
        (1, 0.5),
        (1, 1.0),
        (1, 0.25),
        (0, 0.0),
    ]


def test_a_member_counts_once_per_bucket_and_gaps_in_fixes_are_not_patrol_time() -> None:
    sessions = [
        Session("a", T0, T0 + HOUR_MS // 4),
        Session("a", T0 + HOUR_MS // 2, T0 + HOUR_MS),
        Session("b", T0, T0 + HOUR_MS, fix_gaps=6),  # 30 of its 60 minutes without a fix
    ]
    (bucket,) = duty_history.per_bucket(sessions, from_ms=T0, to_ms=T0 + HOUR_MS, bucket_ms=HOUR_MS)
    assert bucket.members_on_duty == 2
    assert bucket.patrol_hours == pytest.approx(0.25 + 0.5 + 0.5)


def test_sessions_outside_the_range_or_partly_in_it_count_only_their_inside() -> None:
    found = duty_history.per_bucket(
        [Session("a", T0 - HOUR_MS, T0 + HOUR_MS // 2), Session("b", T0 - 2 * HOUR_MS, T0)],
        from_ms=T0,
        to_ms=T0 + HOUR_MS,
        bucket_ms=HOUR_MS,
    )
    assert [(b.members_on_duty, b.patrol_hours) for b in found] == [(1, 0.5)]


def test_a_finished_period_is_kept_once_and_a_running_one_counts_up_to_now(
    running: Running,
    clock: ManualClock,
) -> None:
    ports = running.ports
    for member in ("m1", "m2"):
        handlers.start_duty(ports, pb.DutyRequest(member_id=member, team_id="t1", station_id="s1"))
    clock.advance(90 * 60)
    handlers.end_duty(ports, "m1")
    wait_for(
        lambda: ports.sessions.overlapping(station_ids=None, from_ms=T0, to_ms=T0 + HOUR_MS),
        what="m1's session kept",
    )
    clock.advance(30 * 60)
    window = {"from_ms": T0, "to_ms": T0 + 3 * HOUR_MS, "bucket_ms": HOUR_MS}
    found = duty_history.activity(ports, station_ids=["s1"], **window)
    # Both on duty the first hour; m1 until 01:30, m2 still on at 02:00 (now).
    assert [b.members_on_duty for b in found] == [2, 2, 0]
    # m1 sent no fix at all: none of its time is patrol time; m2's running period counts whole.
    assert [b.patrol_hours for b in found] == [pytest.approx(1.0), pytest.approx(1.0), 0.0]
    assert duty_history.activity(ports, station_ids=["s2"], **window)[0].members_on_duty == 0
    # A redelivered duty_ended keeps no second session. (The recorder is a consumer of its own:
    # it may see the event after the session's consumer did.)
    wait_for(lambda: running.recorder.of("shouwang.member.duty_ended"), what="duty_ended recorded")
    (ended,) = running.recorder.of("shouwang.member.duty_ended")
    duty_history.record_session(ports, ended)
    assert len(ports.sessions.overlapping(station_ids=["s1"], from_ms=T0, to_ms=T0 + HOUR_MS)) == 1


def test_ranges_and_buckets_are_bounded(running: Running) -> None:
    with pytest.raises(InvalidArgument):
        duty_history.activity(
            running.ports, station_ids=[], from_ms=T0, to_ms=T0 + 900 * HOUR_MS, bucket_ms=HOUR_MS
        )


def test_sessions_are_forgotten_after_the_retention_period(
    running: Running, clock: ManualClock
) -> None:
    ports = running.ports
    handlers.start_duty(ports, pb.DutyRequest(member_id="m1", team_id="t1", station_id="s1"))
    clock.advance(3600)
    handlers.end_duty(ports, "m1")
    everything = {"station_ids": None, "from_ms": 0, "to_ms": T0 + 400 * 24 * HOUR_MS}
    wait_for(lambda: ports.sessions.overlapping(**everything), what="m1's session kept")
    clock.advance(399 * 24 * 3600)
    assert duty_history.purge_sessions(ports) == 0
    clock.advance(2 * 24 * 3600)
    assert duty_history.purge_sessions(ports) == 1
    assert ports.sessions.overlapping(**everything) == []
