"""The training service built for real on the embedded store, with a manual clock and in-process
fakes of location and identity; events are read back from the embedded bus."""

from __future__ import annotations

import itertools
from collections.abc import Iterator, Sequence
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from services.training import bootstrap, handlers
from services.training.handlers import Caller
from services.training.model import Cohort
from shouwang.clock import ManualClock, to_millis, to_timestamp
from shouwang.events import Event
from shouwang.runtime import embedded_adapters
from shouwang.training.v1 import training_pb2 as pb
from tests.unit.training.fakes import FakeIdentity, FakeLocation

MONDAY = datetime(2026, 7, 6, 8, 0, tzinfo=UTC)
SITE = (27.78, 120.66)  # a training base in Rui'an
METRES_PER_DEGREE = 111_195
OFFICER = Caller("officer1", frozenset({"officer"}), frozenset({"st1"}), False, "st1")


def member(member_id: str) -> Caller:
    return Caller(member_id, frozenset({"member"}), frozenset(), False, "")


def north_of_site(metres: float) -> tuple[float, float]:
    return SITE[0] + metres / METRES_PER_DEGREE, SITE[1]


class RecordingBus:
    """The embedded bus, keeping what is published (in order) for the test to read."""

    def __init__(self, bus: Any) -> None:
        self._bus = bus
        self.published: list[tuple[str, Event]] = []

    def publish(self, topic: str, events: Sequence[Event]) -> None:
        self.published += [(topic, event) for event in events]
        self._bus.publish(topic, events)

    def __getattr__(self, name: str) -> Any:
        return getattr(self._bus, name)

    def of_type(self, event_type: str) -> list[Event]:
        return [e for topic, e in self.published if e.type == event_type]


class Training:
    def __init__(self, data: Path) -> None:
        self.clock = ManualClock(MONDAY)
        self.location, self.identity = FakeLocation(), FakeIdentity()
        self.adapters = embedded_adapters(data)
        self.adapters.clock = self.clock
        self.adapters.bus = self.bus = RecordingBus(self.adapters.bus)
        self.service = bootstrap.build(
            self.adapters, location=self.location, identity=self.identity
        )
        self.ports = self.service.ports
        self._names = itertools.count(1)

    def verified(self, count: int) -> list[str]:
        made = [f"m{next(self._names)}" for _ in range(count)]
        self.identity.statuses.update({m: "verified" for m in made})
        return made

    def cohort(self, instructor: str, trainees: list[str], **fields: object) -> Cohort:
        """A week at the site: a training session each day 9-12 and a patrol 20-23 in a circle
        1 km north of the site."""
        sessions = []
        for day in range(5):
            base = MONDAY.replace(hour=0) + timedelta(days=day)
            sessions.append(
                pb.Session(
                    starts_at=to_timestamp(base + timedelta(hours=9)),
                    ends_at=to_timestamp(base + timedelta(hours=12)),
                    kind="training",
                    topic="first aid",
                )
            )
            patrol = pb.Session(
                starts_at=to_timestamp(base + timedelta(hours=20)),
                ends_at=to_timestamp(base + timedelta(hours=23)),
                kind="patrol",
                has_area=True,
            )
            lat, lon = north_of_site(1000)
            patrol.area.circle.CopyFrom(pb.Circle(center=pb.Point(lat=lat, lon=lon), radius_m=300))
            sessions.append(patrol)
        request = pb.CreateCohortRequest(
            name="第12期",
            site=pb.Site(name="基地", location=pb.Point(lat=SITE[0], lon=SITE[1]), radius_m=200),
            starts_on="2026-07-06",
            ends_on="2026-07-10",
            instructor_ids=[instructor],
            sessions=sessions,
        )
        for key, value in fields.items():
            setattr(request, key, value)
        cohort = handlers.create_cohort(self.ports, OFFICER, request)
        return handlers.enrol(self.ports, OFFICER, cohort.cohort_id, trainees)

    def at(self, when: datetime) -> None:
        self.clock.advance((when - self.clock.now()).total_seconds())

    def fix(self, member_id: str, metres_north: float, *, ago_s: float = 0, accuracy_m: float = 5):
        lat, lon = north_of_site(metres_north)
        ts = to_millis(self.clock.now()) - int(ago_s * 1000)
        self.location.fix(member_id, lat, lon, ts_ms=ts, accuracy_m=accuracy_m)

    def close(self) -> None:
        self.service.close()
        self.adapters.close()


@pytest.fixture
def training(tmp_path: Path) -> Iterator[Training]:
    running = Training(tmp_path)
    yield running
    running.close()
