"""The live index answers exactly what a brute-force scan over every member answers."""

from __future__ import annotations

import math

import numpy as np
import pytest
import shapely
from hypothesis import assume, given, settings
from hypothesis import strategies as st
from shapely.geometry import Point, Polygon, box

from services.location.live_index import FLAG_SUSPECT_FIX, LiveIndex, UnknownField
from shouwang.geo import haversine_m

NOW = 1_767_225_600.0
LAT, LON = 27.8, 120.65  # a city; the fleet spreads over ~±11 km of it

offsets = st.floats(-0.1, 0.1, allow_nan=False)
fleets = st.lists(st.tuples(offsets, offsets), min_size=0, max_size=60)
# 0: rebuild the sorted cell array on (almost) every write; 10_000: never, all through stale.
rebuild_thresholds = st.sampled_from([0, 3, 10_000])
cell_sizes = st.sampled_from([0.002, 0.01, 0.05])


class Fleet:
    """An index and the truth it must agree with: every member's current position."""

    def __init__(self, index: LiveIndex) -> None:
        self.index = index
        self.positions: dict[str, tuple[float, float]] = {}

    def put(self, members: dict[str, tuple[float, float]], *, ts: float = NOW) -> None:
        ids = list(members)
        self.index.upsert(
            ids, [members[m][0] for m in ids], [members[m][1] for m in ids], np.full(len(ids), ts)
        )
        self.positions.update(members)

    def remove(self, member: str) -> None:
        assert self.index.remove(member)
        del self.positions[member]

    def distances(self, lat: float, lon: float) -> dict[str, float]:
        return {m: float(haversine_m(lat, lon, *p)) for m, p in self.positions.items()}


@st.composite
def churned_fleets(draw: st.DrawFn) -> Fleet:
    """A fleet written in random batches, partly moved, partly removed, then refilled."""
    fleet = Fleet(LiveIndex(cell_deg=draw(cell_sizes), rebuild_min_stale=draw(rebuild_thresholds)))
    spots = draw(fleets)
    members = {f"m{i}": (LAT + dlat, LON + dlon) for i, (dlat, dlon) in enumerate(spots)}
    names = list(members)
    batch = draw(st.integers(1, 25))
    for start in range(0, len(names), batch):
        fleet.put({m: members[m] for m in names[start : start + batch]})
    for member in draw(st.lists(st.sampled_from(names), unique=True)) if names else []:
        dlat, dlon = draw(st.tuples(offsets, offsets))
        fleet.put({member: (LAT + dlat, LON + dlon)}, ts=NOW + 1)
    for member in draw(st.lists(st.sampled_from(names), unique=True)) if names else []:
        fleet.remove(member)
    newcomers = draw(st.lists(st.tuples(offsets, offsets), max_size=10))
    fleet.put({f"n{i}": (LAT + a, LON + b) for i, (a, b) in enumerate(newcomers)}, ts=NOW + 2)
    return fleet


query_points = st.tuples(st.floats(LAT - 0.12, LAT + 0.12), st.floats(LON - 0.12, LON + 0.12))


@settings(max_examples=150, deadline=None)
@given(churned_fleets(), query_points, st.integers(1, 12), st.floats(1.0, 40_000.0))
def test_nearest_returns_the_k_closest_within_the_radius(fleet, point, k, radius_m) -> None:
    found = fleet.index.nearest(*point, k=k, radius_m=radius_m, now=NOW + 2)
    truth = fleet.distances(*point)
    expected = sorted(d for d in truth.values() if d <= radius_m)[:k]
    assert [d for _, d in found] == pytest.approx(expected, abs=1e-6)
    for member, distance in found:
        assert truth[member] == pytest.approx(distance, abs=1e-6)


@settings(max_examples=150, deadline=None)
@given(churned_fleets(), query_points, st.floats(0.0, 30_000.0))
def test_within_circle_returns_everyone_inside_the_circle(fleet, point, radius_m) -> None:
    found = fleet.index.within_circle(*point, radius_m)
    assert len(found) == len(set(found))
    truth = fleet.distances(*point)
    # Float rounding may differ a hair at the rim; everyone clearly in or out must match.
    clearly_in = {m for m, d in truth.items() if d < radius_m - 1e-6}
    clearly_out = {m for m, d in truth.items() if d > radius_m + 1e-6}
    assert clearly_in <= set(found)
    assert not clearly_out & set(found)


@st.composite
def polygons(draw: st.DrawFn) -> Polygon:
    centre_lat, centre_lon = draw(query_points)
    vertices = draw(st.integers(3, 40))
    angles = np.sort(
        draw(st.lists(st.floats(0, 2 * math.pi), min_size=vertices, max_size=vertices))
    )
    radii = draw(st.lists(st.floats(0.001, 0.08), min_size=vertices, max_size=vertices))
    ring = [
        (centre_lon + r * math.cos(a), centre_lat + r * math.sin(a))
        for a, r in zip(angles, radii, strict=True)
    ]
    shape = Polygon(ring)
    if not shape.is_valid:
        shape = shapely.convex_hull(shape)  # a self-intersecting ring: use its hull
    assume(shape.area > 0)
    return shape


@settings(max_examples=150, deadline=None)
@given(churned_fleets(), polygons())
def test_within_polygon_returns_everyone_inside_the_polygon(fleet, polygon) -> None:
    found = fleet.index.within_polygon(polygon)
    assert len(found) == len(set(found))
    members = list(fleet.positions)
    lats = np.array([fleet.positions[m][0] for m in members])
    lons = np.array([fleet.positions[m][1] for m in members])
    inside = shapely.contains_xy(polygon, lons, lats) if members else []
    assert set(found) == {m for m, hit in zip(members, inside, strict=True) if hit}


@settings(max_examples=150, deadline=None)
@given(churned_fleets(), query_points, query_points)
def test_bbox_returns_everyone_inside_the_box(fleet, corner_a, corner_b) -> None:
    min_lat, max_lat = sorted((corner_a[0], corner_b[0]))
    min_lon, max_lon = sorted((corner_a[1], corner_b[1]))
    found = fleet.index.bbox(min_lon, min_lat, max_lon, max_lat)
    expected = {
        m: p
        for m, p in fleet.positions.items()
        if min_lat <= p[0] <= max_lat and min_lon <= p[1] <= max_lon
    }
    assert {f.member_id: (f.lat, f.lon) for f in found} == expected
    assert len(found) == len(expected)


def test_bbox_across_the_antimeridian_wraps() -> None:
    index = LiveIndex()
    index.upsert(["east", "west", "middle"], [-17.0, -17.1, -17.0], [179.9, -179.9, 0.0], NOW)
    found = {p.member_id for p in index.bbox(179.5, -18.0, -179.5, -16.0)}
    assert found == {"east", "west"}


def test_nearest_looks_across_the_antimeridian() -> None:
    index = LiveIndex()
    index.upsert(["across", "same-side"], [-17.0, -17.0], [-179.999, 179.9], NOW)
    found = index.nearest(-17.0, 179.999, k=1, radius_m=50_000, now=NOW)
    assert found[0][0] == "across"
    assert found[0][1] == pytest.approx(haversine_m(-17.0, 179.999, -17.0, -179.999))


def test_nearest_near_a_pole_searches_every_longitude() -> None:
    index = LiveIndex()
    index.upsert(["over-the-pole"], [89.99], [-90.0], NOW)
    assert [m for m, _ in index.nearest(89.99, 90.0, k=1, radius_m=5_000, now=NOW)] == [
        "over-the-pole"
    ]


def _index_with(**members: tuple[float, float]) -> LiveIndex:
    index = LiveIndex()
    ids = list(members)
    index.upsert(ids, [members[m][0] for m in ids], [members[m][1] for m in ids], NOW)
    return index


def test_a_member_whose_fix_is_older_than_max_age_is_not_offered() -> None:
    index = _index_with(fresh=(LAT, LON + 0.001), stale=(LAT, LON))
    index.upsert(["fresh"], [LAT], [LON + 0.001], NOW + 200)
    found = index.nearest(LAT, LON, k=5, radius_m=1_000, now=NOW + 200, max_age_s=120)
    assert [m for m, _ in found] == ["fresh"]


def test_seen_before_lists_the_members_indexed_with_an_older_fix() -> None:
    index = _index_with(stale=(LAT, LON), gone=(LAT, LON), fresh=(LAT, LON))
    index.upsert(["fresh"], [LAT], [LON], NOW + 200)
    index.remove("gone")
    assert index.seen_before(NOW + 100) == {"stale": NOW}
    assert index.seen_before(NOW) == {}


def test_a_busy_member_is_offered_only_when_busy_members_are_allowed() -> None:
    index = _index_with(busy=(LAT, LON), free=(LAT, LON + 0.001))
    assert index.set_busy("busy", True)
    assert [m for m, _ in index.nearest(LAT, LON, k=5, radius_m=1_000, now=NOW)] == ["free"]
    found = index.nearest(LAT, LON, k=5, radius_m=1_000, now=NOW, exclude_busy=False)
    assert [m for m, _ in found] == ["busy", "free"]


def test_only_members_with_every_required_skill_are_offered() -> None:
    index = _index_with(medic=(LAT, LON), both=(LAT, LON + 0.001), none=(LAT, LON + 0.0005))
    index.set_profile("medic", skills={"first_aid"})
    index.set_profile("both", skills={"first_aid", "swimming"})

    def offered(*skills: str) -> list[str]:
        found = index.nearest(LAT, LON, k=5, radius_m=1_000, now=NOW, required_skills=skills)
        return [m for m, _ in found]

    assert offered("first_aid") == ["medic", "both"]
    assert offered("first_aid", "swimming") == ["both"]
    assert offered("rope_rescue") == []  # a skill nobody has
    assert offered() == ["medic", "none", "both"]


def test_a_member_flagged_for_an_impossible_speed_is_not_offered() -> None:
    index = _index_with(suspect=(LAT, LON), sound=(LAT, LON + 0.001))
    index.set_flags("suspect", FLAG_SUSPECT_FIX)
    assert [m for m, _ in index.nearest(LAT, LON, k=5, radius_m=1_000, now=NOW)] == ["sound"]
    assert "suspect" in index.within_circle(LAT, LON, 1_000)  # still on the map


def test_state_can_come_with_the_fixes() -> None:
    index = LiveIndex()
    index.upsert(
        ["a", "b"],
        [LAT, LAT],
        [LON, LON + 0.001],
        NOW,
        busy=[True, False],
        skills=[{"first_aid"}, ()],
        teams=["t1", "t2"],
        grids=["g1", None],
    )
    assert index.nearest(LAT, LON, k=5, radius_m=1_000, now=NOW)[0][0] == "b"
    assert index.counts_by("team") == {"t1": 1, "t2": 1}
    assert index.counts_by("grid") == {"g1": 1, None: 1}
    index.upsert(["a"], [LAT], [LON], NOW + 1)  # a fix alone keeps the state
    assert index.counts_by("team") == {"t1": 1, "t2": 1}


def test_removed_members_leave_every_answer_and_the_counts() -> None:
    index = _index_with(gone=(LAT, LON), stays=(LAT, LON + 0.001))
    index.set_profile("gone", team="t1")
    index.set_profile("stays", team="t1")
    assert index.remove("gone")
    assert not index.remove("gone")
    assert "gone" not in index
    assert len(index) == 1
    assert [m for m, _ in index.nearest(LAT, LON, k=5, radius_m=1_000, now=NOW)] == ["stays"]
    assert index.within_circle(LAT, LON, 1_000) == ["stays"]
    assert index.within_polygon(Point(LON, LAT).buffer(0.01)) == ["stays"]
    assert [p.member_id for p in index.bbox(LON - 1, LAT - 1, LON + 1, LAT + 1)] == ["stays"]
    assert index.counts_by("team") == {"t1": 1}


def test_a_removed_slot_is_reused_with_none_of_the_old_state() -> None:
    index = _index_with(gone=(LAT, LON))
    index.set_busy("gone", True)
    index.set_profile("gone", skills={"first_aid"}, team="t1")
    slots_before = index._size
    index.remove("gone")
    index.upsert(["new"], [LAT + 0.05], [LON], NOW)
    assert index._size == slots_before  # the freed slot, not a new one
    assert index.get("new").busy is False
    assert index.counts_by("team") == {None: 1}
    assert index.nearest(LAT, LON, k=1, radius_m=100, now=NOW) == []
    found = index.nearest(
        LAT + 0.05, LON, k=1, radius_m=100, now=NOW, required_skills={"first_aid"}
    )
    assert found == []


def test_many_removals_and_reuse_keep_answers_exact() -> None:
    rng = np.random.default_rng(7)
    index = LiveIndex(rebuild_min_stale=0)
    truth: dict[str, tuple[float, float]] = {}
    for round_ in range(30):
        ids = [f"m{rng.integers(0, 200)}" for _ in range(20)]
        lats = LAT + rng.normal(0, 0.02, 20)
        lons = LON + rng.normal(0, 0.02, 20)
        index.upsert(ids, lats, lons, NOW + round_)
        truth.update({m: (a, b) for m, a, b in zip(ids, lats.tolist(), lons.tolist(), strict=True)})
        for m in list(truth)[:: 7 + round_ % 3]:
            index.remove(m)
            del truth[m]
    found = {p.member_id: (p.lat, p.lon) for p in index.bbox(-180, -90, 180, 90)}
    assert found == truth
    assert len(index) == len(truth)


def test_an_out_of_order_fix_does_not_move_the_member() -> None:
    index = _index_with(m=(LAT, LON))
    index.upsert(["m"], [LAT + 0.01], [LON], NOW + 10)
    applied = index.upsert(["m"], [LAT + 0.02], [LON], NOW + 5)
    assert not applied[0]
    assert index.get("m").lat == LAT + 0.01


def test_within_a_batch_the_newest_fix_of_a_member_wins() -> None:
    index = LiveIndex()
    applied = index.upsert(
        ["m", "m", "m", "k"],
        [1.0, 3.0, 2.0, 5.0],
        [1.0, 3.0, 2.0, 5.0],
        [NOW, NOW + 2, NOW + 1, NOW],
    )
    assert applied.tolist() == [False, True, False, True]
    assert (index.get("m").lat, index.get("m").last_seen) == (3.0, NOW + 2)
    assert len(index) == 2


def test_coordinates_out_of_range_are_refused() -> None:
    with pytest.raises(ValueError, match="latitude"):
        LiveIndex().upsert(["m"], [91.0], [0.0], NOW)


def test_an_empty_polygon_holds_nobody() -> None:
    assert _index_with(a=(LAT, LON)).within_polygon(Polygon()) == []


def test_counts_by_an_unknown_field_is_refused() -> None:
    with pytest.raises(UnknownField):
        LiveIndex().counts_by("station")  # type: ignore[arg-type]


def test_memory_grows_with_members_but_stays_small() -> None:
    index = LiveIndex()
    empty = index.memory_bytes()
    index.upsert([f"m{i}" for i in range(5_000)], np.full(5_000, LAT), np.full(5_000, LON), NOW)
    assert empty < index.memory_bytes() < empty + 5_000 * 400


def test_within_polygon_accepts_a_multipolygon() -> None:
    index = _index_with(a=(LAT, LON), b=(LAT + 0.05, LON + 0.05), c=(LAT + 0.1, LON))
    shape = box(LON - 0.01, LAT - 0.01, LON + 0.01, LAT + 0.01).union(
        box(LON + 0.04, LAT + 0.04, LON + 0.06, LAT + 0.06)
    )
    assert sorted(index.within_polygon(shape)) == ["a", "b"]
