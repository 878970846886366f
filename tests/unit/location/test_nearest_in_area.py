"""Nearest candidates inside a task's area: the area is checked on the ranked candidates only,
and the answer is still the k nearest eligible members inside it (checked against brute force)."""

from __future__ import annotations

import json
import math
import random

import pytest

from services.location import queries
from services.location.live_view import LiveView, Placement
from shouwang.geo import haversine_m
from shouwang.location.v1 import location_pb2 as pb

LAT, LON, NOW = 30.27, 120.15, 1_000_000.0
M_PER_DEG_LAT = 111_195.0


def offset(north_m: float, east_m: float) -> tuple[float, float]:
    return LAT + north_m / M_PER_DEG_LAT, LON + east_m / (
        M_PER_DEG_LAT * math.cos(math.radians(LAT))
    )


def city(rng: random.Random, count: int) -> tuple[LiveView, dict[str, tuple[float, float, str]]]:
    """``count`` on-duty members within 6 km of the scene, some stale, in two stations."""
    view = LiveView()
    where: dict[str, tuple[float, float, str]] = {}
    for i in range(count):
        member_id, station = f"m{i:04d}", rng.choice(["s1", "s2"])
        lat, lon = offset(rng.uniform(-6000, 6000), rng.uniform(-6000, 6000))
        view.go_on_duty(member_id, Placement("", station, "", ()))
        seen = NOW - (rng.choice([10.0, 10.0, 10.0, 600.0]))  # a quarter older than 2 minutes
        view.place(member_id, lat, lon, seen, suspect=False)
        if seen >= NOW - 120:
            where[member_id] = (lat, lon, station)
    return view, where


def square(centre_north_m: float, centre_east_m: float, half_m: float) -> str:
    corners = [
        offset(centre_north_m + dn, centre_east_m + de)
        for dn, de in ((-half_m, -half_m), (-half_m, half_m), (half_m, half_m), (half_m, -half_m))
    ]
    ring = [[lon, lat] for lat, lon in corners]
    return json.dumps({"type": "Polygon", "coordinates": [[*ring, ring[0]]]})


@pytest.mark.parametrize("seed", range(6))
def test_the_k_nearest_inside_a_circle_or_polygon_as_brute_force_finds_them(seed: int) -> None:
    rng = random.Random(seed)
    view, where = city(rng, 800)
    for _ in range(25):
        k = rng.choice([1, 1, 3, 10, 60])
        radius = rng.choice([300.0, 1500.0, 4000.0, 9000.0])
        excluded = set(rng.sample(sorted(where), 5))
        stations = rng.choice([[], ["s1"]])
        request = pb.NearestRequest(
            lat=LAT,
            lon=LON,
            k=k,
            radius_m=radius,
            exclude_member_ids=sorted(excluded),
            station_ids=stations,
        )
        north, east = rng.uniform(-2000, 2000), rng.uniform(-2000, 2000)
        if rng.random() < 0.5:  # a circle, around the scene or beside it
            c_lat, c_lon = (LAT, LON) if rng.random() < 0.5 else offset(north, east)
            c_radius = rng.choice([500.0, 3000.0])
            request.area.circle.CopyFrom(pb.Circle(lat=c_lat, lon=c_lon, radius_m=c_radius))
        else:
            request.area.polygon_geojson = square(north, east, rng.choice([400.0, 2500.0]))
        # Who is in the area, as the whole-area queries count it (every member looked at).
        in_area = queries._members_in(view, request.area)
        expected_all = []
        for member_id, (lat, lon, station) in where.items():
            if member_id in excluded or (stations and station not in stations):
                continue
            distance = float(haversine_m(LAT, LON, lat, lon))
            if distance <= radius and member_id in in_area:
                expected_all.append((distance, member_id))
        expected = [m for _, m in sorted(expected_all)[:k]]
        found = [m for m, _ in queries.nearest(view, request, now_s=NOW)]
        assert found == expected


def test_a_member_nearer_but_outside_the_area_is_passed_over() -> None:
    view = LiveView()
    for member_id, (north, east) in {"outside": (0, 50), "inside": (0, -900)}.items():
        view.go_on_duty(member_id, Placement("", "", "", ()))
        view.place(member_id, *offset(north, east), NOW, suspect=False)
    request = pb.NearestRequest(lat=LAT, lon=LON, k=1, radius_m=5000)
    west_lat, west_lon = offset(0, -1000)
    request.area.circle.CopyFrom(pb.Circle(lat=west_lat, lon=west_lon, radius_m=500))
    assert [m for m, _ in queries.nearest(view, request, now_s=NOW)] == ["inside"]
