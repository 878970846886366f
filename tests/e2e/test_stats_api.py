"""Statistics and coverage through the HTTP API on the embedded all-in-one: a dispatched task
claimed and reached shows in the response times and the 1-3-5 shares, the activity series count
it with the members on duty, coverage shades the grid around a free member, and every range and
scope is bounded. The computations themselves are specified in tests/unit/tasks/test_stats.py
and tests/unit/location/test_coverage.py."""

from __future__ import annotations

import itertools
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from urllib.parse import urlencode

import pytest

from tests.support.api import Api, fix_at, verified_member, wait_until_placed
from tests.support.embedded import admin_token, embedded_with_admin

PLACE = (27.78, 120.65)  # Rui'an
_names = itertools.count()


@pytest.fixture(scope="module")
def api(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Api]:
    with embedded_with_admin(Path(tmp_path_factory.mktemp("stats"))) as running:
        yield Api(running.url)


@pytest.fixture(scope="module")
def admin(api: Api) -> str:
    return admin_token(api)


def org(api: Api, admin: str, kind: str, parent_id: str = "") -> str:
    body = {"name": f"{kind} {next(_names)}", "kind": kind}
    if parent_id:
        body["parent_id"] = parent_id
    reply = api.post("/api/v1/orgs", body, token=admin)
    assert reply.status == 201, reply.body
    return reply.body["org_id"]


@pytest.fixture(scope="module")
def station(api: Api, admin: str) -> tuple[str, str, str]:
    """(station id, one of its teams, an officer's token of it)."""
    station_id = org(api, admin, "station")
    team_id = org(api, admin, "team", station_id)
    member_id, _, person = verified_member(api, admin)
    made = api.post(
        f"/api/v1/members/{member_id}/roles",
        {"roles": ["officer"], "org_id": station_id},
        token=admin,
    )
    assert made.status == 200, made.body
    login = api.post(
        "/api/v1/auth/login", {"phone": person["phone"], "password": person["password"]}
    )
    return station_id, team_id, login.body["access_token"]


def on_duty(api: Api, admin: str, team_id: str, north_m: float) -> tuple[str, str]:
    member_id, token, _ = verified_member(api, admin, team_id=team_id)
    assert api.post("/api/v1/duty/start", token=token).status == 200
    lat = PLACE[0] + north_m / 111_195
    fix = fix_at(lat, PLACE[1], ago_s=5, accuracy_m=5)
    assert api.post("/api/v1/location", {"fixes": [fix]}, token=token).body["accepted"] == 1
    wait_until_placed(api, admin, {member_id}, lat, PLACE[1], within_m=100)
    return member_id, token


def window(**extra: str) -> str:
    now = datetime.now(UTC)
    query = {
        "from": (now - timedelta(days=1)).isoformat(),
        "to": (now + timedelta(hours=1)).isoformat(),
        **extra,
    }
    return urlencode(query)


@pytest.fixture(scope="module")
def reached_task(api: Api, admin: str, station: tuple[str, str, str]) -> dict:
    """A task of the station, claimed by its nearest member, who then arrives."""
    _, team_id, officer = station
    _, token = on_duty(api, admin, team_id, north_m=100)
    created = api.post(
        "/api/v1/tasks",
        {
            "title": "Lost child near the market",
            "priority": 1,
            "location": {"lat": PLACE[0], "lon": PLACE[1]},
            "target": {"mode": "nearest", "count": 1},
        },
        token=officer,
    )
    assert created.status == 201, created.body
    task_id = created.body["task_id"]
    assert api.post(f"/api/v1/tasks/{task_id}/claim", token=token).status == 200
    arrived = api.post(f"/api/v1/tasks/{task_id}/arrive", token=token)
    assert arrived.status == 200, arrived.body
    return arrived.body


def test_a_task_reached_at_once_counts_in_every_1_3_5_share(
    api: Api, station: tuple[str, str, str], reached_task: dict
) -> None:
    station_id, _, officer = station
    reply = api.get(f"/api/v1/stats/response?{window(org_id=station_id)}", token=officer)
    assert reply.status == 200, reply.body
    stats = reply.body
    assert stats["tasks"] == 1 and stats["measured"] == 1
    assert [(s["minutes"], s["tasks"], s["share"]) for s in stats["on_scene_within"]] == [
        (1, 1, 1.0),
        (3, 1, 1.0),
        (5, 1, 1.0),
    ]
    claim = reached_task["claims"][0]
    assert stats["offer_to_claim"]["count"] == 1
    assert stats["offer_to_claim"]["p50_s"] == pytest.approx(claim["offer_to_claim_s"], abs=0.1)
    assert stats["claim_to_arrival"]["count"] == 1
    assert sum(b["count"] for b in stats["claim_to_arrival"]["histogram"]) == 1


def test_activity_counts_the_task_and_the_member_on_duty(
    api: Api, station: tuple[str, str, str], reached_task: dict
) -> None:
    station_id, _, officer = station
    reply = api.get(
        f"/api/v1/stats/activity?{window(org_id=station_id, bucket='hour')}", token=officer
    )
    assert reply.status == 200, reply.body
    buckets = reply.body["buckets"]
    assert len(buckets) == 25
    assert sum(b["tasks_by_status"].get("on_scene", 0) for b in buckets) == 1
    assert max(b["members_on_duty"] for b in buckets) >= 1
    assert buckets[0]["members_on_duty"] == 0  # a day ago nobody was on duty


def test_another_stations_statistics_are_not_found(
    api: Api, admin: str, station: tuple[str, str, str]
) -> None:
    _, _, officer = station
    elsewhere = org(api, admin, "station")
    reply = api.get(f"/api/v1/stats/response?{window(org_id=elsewhere)}", token=officer)
    assert reply.status == 404
    assert (
        api.get(f"/api/v1/stats/response?{window(org_id=elsewhere)}", token=admin).body["tasks"]
        == 0
    )


def test_statistics_are_per_station_not_team(api: Api, station: tuple[str, str, str]) -> None:
    _, team_id, officer = station
    reply = api.get(f"/api/v1/stats/activity?{window(org_id=team_id)}", token=officer)
    assert reply.status == 422
    assert reply.body["errors"][0]["field"] == "org_id"


def test_ranges_are_bounded_with_the_field_named(api: Api, admin: str) -> None:
    now = datetime.now(UTC)

    def asked(path: str, days: int, **extra: str) -> dict:
        query = {"from": now.isoformat(), "to": (now + timedelta(days=days)).isoformat(), **extra}
        reply = api.get(f"/api/v1/stats/{path}?{urlencode(query)}", token=admin)
        assert reply.status == 422, reply.body
        return {e["field"]: e["message"] for e in reply.body["errors"]}

    assert "31 days" in asked("activity", 40, bucket="hour")["bucket"]
    assert "366 days" in asked("activity", 400)["to"]
    assert "366 days" in asked("response", 400)["to"]
    assert "after from" in asked("response", -1)["to"]
    fine = {"from": now.isoformat(), "to": (now + timedelta(days=300)).isoformat()}
    assert api.get(f"/api/v1/stats/activity?{urlencode(fine)}", token=admin).status == 200


def test_members_may_not_read_statistics(api: Api, admin: str) -> None:
    _, token, _ = verified_member(api, admin)
    assert api.get(f"/api/v1/stats/response?{window()}", token=token).status == 403
    assert api.get("/api/v1/live/coverage", token=token).status == 403


def test_coverage_shades_the_grid_around_a_free_member(
    api: Api, admin: str, station: tuple[str, str, str], reached_task: dict
) -> None:
    _, team_id, officer = station
    lat, lon = PLACE[0] + 0.05, PLACE[1]  # a 1 km square grid, clear of the task's members
    d = 0.0045
    ring = [[lon - d, lat - d], [lon + d, lat - d], [lon + d, lat + d], [lon - d, lat + d]]
    grid = api.post(
        "/api/v1/grids",
        {
            "type": "Feature",
            "geometry": {"type": "Polygon", "coordinates": [[*ring, ring[0]]]},
            "properties": {"name": "北门社区", "level": 1},
        },
        token=admin,
    )
    assert grid.status == 201, grid.body
    grid_id = grid.body["properties"]["grid_id"]
    on_duty(api, admin, team_id, north_m=0.05 * 111_195)  # at the grid's centre
    reply = api.get("/api/v1/live/coverage?minutes=3&mode=walk", token=officer)
    assert reply.status == 200, reply.body
    cells = [f for f in reply.body["features"] if f["properties"]["grid_id"] == grid_id]
    assert 80 <= len(cells) <= 121  # 100 m cells over a 1 km square
    reaches = [c["properties"]["reach_s"] for c in cells]
    assert min(r for r in reaches if r is not None) < 60  # the cell the member stands in
    covered = sum(c["properties"]["covered"] for c in cells)
    assert 0 < covered < len(cells)  # 3 minutes on foot is ~190 m around them, not the corners
    assert reply.body["by_grid"][grid_id] == pytest.approx(covered / len(cells), abs=1e-3)
    ebike = api.get("/api/v1/live/coverage?minutes=5&mode=ebike", token=officer).body
    assert ebike["by_grid"][grid_id] == 1.0


def test_coverage_refuses_unknown_minutes_and_modes(api: Api, admin: str) -> None:
    reply = api.get("/api/v1/live/coverage?minutes=4&mode=car", token=admin)
    assert reply.status == 422
    assert {e["field"] for e in reply.body["errors"]} == {"minutes", "mode"}
