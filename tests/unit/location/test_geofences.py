"""Geofence hysteresis: a member standing at the edge does not flap between entered and exited."""

from __future__ import annotations

from shapely.geometry import Point, box

from services.location.geofences import Fence

# A 0.01° square around (27.80, 120.65): ~1.1 km tall, ~1 km wide.
SQUARE = box(120.645, 27.795, 120.655, 27.805)
METRE_LAT = 1 / 111_195


def fence(**kwargs) -> Fence:
    return Fence("f1", "task-1", SQUARE, margin_m=15, dwell_s=10, **kwargs)


def test_walking_in_deep_enters_at_once() -> None:
    f = fence()
    assert f.observe("m", 27.80, 120.60, 0) is None
    assert f.observe("m", 27.80, 120.65, 1000) == "entered"


def test_jitter_across_the_edge_does_not_flap() -> None:
    f = fence()
    edge = 27.805
    changes = [
        f.observe("m", edge + sign * 5 * METRE_LAT, 120.65, t * 1000)
        for t, sign in enumerate([-1, 1, -1, 1, -1, 1, -1, 1])
    ]
    assert changes == [None] * 8


def test_staying_just_inside_for_the_dwell_time_enters() -> None:
    f = fence()
    inside = 27.805 - 5 * METRE_LAT
    assert f.observe("m", inside, 120.65, 0) is None
    assert f.observe("m", inside, 120.65, 5_000) is None
    assert f.observe("m", inside, 120.65, 10_000) == "entered"


def test_leaving_needs_margin_and_dwell() -> None:
    f = fence()
    f.observe("m", 27.80, 120.65, 0)
    outside = 27.805 + 30 * METRE_LAT
    assert f.observe("m", outside, 120.65, 1_000) is None
    assert f.observe("m", outside, 120.65, 11_000) == "exited"


def test_circle_fences_use_great_circle_distance() -> None:
    f = Fence("c", "task-2", Point(120.65, 27.80), radius_m=100, margin_m=10, dwell_s=10)
    assert f.observe("m", 27.80 + 50 * METRE_LAT, 120.65, 0) == "entered"
    assert f.observe("m", 27.80 + 105 * METRE_LAT, 120.65, 1_000) is None  # within the margin


def test_fence_for_named_members_ignores_others() -> None:
    f = fence(member_ids=frozenset({"a"}))
    assert f.watches("a") and not f.watches("b")
