"""The console's training screen in Debian's Chromium against the all-in-one: a class with its
attendance report and certificate link, rosters with their shifts, the month's duty hours per
unit and member, the outcomes table and the hotspot heat table, whose recommended window becomes
a roster at the press of a button — with real data made through the API and no console error.

docs/console-training.png is written when missing or with UPDATE_DOCS_SCREENSHOTS=1."""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from playwright.sync_api import Browser, expect, sync_playwright

import allinone
from services.training.bootstrap import TrainingService
from tests.support.api import Api, fix_at, verified_member, wait_for
from tests.support.browser import CHROMIUM, require_chromium

ADMIN = {"SHOUWANG_ADMIN_PHONE": "13800000000", "SHOUWANG_ADMIN_PASSWORD": "Admin-Password-1"}
HOT, QUIET = (27.90, 120.80), (27.95, 120.85)
DOCS = Path(__file__).resolve().parents[2] / "docs"
# A bound on a stalled page, not a speed requirement: at load 100+ a step took over 15 s.
TIMEOUT_MS = 30_000
LOCAL_TZ = ZoneInfo("Asia/Shanghai")  # where roster months begin


def square(center: tuple[float, float], half: float = 0.005) -> dict:
    lat, lon = center
    ring = [[lon - half, lat - half], [lon + half, lat - half], [lon + half, lat + half],
            [lon - half, lat + half], [lon - half, lat - half]]  # fmt: skip
    return {"type": "Polygon", "coordinates": [ring]}


@pytest.fixture(scope="module")
def console(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, dict, list[str]]]:
    require_chromium()
    with pytest.MonkeyPatch.context() as env:
        for key, value in ADMIN.items():
            env.setenv(key, value)
        running = allinone.start(port=0, data_dir=tmp_path_factory.mktemp("training-console"))
    try:
        yield running.url, *_populate(running)
    finally:
        running.stop()


def _populate(running: allinone.AllInOne) -> tuple[dict, list[str]]:
    api = Api(running.url)
    admin = api.post(
        "/api/v1/auth/login",
        {"phone": ADMIN["SHOUWANG_ADMIN_PHONE"], "password": ADMIN["SHOUWANG_ADMIN_PASSWORD"]},
    ).body["access_token"]
    station = api.post("/api/v1/orgs", {"name": "塘下派出所", "kind": "station"}, token=admin)
    station_id = station.body["org_id"]
    team = api.post(
        "/api/v1/orgs", {"name": "万达商场", "kind": "team", "parent_id": station_id}, token=admin
    ).body["org_id"]
    grids = {}
    for name, center in (("夜市网格", HOT), ("公园网格", QUIET)):
        feature = {"type": "Feature", "geometry": square(center),
                   "properties": {"name": name, "level": 1}}  # fmt: skip
        grids[name] = api.post("/api/v1/grids", feature, token=admin).body["properties"]["grid_id"]
    next(s for s in running.services if isinstance(s, TrainingService)).ports.grids.refresh()
    officer_id, _, person = verified_member(api, admin, name="林警官")
    api.post(f"/api/v1/members/{officer_id}/roles", {"roles": ["officer"], "org_id": station_id},
             token=admin)  # fmt: skip
    officer = api.post("/api/v1/auth/login", {"phone": person["phone"],
                       "password": person["password"]}).body["access_token"]  # fmt: skip
    guards = [verified_member(api, admin, team_id=team) for _ in range(2)]
    trainee_id, trainee_token, trainee = guards[0]
    # A class whose single session is under way now, with a roll call the trainee answers.
    now = datetime.now(UTC)
    cohort = api.post("/api/v1/cohorts", {
        "name": "瑞安第12期轮值轮训",
        "site": {"name": "基地", "location": {"lat": QUIET[0], "lon": QUIET[1]}, "radius_m": 300},
        "starts_on": now.date().isoformat(), "ends_on": now.date().isoformat(),
        "instructor_ids": [officer_id],
        "sessions": [{"starts_at": (now - timedelta(hours=1)).isoformat(),
                      "ends_at": (now + timedelta(hours=1)).isoformat(), "kind": "patrol"}],
    }, token=officer).body  # fmt: skip
    api.post(f"/api/v1/cohorts/{cohort['cohort_id']}/trainees", {"member_ids": [trainee_id]},
             token=officer)  # fmt: skip
    session_id = cohort["sessions"][0]["session_id"]
    rollcall = api.post(f"/api/v1/cohorts/{cohort['cohort_id']}/rollcalls",
                        {"session_id": session_id}, token=officer).body  # fmt: skip
    assert api.post("/api/v1/duty/start", token=trainee_token).status == 200
    fixes = [fix_at(*QUIET, ago_s=ago, accuracy_m=5) for ago in (150, 90, 30, 0)]
    assert api.post("/api/v1/location", {"fixes": fixes}, token=trainee_token).status == 202
    wait_for(
        lambda: api.post(f"/api/v1/rollcalls/{rollcall['rollcall_id']}/checkin",
                         token=trainee_token).status == 200 or None,
        what="the check-in",
    )  # fmt: skip
    log = {"cohort_id": cohort["cohort_id"], "counts": {"people_checked": 12, "hazards_found": 2}}
    assert api.post("/api/v1/patrol-logs", log, token=trainee_token).status == 201
    # The mall's roster this month: one shift for the unit, on the first evening.
    first = datetime.now(LOCAL_TZ).date().replace(day=1).isoformat()
    roster = {"name": "万达商场联防", "org_ids": [team], "starts_on": first,
              "area": {"center": {"lat": QUIET[0], "lon": QUIET[1]}, "radius_m": 500},
              "shifts": {"weekdays": [1, 2, 3, 4, 5, 6, 7], "from": "19:00", "to": "23:00"},
              "per_org_per_month": 1}  # fmt: skip
    assert api.post("/api/v1/rosters", roster, token=officer).status == 201
    # Incidents in the night-market grid; the trainee's minutes are in the park's.
    for title in ("夜市斗殴", "摊位纠纷"):
        body = {"title": title, "priority": 2, "location": {"lat": HOT[0], "lon": HOT[1]},
                "target": {"mode": "area"}}  # fmt: skip
        assert api.post("/api/v1/tasks", body, token=officer).status == 201
    wait_for(
        lambda: api.get("/api/v1/stats/hotspots", token=officer).body["windows"] or None,
        what="a recommended window",
    )
    return {"phone": person["phone"], "password": person["password"], **grids}, [
        trainee_id,
        trainee["name"],
    ]


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM)
        try:
            yield browser
        finally:
            browser.close()


def test_the_training_screen_shows_classes_rosters_outcomes_and_hotspots(
    console: tuple[str, dict, list[str]], browser: Browser, tmp_path: Path
) -> None:
    url, who, trainees = console
    page = browser.new_page(viewport={"width": 1400, "height": 1000}, locale="zh-CN")
    page.set_default_timeout(TIMEOUT_MS)
    expect.set_options(timeout=TIMEOUT_MS)
    problems: list[str] = []
    page.on("console", lambda m: problems.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda error: problems.append(str(error)))
    page.goto(url)
    page.fill("input[name=phone]", who["phone"])
    page.fill("input[name=password]", who["password"])
    page.click("form.login button[type=submit]")
    page.locator("[data-testid=liveness]").wait_for()
    page.click("a[data-screen=training]")
    screen = page.locator("[data-testid=training]")

    # The class and its report: the trainee present at the one roll call, so completed.
    screen.locator("[data-testid=cohorts] a", has_text="瑞安第12期轮值轮训").click()
    report = screen.locator("[data-testid=cohort-report]")
    row = report.locator("tr", has_text=trainees[1])  # by name
    expect(row.locator("td").nth(1)).to_have_text("1")
    href = row.locator("a.certificate").get_attribute("href") or ""
    assert "/certificate?member_id=" + trainees[0] in href
    # Outcomes: the log's counts in the total row.
    total = screen.locator("[data-testid=outcomes] tr", has_text="合计")
    expect(total.locator("td").nth(3)).to_have_text("12")

    # This month's hours: the mall's one 4-hour shift, held by one of its two guards.
    hours = screen.locator("[data-testid=roster-hours]")
    unit = hours.locator("table").first.locator("tr", has_text="万达商场")
    expect(unit.locator("td").nth(1)).to_have_text("1")
    expect(unit.locator("td").nth(4)).to_have_text("4.0")
    expect(hours.locator("table").nth(1).locator("tbody tr")).to_have_count(1)

    # Hotspots: the night-market grid's hour is recommended; a press makes a roster of it.
    heat = screen.locator("[data-testid=heat]")
    expect(heat.locator("tr", has_text="夜市网格").locator("td.recommended")).not_to_have_count(0)
    expect(heat.locator("tr", has_text="公园网格")).to_be_visible()
    screen.locator("[data-testid=hotspots] button[data-recommendation]").first.click()
    expect(screen.locator(".notice")).to_contain_text("已生成值班表")
    rosters = screen.locator("[data-testid=rosters] details.roster")
    expect(rosters).to_have_count(2)  # the mall's, and this one
    screen.locator("[data-testid=rosters] summary").first.click()
    expect(screen.locator("[data-testid=rosters] tbody tr")).not_to_have_count(0)

    path = tmp_path / "console-training.png"
    page.screenshot(path=path, full_page=True)
    in_docs = DOCS / path.name
    if os.environ.get("UPDATE_DOCS_SCREENSHOTS") == "1" or not in_docs.exists():
        shutil.copyfile(path, in_docs)
    assert problems == []
