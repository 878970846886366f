"""Points through the HTTP API on the embedded all-in-one: balance and ledger, boards, the
catalogue, redemptions and penalties, with their declared shapes and bounds."""

from __future__ import annotations

import os
import random
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

import allinone
from services.points import handlers
from services.points.bootstrap import PointsService
from shouwang.events import Event
from shouwang.tasks.v1 import events_pb2 as task_events
from tests.support.api import Api, Reply, verified_member, wait_for

API = "/api/v1"
ADMIN = {"SHOUWANG_ADMIN_PHONE": "13800000000", "SHOUWANG_ADMIN_PASSWORD": "Admin-Password-1"}


@pytest.fixture(scope="module")
def running(tmp_path_factory: pytest.TempPathFactory) -> Iterator[allinone.AllInOne]:
    saved = {k: os.environ.get(k) for k in ADMIN}
    os.environ.update(ADMIN)
    started = allinone.start(port=0, data_dir=Path(tmp_path_factory.mktemp("points")))
    try:
        yield started
    finally:
        started.stop()
        for key, value in saved.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value


@pytest.fixture(scope="module")
def api(running: allinone.AllInOne) -> Api:
    return Api(running.url)


@pytest.fixture(scope="module")
def admin(api: Api) -> str:
    login = api.post(
        f"{API}/auth/login",
        {"phone": ADMIN["SHOUWANG_ADMIN_PHONE"], "password": ADMIN["SHOUWANG_ADMIN_PASSWORD"]},
    )
    return login.body["access_token"]


@pytest.fixture(scope="module")
def points_service(running: allinone.AllInOne) -> PointsService:
    return next(s for s in running.services if isinstance(s, PointsService))


def fund(
    points_service: PointsService, member_id: str, points: int, at: datetime | None = None
) -> None:
    """Points as an approved report would earn them (without the report's round trip)."""
    report_id = f"r{random.randrange(10**9)}"
    handlers.on_report_approved(
        points_service.ports,
        Event(
            type="shouwang.report.approved",
            source="/tests",
            subject=report_id,
            time=at or datetime.now(UTC),
            data=task_events.ReportApproved(
                report_id=report_id, member_id=member_id, points=points
            ),
        ),
    )


def offer(api: Api, officer: str, **fields: object) -> dict:
    body = {"name": "保温杯", "cost": 10, "stock": 5, **fields}
    created = api.post(f"{API}/points/catalogue", body, token=officer)
    assert created.status == 201, created.body
    return created.body


def fields_of(reply: Reply) -> set[str]:
    assert reply.status == 422, reply.body
    return {error["field"] for error in reply.body["errors"]}


def station_with_team(api: Api, admin: str) -> tuple[str, str]:
    suffix = random.randrange(10**6)
    station = api.post(
        f"{API}/orgs", {"name": f"派出所 {suffix}", "kind": "station"}, token=admin
    ).body["org_id"]
    team = api.post(
        f"{API}/orgs",
        {"name": f"巡逻队 {suffix}", "kind": "team", "parent_id": station},
        token=admin,
    ).body["org_id"]
    return station, team


def officer_of(api: Api, admin: str, station_id: str) -> tuple[str, str]:
    member_id, _, person = verified_member(api, admin)
    made = api.post(
        f"{API}/members/{member_id}/roles",
        {"roles": ["officer"], "org_id": station_id},
        token=admin,
    )
    assert made.status == 200, made.body
    login = api.post(
        f"{API}/auth/login", {"phone": person["phone"], "password": person["password"]}
    )
    return member_id, login.body["access_token"]


# Balance and ledger -----------------------------------------------------------------------------
def test_a_members_points_show_their_balance_beside_the_newest_entries(
    api: Api, admin: str, points_service: PointsService
) -> None:
    member_id, token, _ = verified_member(api, admin)
    fund(points_service, member_id, 7)
    mine = api.get(f"{API}/points/me", token=token)
    assert mine.status == 200
    assert mine.body["balance"] == 7
    assert [(e["delta"], e["reason"]) for e in mine.body["entries"]] == [(7, "report_approved")]
    assert mine.body["next_cursor"] is None


def pages(api: Api, path: str, plural: str, token: str) -> list[list[dict]]:
    """Every page of a list, following next_cursor until it is null."""
    seen, cursor = [], ""
    while True:
        separator = "&" if "?" in path else "?"
        reply = api.get(f"{path}{separator}limit=2{cursor and f'&cursor={cursor}'}", token=token)
        assert reply.status == 200, reply.body
        seen.append(reply.body[plural])
        cursor = reply.body["next_cursor"]
        if cursor is None:
            return seen
        assert len(seen) < 50, "next_cursor never ended"


def test_a_members_entries_page_newest_first_beside_the_balance(
    api: Api, admin: str, points_service: PointsService
) -> None:
    member_id, token, _ = verified_member(api, admin)
    # A second apart: entries earned in the same millisecond have no order of their own (ties go
    # by entry id), and this host funds five in under one.
    earned = datetime.now(UTC) - timedelta(minutes=1)
    for points in (1, 2, 3, 4, 5):
        fund(points_service, member_id, points, at=earned + timedelta(seconds=points))
    seen = pages(api, f"{API}/points/me", "entries", token)
    assert [[e["delta"] for e in page] for page in seen] == [[5, 4], [3, 2], [1]]
    assert api.get(f"{API}/points/me?limit=1", token=token).body["balance"] == 15


def test_a_cursor_the_list_did_not_give_out_is_refused(api: Api, admin: str) -> None:
    _, token, _ = verified_member(api, admin)
    assert fields_of(api.get(f"{API}/points/me?cursor=not-ours", token=token)) == {"cursor"}


# Boards -----------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("query", "field"),
    [
        ("period=year", "period"),
        ("scope=planet", "scope"),
        ("limit=0", "limit"),
        ("limit=201", "limit"),
        ("limit=2147483648", "limit"),
    ],
)
def test_a_board_outside_the_declared_periods_scopes_and_sizes_is_refused(
    api: Api, admin: str, query: str, field: str
) -> None:
    _, token, _ = verified_member(api, admin)
    assert fields_of(api.get(f"{API}/points/leaderboard?{query}", token=token)) == {field}


def test_the_city_board_names_its_period(api: Api, admin: str) -> None:
    _, token, _ = verified_member(api, admin)
    board = api.get(f"{API}/points/leaderboard?period=month&scope=city", token=token)
    assert board.status == 200, board.body
    assert (board.body["period"], board.body["scope"]) == ("month", "city")
    assert board.body["period_key"][:2] == "20"


def test_the_board_shows_the_top_and_the_callers_own_rank_below_it(
    api: Api, admin: str, points_service: PointsService
) -> None:
    _, team = station_with_team(api, admin)
    members = [verified_member(api, admin, team_id=team) for _ in range(4)]
    for (member_id, _, _), points in zip(members, (40, 30, 20, 10), strict=True):
        fund(points_service, member_id, points)
    last_id, last_token, _ = members[-1]
    path = f"{API}/points/leaderboard?scope=team&limit=2"
    # The team reaches the points service by event, maybe after the points themselves.
    board = wait_for(
        lambda: (b := api.get(path, token=last_token).body)["me"] and b["me"]["rank"] == 4 and b,
        what="all four members on the team's board",
    )
    assert [(e["rank"], e["points"]) for e in board["entries"]] == [(1, 40), (2, 30)]
    assert (board["me"]["rank"], board["me"]["member_id"], board["me"]["points"]) == (
        4,
        last_id,
        10,
    )
    assert board["me"]["name"]


def test_a_member_without_points_this_period_has_no_rank(api: Api, admin: str) -> None:
    _, token, _ = verified_member(api, admin)
    board = api.get(f"{API}/points/leaderboard?scope=city", token=token).body
    assert board["me"] is None


# Catalogue and redemptions ----------------------------------------------------------------------
@pytest.mark.parametrize(
    ("fields", "wrong"),
    [
        ({"stock": 2_147_483_648}, "stock"),
        ({"stock": 1_000_001}, "stock"),
        ({"stock": -1}, "stock"),
        ({"cost": 0}, "cost"),
        ({"cost": 10**12}, "cost"),
        ({"cost": "10"}, "cost"),
        ({"name": ""}, "name"),
    ],
)
def test_a_catalogue_item_out_of_bounds_is_refused(
    api: Api, admin: str, fields: dict, wrong: str
) -> None:
    body = {"name": "保温杯", "cost": 10, "stock": 5, **fields}
    assert fields_of(api.post(f"{API}/points/catalogue", body, token=admin)) == {wrong}


def test_members_cannot_offer_rewards(api: Api, admin: str) -> None:
    _, token, _ = verified_member(api, admin)
    body = {"name": "保温杯", "cost": 10, "stock": 5}
    assert api.post(f"{API}/points/catalogue", body, token=token).status == 403


def test_stock_beyond_the_bound_is_refused_when_grown(api: Api, admin: str) -> None:
    item = offer(api, admin)
    path = f"{API}/points/catalogue/{item['item_id']}/stock"
    assert fields_of(api.post(path, {"stock": 2_147_483_648}, token=admin)) == {"stock"}
    grown = api.post(path, {"stock": 9, "active": True}, token=admin)
    assert grown.status == 200 and grown.body["stock"] == 9


def test_a_member_redeems_and_an_officer_fulfils(
    api: Api, admin: str, points_service: PointsService
) -> None:
    member_id, token, _ = verified_member(api, admin)
    fund(points_service, member_id, 30)
    item = offer(api, admin, cost=20, stock=1)
    redeemed = api.post(f"{API}/points/redeem", {"item_id": item["item_id"]}, token=token)
    assert redeemed.status == 201, redeemed.body
    assert (redeemed.body["status"], redeemed.body["fulfilled_at"]) == ("redeemed", None)
    path = f"{API}/points/redemptions/{redeemed.body['redemption_id']}/fulfil"
    fulfilled = api.post(path, token=admin)
    assert fulfilled.status == 200 and fulfilled.body["status"] == "fulfilled"
    assert api.get(f"{API}/points/me", token=token).body["balance"] == 10


def test_a_member_without_points_cannot_redeem_an_item_of_the_largest_stock(
    api: Api, admin: str
) -> None:
    _, token, _ = verified_member(api, admin)
    item = offer(api, admin, cost=1, stock=1_000_000)
    refused = api.post(f"{API}/points/redeem", {"item_id": item["item_id"]}, token=token)
    assert refused.status == 409
    assert "insufficient_points" in refused.body["detail"]


def test_the_catalogue_and_redemptions_page_to_the_end(
    api: Api, admin: str, points_service: PointsService
) -> None:
    member_id, token, _ = verified_member(api, admin)
    fund(points_service, member_id, 50)
    item = offer(api, admin, cost=1, stock=10)
    for n in range(3):
        reply = api.post(
            f"{API}/points/redeem",
            {"item_id": item["item_id"]},
            token=token,
            headers={"Idempotency-Key": f"k{n}"},
        )
        assert reply.status == 201, reply.body
    mine = pages(api, f"{API}/points/redemptions", "redemptions", token)
    assert [len(page) for page in mine] == [2, 1]
    created = [r["created_at"] for page in mine for r in page]
    assert created == sorted(created, reverse=True)
    catalogue = [i for page in pages(api, f"{API}/points/catalogue", "items", token) for i in page]
    costs = [i["cost"] for i in catalogue]
    assert item["item_id"] in {i["item_id"] for i in catalogue} and costs == sorted(costs)


def test_redemptions_filtered_by_an_unknown_status_are_refused(api: Api, admin: str) -> None:
    assert fields_of(api.get(f"{API}/points/redemptions?status=lost", token=admin)) == {"status"}


# Penalties --------------------------------------------------------------------------------------
def test_an_officer_cannot_penalise_themselves(
    api: Api, admin: str, points_service: PointsService
) -> None:
    station, _ = station_with_team(api, admin)
    officer_id, officer = officer_of(api, admin, station)
    fund(points_service, officer_id, 50)
    body = {"member_id": officer_id, "points": 10, "reason": "自罚"}
    refused = api.post(f"{API}/points/penalties", body, token=officer)
    assert refused.status == 403
    assert "themselves" in refused.body["detail"]
    assert api.get(f"{API}/points/me", token=officer).body["balance"] == 50


def test_an_officer_penalises_a_member_of_their_station_only(
    api: Api, admin: str, points_service: PointsService
) -> None:
    station, team = station_with_team(api, admin)
    _, other_team = station_with_team(api, admin)
    _, officer = officer_of(api, admin, station)
    ours, _, _ = verified_member(api, admin, team_id=team)
    theirs, _, _ = verified_member(api, admin, team_id=other_team)
    for member_id in (ours, theirs):
        fund(points_service, member_id, 50)
    body = {"points": 10, "reason": "迟到"}
    outside = api.post(f"{API}/points/penalties", {**body, "member_id": theirs}, token=officer)
    assert outside.status == 404
    inside = api.post(f"{API}/points/penalties", {**body, "member_id": ours}, token=officer)
    assert inside.status == 201, inside.body
    assert (inside.body["delta"], inside.body["balance"]) == (-10, 40)


def test_a_penalty_beyond_the_bound_is_refused(api: Api, admin: str) -> None:
    member_id, _, _ = verified_member(api, admin)
    body = {"member_id": member_id, "points": 2_147_483_648, "reason": "x"}
    assert fields_of(api.post(f"{API}/points/penalties", body, token=admin)) == {"points"}
