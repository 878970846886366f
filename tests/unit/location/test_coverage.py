"""Coverage answers what a brute-force scan over every member answers: for each cell, the
nearest free, fresh, in-scope member's great-circle distance × 1.3 over the mode's speed; per
grid, the share of its cells within the minutes; and cells stay within their bound."""

from __future__ import annotations

import json
import random

import numpy as np
import pytest
from shapely.geometry import Point

from services.location import coverage
from services.location.live_view import LiveView, Placement
from shouwang.errors import InvalidArgument
from shouwang.geo import haversine_m

NOW = 1_767_225_600.0
LAT, LON = 27.78, 120.65


def square(lat: float, lon: float, half_deg: float) -> str:
    d = half_deg
    ring = [[lon - d, lat - d], [lon + d, lat - d], [lon + d, lat + d], [lon - d, lat + d]]
    return json.dumps({"type": "Polygon", "coordinates": [[*ring, ring[0]]]})


GRIDS = coverage.grid_areas(
    [
        ("district", 1, square(LAT, LON, 0.01)),
        ("north", 2, square(LAT + 0.005, LON, 0.004)),
        ("tiny", 3, square(LAT - 0.008, LON + 0.008, 0.0002)),  # smaller than a cell
    ]
)


class Fleet:
    """A live view and the truth it must agree with."""

    def __init__(self, seed: int) -> None:
        self.view = LiveView()
        self.members: dict[str, tuple[float, float, bool, float, str]] = {}
        rng = random.Random(seed)
        for i in range(40):
            lat, lon = LAT + rng.uniform(-0.015, 0.015), LON + rng.uniform(-0.015, 0.015)
            busy = rng.random() < 0.2
            seen = NOW - (300 if rng.random() < 0.15 else rng.uniform(0, 60))
            station = rng.choice(["s1", "s1", "s2"])
            self.put(f"m{i}", lat, lon, busy=busy, seen=seen, station=station)

    def put(
        self, member_id: str, lat: float, lon: float, *, busy: bool, seen: float, station: str
    ) -> None:
        self.view.go_on_duty(member_id, Placement("t", station, "", ()))
        self.view.place(member_id, lat, lon, seen, suspect=False)
        self.view.set_busy(member_id, busy)
        self.members[member_id] = (lat, lon, busy, seen, station)

    def brute_reach(self, lat: float, lon: float, *, mode: str, stations: set[str]) -> float | None:
        free = [
            (m_lat, m_lon)
            for m_lat, m_lon, busy, seen, station in self.members.values()
            if not busy and seen >= NOW - 120 and (not stations or station in stations)
        ]
        if not free:
            return None
        lats, lons = np.array(free).T
        nearest = float(np.min(haversine_m(lat, lon, lats, lons)))
        if nearest > coverage.search_radius_m(mode):
            return None
        return nearest * 1.3 / coverage.SPEEDS_MPS[mode]


@pytest.mark.parametrize("seed", [1, 2, 3])
@pytest.mark.parametrize(("mode", "stations"), [("walk", {"s1"}), ("ebike", set())])
def test_each_cells_reach_is_the_brute_force_nearest_free_member(
    seed: int, mode: str, stations: set[str]
) -> None:
    fleet = Fleet(seed)
    found = coverage.of_live_view(
        fleet.view, GRIDS, station_ids=stations, mode=mode, minutes=3, now_s=NOW
    )
    assert found.cell_m == coverage.BASE_CELL_M
    assert 350 <= len(found.cells) <= 500  # a 2.2 km square in 100 m cells
    for cell in found.cells:
        lat, lon = cell.centre
        expected = fleet.brute_reach(lat, lon, mode=mode, stations=stations)
        if expected is None:
            assert cell.reach_s is None
        else:
            assert cell.reach_s == pytest.approx(expected, rel=1e-9)


def test_cells_belong_to_the_most_detailed_grid_and_shares_count_their_cells() -> None:
    fleet = Fleet(4)
    found = coverage.of_live_view(
        fleet.view, GRIDS, station_ids=(), mode="walk", minutes=3, now_s=NOW
    )
    north = coverage.grid_areas([("north", 2, square(LAT + 0.005, LON, 0.004))])[0].polygon
    for cell in found.cells:
        lat, lon = cell.centre
        inside_north = north.contains(Point(lon, lat))
        assert cell.grid_id == ("north" if inside_north else "district")
    covered = [c.reach_s is not None and c.reach_s <= 180 for c in found.cells]
    assert found.covered_share["district"] == pytest.approx(np.mean(covered))
    in_north = [v for v, c in zip(covered, found.cells, strict=True) if c.grid_id == "north"]
    assert found.covered_share["north"] == pytest.approx(np.mean(in_north))


def test_a_grid_smaller_than_a_cell_is_judged_at_a_point_inside_it() -> None:
    fleet = Fleet(5)
    fleet.put("guard", LAT - 0.008, LON + 0.008, busy=False, seen=NOW, station="s1")
    found = coverage.of_live_view(
        fleet.view, GRIDS, station_ids=(), mode="walk", minutes=1, now_s=NOW
    )
    assert found.covered_share["tiny"] == 1.0
    fleet.view.set_busy("guard", True)
    fleet.members["guard"] = (LAT - 0.008, LON + 0.008, True, NOW, "s1")
    again = coverage.of_live_view(
        fleet.view, GRIDS, station_ids=(), mode="walk", minutes=1, now_s=NOW
    )
    expected = fleet.brute_reach(LAT - 0.008, LON + 0.008, mode="walk", stations=set())
    assert again.covered_share["tiny"] == (1.0 if expected is not None and expected <= 60 else 0.0)


def test_a_large_area_gets_coarser_cells_within_the_bound() -> None:
    city = coverage.grid_areas([("city", 1, square(LAT, LON, 0.2))])  # ~44 km across
    found = coverage.of_live_view(
        Fleet(6).view, city, station_ids=(), mode="ebike", minutes=5, now_s=NOW, max_cells=500
    )
    assert len(found.cells) <= 500
    assert found.cell_m > coverage.BASE_CELL_M
    side = found.cells[0].north - found.cells[0].south
    assert side * 111_195 == pytest.approx(found.cell_m, rel=0.01)


def test_without_grids_the_cells_surround_the_scopes_members() -> None:
    fleet = Fleet(7)
    found = coverage.of_live_view(
        fleet.view, [], station_ids={"s2"}, mode="walk", minutes=5, now_s=NOW
    )
    assert found.cells and found.covered_share == {}
    assert {c.grid_id for c in found.cells} == {""}
    nobody = coverage.of_live_view(
        LiveView(), [], station_ids=(), mode="walk", minutes=5, now_s=NOW
    )
    assert nobody.cells == ()


def test_unknown_modes_minutes_and_shapes_are_refused() -> None:
    with pytest.raises(InvalidArgument) as refused:
        coverage.check_request("car", 4)
    assert [e.field for e in refused.value.errors] == ["mode", "minutes"]
    with pytest.raises(InvalidArgument):
        coverage.grid_areas([("bad", 1, '{"type": "Point", "coordinates": [1, 2]}')])
