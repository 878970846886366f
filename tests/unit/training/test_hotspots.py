"""Hotspots: presence counted per grid and hour from location updates (once per member and
minute, replays included), incidents from the tasks service, and the recommended windows."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import pytest

from services.training import hotspots, patrol_windows
from services.training.hotspots import Cell, Grid, GridIndex
from services.training.patrol_windows import PresenceCounter
from shouwang.clock import to_millis, to_timestamp
from shouwang.errors import InvalidArgument, Unavailable
from shouwang.events import Event
from shouwang.identity.v1 import identity_pb2
from shouwang.location.v1 import events_pb2 as location_events
from shouwang.tasks.v1 import tasks_pb2
from tests.unit.training.conftest import OFFICER, Training
from tests.unit.training.fakes import FakeTasks

# Local midnight (Asia/Shanghai) of Tuesday 7 July 2026, in UTC.
MIDNIGHT = datetime(2026, 7, 6, 16, 0, tzinfo=UTC)


def square(lat: float, lon: float, half: float) -> str:
    ring = [
        [lon - half, lat - half],
        [lon + half, lat - half],
        [lon + half, lat + half],
        [lon - half, lat + half],
        [lon - half, lat - half],
    ]
    return json.dumps({"type": "Polygon", "coordinates": [ring]})


DISTRICT = Grid("district", "城东片区", 1, square(27.80, 120.70, 0.05))
BLOCK = Grid("block", "东门网格", 2, square(27.80, 120.70, 0.005))
MARKET = Grid("market", "菜市场网格", 2, square(27.83, 120.73, 0.005))
GRIDS = (DISTRICT, BLOCK, MARKET)


# The rule -------------------------------------------------------------------------------------


def test_a_position_counts_in_the_most_detailed_grid_containing_it() -> None:
    index = GridIndex(GRIDS)
    assert index.grid_at(27.80, 120.70) == "block"
    assert index.grid_at(27.78, 120.68) == "district"
    assert index.grid_at(30.0, 121.0) == ""


def test_night_incidents_where_patrols_walk_the_evening_are_the_recommended_window() -> None:
    """The Rui'an summer: incidents moved to 0-4 h while patrols still walk 19-22 h."""
    table = hotspots.table_of(
        incidents=[("block", h) for h in (0, 0, 1, 2, 3, 20)] + [("market", 23), ("market", 0)],
        presence=[("block", h, 60) for h in (19, 20, 21, 22)] + [("block", 1, 5)],
    )
    windows = hotspots.recommend(table)
    assert [(w.grid_id, w.start, w.end) for w in windows] == [
        ("block", "00:00", "04:00"),
        ("market", "23:00", "01:00"),  # 23 h and 0 h are neighbours: one window over midnight
    ]
    assert windows[0].incidents == 5 and windows[0].presence_minutes == 5
    assert windows[0].score > windows[1].score > 0
    # 20 h has an incident but most of the patrolling: not recommended.
    assert all(20 not in w.hours for w in windows)


def test_hours_without_incidents_are_never_recommended_and_at_most_top_windows_are() -> None:
    table = hotspots.table_of(
        incidents=[(f"g{n}", 2 * n) for n in range(8)], presence=[("g0", 5, 30)]
    )
    windows = hotspots.recommend(table, top=3)
    assert len(windows) == 3
    assert all(table[(w.grid_id, h)].incidents > 0 for w in windows for h in w.hours)


def test_a_recommendation_id_names_its_grid_and_hours() -> None:
    (window,) = hotspots.recommend(
        {("block", 22): Cell(2, 0), ("block", 23): Cell(1, 0), ("block", 0): Cell(1, 0)}
    )
    assert hotspots.decode_recommendation(window.recommendation_id) == ("block", 22, 3)
    with pytest.raises(InvalidArgument):
        hotspots.decode_recommendation("not-one")


def test_a_range_longer_than_92_days_is_refused_with_its_field() -> None:
    now = to_millis(MIDNIGHT)
    assert hotspots.bounded_range(0, 0, now_ms=now) == (now - 28 * 86_400_000, now)
    with pytest.raises(InvalidArgument) as refused:
        hotspots.bounded_range(now - 93 * 86_400_000, now, now_ms=now)
    assert refused.value.errors[0].field == "from"
    with pytest.raises(InvalidArgument):
        hotspots.bounded_range(now, now - 1, now_ms=now)


def test_a_gap_of_up_to_five_minutes_is_filled_with_the_previous_grid() -> None:
    assert hotspots.presence_marks((100, "a"), (104, "b")) == [
        (104, "b"),
        (101, "a"),
        (102, "a"),
        (103, "a"),
    ]
    assert hotspots.presence_marks((100, "a"), (106, "b")) == [(106, "b")]  # a phone gone quiet
    assert hotspots.presence_marks((100, "a"), (101, "")) == []  # outside every grid


# Presence from events ---------------------------------------------------------------------------


def updated(member_id: str, lat: float, lon: float, at: datetime) -> Event:
    return Event(
        type="shouwang.location.updated",
        source="/tests",
        subject=member_id,
        time=at,
        data=location_events.LocationUpdated(
            member_id=member_id, lat=lat, lon=lon, at=to_timestamp(at)
        ),
    )


def walk(member_id: str, start: datetime, minutes: int, where: tuple[float, float]) -> list[Event]:
    """An update every 10 s (as location throttles them) for ``minutes``."""
    return [
        updated(member_id, *where, start + timedelta(seconds=10 * n)) for n in range(minutes * 6)
    ]


@pytest.fixture
def city(training: Training) -> Training:
    training.identity.grids = [
        identity_pb2.Grid(
            grid_id=g.grid_id, name=g.name, level=g.level, geometry_json=g.geometry_json
        )
        for g in GRIDS
    ]
    return training


def presence_of(training: Training) -> dict[tuple[str, int], int]:
    day = hotspots.local_minute(to_millis(MIDNIGHT))[0]
    return {(g, h): n for g, d, h, n in training.ports.presence.between([day]) if n}


def test_updates_every_ten_seconds_count_each_minute_once_and_a_replay_counts_nothing(
    city: Training,
) -> None:
    events = walk("m1", MIDNIGHT + timedelta(hours=1), 30, (27.80, 120.70))  # 01:00-01:30 block
    events += walk("m1", MIDNIGHT + timedelta(hours=1, minutes=30), 10, (27.78, 120.68))
    events += walk("m2", MIDNIGHT + timedelta(hours=1, minutes=50), 20, (27.83, 120.73))
    for event in events:
        city.service.presence_counter.on_location_updated(event)
    counted = {("block", 1): 30, ("district", 1): 10, ("market", 1): 10, ("market", 2): 10}
    assert presence_of(city) == counted
    # Redelivered to the same consumer, then replayed to a restarted one (which remembers nothing).
    for event in events:
        city.service.presence_counter.on_location_updated(event)
    restarted = PresenceCounter(city.ports.presence, city.ports.grids)
    for event in events:
        restarted.on_location_updated(event)
    assert presence_of(city) == counted


def test_old_presence_marks_are_forgotten(city: Training) -> None:
    city.at(MIDNIGHT + timedelta(hours=2))
    for event in walk("m1", MIDNIGHT + timedelta(hours=1), 1, (27.80, 120.70)):
        city.service.presence_counter.on_location_updated(event)
    assert city.service.presence_counter.forget_old_marks(city.clock) == 0
    city.at(MIDNIGHT + timedelta(days=patrol_windows.KEEP_MARKS_DAYS + 1))
    assert city.service.presence_counter.forget_old_marks(city.clock) == 1


# The report -------------------------------------------------------------------------------------


def task(task_id: str, at: datetime, where: tuple[float, float]) -> tasks_pb2.Task:
    return tasks_pb2.Task(
        task_id=task_id,
        location=tasks_pb2.Point(lat=where[0], lon=where[1]),
        created_at=to_timestamp(at),
    )


def report(report_id: str, at: datetime, where: tuple[float, float], task_id: str = ""):  # type: ignore[no-untyped-def]
    return tasks_pb2.Report(
        report_id=report_id,
        location=tasks_pb2.Point(lat=where[0], lon=where[1]),
        created_at=to_timestamp(at),
        task_id=task_id,
    )


def test_the_report_sets_the_scopes_incidents_against_presence(city: Training) -> None:
    block, away = (27.80, 120.70), (10.0, 10.0)
    tasks = FakeTasks(
        tasks=[
            task("t1", MIDNIGHT + timedelta(hours=2, minutes=5), block),
            task("t2", MIDNIGHT + timedelta(hours=2, minutes=40), block),
            task("t3", MIDNIGHT + timedelta(hours=3), away),  # in no grid
            task("old", MIDNIGHT - timedelta(days=40), block),  # before the range: reading stops
        ],
        reports=[
            report("r1", MIDNIGHT + timedelta(hours=3, minutes=10), block),
            report("r2", MIDNIGHT + timedelta(hours=2), block, task_id="t1"),  # counted as t1
        ],
    )
    for event in walk("m1", MIDNIGHT + timedelta(hours=20), 60, block):
        city.service.presence_counter.on_location_updated(event)
    city.at(MIDNIGHT + timedelta(days=1))
    result = patrol_windows.hotspot_report(
        caller=OFFICER,
        tasks=tasks,
        presence=city.ports.presence,
        grids=city.ports.grids,
        clock=city.clock,
        from_ms=0,
        to_ms=0,
    )
    assert result.table == {
        ("block", 2): Cell(incidents=2, presence_minutes=0),
        ("block", 3): Cell(incidents=1, presence_minutes=0),
        ("block", 20): Cell(incidents=0, presence_minutes=60),
    }
    assert result.incidents_outside == 1
    assert [(w.grid_id, w.start, w.end) for w in result.windows] == [("block", "02:00", "04:00")]


class IdentityAway:
    """A stub over ``shouwang.rpc.connect`` (or the all-in-one's channel): the status comes back
    as a domain error, never as ``grpc.RpcError``."""

    def ListGrids(self, request):  # type: ignore[no-untyped-def]  # noqa: N802
        raise Unavailable(detail="upstream unavailable")


def test_grids_read_before_serve_while_identity_cannot_be_reached(city: Training) -> None:
    grids = patrol_windows.Grids(city.identity)
    assert grids.index().grid_at(27.80, 120.70) == "block"
    grids._identity = IdentityAway()  # type: ignore[assignment]
    grids.refresh()
    assert grids.index().grid_at(27.80, 120.70) == "block"
