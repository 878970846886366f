"""The comms service built for real on the embedded store, with a manual clock and in-process
fakes of location and identity."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest

from services.comms import bootstrap
from services.comms.handlers import Caller
from shouwang.clock import ManualClock
from shouwang.comms.v1 import comms_pb2 as pb
from shouwang.runtime import embedded_adapters
from tests.unit.comms.fakes import FakeIdentity, FakeLocation, RecordingBus

START = datetime(2026, 11, 22, 21, 0, tzinfo=UTC)
PLACE = (27.8, 120.65)
METRES_PER_DEGREE = 111_195
OFFICER = Caller(
    "officer-1", frozenset({"officer"}), frozenset({"st-1"}), False, "st-1", org_id="st-1"
)


def member(member_id: str, station_id: str = "st-1") -> Caller:
    return Caller(member_id, frozenset({"member"}), frozenset(), False, station_id)


class Comms:
    def __init__(self, data: Path, **build: object) -> None:
        self.clock = ManualClock(START)
        self.location, self.identity = FakeLocation(), FakeIdentity()
        self.adapters = embedded_adapters(data)
        self.adapters.clock = self.clock
        self.bus = RecordingBus(self.adapters.bus)
        self.adapters.bus = self.bus  # type: ignore[assignment]
        self.service = bootstrap.build(
            self.adapters,
            location=self.location,
            identity=self.identity,  # type: ignore[arg-type]
            **build,  # type: ignore[arg-type]
        )
        self.ports = self.service.ports

    def close(self) -> None:
        self.service.close()
        self.adapters.bus = self.bus.bus
        self.adapters.close()


@pytest.fixture
def comms(tmp_path: Path) -> Iterator[Comms]:
    running = Comms(tmp_path)
    yield running
    running.close()


def north(metres: float) -> tuple[float, float]:
    return PLACE[0] + metres / METRES_PER_DEGREE, PLACE[1]


def square_geojson(south_m: float, north_m: float, half_width_deg: float = 0.001) -> str:
    """A rectangle from ``south_m`` to ``north_m`` metres north of PLACE."""
    lat, lon = PLACE
    s, n = lat + south_m / METRES_PER_DEGREE, lat + north_m / METRES_PER_DEGREE
    w, e = lon - half_width_deg, lon + half_width_deg
    return json.dumps(
        {"type": "Polygon", "coordinates": [[[w, s], [e, s], [e, n], [w, n], [w, s]]]}
    )


def bulletin_request(**audience: object) -> pb.PublishBulletinRequest:
    request = pb.PublishBulletinRequest(
        kind="alert", title="Flooded underpass", body="Keep people away from the underpass."
    )
    area = audience.pop("area", None)
    if isinstance(area, str):
        request.audience.area.polygon_geojson = area
    elif isinstance(area, tuple):
        (lat, lon), radius = area
        request.audience.area.circle.CopyFrom(
            pb.Circle(center=pb.Point(lat=lat, lon=lon), radius_m=radius)
        )
    for name, value in audience.items():
        field = getattr(request.audience, name)
        if isinstance(value, bool):
            setattr(request.audience, name, value)
        else:
            field.extend(value)
    return request
