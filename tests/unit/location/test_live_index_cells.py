"""The live index's Morton cell runs, and its K-NN over them, against brute force.

The fleets here are large and clustered enough for the K-NN to probe finer and coarser levels,
stop on the block's clearance or search a circle, and for the runs to merge their buffer and
delta (the thresholds are set low); members move, leave duty, come back, turn busy, get flags
and skills, and sit at the poles.
"""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, initialize, invariant, precondition, rule

from services.location import cell_runs
from services.location.cell_runs import BITS, CellRuns
from services.location.live_index import (
    FLAG_NOT_DISPATCHABLE,
    FLAG_SUSPECT_FIX,
    LiveIndex,
    _block_clearance_m,
)
from shouwang.geo import haversine_m

NOW = 1_767_225_600.0
SKILLS = ("first_aid", "swimming", "rope")

lats = st.floats(-90.0, 90.0, allow_nan=False)
lons = st.floats(-180.0, 180.0, allow_nan=False)


# ------------------------------------------------------------------------------- the key grid


@settings(max_examples=300, deadline=None)
@given(lats, lons, st.integers(0, BITS))
def test_a_key_starts_with_the_prefix_of_its_cell_at_every_level(lat, lon, level) -> None:
    key = cell_runs.key(lat, lon)
    assert cell_runs.keys(np.array([lat] * 20), np.array([lon] * 20))[0] == key  # numpy path
    x, y = cell_runs.quantise(lat, lon)
    shift = BITS - level
    bounds = cell_runs.cover_cells(level, x >> shift, x >> shift, y >> shift, y >> shift)
    assert len(bounds) == 2
    assert bounds[0] <= key < bounds[1]


@st.composite
def boxes(draw: st.DrawFn) -> tuple[float, float, float, float]:
    lat_a, lat_b = sorted((draw(lats), draw(lats)))
    west = draw(lons)
    width = draw(st.one_of(st.floats(0.0, 0.01), st.floats(0.0, 2.0), st.floats(0.0, 360.0)))
    return lat_a + 0.0, lat_b + 0.0, west + 0.0, west + width  # + 0.0: no -0.0 (numpy's uniform)


@settings(max_examples=300, deadline=None)
@given(boxes(), st.integers(1, 16), st.integers(0, 2**32 - 1))
def test_a_box_cover_holds_every_point_of_the_box(box, cells, seed) -> None:
    from shouwang.geo import split_lon_interval

    south, north, west, east = box
    ranges = split_lon_interval(west, east)
    bounds = cell_runs.cover_box(south, north, ranges, cells=cells)
    assert np.all(np.diff(bounds) > 0)  # disjoint, sorted, adjacent ranges merged
    rng = np.random.default_rng(seed)
    plat = rng.uniform(south, north, 200)
    plon = np.concatenate([rng.uniform(w, e, 100) for w, e in ranges])[:200]
    plat = np.concatenate([plat[: len(plon)], [south, north, south, north]])
    plon = np.concatenate([plon, [ranges[0][0], ranges[-1][1], ranges[-1][1], ranges[0][0]]])
    keys = cell_runs.keys(plat, plon)
    assert np.all(np.searchsorted(bounds, keys, side="right") % 2 == 1)


@settings(max_examples=300, deadline=None)
@given(lats, lons, st.integers(0, BITS), st.integers(0, 2**32 - 1))
def test_nothing_outside_the_3x3_block_is_nearer_than_its_clearance(lat, lon, level, seed):
    x, y = cell_runs.quantise(lat, lon)
    clearance = _block_clearance_m(lat, lon, x, y, level, math.cos(math.radians(lat)))
    shift = BITS - level
    cx, cy = x >> shift, y >> shift
    bounds = cell_runs.cover_cells(level, cx - 1, cx + 1, cy - 1, cy + 1)
    rng = np.random.default_rng(seed)
    # Points around the block's edges at several scales, and anywhere.
    side = cell_runs.cell_deg(level)
    scale = np.concatenate([np.full(300, 2 * side), np.full(100, 360.0)])
    plat = np.clip(lat + rng.uniform(-1, 1, 400) * scale, -90, 90)
    plon = (lon + rng.uniform(-1, 1, 400) * scale + 180.0) % 360.0 - 180.0
    outside = np.searchsorted(bounds, cell_runs.keys(plat, plon), side="right") % 2 == 0
    distances = np.asarray(haversine_m(lat, lon, plat[outside], plon[outside]))
    assert np.all(distances >= clearance)


# ---------------------------------------------------------------------------------- the runs


@settings(max_examples=100, deadline=None)
@given(
    st.integers(0, 2**32 - 1),
    st.integers(1, 40),
    st.integers(0, 64),
    st.lists(st.tuples(st.integers(0, 300), st.integers(1, 60)), min_size=1, max_size=25),
)
def test_runs_gather_exactly_the_live_entries_in_the_ranges(seed, buffer, min_delta, steps):
    rng = np.random.default_rng(seed)
    runs = CellRuns(buffer_size=buffer, min_delta=min_delta)
    slot_gen = np.zeros(300, dtype=np.uint32)
    key_of: dict[int, int] = {}
    for first, count in steps:
        slots = np.unique(rng.integers(first, first + count, count) % 300).astype(np.int64)
        if rng.random() < 0.2:  # some leave: their entries die, no new ones
            slot_gen[slots] += np.uint32(1)
            for s in slots.tolist():
                key_of.pop(s, None)
            continue
        keys = rng.integers(0, 5_000, len(slots)).astype(np.int64)
        slot_gen[slots] += np.uint32(1)
        runs.add(keys, slots, slot_gen[slots].copy(), slot_gen, live=len(key_of))
        key_of.update(zip(slots.tolist(), keys.tolist(), strict=True))
        lows = np.sort(rng.choice(5_000, size=rng.integers(1, 6), replace=False))
        bounds = np.array(
            sorted({b for low in lows.tolist() for b in (low, low + int(rng.integers(1, 400)))})
        )
        if len(bounds) % 2:
            bounds = bounds[:-1]
        if not len(bounds):
            continue
        found = runs.gather(bounds, runs.locate(bounds), slot_gen).tolist()
        inside = {s for s, k in key_of.items() if np.searchsorted(bounds, k, side="right") % 2 == 1}
        assert sorted(found) == sorted(inside)


# ---------------------------------------------------------------- K-NN against brute force


def _cluster_positions(
    rng: np.random.Generator, n: int, centres: np.ndarray, spreads_m: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    which = rng.integers(0, len(centres), n)
    metres = rng.normal(0, 1, (n, 2)) * spreads_m[which, None]
    lat = np.clip(centres[which, 0] + metres[:, 0] / 111_195.0, -90.0, 90.0)
    coslat = np.maximum(np.cos(np.radians(lat)), 1e-6)
    lon = centres[which, 1] + metres[:, 1] / (111_195.0 * coslat)
    lon = (lon + 180.0) % 360.0 - 180.0
    # Some stand on exactly the same spot (ties) and some on a cluster's centre.
    same = rng.random(n) < 0.1
    lat[same], lon[same] = centres[which[same], 0], centres[which[same], 1]
    return lat, lon


class IndexAgainstTruth(RuleBasedStateMachine):
    """Fixes, moves, duty changes and state changes; every query checked against a scan."""

    @initialize(
        seed=st.integers(0, 2**32 - 1),
        buffer=st.sampled_from([1, 7, 64, 1024]),
        min_delta=st.sampled_from([0, 16, 4096]),
        polar=st.booleans(),
    )
    def start(self, seed: int, buffer: int, min_delta: int, polar: bool) -> None:
        self.rng = np.random.default_rng(seed)
        self.index = LiveIndex(buffer_size=buffer, rebuild_min_stale=min_delta)
        # A city with hotspots; sometimes a cluster at a pole as well.
        centres = [
            (27.8 + self.rng.normal(0, 0.05), 120.65 + self.rng.normal(0, 0.05)) for _ in range(4)
        ]
        if polar:
            centres += [(89.9995, 10.0), (-90.0, -170.0)]
        self.centres = np.array(centres)
        self.spreads = self.rng.choice([2.0, 50.0, 800.0, 5_000.0], len(centres))
        self.members: dict[str, dict] = {}
        self.next_id = 0
        self.now = NOW

    def _put(self, ids: list[str]) -> None:
        lat, lon = _cluster_positions(self.rng, len(ids), self.centres, self.spreads)
        self.index.upsert(ids, lat, lon, np.full(len(ids), self.now))
        for m, a, b in zip(ids, lat.tolist(), lon.tolist(), strict=True):
            state = self.members.setdefault(m, {"busy": False, "flags": 0, "skills": frozenset()})
            state.update(lat=a, lon=b, seen=self.now)

    @rule(count=st.integers(1, 150))
    def newcomers_report(self, count: int) -> None:
        ids = [f"m{self.next_id + i}" for i in range(count)]
        self.next_id += count
        self._put(ids)

    @precondition(lambda self: self.members)
    @rule(share=st.floats(0.05, 1.0), one_by_one=st.booleans())
    def members_move(self, share: float, one_by_one: bool) -> None:
        names = list(self.members)
        movers = [m for m in names if self.rng.random() < share]
        self.now += 1.0
        if one_by_one:
            for m in movers[:40]:
                self._put([m])
        else:
            self._put(movers)

    @precondition(lambda self: self.members)
    @rule(share=st.floats(0.0, 0.5))
    def members_leave_duty(self, share: float) -> None:
        for m in [m for m in self.members if self.rng.random() < share]:
            assert self.index.remove(m)
            del self.members[m]

    @precondition(lambda self: self.members)
    @rule(share=st.floats(0.0, 0.5))
    def state_changes(self, share: float) -> None:
        for m, state in self.members.items():
            if self.rng.random() >= share:
                continue
            change = self.rng.integers(0, 3)
            if change == 0:
                state["busy"] = not state["busy"]
                self.index.set_busy(m, state["busy"])
            elif change == 1:
                state["flags"] = int(self.rng.choice([0, FLAG_SUSPECT_FIX, FLAG_NOT_DISPATCHABLE]))
                self.index.set_flags(m, state["flags"])
            else:
                state["skills"] = frozenset(s for s in SKILLS if self.rng.random() < 0.5)
                self.index.set_profile(m, skills=state["skills"])

    @rule(seconds=st.sampled_from([1.0, 60.0, 200.0]))
    def time_passes(self, seconds: float) -> None:
        self.now += seconds

    @rule(
        k=st.one_of(st.integers(1, 12), st.integers(1, 400)),
        radius_m=st.sampled_from([0.0, 1.0, 30.0, 500.0, 3_000.0, 40_000.0, 25_000_000.0]),
        where=st.sampled_from(["member", "centre", "anywhere"]),
        skills=st.sets(st.sampled_from(SKILLS), max_size=2),
        exclude_busy=st.booleans(),
        max_age_s=st.sampled_from([120.0, 1e9]),
    )
    def nearest_matches_a_scan(self, k, radius_m, where, skills, exclude_busy, max_age_s):
        self._check_nearest(k, radius_m, where, skills, exclude_busy, max_age_s)
        # And a few more with parameters from the seed: K-NN has many paths.
        rng = self.rng
        for _ in range(6):
            self._check_nearest(
                int(rng.choice([1, 2, 3, 10, 50])),
                float(rng.choice([300.0, 3_000.0, 50_000.0, 25_000_000.0])),
                str(rng.choice(["member", "centre", "anywhere"])),
                set(rng.choice(SKILLS, size=int(rng.integers(0, 2)), replace=False).tolist()),
                bool(rng.integers(0, 2)),
                float(rng.choice([120.0, 1e9])),
            )

    def _check_nearest(self, k, radius_m, where, skills, exclude_busy, max_age_s) -> None:
        lat, lon = self._query_point(where)
        found = self.index.nearest(
            lat,
            lon,
            k=k,
            radius_m=radius_m,
            now=self.now,
            max_age_s=max_age_s,
            required_skills=skills,
            exclude_busy=exclude_busy,
        )
        eligible = {
            m: float(haversine_m(lat, lon, s["lat"], s["lon"]))
            for m, s in self.members.items()
            if s["seen"] >= self.now - max_age_s
            and not (exclude_busy and s["busy"])
            and not s["flags"] & (FLAG_SUSPECT_FIX | FLAG_NOT_DISPATCHABLE)
            and set(skills) <= s["skills"]
        }
        expected = sorted(d for d in eligible.values() if d <= radius_m)[:k]
        names = [m for m, _ in found]
        assert len(names) == len(set(names))
        # Members exactly at the radius may fall either side of it by a rounding.
        if not any(abs(d - radius_m) < 1e-6 for d in eligible.values()):
            assert [d for _, d in found] == pytest.approx(expected, abs=1e-6)
        for member, distance in found:
            assert eligible[member] == pytest.approx(distance, abs=1e-6)

    @rule(where=st.sampled_from(["member", "centre", "anywhere"]), radius_m=st.floats(0, 20_000))
    def within_circle_matches_a_scan(self, where: str, radius_m: float) -> None:
        lat, lon = self._query_point(where)
        found = self.index.within_circle(lat, lon, radius_m)
        assert len(found) == len(set(found))
        truth = {
            m: float(haversine_m(lat, lon, s["lat"], s["lon"])) for m, s in self.members.items()
        }
        assert {m for m, d in truth.items() if d < radius_m - 1e-6} <= set(found)
        assert not {m for m, d in truth.items() if d > radius_m + 1e-6} & set(found)

    @invariant()
    def every_member_is_found_in_the_whole_world(self) -> None:
        found = {p.member_id: (p.lat, p.lon) for p in self.index.bbox(-180, -90, 180, 90)}
        assert found == {m: (s["lat"], s["lon"]) for m, s in self.members.items()}

    def _query_point(self, where: str) -> tuple[float, float]:
        if where == "member" and self.members:
            state = self.members[list(self.members)[self.rng.integers(0, len(self.members))]]
            return state["lat"], state["lon"]
        if where == "anywhere":
            return float(self.rng.uniform(-90, 90)), float(self.rng.uniform(-180, 180))
        lat, lon = self.centres[self.rng.integers(0, len(self.centres))]
        return float(lat), float(lon)


IndexAgainstTruth.TestCase.settings = settings(
    max_examples=40, stateful_step_count=25, deadline=None
)
test_the_index_agrees_with_a_scan = IndexAgainstTruth.TestCase


def test_k_larger_than_the_population_returns_everyone_eligible_nearest_first() -> None:
    index = LiveIndex(buffer_size=3, rebuild_min_stale=0)
    rng = np.random.default_rng(3)
    lat, lon = 27.8 + rng.normal(0, 0.01, 500), 120.65 + rng.normal(0, 0.01, 500)
    ids = [f"m{i}" for i in range(500)]
    index.upsert(ids, lat, lon, NOW)
    found = index.nearest(27.8, 120.65, k=10_000, radius_m=1e7, now=NOW)
    distances = np.asarray(haversine_m(27.8, 120.65, lat, lon))
    assert len(found) == 500
    assert [d for _, d in found] == pytest.approx(np.sort(distances).tolist(), abs=1e-6)


def test_a_crowd_on_one_spot_is_ranked_by_distance_with_ties() -> None:
    index = LiveIndex(buffer_size=1)
    ids = [f"m{i}" for i in range(2_000)]
    index.upsert(ids, np.full(2_000, 27.8), np.full(2_000, 120.65), NOW)
    index.upsert(["near"], [27.8001], [120.65], NOW)
    found = index.nearest(27.8, 120.65, k=5, radius_m=100, now=NOW)
    assert [d for _, d in found] == [0.0] * 5
    found = index.nearest(27.80011, 120.65, k=1, radius_m=100, now=NOW)
    assert found[0][0] == "near"


def test_members_at_both_poles_are_found_from_any_longitude() -> None:
    index = LiveIndex()
    index.upsert(["north", "south", "clamped"], [90.0, -90.0, 89.999999], [0.0, 180.0, -180.0], NOW)
    north = index.nearest(89.99, 123.0, k=2, radius_m=5_000, now=NOW)
    assert [m for m, _ in north] == ["clamped", "north"] or [m for m, _ in north] == [
        "north",
        "clamped",
    ]
    assert index.nearest(-89.99, -45.0, k=3, radius_m=5_000, now=NOW)[0][0] == "south"
    assert {p.member_id for p in index.bbox(-180, 89.9, 180, 90)} == {"north", "clamped"}
