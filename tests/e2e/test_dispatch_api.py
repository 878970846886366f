"""Dispatch through the HTTP API on the embedded all-in-one: officer creates a task, the nearest
eligible members are offered, claims are atomic, arrival, completion and confirmation. What
happens as time passes (waves, declines, expiry, widening) is specified at the service level, on
a manual clock: tests/unit/tasks/test_tasks_service.py."""

from __future__ import annotations

import io
import itertools
import json
import urllib.request
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
from PIL import Image

from allinone.composition import AllInOne
from shouwang.errors import Unavailable
from tests.support.api import (
    Api,
    Reply,
    fix_at,
    verified_member,
    wait_for,
    wait_until_placed,
)
from tests.support.embedded import admin_token, embedded_with_admin

_places = itertools.count()


@pytest.fixture(scope="module")
def running(tmp_path_factory: pytest.TempPathFactory) -> Iterator[AllInOne]:
    with embedded_with_admin(Path(tmp_path_factory.mktemp("dispatch"))) as started:
        yield started


@pytest.fixture(scope="module")
def api(running: AllInOne) -> Api:
    return Api(running.url)


@pytest.fixture(scope="module")
def admin(api: Api) -> str:
    return admin_token(api)


@pytest.fixture
def place() -> tuple[float, float]:
    """A spot of its own for each test, far from the others' members."""
    return 28.0 + next(_places) * 0.5, 120.65


def on_duty(
    api: Api, admin: str, place: tuple[float, float], offsets_m: list[float], **person
) -> list[tuple[str, str]]:
    """Verified members on duty, each `offset` metres north of `place`: [(member_id, token)],
    once dispatch can see them (a fix answered 202 reaches the live index through the bus)."""
    members = []
    for offset in offsets_m:
        member_id, token, _ = verified_member(api, admin, **person)
        assert api.post("/api/v1/duty/start", token=token).status == 200
        fix = fix_at(place[0] + offset / 111_195, place[1], ago_s=30, accuracy_m=5)
        assert api.post("/api/v1/location", {"fixes": [fix]}, token=token).body["accepted"] == 1
        members.append((member_id, token))
    placed = {member_id for member_id, _ in members}
    wait_until_placed(api, admin, placed, *place, within_m=max(offsets_m, default=0))
    return members


def dispatch(api: Api, admin: str, place: tuple[float, float], **fields) -> dict:
    body = {
        "title": "Elderly man missing",
        "priority": 2,
        "location": {"lat": place[0], "lon": place[1]},
        "target": {"mode": "nearest", "count": 1},
        **fields,
    }
    created = api.post("/api/v1/tasks", body, token=admin)
    assert created.status == 201, created.body
    return created.body


def task(api: Api, admin: str, task_id: str) -> dict:
    return api.get(f"/api/v1/tasks/{task_id}", token=admin).body


def test_the_nearest_members_are_offered_and_only_they(api: Api, admin: str, place) -> None:
    members = on_duty(api, admin, place, [900, 100, 500, 300])
    created = dispatch(api, admin, place, target={"mode": "nearest", "count": 2}, capacity=1)
    offered = [(o["member_id"], round(o["distance_m"])) for o in created["offers"]]
    assert offered == [(members[1][0], 100), (members[3][0], 300)]
    assert created["status"] == "dispatching" and created["wave"] == 1


def test_exactly_capacity_claims_win_however_many_arrive_at_once(
    api: Api, admin: str, place
) -> None:
    members = on_duty(api, admin, place, [20 * i + 10 for i in range(12)])
    created = dispatch(
        api,
        admin,
        place,
        target={"mode": "area"},
        capacity=3,
        area={"center": {"lat": place[0], "lon": place[1]}, "radius_m": 1000},
    )
    assert len(created["offers"]) == 12
    with ThreadPoolExecutor(max_workers=12) as pool:
        statuses = list(
            pool.map(
                lambda m: api.post(f"/api/v1/tasks/{created['task_id']}/claim", token=m[1]).status,
                members,
            )
        )
    assert sorted(statuses) == [200] * 3 + [409] * 9
    assert len(task(api, admin, created["task_id"])["claims"]) == 3


def test_a_member_not_offered_cannot_claim(api: Api, admin: str, place) -> None:
    _near, far = on_duty(api, admin, place, [50, 2500])
    created = dispatch(
        api, admin, place, area={"center": {"lat": place[0], "lon": place[1]}, "radius_m": 1000}
    )
    assert api.post(f"/api/v1/tasks/{created['task_id']}/claim", token=far[1]).status == 409


def test_a_member_suspended_on_duty_leaves_duty_and_is_not_offered(
    api: Api, admin: str, place
) -> None:
    (suspended, _), (colleague, _) = on_duty(api, admin, place, [50, 400])
    assert api.post(f"/api/v1/members/{suspended}/suspend", token=admin).status == 200
    bbox = f"{place[1] - 0.01},{place[0] - 0.01},{place[1] + 0.01},{place[0] + 0.01}"

    def live() -> set[str]:
        reply = api.get(f"/api/v1/live/members?bbox={bbox}", token=admin)
        return {f["properties"]["member_id"] for f in reply.body["features"]}

    assert wait_for(lambda: live() == {colleague}, what="the suspended member off duty")
    created = dispatch(api, admin, place, target={"mode": "nearest", "count": 1})
    assert [o["member_id"] for o in created["offers"]] == [colleague]


def test_claiming_a_cancelled_task_is_gone(api: Api, admin: str, place) -> None:
    (member,) = on_duty(api, admin, place, [50])
    created = dispatch(api, admin, place)
    assert api.post(f"/api/v1/tasks/{created['task_id']}/cancel", token=admin).status == 200
    assert api.post(f"/api/v1/tasks/{created['task_id']}/claim", token=member[1]).status == 410


def test_nobody_eligible_leaves_the_task_unfilled(api: Api, admin: str, place) -> None:
    on_duty(api, admin, place, [100])
    created = dispatch(api, admin, place, skills=["swimming"])
    assert created["status"] == "unfilled"
    assert created["offers"] == []


def test_busy_members_are_not_offered_another_task(api: Api, admin: str, place) -> None:
    (member,) = on_duty(api, admin, place, [100])
    first = dispatch(api, admin, place)
    assert api.post(f"/api/v1/tasks/{first['task_id']}/claim", token=member[1]).status == 200
    second = wait_for(
        lambda: (t := dispatch(api, admin, place))["status"] == "unfilled" and t,
        timeout_s=30,
        what="the busy member to be skipped",
    )
    assert second["offers"] == []


def test_entering_the_scene_marks_arrival_and_the_task_closes(api: Api, admin: str, place) -> None:
    (member,) = on_duty(api, admin, place, [800])
    created = dispatch(api, admin, place)
    task_id = created["task_id"]
    assert api.post(f"/api/v1/tasks/{task_id}/claim", token=member[1]).body["status"] == "claimed"

    def walked_in() -> dict | None:
        api.post(
            "/api/v1/location",
            {"fixes": [fix_at(place[0], place[1], accuracy_m=5)]},
            token=member[1],
        )
        current = task(api, admin, task_id)
        return current if current["status"] == "on_scene" else None

    arrived = wait_for(walked_in, timeout_s=15, interval_s=0.5, what="arrival by geofence")
    claim = arrived["claims"][0]
    assert claim["arrived_at"] and claim["claim_to_arrival_s"] >= 0
    done = api.post(
        f"/api/v1/tasks/{task_id}/complete",
        {"note": "found him at the bus stop", "media_ids": []},
        token=member[1],
    )
    assert done.body["status"] == "resolved"
    assert api.post(f"/api/v1/tasks/{task_id}/confirm", token=admin).body["status"] == "closed"
    # Released: the member is offered the next task.
    again = dispatch(api, admin, place)
    assert [o["member_id"] for o in again["offers"]] == [member[0]]


def test_named_members_are_checked_and_refusals_reported(api: Api, admin: str, place) -> None:
    (member,) = on_duty(api, admin, place, [100])
    created = dispatch(
        api, admin, place, target={"mode": "members", "member_ids": [member[0], "nobody-known"]}
    )
    assert [o["member_id"] for o in created["offers"]] == [member[0]]
    assert created["refused"] == [{"member_id": "nobody-known", "reason": "no such member"}]


def test_members_cannot_dispatch(api: Api, admin: str, place) -> None:
    (member,) = on_duty(api, admin, place, [100])
    body = {
        "title": "x",
        "priority": 1,
        "location": {"lat": place[0], "lon": place[1]},
        "target": {"mode": "nearest", "count": 1},
    }
    assert api.post("/api/v1/tasks", body, token=member[1]).status == 403


def test_invalid_task_lists_every_bad_field(api: Api, admin: str) -> None:
    reply = api.post(
        "/api/v1/tasks",
        {
            "title": "",
            "priority": 7,
            "location": {"lat": 91, "lon": 0},
            "target": {"mode": "all"},
            "capacity": 0,
            "expires_in_s": 10,
        },
        token=admin,
    )
    assert reply.status == 422
    assert {e["field"] for e in reply.body["errors"]} >= {
        "title",
        "priority",
        "location.lat",
        "target",
        "capacity",
        "expires_in_s",
    }


def test_a_report_is_reviewed_once(api: Api, admin: str, place) -> None:
    (member,) = on_duty(api, admin, place, [100])
    report = api.post(
        "/api/v1/reports",
        {
            "category": "safety_hazard",
            "description": "Broken street light",
            "location": {"lat": place[0], "lon": place[1]},
        },
        token=member[1],
    )
    assert report.status == 201 and report.body["status"] == "pending"
    path = f"/api/v1/reports/{report.body['report_id']}/review"
    with ThreadPoolExecutor(max_workers=5) as pool:
        statuses = list(
            pool.map(
                lambda _: api.post(path, {"decision": "approve", "points": 10}, token=admin).status,
                range(5),
            )
        )
    # One approval; the others are told it was reviewed (409) or, while the first is still
    # being recorded, that it is under way (503, ask again) — and asked again, it was reviewed.
    assert statuses.count(200) == 1 and set(statuses) <= {200, 409, 503}, statuses
    assert api.post(path, {"decision": "approve", "points": 10}, token=admin).status == 409
    mine = api.get("/api/v1/reports", token=member[1]).body["reports"]
    assert [(r["status"], r["points"]) for r in mine] == [("approved", 10)]


def test_points_follow_a_closed_task_and_an_approved_report(api: Api, admin: str, place) -> None:
    (member,) = on_duty(api, admin, place, [100])
    before = api.get("/api/v1/points/me", token=member[1]).body["balance"]
    created = dispatch(api, admin, place, priority=2)
    task_id = created["task_id"]
    api.post(f"/api/v1/tasks/{task_id}/claim", token=member[1])
    api.post(f"/api/v1/tasks/{task_id}/complete", {"note": "done"}, token=member[1])
    api.post(f"/api/v1/tasks/{task_id}/confirm", token=admin)
    closed = wait_for(
        lambda: (b := api.get("/api/v1/points/me", token=member[1]).body)["balance"] > before and b,
        what="points for the closed task",
    )
    assert closed["balance"] - before == created["points"] == 20
    assert closed["entries"][0]["ref"] == task_id
    report = api.post(
        "/api/v1/reports",
        {
            "category": "traffic",
            "description": "Lights out",
            "location": {"lat": place[0], "lon": place[1]},
        },
        token=member[1],
    ).body
    path = f"/api/v1/reports/{report['report_id']}/review"
    api.post(path, {"decision": "approve", "points": 7}, token=admin)
    after = wait_for(
        lambda: (
            (b := api.get("/api/v1/points/me", token=member[1]).body)["balance"] > closed["balance"]
            and b
        ),
        what="points for the approved report",
    )
    assert after["balance"] - closed["balance"] == 7


# Targets: the area the officer drew ----------------------------------------------------------


def test_without_an_area_the_search_widens_beyond_three_km(api: Api, admin: str, place) -> None:
    (far,) = on_duty(api, admin, place, [3500])
    created = dispatch(api, admin, place)
    assert created["widen"] is True
    assert [o["member_id"] for o in created["offers"]] == [far[0]]


def test_the_scene_radius_is_the_tasks_own(api: Api, admin: str, place) -> None:
    assert dispatch(api, admin, place)["scene_radius_m"] == 150
    assert dispatch(api, admin, place, scene_radius_m=400)["scene_radius_m"] == 400
    body = {
        "title": "x",
        "priority": 2,
        "location": {"lat": place[0], "lon": place[1]},
        "target": {"mode": "nearest", "count": 1},
        "scene_radius_m": 5,
    }
    reply = api.post("/api/v1/tasks", body, token=admin)
    assert reply.status == 422
    assert [e["field"] for e in reply.body["errors"]] == ["scene_radius_m"]


@pytest.mark.parametrize("field", ["capacity", "expires_in_s"])
def test_zero_is_refused_rather_than_read_as_the_default(
    api: Api, admin: str, place, field: str
) -> None:
    body = {
        "title": "x",
        "priority": 2,
        "location": {"lat": place[0], "lon": place[1]},
        "target": {"mode": "nearest", "count": 1},
        field: 0,
    }
    reply = api.post("/api/v1/tasks", body, token=admin)
    assert reply.status == 422
    assert [e["field"] for e in reply.body["errors"]] == [field]


# Lists -----------------------------------------------------------------------------------------


def pages(api: Api, token: str, path: str, items: str, limit: int) -> list[list[dict]]:
    """Every page of a list, following next_cursor."""
    found, cursor = [], ""
    while True:
        query = f"?limit={limit}" + (f"&cursor={cursor}" if cursor else "")
        reply = api.get(f"{path}{query}", token=token)
        assert reply.status == 200, reply.body
        found.append(reply.body[items])
        cursor = reply.body["next_cursor"]
        if cursor is None:
            return found


def test_a_members_tasks_page_with_their_offer_counts(api: Api, admin: str, place) -> None:
    (member, _other) = on_duty(api, admin, place, [100, 150])
    circle = {"center": {"lat": place[0], "lon": place[1]}, "radius_m": 1000}
    created = [dispatch(api, admin, place, target={"mode": "area"}, area=circle) for _ in range(3)]
    listed = pages(api, member[1], "/api/v1/tasks", "tasks", limit=2)
    assert [len(page) for page in listed] == [2, 1]
    tasks = [t for page in listed for t in page]
    assert [t["task_id"] for t in tasks] == [c["task_id"] for c in reversed(created)]
    assert {(t["offer_count"], t["claim_count"]) for t in tasks} == {(2, 0)}
    assert all("offers" not in t for t in tasks)


def test_an_officers_task_list_counts_offers_and_claims(api: Api, admin: str, place) -> None:
    (member,) = on_duty(api, admin, place, [100])
    created = dispatch(api, admin, place)
    api.post(f"/api/v1/tasks/{created['task_id']}/claim", token=member[1])
    (listed,) = [
        t
        for t in api.get("/api/v1/tasks?status=claimed&limit=200", token=admin).body["tasks"]
        if t["task_id"] == created["task_id"]
    ]
    assert (listed["offer_count"], listed["claim_count"]) == (1, 1)


def test_reports_page_newest_first(api: Api, admin: str, place) -> None:
    (member,) = on_duty(api, admin, place, [100])
    submitted = []
    for n in range(3):
        body = {
            "category": "other",
            "description": f"report {n}",
            "location": {"lat": place[0], "lon": place[1]},
        }
        submitted.append(api.post("/api/v1/reports", body, token=member[1]).body["report_id"])
    listed = pages(api, member[1], "/api/v1/reports", "reports", limit=2)
    assert [[r["report_id"] for r in page] for page in listed] == [
        submitted[:0:-1],
        submitted[:1],
    ]


@pytest.mark.parametrize("query", ["limit=2147483648", "limit=0", "cursor=not-a-cursor"])
def test_a_bad_page_query_is_refused(api: Api, admin: str, query: str) -> None:
    for path in ("/api/v1/tasks", "/api/v1/reports"):
        assert api.get(f"{path}?{query}", token=admin).status == 422


# Stations: an officer dispatches to their own station's members ------------------------------


def org(api: Api, admin: str, kind: str, parent_id: str = "") -> str:
    body = {"name": f"{kind} {next(_places)}", "kind": kind}
    if parent_id:
        body["parent_id"] = parent_id
    reply = api.post("/api/v1/orgs", body, token=admin)
    assert reply.status == 201, reply.body
    return reply.body["org_id"]


def officer_of(api: Api, admin: str, station_id: str) -> str:
    member_id, _, person = verified_member(api, admin)
    made = api.post(
        f"/api/v1/members/{member_id}/roles",
        {"roles": ["officer"], "org_id": station_id},
        token=admin,
    )
    assert made.status == 200, made.body
    credentials = {"phone": person["phone"], "password": person["password"]}
    return api.post("/api/v1/auth/login", credentials).body["access_token"]


@pytest.fixture
def stations(api: Api, admin: str) -> tuple[str, str, str]:
    """(officer token of station A, a team of A, a team of another station)."""
    ours, theirs = org(api, admin, "station"), org(api, admin, "station")
    return (
        officer_of(api, admin, ours),
        org(api, admin, "team", ours),
        org(api, admin, "team", theirs),
    )


def test_a_stations_task_is_offered_to_its_own_members_only(
    api: Api, admin: str, place, stations
) -> None:
    officer, our_team, their_team = stations
    (ours,) = on_duty(api, admin, place, [300], team_id=our_team)
    (theirs,) = on_duty(api, admin, place, [100], team_id=their_team)
    (stationless,) = on_duty(api, admin, place, [50])
    created = dispatch(api, officer, place, target={"mode": "nearest", "count": 3})
    assert [o["member_id"] for o in created["offers"]] == [ours[0]]
    for outsider in (theirs, stationless):
        claim = api.post(f"/api/v1/tasks/{created['task_id']}/claim", token=outsider[1])
        assert claim.status in (404, 409)
    city_wide = dispatch(api, admin, place, target={"mode": "nearest", "count": 3})
    assert len(city_wide["offers"]) == 3


def test_members_of_another_station_named_in_a_task_are_refused(
    api: Api, admin: str, place, stations
) -> None:
    officer, our_team, their_team = stations
    (ours,) = on_duty(api, admin, place, [300], team_id=our_team)
    (theirs,) = on_duty(api, admin, place, [100], team_id=their_team)
    (stationless,) = on_duty(api, admin, place, [50])
    named = [theirs[0], ours[0], stationless[0]]
    created = dispatch(api, officer, place, target={"mode": "members", "member_ids": named})
    assert [o["member_id"] for o in created["offers"]] == [ours[0]]
    reason = "not a member of the task's station"
    assert created["refused"] == [
        {"member_id": theirs[0], "reason": reason},
        {"member_id": stationless[0], "reason": reason},
    ]


# Evidence: a member's own photos only -------------------------------------------------------


def upload_photo(api: Api, token: str) -> str:
    image = io.BytesIO()
    Image.new("RGB", (32, 24), (20, 90, 200)).save(image, "JPEG")
    boundary = "shouwang-dispatch-test"
    body = (
        (
            f'--{boundary}\r\nContent-Disposition: form-data; name="file"; filename="p.jpg"\r\n'
            "Content-Type: image/jpeg\r\n\r\n"
        ).encode()
        + image.getvalue()
        + f"\r\n--{boundary}--\r\n".encode()
    )
    request = urllib.request.Request(f"{api.base_url}/api/v1/media", data=body, method="POST")
    request.add_header("Content-Type", f"multipart/form-data; boundary={boundary}")
    request.add_header("Authorization", f"Bearer {token}")
    with urllib.request.urlopen(request, timeout=30) as response:
        return json.loads(response.read())["media_id"]


def report(api: Api, token: str, place: tuple[float, float], media_ids: list[str]) -> Reply:
    body = {
        "category": "safety_hazard",
        "description": "Loose manhole cover",
        "location": {"lat": place[0], "lon": place[1]},
        "media_ids": media_ids,
    }
    return api.post("/api/v1/reports", body, token=token)


def test_a_report_with_another_members_photo_or_a_made_up_id_is_refused(
    api: Api, admin: str, place
) -> None:
    (author, other) = on_duty(api, admin, place, [100, 200])
    mine, theirs = upload_photo(api, author[1]), upload_photo(api, other[1])
    refused = report(api, author[1], place, [mine, theirs, "01m8nb5hk49vgkc2tapxrrm88x", "x"])
    assert refused.status == 422
    assert [e["field"] for e in refused.body["errors"]] == [
        "media_ids[1]",
        "media_ids[2]",
        "media_ids[3]",
    ]
    accepted = report(api, author[1], place, [mine])
    assert accepted.status == 201 and accepted.body["media_ids"] == [mine]


def test_a_completion_with_another_members_photo_is_refused(api: Api, admin: str, place) -> None:
    (member, other) = on_duty(api, admin, place, [100, 5000])
    created = dispatch(api, admin, place)
    assert api.post(f"/api/v1/tasks/{created['task_id']}/claim", token=member[1]).status == 200
    path = f"/api/v1/tasks/{created['task_id']}/complete"
    theirs = upload_photo(api, other[1])
    refused = api.post(path, {"note": "done", "media_ids": [theirs]}, token=member[1])
    assert refused.status == 422
    assert [e["field"] for e in refused.body["errors"]] == ["media_ids[0]"]
    assert task(api, admin, created["task_id"])["status"] == "claimed"
    mine = upload_photo(api, member[1])
    done = api.post(path, {"note": "done", "media_ids": [mine]}, token=member[1])
    assert done.status == 200 and done.body["media_ids"] == [mine]


def test_a_retry_after_a_5xx_gets_the_task_the_first_attempt_created(
    running: AllInOne, api: Api, admin: str, place, monkeypatch: pytest.MonkeyPatch
) -> None:
    on_duty(api, admin, place, [100])
    tasks = running.gateway.clients.tasks
    create = tasks.CreateTask

    def created_then_lost(request, **options):  # type: ignore[no-untyped-def]
        create(request, **options)
        raise Unavailable(detail="the reply was lost on the way back")

    monkeypatch.setattr(tasks, "CreateTask", created_then_lost)
    title = f"Retried dispatch {place[0]}"
    body = {"title": title, "priority": 2, "location": {"lat": place[0], "lon": place[1]},
            "target": {"mode": "nearest", "count": 1}}  # fmt: skip
    key = {"Idempotency-Key": f"retry-{place[0]}"}
    assert api.post("/api/v1/tasks", body, token=admin, headers=key).status == 503
    monkeypatch.undo()

    retried = api.post("/api/v1/tasks", body, token=admin, headers=key)
    assert retried.status == 201, retried.body
    replayed = api.post("/api/v1/tasks", body, token=admin, headers=key)
    assert replayed.body["task_id"] == retried.body["task_id"]
    listed = api.get("/api/v1/tasks?limit=100", token=admin).body["tasks"]
    assert [t["task_id"] for t in listed if t["title"] == title] == [retried.body["task_id"]]
    without_key = api.post("/api/v1/tasks", body, token=admin)
    assert without_key.body["task_id"] != retried.body["task_id"]  # a new dispatch, as asked
