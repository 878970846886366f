"""The tasks service built for real on the embedded store, with a manual clock and in-process
fakes of location and identity; its timers run when a test says so, never on their own."""

from __future__ import annotations

import itertools
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest

from services.tasks import bootstrap, handlers, timers
from services.tasks.handlers import Caller
from services.tasks.model import Task
from shouwang.clock import ManualClock
from shouwang.runtime import embedded_adapters
from shouwang.tasks.v1 import tasks_pb2 as pb
from tests.unit.tasks.fakes import FakeIdentity, FakeLocation
from tests.unit.tasks.requests import task_request

START = datetime(2026, 11, 22, 21, 0, tzinfo=UTC)
PLACE = (27.8, 120.65)
METRES_PER_DEGREE = 111_195
ADMIN = Caller("admin", frozenset({"admin"}), frozenset(), city_wide=True, station_id="")


def member(member_id: str) -> Caller:
    return Caller(member_id, frozenset({"member"}), frozenset(), city_wide=False, station_id="")


class Tasks:
    """The service under test and what a test does with it."""

    def __init__(self, data: Path) -> None:
        self.clock = ManualClock(START)
        self.location, self.identity = FakeLocation(), FakeIdentity()
        self.adapters = embedded_adapters(data)
        self.adapters.clock = self.clock
        self.service = bootstrap.build(
            self.adapters, location=self.location, identity=self.identity
        )
        self.ports = self.service.ports
        self._names = itertools.count(1)

    def on_duty(
        self, *offsets_m: float, station_id: str = "", skills: frozenset[str] = frozenset()
    ) -> list[str]:
        """Members on duty ``offset`` metres north of PLACE (south when negative)."""
        made = []
        for offset in offsets_m:
            member_id = f"m{next(self._names)}"
            lat = PLACE[0] + offset / METRES_PER_DEGREE
            self.location.place(member_id, lat, PLACE[1], station_id=station_id, skills=skills)
            self.identity.stations[member_id] = station_id
            made.append(member_id)
        return made

    def dispatch(self, caller: Caller = ADMIN, **fields: object) -> Task:
        """A task at PLACE: priority 2 for the nearest one, unless ``fields`` say otherwise."""
        base = {
            "title": "Elderly man missing",
            "priority": 2,
            "target": {"mode": "nearest", "count": 1},
        }
        request = task_request(**{**base, "location": {"lat": PLACE[0], "lon": PLACE[1]}, **fields})
        return handlers.create_task(self.ports, caller, request)

    def claim(self, task: Task, member_id: str) -> Task:
        """Claim, and let what follows the reply (location told busy, scene watched) happen: a
        test that dispatches next would otherwise race the deferred busy mark."""
        try:
            return handlers.claim_task(self.ports, member(member_id), task.task_id)
        finally:
            assert self.ports.deferred.wait_idle()

    def after(self, seconds: float) -> int:
        """Move the clock on and run whatever the timers find due; how many steps ran."""
        self.clock.advance(seconds)
        return timers.tick(self.ports)

    def get(self, task: Task) -> Task:
        found = self.ports.tasks.get(task.task_id)
        assert found is not None
        return found

    def offered(self, task: Task) -> list[tuple[str, int]]:
        return [(o.member_id, o.wave) for o in self.ports.tasks.all_offers_of(task.task_id)]

    def claimants(self, task: Task) -> list[str]:
        return [c.member_id for c in self.ports.tasks.claims_of(task)]

    def close(self) -> None:
        self.service.close()
        self.adapters.close()


@pytest.fixture
def tasks(tmp_path: Path) -> Iterator[Tasks]:
    running = Tasks(tmp_path)
    yield running
    running.close()


def strip_north(south_m: float, north_m: float) -> pb.Area:
    """A polygon from ``south_m`` to ``north_m`` metres north of PLACE, 200 m wide."""
    lat, lon = PLACE
    south, north = lat + south_m / METRES_PER_DEGREE, lat + north_m / METRES_PER_DEGREE
    west, east = lon - 0.001, lon + 0.001
    ring = [[west, south], [east, south], [east, north], [west, north], [west, south]]
    return pb.Area(polygon_geojson=f'{{"type": "Polygon", "coordinates": [{ring}]}}')


def circle(radius_m: float) -> pb.Area:
    return pb.Area(circle=pb.Circle(center=pb.Point(lat=PLACE[0], lon=PLACE[1]), radius_m=radius_m))
