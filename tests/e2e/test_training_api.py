"""CONTRACT.md "Rotation training": a class's week through the HTTP API of an embedded all-in-one —
an officer sets up the class, enrols trainees, the instructor calls the roll for each session
(pushed on the trainees' /stream), trainees check in from their live fixes (refused with the
distance when away), one takes approved leave, and the class report counts it all."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest

import allinone
from services.training.bootstrap import TrainingService
from tests.e2e.test_stream import (
    ADMIN_PASSWORD,
    ADMIN_PHONE,
    API,
    HEARTBEAT_S,
    Member,
    Shouwang,
)
from tests.support.api import Reply, fix_at, new_person, verified_member, wait_for

SITE = (27.78, 120.66)
PATROL = (SITE[0] + 1000 / 111_195, SITE[1])  # a district 1 km north of the base
NORTH_800 = (SITE[0] + 800 / 111_195, SITE[1])
MONDAY = datetime(2026, 7, 6, tzinfo=UTC)
LOCAL_TZ = ZoneInfo("Asia/Shanghai")  # where the roster windows are wall-clock times


@pytest.fixture(scope="module")
def app(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Shouwang]:
    with pytest.MonkeyPatch.context() as env:
        env.setenv("SHOUWANG_ADMIN_PHONE", ADMIN_PHONE)
        env.setenv("SHOUWANG_ADMIN_PASSWORD", ADMIN_PASSWORD)
        running = allinone.start(port=0, data_dir=tmp_path_factory.mktemp("training"))
    running.gateway.hub.heartbeat_s = HEARTBEAT_S
    shouwang = Shouwang(running)
    try:
        yield shouwang
    finally:
        for client in shouwang.clients:
            client.close()
        running.stop()


def at(when: datetime) -> str:
    return when.isoformat().replace("+00:00", "Z")


def week() -> list[dict[str, Any]]:
    sessions = []
    for day in range(5):
        base = MONDAY + timedelta(days=day)
        sessions.append(
            {
                "starts_at": at(base + timedelta(hours=1)),
                "ends_at": at(base + timedelta(hours=4)),
                "kind": "training",
                "topic": ["队列", "急救", "法律", "消防", "警务技能"][day],
            }
        )
        sessions.append(
            {
                "starts_at": at(base + timedelta(hours=12)),
                "ends_at": at(base + timedelta(hours=15)),
                "kind": "patrol",
                "area": {"center": {"lat": PATROL[0], "lon": PATROL[1]}, "radius_m": 300},
            }
        )
    return sessions


def on_duty(app: Shouwang) -> Member:
    member = app.member()
    assert app.api.post(f"{API}/duty/start", token=member.token).status == 200
    return member


def be_at(app: Shouwang, member: Member, place: tuple[float, float], *, ago_s: float = 0) -> None:
    fixes = {"fixes": [fix_at(*place, ago_s=ago_s)]}
    reply = app.api.post(f"{API}/location", fixes, token=member.token)
    assert reply.status == 202 and reply.body["accepted"] == 1, reply.body


def check_in(app: Shouwang, member: Member, rollcall_id: str, *, present: bool = True) -> Reply:
    """A check-in once the member's latest fix has reached their track (fixes are kept
    asynchronously): a refusal records nothing, so one that may be about an older fix is retried."""

    def answered() -> Reply | None:
        reply = app.api.post(f"{API}/rollcalls/{rollcall_id}/checkin", token=member.token)
        if "no position" in str(reply.body.get("detail", "")):
            return None
        return reply if (reply.status == 200) == present else None

    return wait_for(answered, what="the check-in's answer", timeout_s=30)


def test_a_class_week_from_creation_to_the_report(app: Shouwang) -> None:
    officer, instructor = app.officer(app.station), app.member()
    keen, away, lost = on_duty(app), on_duty(app), on_duty(app)
    draft = {
        "name": "瑞安第12期轮值轮训",
        "site": {"name": "轮训基地", "location": {"lat": SITE[0], "lon": SITE[1]}, "radius_m": 200},
        "starts_on": "2026-07-06",
        "ends_on": "2026-07-10",
        "instructor_ids": [instructor.member_id],
        "sessions": week(),
    }
    assert app.api.post(f"{API}/cohorts", draft, token=instructor.token).status == 403
    created = app.api.post(f"{API}/cohorts", draft, token=officer.token)
    assert created.status == 201, created.body
    cohort = created.body
    sessions = [s["session_id"] for s in cohort["sessions"]]
    assert len(set(sessions)) == 10 and cohort["sessions"][1]["area"]["radius_m"] == 300

    _, pending_token = app.api.register_and_login(new_person())
    pending = app.api.get(f"{API}/me", token=pending_token).body["member_id"]
    refused = app.api.post(
        f"{API}/cohorts/{cohort['cohort_id']}/trainees",
        {"member_ids": [keen.member_id, pending]},
        token=officer.token,
    )
    assert refused.status == 422 and refused.body["errors"][0]["field"] == "member_ids[1]"
    trainees = [keen.member_id, away.member_id, lost.member_id]
    enrolled = app.api.post(
        f"{API}/cohorts/{cohort['cohort_id']}/trainees",
        {"member_ids": trainees},
        token=officer.token,
    )
    assert enrolled.status == 200 and sorted(enrolled.body["trainee_ids"]) == sorted(trainees)

    # Away asks for Tuesday off and the instructor approves.
    leave = app.api.post(
        f"{API}/cohorts/{cohort['cohort_id']}/leave",
        {
            "from": at(MONDAY + timedelta(days=1)),
            "to": at(MONDAY + timedelta(days=2)),
            "reason": "家中有事",
        },
        token=away.token,
    )
    assert leave.status == 201 and leave.body["status"] == "pending", leave.body
    decided = app.api.post(
        f"{API}/leave/{leave.body['leave_id']}/decide",
        {"approve": True, "note": "准假"},
        token=instructor.token,
    )
    assert decided.status == 200 and decided.body["status"] == "approved"
    again = app.api.post(
        f"{API}/leave/{leave.body['leave_id']}/decide", {"approve": False}, token=instructor.token
    )
    assert again.status == 409

    stream = app.open_stream(keen)

    def call_roll(index: int) -> str:
        opened = app.api.post(
            f"{API}/cohorts/{cohort['cohort_id']}/rollcalls",
            {"session_id": sessions[index]},
            token=instructor.token,
        )
        assert opened.status == 201, opened.body
        rollcall_id = opened.body["rollcall_id"]
        stream.wait_for_event(
            "shouwang.rollcall.opened", lambda e: e.data["rollcall_id"] == rollcall_id
        )
        return rollcall_id

    # The days' training at the base (fixes dated back so that the evening's move to the
    # district 1 km away is a plausible speed for the location service).
    be_at(app, keen, SITE, ago_s=60)
    be_at(app, away, SITE, ago_s=60)
    be_at(app, lost, NORTH_800, ago_s=90)  # lost starts the week in the wrong place
    for index in (0, 2, 4, 6, 8):
        rollcall_id = call_roll(index)
        assert check_in(app, keen, rollcall_id).body["status"] == "present"
        if index != 2:  # away is on leave on Tuesday
            assert check_in(app, away, rollcall_id).status == 200
        if index == 0:  # refused with the distance from the base's edge
            wrong = check_in(app, lost, rollcall_id, present=False)
            assert wrong.status == 422, wrong.body
            assert 590 <= int(wrong.body["errors"][0]["message"]) <= 610
            be_at(app, lost, SITE, ago_s=45)
        elif index > 2:  # lost misses Tuesday morning too
            assert check_in(app, lost, rollcall_id).status == 200
    # The nights' patrols in the district.
    for member in (keen, away, lost):
        be_at(app, member, PATROL)
    for index in (1, 3, 5, 7, 9):
        rollcall_id = call_roll(index)
        assert check_in(app, keen, rollcall_id).body["status"] == "present"
        if index != 3:
            assert check_in(app, away, rollcall_id).status == 200
        if index != 1:  # and Monday night's patrol
            assert check_in(app, lost, rollcall_id).status == 200

    filed = app.api.post(
        f"{API}/patrol-logs",
        {
            "cohort_id": cohort["cohort_id"],
            "counts": {"people_checked": 40, "rooms_inspected": 12, "hazards_found": 2},
            "note": "夜巡发现两处消防隐患",
        },
        token=keen.token,
    )
    assert filed.status == 201, filed.body

    outsider = app.member()
    assert (
        app.api.get(f"{API}/cohorts/{cohort['cohort_id']}/report", token=outsider.token).status
        == 404
    )
    report = app.api.get(f"{API}/cohorts/{cohort['cohort_id']}/report", token=officer.token)
    assert report.status == 200, report.body
    rows = {row["member_id"]: row for row in report.body["trainees"]}
    assert report.body["sessions_called"] == 10
    assert (rows[keen.member_id]["attended"], rows[keen.member_id]["patrol_hours"]) == (10, 15.0)
    assert (rows[away.member_id]["excused"], rows[away.member_id]["missed"]) == (2, 0)
    assert rows[away.member_id]["completed"]
    assert rows[lost.member_id]["missed"] == 3 and not rows[lost.member_id]["completed"]
    assert report.body["completed_count"] == 2
    outcomes = report.body["outcomes"]
    assert (outcomes["people_checked"], outcomes["hazards_found"]) == (40, 2)

    certificates = f"{API}/cohorts/{cohort['cohort_id']}/certificate"
    own = app.api.get(certificates, token=keen.token)
    assert own.status == 200 and own.headers["Content-Type"].startswith("text/html")
    page = own.body.decode()
    assert "结业证书" in page and 'class="attended">10 / 10<' in page and "15 小时" in page
    for_away = app.api.get(f"{certificates}?member_id={away.member_id}", token=instructor.token)
    assert for_away.status == 200 and 'class="attended">8 / 10<' in for_away.body.decode()
    assert app.api.get(certificates, token=lost.token).status == 409  # not completed
    peeking = app.api.get(f"{certificates}?member_id={keen.member_id}", token=away.token)
    assert peeking.status == 404


def test_a_roster_month_with_a_swap(app: Shouwang) -> None:
    officer = app.officer(app.station)
    shop, hotel = app.org("team", app.station), app.org("team", app.station)
    shopkeepers = [
        Member(*verified_member(app.api, app.admin.token, team_id=shop)[:2]) for _ in range(3)
    ]
    clerk = Member(*verified_member(app.api, app.admin.token, team_id=hotel)[:2])
    draft = {
        "name": "塘下商铺企业联防",
        "org_ids": [shop, hotel],
        "area": {"center": {"lat": SITE[0], "lon": SITE[1]}, "radius_m": 800},
        "shifts": {"weekdays": [5, 6], "from": "19:00", "to": "23:00"},
        "per_org_per_month": 2,
        "starts_on": "2026-09-01",
    }
    assert app.api.post(f"{API}/rosters", draft, token=clerk.token).status == 403
    created = app.api.post(f"{API}/rosters", draft, token=officer.token)
    assert created.status == 201, created.body
    generated = created.body["generated"]
    assert created.body["unfilled"] == []
    assert len(generated) == 4
    by_org = {org: [s for s in generated if s["org_id"] == org] for org in (shop, hotel)}
    assert len(by_org[shop]) == 2 and len({s["member_id"] for s in by_org[shop]}) == 2
    assert [s["member_id"] for s in by_org[hotel]] == [clerk.member_id] * 2

    own = app.api.get(f"{API}/shifts?limit=1", token=clerk.token)
    assert own.status == 200 and len(own.body["shifts"]) == 1 and own.body["next_cursor"]
    rest = app.api.get(f"{API}/shifts?cursor={own.body['next_cursor']}", token=clerk.token)
    assert len(rest.body["shifts"]) == 1 and rest.body["next_cursor"] is None
    other = app.api.get(f"{API}/shifts?member_id={clerk.member_id}", token=shopkeepers[0].token)
    assert other.status == 403
    scoped = app.api.get(
        f"{API}/shifts?from=2026-09-01T00:00:00Z&to=2026-10-01T00:00:00Z", token=officer.token
    )
    assert len(scoped.body["shifts"]) == 4

    # The first shopkeeper's shift goes to the third, who had none this month.
    given = next(s for s in by_org[shop] if s["member_id"] == shopkeepers[0].member_id)
    offered = app.api.post(
        f"{API}/shifts/{given['shift_id']}/swap",
        {"with_member_id": shopkeepers[2].member_id},
        token=shopkeepers[0].token,
    )
    assert offered.status == 200 and offered.body["swap_with"] == shopkeepers[2].member_id
    not_asked = app.api.post(f"{API}/shifts/{given['shift_id']}/swap/accept", token=clerk.token)
    assert not_asked.status == 404
    taken = app.api.post(
        f"{API}/shifts/{given['shift_id']}/swap/accept", token=shopkeepers[2].token
    )
    assert taken.status == 200 and taken.body["member_id"] == shopkeepers[2].member_id
    mine = app.api.get(f"{API}/shifts", token=shopkeepers[2].token).body["shifts"]
    assert [s["shift_id"] for s in mine] == [given["shift_id"]]
    assert app.api.get(f"{API}/shifts", token=shopkeepers[0].token).body["shifts"] == []

    # The month's hours per unit and member follow the swap.
    september = "from=2026-09-01T00:00:00%2B08:00&to=2026-10-01T00:00:00%2B08:00"
    hours = app.api.get(f"{API}/stats/roster-hours?{september}", token=officer.token)
    assert hours.status == 200, hours.body
    assert {u["org_id"]: (u["shifts"], u["scheduled_minutes"]) for u in hours.body["units"]} == {
        shop: (2, 480),
        hotel: (2, 480),
    }
    held = {(m["org_id"], m["member_id"]): m["shifts"] for m in hours.body["members"]}
    assert held[(shop, shopkeepers[2].member_id)] == 1
    assert (shop, shopkeepers[0].member_id) not in held
    assert hours.body["total"]["present_minutes"] == 0  # nobody was there
    own = app.api.get(f"{API}/stats/roster-hours?{september}", token=clerk.token)
    assert [m["member_id"] for m in own.body["members"]] == [clerk.member_id]
    peeking = f"{API}/stats/roster-hours?member_id={shopkeepers[2].member_id}"
    assert app.api.get(peeking, token=clerk.token).status == 403
    too_long = app.api.get(
        f"{API}/stats/roster-hours?from=2025-01-01T00:00:00Z&to=2026-09-01T00:00:00Z",
        token=officer.token,
    )
    assert too_long.status == 422 and too_long.body["errors"][0]["field"] == "to"

    # The clerk, on duty for the hotel, files the night's counts; the officer reads the month.
    assert app.api.post(f"{API}/duty/start", token=clerk.token).status == 200
    night = by_org[hotel][0]
    counts = {"people_checked": 15, "vehicles_checked": 4, "migrants_registered": 6}
    refused = app.api.post(
        f"{API}/patrol-logs", {"shift_id": given["shift_id"], "counts": counts}, token=clerk.token
    )
    assert refused.status == 404  # not the clerk's shift
    for _ in range(2):
        filed = app.api.post(
            f"{API}/patrol-logs",
            {"shift_id": night["shift_id"], "counts": counts},
            token=clerk.token,
        )
        assert filed.status == 201, filed.body
    stats = app.api.get(f"{API}/stats/outcomes?org_id={hotel}", token=officer.token)
    assert stats.status == 200, stats.body
    assert stats.body["logs"] == 2 and stats.body["total"]["migrants_registered"] == 12
    assert [row["org_id"] for row in stats.body["rows"]] == [hotel]
    assert app.api.get(f"{API}/stats/outcomes", token=clerk.token).status == 403


def test_a_shift_under_way_counts_the_minutes_the_members_fixes_put_them_inside(
    app: Shouwang,
) -> None:
    officer = app.officer(app.station)
    unit = app.org("team", app.station)
    keeper = Member(*verified_member(app.api, app.admin.token, team_id=unit)[:2])
    local = datetime.now(LOCAL_TZ)
    started, ends = local - timedelta(minutes=30), local + timedelta(minutes=90)
    if started.date() != local.date() or ends.date() != local.date():
        pytest.skip("the window would cross midnight in Asia/Shanghai")  # a few minutes a day
    draft = {
        "name": "午间巡逻",
        "org_ids": [unit],
        "area": {"center": {"lat": PATROL[0], "lon": PATROL[1]}, "radius_m": 300},
        "shifts": {
            "weekdays": [local.isoweekday()],
            "from": started.strftime("%H:%M"),
            "to": ends.strftime("%H:%M"),
        },
        "starts_on": local.date().isoformat(),
    }
    created = app.api.post(f"{API}/rosters", draft, token=officer.token)
    assert created.status == 201, created.body
    assert [s["member_id"] for s in created.body["generated"]] == [keeper.member_id]
    assert app.api.post(f"{API}/duty/start", token=keeper.token).status == 200
    fixes = [fix_at(*PATROL, ago_s=ago) for ago in (600, 420, 240, 60)]
    assert app.api.post(f"{API}/location", {"fixes": fixes}, token=keeper.token).status == 202

    def attended() -> int | None:
        shifts = app.api.get(f"{API}/shifts", token=keeper.token).body["shifts"]
        minutes = shifts[0]["minutes_present"]
        return minutes if minutes and minutes >= 9 else None

    # 3 minutes after each of the first three fixes, and the last one's minute up to now
    assert wait_for(attended, what="the fixes in the track") in (9, 10)


HOT = (27.90, 120.80)  # where the incidents are, far from the class's base
QUIET = (27.95, 120.85)  # where the patrols walk


def square(center: tuple[float, float], half: float = 0.005) -> dict[str, Any]:
    lat, lon = center
    ring = [
        [lon - half, lat - half],
        [lon + half, lat - half],
        [lon + half, lat + half],
        [lon - half, lat + half],
        [lon - half, lat - half],
    ]
    return {"type": "Polygon", "coordinates": [ring]}


def grid(app: Shouwang, center: tuple[float, float], name: str) -> str:
    feature = {
        "type": "Feature",
        "geometry": square(center),
        "properties": {"name": name, "level": 1},
    }
    reply = app.api.post(f"{API}/grids", feature, token=app.admin.token)
    assert reply.status == 201, reply.body
    return reply.body["properties"]["grid_id"]


def test_hotspots_recommend_the_hour_with_incidents_and_no_patrol_and_a_roster_takes_it(
    app: Shouwang,
) -> None:
    officer = app.officer(app.station)
    hot, quiet = grid(app, HOT, "夜市网格"), grid(app, QUIET, "公园网格")
    training = next(s for s in app.running.services if isinstance(s, TrainingService))
    training.ports.grids.refresh()  # grids are re-read every 5 minutes otherwise
    walker = on_duty(app)
    fixes = [fix_at(*QUIET, ago_s=ago) for ago in (150, 90, 30)]
    assert app.api.post(f"{API}/location", {"fixes": fixes}, token=walker.token).status == 202
    created_at = []
    for title in ("夜市斗殴", "摊位纠纷"):
        body = {
            "title": title,
            "priority": 2,
            "location": {"lat": HOT[0], "lon": HOT[1]},
            "target": {"mode": "area"},
        }
        reply = app.api.post(f"{API}/tasks", body, token=officer.token)
        assert reply.status == 201, reply.body
        created_at.append(datetime.fromisoformat(reply.body["created_at"].replace("Z", "+00:00")))

    def counted() -> dict[str, Any] | None:
        reply = app.api.get(f"{API}/stats/hotspots", token=officer.token)
        assert reply.status == 200, reply.body
        quiet_minutes = sum(
            c["presence_minutes"] for c in reply.body["cells"] if c["grid_id"] == quiet
        )
        return reply.body if quiet_minutes >= 2 else None

    hotspots = wait_for(counted, what="the walker's minutes in the quiet grid")
    incidents = {
        (c["grid_id"], c["hour"]): c["incidents"] for c in hotspots["cells"] if c["incidents"]
    }
    hours = {t.astimezone(LOCAL_TZ).hour for t in created_at}
    assert sum(n for (g, _), n in incidents.items() if g == hot) == 2
    assert {h for g, h in incidents if g == hot} == hours
    assert {g["grid_id"]: g["name"] for g in hotspots["grids"]}[hot] == "夜市网格"
    best = hotspots["windows"][0]
    assert best["grid_id"] == hot and best["incidents"] >= 1 and best["presence_minutes"] == 0
    assert best["from"] == f"{min(best['hours']):02d}:00" or 23 in best["hours"]
    assert all(w["grid_id"] != quiet for w in hotspots["windows"])

    # Refusals: a member, and a range over 92 days (the field is named).
    assert app.api.get(f"{API}/stats/hotspots", token=walker.token).status == 403
    far = "from=2026-01-01T00:00:00Z&to=2026-06-01T00:00:00Z"
    refused = app.api.get(f"{API}/stats/hotspots?{far}", token=officer.token)
    assert refused.status == 422 and refused.body["errors"][0]["field"] == "from", refused.body

    # A roster takes the recommendation: its hours, and the grid as its area.
    unit = app.org("team", app.station)
    guard = Member(*verified_member(app.api, app.admin.token, team_id=unit)[:2])
    draft = {
        "name": "夜市巡逻",
        "org_ids": [unit],
        "shifts": {"from_hotspots": {"recommendation_id": best["recommendation_id"]}},
    }
    created = app.api.post(f"{API}/rosters", draft, token=officer.token)
    assert created.status == 201, created.body
    roster = created.body
    assert (roster["shifts"]["from"], roster["shifts"]["to"]) == (best["from"], best["to"])
    assert roster["shifts"]["weekdays"] == [1, 2, 3, 4, 5, 6, 7]
    assert roster["grid_id"] == hot and roster["area"]["type"] == "Polygon"
    assert roster["generated"] and {s["member_id"] for s in roster["generated"]} == {
        guard.member_id
    }
    listed = app.api.get(f"{API}/rosters", token=officer.token).body["rosters"]
    mine = next(r for r in listed if r["roster_id"] == roster["roster_id"])
    assert mine["shift_count"] == len(roster["generated"]) and mine["generated"] == []
    # A grid with patrols and no incidents has no window to give.
    by_grid = {**draft, "shifts": {"from_hotspots": {"grid_id": quiet}}}
    refused = app.api.post(f"{API}/rosters", by_grid, token=officer.token)
    assert refused.status == 422, refused.body


def test_officers_list_their_stations_classes_newest_first(app: Shouwang) -> None:
    officer, instructor = app.officer(app.station), app.member()
    names = []
    for n in (1, 2, 3):
        draft = {
            "name": f"列表第{n}期",
            "site": {"name": "基地", "location": {"lat": SITE[0], "lon": SITE[1]}, "radius_m": 200},
            "starts_on": "2026-08-03",
            "ends_on": "2026-08-07",
            "instructor_ids": [instructor.member_id],
            "sessions": week(),
        }
        assert app.api.post(f"{API}/cohorts", draft, token=officer.token).status == 201
        names.append(draft["name"])
    listed = app.api.get(f"{API}/cohorts?limit=2", token=officer.token)
    assert listed.status == 200, listed.body
    assert [c["name"] for c in listed.body["cohorts"]] == names[:0:-1]
    cursor = listed.body["next_cursor"]
    rest = app.api.get(f"{API}/cohorts?limit=2&cursor={cursor}", token=officer.token).body
    assert rest["cohorts"][0]["name"] == names[0]
    assert app.api.get(f"{API}/cohorts", token=instructor.token).status == 403
