"""Task validation and the wave policy."""

from __future__ import annotations

import json

import pytest

from services.tasks import dispatch, model
from shouwang.tasks.v1 import tasks_pb2 as pb
from tests.unit.tasks.requests import task_request


def valid(**changes: object) -> pb.CreateTaskRequest:
    return task_request(**changes)


def fields(request: pb.CreateTaskRequest) -> set[str]:
    return {error.field for error in model.validate_task(request)}


def test_a_complete_task_is_valid() -> None:
    assert model.validate_task(valid()) == []


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"title": ""}, "title"),
        ({"priority": 4}, "priority"),
        ({"capacity": 51}, "capacity"),
        ({"expires_in_s": 59}, "expires_in_s"),
        ({"expires_in_s": 86_401}, "expires_in_s"),
        ({"target": {"mode": "everyone"}}, "target.mode"),
        ({"target": {"mode": "nearest", "count": 0}}, "target.count"),
        ({"target": {"mode": "members"}}, "target.member_ids"),
        ({"location": {"lat": 91, "lon": 0}}, "location"),
        ({"kind": "k" * 41}, "kind"),
        ({"skills": ["first_aid"] * 21}, "skills"),
        ({"scene_radius_m": 9.9}, "scene_radius_m"),
        ({"scene_radius_m": 2000.1}, "scene_radius_m"),
        ({"scene_radius_m": float("nan")}, "scene_radius_m"),
    ],
)
def test_each_invalid_field_is_named(change: dict, field: str) -> None:
    assert field in fields(valid(**change))


def test_every_invalid_field_is_reported_at_once() -> None:
    request = valid(title="", priority=0, capacity=99, target={"mode": "x"})
    assert fields(request) >= {"title", "priority", "capacity", "target.mode"}


@pytest.mark.parametrize(
    ("area", "message"),
    [
        ({"circle": {"center": {"lat": 27.8, "lon": 120.65}, "radius_m": 49}}, "50 m to 20 km"),
        ({"circle": {"center": {"lat": 27.8, "lon": 120.65}, "radius_m": 20_001}}, "50 m to 20 km"),
        ({"polygon_geojson": "not json"}, "GeoJSON"),
        (
            {
                "polygon_geojson": json.dumps(
                    {
                        "type": "Polygon",
                        "coordinates": [[[120, 27], [121, 28], [121, 27], [120, 28], [120, 27]]],
                    }
                )
            },
            "invalid polygon",
        ),
        (
            {
                "polygon_geojson": json.dumps(
                    {
                        "type": "Polygon",
                        "coordinates": [[[120, 27], [121, 27], [121, 28], [120, 28]]],
                    }
                )
            },
            "closed",
        ),
    ],
)
def test_bad_areas_are_refused(area: dict, message: str) -> None:
    request = valid()
    request.area.CopyFrom(
        pb.Area(
            **{
                k: (
                    pb.Circle(center=pb.Point(**v["center"]), radius_m=v["radius_m"])
                    if k == "circle"
                    else v
                )
                for k, v in area.items()
            }
        )
    )
    errors = model.validate_task(request)
    assert any(e.field.startswith("area") and message in e.message for e in errors)


def test_urgent_tasks_wait_half_as_long_for_claims() -> None:
    timeouts = model.WaveTimeouts()
    assert timeouts.for_priority(1) == 15 and timeouts.for_priority(2) == 30


def test_wave_offers_the_next_count_nearest() -> None:
    plan = dispatch.plan_wave(
        count=2,
        radius_m=3000,
        max_radius_m=20_000,
        search=lambda r: [("a", 10.0), ("b", 20.0), ("c", 30.0)],
    )
    assert plan.offer_to == [("a", 10.0), ("b", 20.0)] and plan.radius_m == 3000


def test_wave_widens_the_radius_until_someone_is_found() -> None:
    searched: list[float] = []

    def search(radius: float) -> list[tuple[str, float]]:
        searched.append(radius)
        return [("far", radius)] if radius > 6000 else []

    plan = dispatch.plan_wave(count=1, radius_m=3000, max_radius_m=20_000, search=search)
    assert searched == [3000, 4500, 6750]
    assert plan.offer_to == [("far", 6750)] and not plan.unfilled


def test_nobody_up_to_the_maximum_radius_is_unfilled() -> None:
    plan = dispatch.plan_wave(count=1, radius_m=10_000, max_radius_m=20_000, search=lambda r: [])
    assert plan.unfilled and plan.radius_m == 20_000


def test_a_task_without_an_area_widens_by_default_and_one_with_an_area_does_not() -> None:
    drawn = valid(area={"circle": pb.Circle(center=pb.Point(lat=27.8, lon=120.65), radius_m=500)})
    assert model.widens(valid()) and not model.widens(drawn)


def test_a_task_widens_beyond_its_area_only_when_it_asks() -> None:
    drawn = valid(area={"circle": pb.Circle(center=pb.Point(lat=27.8, lon=120.65), radius_m=500)})
    drawn.widen = True
    undrawn = valid(widen=False)
    assert model.widens(drawn) and not model.widens(undrawn)


def test_a_wave_that_may_not_widen_stops_at_the_area() -> None:
    plan = dispatch.plan_wave(count=1, radius_m=800, max_radius_m=800, search=lambda r: [])
    assert plan.unfilled and plan.radius_m == 800
