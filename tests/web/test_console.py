"""The dispatcher console in a real browser (Debian's Chromium driven by Playwright) against the
all-in-one on loopback: an officer signs in, sees the members of their station on the map (one
turning from stale to free as its position arrives on /stream), draws a polygon with the mouse,
dispatches to the 2 nearest, watches the offers, a claim and the arrival appear, and works the
verification queue and report moderation, with no console error throughout.

Screenshots go to the test's tmp dir; docs/console-*.png are written when missing or with
UPDATE_DOCS_SCREENSHOTS=1 (so an ordinary run leaves the checkout clean).
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from playwright.sync_api import Browser, expect, sync_playwright

from tests.support.api import Api, fix_at, new_person, verified_member, wait_for
from tests.support.browser import CHROMIUM, require_chromium
from tests.support.embedded import ADMIN, admin_token, embedded_with_admin

PLACE = (27.78, 120.65)  # Rui'an
DOCS = Path(__file__).resolve().parents[2] / "docs"
# A bound on a stalled page, not a speed requirement: at load 100+ a step took over 15 s.
TIMEOUT_MS = 30_000


@dataclass
class Scene:
    api: Api
    url: str
    admin: str
    officer_phone: str
    officer_password: str
    members: dict[str, str]  # member id -> access token, all on duty
    stale: tuple[str, str]  # a member whose only fix is 3 minutes old
    pending_id: str
    report_id: str
    hazard_id: str  # a second report, to become a task


@pytest.fixture(scope="module")
def scene(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Scene]:
    require_chromium()
    with embedded_with_admin(Path(tmp_path_factory.mktemp("console"))) as running:
        yield _populate(Api(running.url), running.url)


def _populate(api: Api, url: str) -> Scene:
    admin = admin_token(api)
    station = api.post("/api/v1/orgs", {"name": "安阳派出所", "kind": "station"}, token=admin)
    assert station.status == 201, station.body
    station_id = station.body["org_id"]
    team = api.post(
        "/api/v1/orgs", {"name": "一中队", "kind": "team", "parent_id": station_id}, token=admin
    )
    assert team.status == 201, team.body
    team_id = team.body["org_id"]
    other_team = api.post(
        "/api/v1/orgs", {"name": "二中队", "kind": "team", "parent_id": station_id}, token=admin
    )
    assert other_team.status == 201, other_team.body
    west, south, east, north = PLACE[1] - 0.01, PLACE[0] - 0.005, PLACE[1] + 0.01, PLACE[0] + 0.01
    grid = api.post(
        "/api/v1/grids",
        {
            "type": "Feature",
            "geometry": {
                "type": "Polygon",
                "coordinates": [
                    [[west, south], [east, south], [east, north], [west, north], [west, south]]
                ],
            },
            "properties": {"name": "安阳街道", "level": 1},
        },
        token=admin,
    )
    assert grid.status == 201, grid.body
    officer_id, _, officer = verified_member(api, admin, name="陈警官")
    assigned = api.post(
        f"/api/v1/members/{officer_id}/roles",
        {"roles": ["officer"], "org_id": station_id},
        token=admin,
    )
    assert assigned.status == 200, assigned.body
    members = {}
    for offset_m in (0, 120, 300, 650):
        member_id, token, _ = verified_member(api, admin, team_id=team_id)
        _on_duty_at(api, token, offset_m, ago_s=5)
        members[member_id] = token
    stale_id, stale_token, _ = verified_member(api, admin, team_id=team_id, name="王芳")
    _on_duty_at(api, stale_token, 450, ago_s=180)
    pending = api.post("/api/v1/auth/register", new_person(name="李娜", team_id=team_id))
    assert pending.status == 201, pending.body
    reporter = next(iter(members.values()))
    report = api.post(
        "/api/v1/reports",
        {
            "category": "safety_hazard",
            "description": "桥下电线裸露",
            "location": {"lat": PLACE[0], "lon": PLACE[1]},
        },
        token=reporter,
    )
    assert report.status == 201, report.body
    hazard = api.post(
        "/api/v1/reports",
        {
            "category": "fire",
            "description": "仓库冒烟",
            "location": {"lat": PLACE[0] + 0.002, "lon": PLACE[1]},
        },
        token=reporter,
    )
    assert hazard.status == 201, hazard.body
    return Scene(
        api=api,
        url=url,
        admin=admin,
        officer_phone=officer["phone"],
        officer_password=officer["password"],
        members=members,
        stale=(stale_id, stale_token),
        pending_id=pending.body["member_id"],
        report_id=report.body["report_id"],
        hazard_id=hazard.body["report_id"],
    )


def _on_duty_at(api: Api, token: str, north_m: float, *, ago_s: float) -> None:
    assert api.post("/api/v1/duty/start", token=token).status == 200
    fix = fix_at(PLACE[0] + north_m / 111_195, PLACE[1], ago_s=ago_s, accuracy_m=5)
    assert api.post("/api/v1/location", {"fixes": [fix]}, token=token).body["accepted"] == 1


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM)
        try:
            yield browser
        finally:
            browser.close()


def test_an_officer_dispatches_from_a_drawn_area_and_watches_it_live(
    scene: Scene, browser: Browser, tmp_path: Path
) -> None:
    page = browser.new_page(viewport={"width": 1400, "height": 860}, locale="zh-CN")
    page.set_default_timeout(TIMEOUT_MS)
    expect.set_options(timeout=TIMEOUT_MS)
    problems: list[str] = []
    page.on("console", lambda m: problems.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda error: problems.append(str(error)))
    shots = Screenshots(page, tmp_path)

    page.goto(scene.url)
    page.locator("form.login").wait_for()
    shots.take("login")
    page.fill("input[name=phone]", scene.officer_phone)
    page.fill("input[name=password]", scene.officer_password)
    page.click("form.login button[type=submit]")

    # The members of the officer's station, from GET /live/members; one has gone stale.
    expect_legend(page, free=4, busy=0, stale=1)
    expect(page.locator(".report-flag")).to_have_count(2)  # the pending reports
    expect(page.locator(".grid-count")).to_have_text(["5"])  # members on duty in the grid
    # A reload resumes the session from the tab's refresh token (POST /auth/refresh).
    page.reload()
    expect_legend(page, free=4, busy=0, stale=1)
    assert page.locator("form.login").count() == 0
    page.locator("[data-testid=liveness].on").wait_for()
    # Its next fix reaches the map through /stream: stale turns free, in place.
    stale_id, stale_token = scene.stale
    fix = fix_at(PLACE[0] + 450 / 111_195, PLACE[1] + 0.001, accuracy_m=5)
    scene.api.post("/api/v1/location", {"fixes": [fix]}, token=stale_token)
    expect_legend(page, free=5, busy=0, stale=0)

    draw_polygon_around_the_members(page)
    form = page.locator("form.dispatch")
    form.wait_for()
    form.locator("input[name=title]").fill("老人走失，身穿灰色外套")
    form.locator("select[name=target]").select_option("nearest")
    form.locator("input[name=count]").fill("2")
    form.locator("button[type=submit]").click()

    panel = page.locator(".task-panel")
    expect(panel.locator(".offers li")).to_have_count(2)
    task_id = wait_for(lambda: _newest_task_id(scene), what="the dispatched task")
    task = scene.api.get(f"/api/v1/tasks/{task_id}", token=scene.admin).body
    offered = [offer["member_id"] for offer in task["offers"]]
    assert len(offered) == 2 and set(offered) <= set(scene.members) | {stale_id}
    shown = panel.locator(".offers li").evaluate_all("els => els.map(e => e.dataset.memberId)")
    assert sorted(shown) == sorted(offered)

    # A member claims through the API; the claim, then the arrival, appear in the panel.
    claimant = offered[0]
    token = scene.members.get(claimant) or stale_token
    assert scene.api.post(f"/api/v1/tasks/{task_id}/claim", token=token).status == 200
    panel.locator(f".claims li[data-member-id='{claimant}']").wait_for()
    expect_legend(page, busy=1)

    def walked_in() -> bool:
        # A phone sends a fix every few seconds; the scene's geofence exists once it is claimed.
        here = fix_at(task["location"]["lat"], task["location"]["lon"], accuracy_m=5)
        scene.api.post("/api/v1/location", {"fixes": [here]}, token=token)
        current = scene.api.get(f"/api/v1/tasks/{task_id}", token=scene.admin).body
        return current["status"] == "on_scene"

    wait_for(walked_in, timeout_s=15, interval_s=0.5, what="arrival by geofence")
    panel.locator(f".claims li[data-member-id='{claimant}'] .tag.arrived").wait_for()
    panel.locator(".timeline li").first.wait_for()
    shots.take("map")

    # The member completes it (API); the officer confirms it in the panel and it leaves the map.
    done = scene.api.post(
        f"/api/v1/tasks/{task_id}/complete", {"note": "已找到", "media_ids": []}, token=token
    )
    assert done.status == 200, done.body
    panel.locator("button[name=confirm]").click()
    expect(panel.locator(".status")).to_have_attribute("data-status", "closed")
    expect_legend(page, free=5, busy=0)

    # A rectangle to everyone inside, cancelled from the panel.
    page.locator(".leaflet-pm-icon-rectangle").click()
    box = page.locator("#map").bounding_box()
    assert box is not None
    page.mouse.click(box["x"] + 90, box["y"] + 90)
    page.mouse.click(box["x"] + box["width"] - 90, box["y"] + box["height"] - 90)
    form.locator("input[name=title]").fill("可疑车辆")
    form.locator("select[name=target]").select_option("area")
    form.locator("button[type=submit]").click()
    expect(panel.locator(".offers li")).to_have_count(5)
    panel.locator("button[name=cancel]").click()
    expect(panel.locator(".status")).to_have_attribute("data-status", "cancelled")

    page.click("a[data-screen=tasks]")
    page.locator(f".board tr[data-task-id='{task_id}']").wait_for()
    expect(page.locator(".board tbody tr")).to_have_count(2)
    shots.take("tasks")

    page.click("a[data-screen=members]")
    row = page.locator(f".verification tr[data-member-id='{scene.pending_id}']")
    row.wait_for()
    shots.take("members")
    row.locator("button.primary").click()
    row.locator(".done").wait_for()
    member = scene.api.get(f"/api/v1/members/{scene.pending_id}", token=scene.admin).body
    assert member["status"] == "verified"

    page.click("a[data-screen=reports]")
    card = page.locator(f".moderation [data-report-id='{scene.report_id}']")
    card.wait_for()
    shots.take("reports")
    card.locator("input[name=points]").fill("8")
    card.locator("button.primary").click()
    card.locator(".done").wait_for()
    # The other report approved and dispatched at once: the map opens on its task.
    page.locator(f".moderation [data-report-id='{scene.hazard_id}'] button[name=dispatch]").click()
    expect(panel.locator("h2")).to_contain_text("仓库冒烟")
    expect(panel.locator(".offers li")).to_have_count(2)
    reports = scene.api.get("/api/v1/reports?status=approved", token=scene.admin).body["reports"]
    approved = {r["report_id"]: (r["points"], bool(r["task_id"])) for r in reports}
    assert approved == {scene.report_id: (8, False), scene.hazard_id: (5, True)}
    expect(page.locator(".report-flag")).to_have_count(0)  # moderated: off the map
    page.locator("select[name=team]").select_option(label="二中队")
    expect_legend(page, free=0, busy=0, stale=0)
    page.locator("select[name=team]").select_option(label="一中队")
    expect_legend(page, free=5, busy=0)

    # The member just approved, suspended from the directory (two clicks: it ends their sessions).
    page.click("a[data-screen=directory]")
    row = page.locator(f".directory tr[data-member-id='{scene.pending_id}']")
    row.wait_for()
    shots.take("directory")
    assert row.locator("details.roles-editor").count() == 0  # roles are an administrator's
    row.locator("button[name=suspend]").click()
    row.locator("button[name=suspend]").click()
    row.locator(".done").wait_for()
    member = scene.api.get(f"/api/v1/members/{scene.pending_id}", token=scene.admin).body
    assert member["status"] == "suspended"

    # Signing out ends the session on the server and leaves no token in the tab.
    page.click("header.top button")
    page.locator("form.login").wait_for()
    assert page.evaluate("sessionStorage.length") == 0
    assert problems == []


def test_an_administrator_makes_a_member_team_leader_from_the_directory(
    scene: Scene, browser: Browser
) -> None:
    page = browser.new_page(viewport={"width": 1400, "height": 860})
    page.set_default_timeout(TIMEOUT_MS)
    problems: list[str] = []
    page.on("console", lambda m: problems.append(m.text) if m.type == "error" else None)
    page.goto(scene.url + "#directory")
    page.fill("input[name=phone]", ADMIN["SHOUWANG_ADMIN_PHONE"])
    page.fill("input[name=password]", ADMIN["SHOUWANG_ADMIN_PASSWORD"])
    page.click("form.login button[type=submit]")
    member_id = next(iter(scene.members))
    row = page.locator(f".directory tr[data-member-id='{member_id}']")
    row.locator("details.roles-editor summary").click()
    row.locator("input[name=role][value=team_leader]").check()
    row.locator("button[name=save-roles]").click()
    expect(row.locator("td.roles")).to_have_text("队员、队长")
    member = scene.api.get(f"/api/v1/members/{member_id}", token=scene.admin).body
    assert member["roles"] == ["member", "team_leader"]
    assert problems == []


def test_the_console_speaks_english_with_lang_en(scene: Scene, browser: Browser) -> None:
    page = browser.new_page()
    page.goto(scene.url + "?lang=en")
    assert page.locator("form.login button[type=submit]").inner_text() == "Sign in"
    assert page.evaluate("document.documentElement.lang") == "en"


def test_every_file_the_console_loads_comes_from_the_gateway(
    scene: Scene, browser: Browser
) -> None:
    page = browser.new_page()
    requested: list[str] = []
    page.on("request", lambda request: requested.append(request.url))
    page.goto(scene.url)
    page.fill("input[name=phone]", ADMIN["SHOUWANG_ADMIN_PHONE"])
    page.fill("input[name=password]", ADMIN["SHOUWANG_ADMIN_PASSWORD"])
    page.click("form.login button[type=submit]")
    page.locator(".legend-item").first.wait_for()
    page.wait_for_load_state("networkidle")
    assert any(url.endswith("/console.js") for url in requested)
    assert any("/api/v1/live/members" in url for url in requested)
    elsewhere = [u for u in requested if not (u.startswith(scene.url) or u.startswith("data:"))]
    assert elsewhere == []


def expect_legend(page, **counts: int) -> None:
    """Wait until the map's legend shows these counts of free / busy / stale members."""
    # Locator assertions run in Playwright's injected script: the console's CSP forbids eval.
    for state, n in counts.items():
        expect(page.locator(f".legend-item[data-state={state}] b")).to_have_text(str(n))


def draw_polygon_around_the_members(page) -> None:
    """Geoman's polygon tool, clicked corner by corner and closed on the first vertex."""
    page.locator(".leaflet-pm-icon-polygon").click()
    box = page.locator("#map").bounding_box()
    assert box is not None
    inset = 70
    corners = [
        (box["x"] + inset, box["y"] + inset),
        (box["x"] + box["width"] - inset, box["y"] + inset),
        (box["x"] + box["width"] - inset, box["y"] + box["height"] - inset),
        (box["x"] + inset, box["y"] + box["height"] - inset),
    ]
    for x, y in [*corners, corners[0]]:
        page.mouse.click(x, y)


def _newest_task_id(scene: Scene) -> str | None:
    tasks = scene.api.get("/api/v1/tasks?limit=1", token=scene.admin).body["tasks"]
    return tasks[0]["task_id"] if tasks else None


class Screenshots:
    def __init__(self, page, folder: Path) -> None:
        self.page = page
        self.folder = folder

    def take(self, screen: str) -> None:
        path = self.folder / f"console-{screen}.png"
        self.page.screenshot(path=path)
        in_docs = DOCS / path.name
        if os.environ.get("UPDATE_DOCS_SCREENSHOTS") == "1" or not in_docs.exists():
            shutil.copyfile(path, in_docs)
