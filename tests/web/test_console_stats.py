"""The statistics screen and the coverage layer in a real browser (Debian's Chromium driven by
Playwright) against the all-in-one on loopback, with real data: tasks dispatched, claimed and
reached, reports filed, members on duty. The officer reads the 1-3-5 shares and the charts,
exports the CSV, switches coverage on and sees it follow a member's move on /stream — with no
console error throughout.

Screenshots go to the test's tmp dir; docs/console-stats.png and docs/console-coverage.png are
written when missing or with UPDATE_DOCS_SCREENSHOTS=1 (so an ordinary run leaves the checkout
clean)."""

from __future__ import annotations

import os
import re
import shutil
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page, expect, sync_playwright

from tests.support.api import Api, fix_at, verified_member
from tests.support.browser import CHROMIUM, require_chromium
from tests.support.embedded import admin_token, embedded_with_admin

PLACE = (27.78, 120.65)  # Rui'an
MOVE_AFTER_S = 20  # the roamer's 1.3 km move, at a speed location believes
DOCS = Path(__file__).resolve().parents[2] / "docs"
# A bound on a stalled page, not a speed requirement: at load 100+ a step took over 15 s.
TIMEOUT_MS = 30_000
METRES_PER_DEGREE = 111_195


@dataclass
class Scene:
    api: Api
    url: str
    officer_phone: str
    officer_password: str
    roamer: str  # a free member's token, to move across the grid
    roamer_fixed_at: float  # time.monotonic() of the roamer's first fix


@pytest.fixture(scope="module")
def scene(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Scene]:
    require_chromium()
    with embedded_with_admin(Path(tmp_path_factory.mktemp("console-stats"))) as running:
        yield _populate(Api(running.url), running.url)


def _populate(api: Api, url: str) -> Scene:
    admin = admin_token(api)
    station_id = api.post(
        "/api/v1/orgs", {"name": "安阳派出所", "kind": "station"}, token=admin
    ).body["org_id"]
    team_id = api.post(
        "/api/v1/orgs", {"name": "一中队", "kind": "team", "parent_id": station_id}, token=admin
    ).body["org_id"]
    for name, (south, west, north, east) in {
        "安阳街道": (-0.006, -0.01, 0.006, 0.0),
        "锦湖街道": (-0.006, 0.0, 0.006, 0.01),
    }.items():
        s, w, n, e = PLACE[0] + south, PLACE[1] + west, PLACE[0] + north, PLACE[1] + east
        grid = api.post(
            "/api/v1/grids",
            {
                "type": "Feature",
                "geometry": {
                    "type": "Polygon",
                    "coordinates": [[[w, s], [e, s], [e, n], [w, n], [w, s]]],
                },
                "properties": {"name": name, "level": 1},
            },
            token=admin,
        )
        assert grid.status == 201, grid.body
    officer_id, _, officer = verified_member(api, admin, name="陈警官")
    assert (
        api.post(
            f"/api/v1/members/{officer_id}/roles",
            {"roles": ["officer"], "org_id": station_id},
            token=admin,
        ).status
        == 200
    )
    officer_token = api.post(
        "/api/v1/auth/login", {"phone": officer["phone"], "password": officer["password"]}
    ).body["access_token"]
    # Members on duty in the west grid only; the east one has nobody near.
    tokens = []
    for west_m in (900, 600, 300):
        _, token, _ = verified_member(api, admin, team_id=team_id)
        _on_duty_at(api, token, PLACE[0], PLACE[1] - west_m / 95_000)
        tokens.append(token)
    # Two tasks reached at once, one claimed but nobody on scene yet.
    for claimant, arrives in ((tokens[0], True), (tokens[1], True), (tokens[2], False)):
        task = api.post(
            "/api/v1/tasks",
            {
                "title": "巡查",
                "priority": 2,
                "location": {"lat": PLACE[0], "lon": PLACE[1] - 0.005},
                "target": {"mode": "nearest", "count": 3},
            },
            token=officer_token,
        )
        assert task.status == 201, task.body
        task_id = task.body["task_id"]
        assert api.post(f"/api/v1/tasks/{task_id}/claim", token=claimant).status == 200
        if arrives:
            assert api.post(f"/api/v1/tasks/{task_id}/arrive", token=claimant).status == 200
    for category in ("fire", "traffic", "traffic"):
        report = api.post(
            "/api/v1/reports",
            {"category": category, "description": "路口", "location": _point()},
            token=tokens[0],
        )
        assert report.status == 201, report.body
    _, roamer, _ = verified_member(api, admin, team_id=team_id)
    _on_duty_at(api, roamer, PLACE[0], PLACE[1] - 0.008)
    roamer_fixed_at = time.monotonic()
    return Scene(
        api=api,
        url=url,
        officer_phone=officer["phone"],
        officer_password=officer["password"],
        roamer=roamer,
        roamer_fixed_at=roamer_fixed_at,
    )


def _point() -> dict[str, float]:
    return {"lat": PLACE[0], "lon": PLACE[1]}


def _on_duty_at(api: Api, token: str, lat: float, lon: float) -> None:
    assert api.post("/api/v1/duty/start", token=token).status == 200
    fix = fix_at(lat, lon, ago_s=2, accuracy_m=5)
    assert api.post("/api/v1/location", {"fixes": [fix]}, token=token).body["accepted"] == 1


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM)
        try:
            yield browser
        finally:
            browser.close()


def signed_in(browser: Browser, scene: Scene, problems: list[str], **options: object) -> Page:
    page = browser.new_page(viewport={"width": 1400, "height": 900}, locale="zh-CN", **options)
    page.set_default_timeout(TIMEOUT_MS)
    expect.set_options(timeout=TIMEOUT_MS)
    page.on("console", lambda m: problems.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda error: problems.append(str(error)))
    page.goto(scene.url)
    page.fill("input[name=phone]", scene.officer_phone)
    page.fill("input[name=password]", scene.officer_password)
    page.click("form.login button[type=submit]")
    page.locator("[data-testid=liveness].on").wait_for()
    return page


def test_the_statistics_screen_shows_the_1_3_5_shares_charts_and_exports_csv(
    scene: Scene, browser: Browser, tmp_path: Path
) -> None:
    problems: list[str] = []
    page = signed_in(browser, scene, problems, accept_downloads=True)
    page.click("a[data-screen=stats]")
    stats = page.locator("[data-testid=stats][data-loaded=true]")
    stats.wait_for()
    # 2 of the 3 tasks had someone on scene at once; the third is not judged for 5 minutes.
    headline = stats.locator("[data-testid=headline] .share")
    expect(headline).to_have_count(3)
    expect(headline.locator("b")).to_have_text(["100%", "100%", "100%"])
    expect(headline.locator("small")).to_have_text(["2 / 2", "2 / 2", "2 / 2"])
    expect(stats.locator(".distributions tbody tr").first.locator("td").first).to_have_text("3")
    for name in ("histogram", "tasks", "reports", "duty"):
        expect(stats.locator(f"[data-chart={name}] canvas")).to_have_count(1)
    shot(page, tmp_path, "stats")

    with page.expect_download() as downloaded:
        page.click("[data-testid=export]")
    csv = Path(downloaded.value.path()).read_text(encoding="utf-8-sig")
    lines = csv.splitlines()
    assert lines[0].split(",")[1:] == ["1 min", "1", "2", "2"]
    header = next(line for line in lines if line.startswith("时段开始"))
    assert "已到场" in header and "交通" in header and "在岗人数" in header
    rows = lines[lines.index(header) + 1 :]
    assert len(rows) == 7  # the last 7 days by day
    columns = header.split(",")
    today = rows[-1].split(",")
    assert today[columns.index("已到场")] == "2" and today[columns.index("交通")] == "2"
    assert int(today[columns.index("在岗人数")]) == 4

    # Hourly for today alone: 24 buckets in the charts' axis (read back from the duty chart).
    page.fill("input[name=from]", page.input_value("input[name=to]"))
    page.select_option("select[name=bucket]", "hour")
    page.click(".stats-filters button[type=submit]")
    expect(stats.locator("[data-chart=duty]")).to_have_attribute("data-points", "24")
    assert problems == [], problems


def test_coverage_shades_the_grids_and_follows_a_members_move(
    scene: Scene, browser: Browser, tmp_path: Path
) -> None:
    problems: list[str] = []
    page = signed_in(browser, scene, problems)
    box = page.locator("[data-testid=coverage]")
    box.locator("input[name=coverage]").check()
    # Two grids of ~1 × 1.3 km in 100 m cells.
    expect(box).to_have_attribute("data-cells", re.compile(r"^2[0-9][0-9]$"))
    gaps = box.locator("[data-testid=coverage-gaps] li")
    expect(gaps.first).to_contain_text("锦湖街道")  # nobody east: the least covered grid first
    east_before = gaps.filter(has_text="锦湖街道").inner_text()
    shot(page, tmp_path, "coverage")

    # The roamer walks into the east grid: its fix reaches the map on /stream, and coverage is
    # asked again once the move has settled (no polling: nothing else changes meanwhile).
    # 1.3 km from the first fix: location refuses it as faster than 300 km/h within 16 s of it.
    time.sleep(max(0.0, MOVE_AFTER_S - (time.monotonic() - scene.roamer_fixed_at)))
    moved = fix_at(PLACE[0], PLACE[1] + 0.005, accuracy_m=5)
    reply = scene.api.post("/api/v1/location", {"fixes": [moved]}, token=scene.roamer)
    assert reply.status == 202 and reply.body["accepted"] == 1, reply.body
    expect(gaps.filter(has_text="锦湖街道")).not_to_have_text(east_before)
    # By e-bike the roamer reaches all of the east grid within 5 minutes: no gap left there.
    box.locator("select[name=coverage-mode]").select_option("ebike")
    box.locator("select[name=coverage-minutes]").select_option("5")
    expect(gaps.filter(has_text="锦湖街道")).to_have_count(0)
    expect(gaps.filter(has_text="安阳街道")).to_have_count(1)  # its far side is > 1 km away
    assert problems == [], problems


def shot(page: Page, folder: Path, screen: str) -> None:
    path = folder / f"console-{screen}.png"
    page.screenshot(path=path)
    in_docs = DOCS / path.name
    if os.environ.get("UPDATE_DOCS_SCREENSHOTS") == "1" or not in_docs.exists():
        shutil.copyfile(path, in_docs)
