"""The patroller app's bulletin videos and group map drawings (issue #15) in Debian's Chromium,
emulating a Pixel 7, against the all-in-one on loopback: an officer attaches a real video clip
(tests/support/video) to a bulletin in the console's form and the member's news view plays it
from a playback ticket's URL (the <video> loads its metadata by itself, with byte ranges); an
officer draws on a group's map and the member's duty screen shows the drawings in their colours
— one made before the app opened, one added live — and drops the one the officer deletes; a news
tab whose list answers late never covers the tab chosen after it. No console error throughout."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import (
    APIResponse,
    Browser,
    Page,
    Playwright,
    Route,
    expect,
    sync_playwright,
)

from tests.support.api import Api, verified_member
from tests.support.browser import CHROMIUM, require_chromium
from tests.support.embedded import admin_token, embedded_with_admin

VIDEO = Path(__file__).resolve().parents[1] / "support" / "video"
# A bound on a stalled page, not a speed requirement: at load 100+ a step took over 15 s.
TIMEOUT_MS = 30_000
PLACE = (27.78, 120.65)


@dataclass
class Scene:
    api: Api
    url: str
    officer: str
    officer_person: dict[str, Any]
    team_id: str
    admin: str


@pytest.fixture(scope="module")
def scene(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Scene]:
    require_chromium()
    with embedded_with_admin(Path(tmp_path_factory.mktemp("app-comms"))) as running:
        api = Api(running.url)
        admin = admin_token(api)
        station = api.post("/api/v1/orgs", {"name": "安阳派出所", "kind": "station"}, token=admin)
        team = api.post(
            "/api/v1/orgs",
            {"name": "一中队", "kind": "team", "parent_id": station.body["org_id"]},
            token=admin,
        )
        officer_id, _, person = verified_member(api, admin)
        roles = api.post(
            f"/api/v1/members/{officer_id}/roles",
            {"roles": ["officer"], "org_id": station.body["org_id"]},
            token=admin,
        )
        assert roles.status == 200, roles.body
        login = api.post(
            "/api/v1/auth/login", {"phone": person["phone"], "password": person["password"]}
        )
        yield Scene(
            api=api,
            url=running.url.rstrip("/"),
            officer=login.body["access_token"],
            officer_person=person,
            team_id=team.body["org_id"],
            admin=admin,
        )


@pytest.fixture(scope="module")
def playwright() -> Iterator[Playwright]:
    with sync_playwright() as running:
        yield running


@pytest.fixture(scope="module")
def browser(playwright: Playwright) -> Iterator[Browser]:
    browser = playwright.chromium.launch(executable_path=CHROMIUM)
    try:
        yield browser
    finally:
        browser.close()


@dataclass
class Phone:
    page: Page
    problems: list[str]  # console errors and uncaught exceptions


@pytest.fixture
def phone(playwright: Playwright, browser: Browser) -> Iterator[Phone]:
    """A phone's browser context, its console errors collected."""
    context = browser.new_context(
        **playwright.devices["Pixel 7"],
        locale="zh-CN",
        geolocation={"latitude": PLACE[0], "longitude": PLACE[1], "accuracy": 5},
        permissions=["geolocation"],
    )
    page = context.new_page()
    page.set_default_timeout(TIMEOUT_MS)
    problems: list[str] = []
    page.on("console", lambda m: problems.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda error: problems.append(str(error)))
    try:
        yield Phone(page, problems)
    finally:
        context.close()


def sign_in(page: Page, url: str, member: dict[str, Any]) -> None:
    page.goto(f"{url}/app/")
    page.locator("form.login").wait_for()
    page.fill("input[name=phone]", member["phone"])
    page.fill("input[name=password]", member["password"])
    page.click("form.login button[type=submit]")
    page.locator("[data-testid=duty-switch]").wait_for()


def member_of_team(scene: Scene) -> tuple[str, dict[str, Any]]:
    member_id, _, person = verified_member(scene.api, scene.admin, team_id=scene.team_id)
    return member_id, person


def test_a_video_attached_in_the_console_plays_in_the_apps_news_view(
    scene: Scene, browser: Browser, phone: Phone
) -> None:
    _, person = member_of_team(scene)
    console = browser.new_context(locale="zh-CN")
    try:
        officer = console.new_page()
        officer.set_default_timeout(TIMEOUT_MS)
        officer.goto(f"{scene.url}/#comms")
        officer.locator("form.login").wait_for()
        officer.fill("input[name=phone]", scene.officer_person["phone"])
        officer.fill("input[name=password]", scene.officer_person["password"])
        officer.click("form.login button[type=submit]")
        officer.locator("[data-tab=bulletins]").click()
        form = officer.locator("form.bulletin-form")
        form.locator("select[name=kind]").select_option("wanted")
        form.locator("input[name=title]").fill("协查视频")
        form.locator("textarea[name=body]").fill("请留意视频中的车辆。")
        form.locator("input[name=everyone]").check()
        form.locator("input[name=attachment]").set_input_files(VIDEO / "clip.webm")
        form.locator("button[type=submit]").click()
        row = officer.locator("[data-testid=bulletins] li", has_text="协查视频")
        expect(row.locator(".attachments")).to_have_text("附件 1")
    finally:
        console.close()
    listed = scene.api.get("/api/v1/bulletins", token=scene.officer).body["bulletins"]
    (video_id,) = next(b for b in listed if b["title"] == "协查视频")["media_ids"]
    page = phone.page
    sign_in(page, scene.url, person)
    page.goto(f"{scene.url}/app/#news")
    row = page.locator(".bulletin", has_text="协查视频")
    expect(row.locator(".attachments")).to_have_text("附件 1")
    row.click()

    video = page.locator(f"[data-media-id='{video_id}'] video.bulletin-video")
    expect(video).to_have_attribute("controls", "")
    expect(video).to_have_attribute("playsinline", "")
    page.wait_for_function(
        "(v) => v.readyState >= 1", arg=video.element_handle(), timeout=TIMEOUT_MS
    )
    state = video.evaluate("(v) => ({src: v.currentSrc, duration: v.duration})")
    assert f"/api/v1/media/{video_id}/content?ticket=" in state["src"]
    assert 1.3 < state["duration"] < 1.7, state
    assert phone.problems == []


def test_group_drawings_show_on_the_members_map_live(scene: Scene, phone: Phone) -> None:
    member_id, person = member_of_team(scene)
    group = scene.api.post(
        "/api/v1/groups", {"name": "夜巡一组", "member_ids": [member_id]}, token=scene.officer
    )
    assert group.status == 201, group.body
    drawings = f"/api/v1/groups/{group.body['group_id']}/drawings"
    lat, lon = PLACE
    area = scene.api.post(
        drawings,
        {
            "type": "Feature",
            "geometry": {
                "type": "Polygon",
                "coordinates": [
                    [
                        [lon, lat],
                        [lon + 0.003, lat],
                        [lon + 0.003, lat + 0.002],
                        [lon, lat],
                    ]
                ],
            },
            "properties": {"label": "封控区", "color": "#2563eb"},
        },
        token=scene.officer,
    )
    assert area.status == 201, area.body
    page = phone.page
    sign_in(page, scene.url, person)
    shape = page.locator(f"[data-testid=group-map] [data-drawing-id='{area.body['drawing_id']}']")
    expect(shape).to_have_attribute("stroke", "#2563eb")  # drawn when the app opened
    expect(page.locator("[data-testid=group-map]")).to_contain_text("封控区")
    page.locator("[data-testid=liveness].on").wait_for()

    arrow = scene.api.post(
        drawings,
        {
            "type": "Feature",
            "geometry": {
                "type": "LineString",
                "coordinates": [[lon, lat - 0.001], [lon + 0.002, lat - 0.0015]],
            },
            "properties": {"label": "包抄路线", "color": "#16a34a"},
        },
        token=scene.officer,
    )
    assert arrow.status == 201, arrow.body
    line = page.locator(f"[data-testid=group-map] [data-drawing-id='{arrow.body['drawing_id']}']")
    expect(line).to_have_attribute("stroke", "#16a34a")  # pushed on /stream
    expect(page.locator("[data-testid=group-map-card]")).to_have_attribute("data-drawings", "2")

    erased = scene.api.call("DELETE", f"{drawings}/{area.body['drawing_id']}", token=scene.officer)
    assert erased.status == 200, erased.body
    expect(shape).to_have_count(0)
    expect(line).to_have_count(1)
    expect(page.locator("[data-testid=group-map]")).not_to_contain_text("封控区")
    assert phone.problems == []


def test_a_drawing_deleted_while_the_app_reads_the_drawings_stays_deleted(
    scene: Scene, phone: Phone
) -> None:
    """The drawings' answers, read before a deletion, arrive after the deletion was pushed (a
    loaded machine): they must not bring the drawing back, nor hide one added since."""
    member_id, person = member_of_team(scene)
    group = scene.api.post(
        "/api/v1/groups", {"name": "晚读测试组", "member_ids": [member_id]}, token=scene.officer
    )
    assert group.status == 201, group.body
    drawings = f"/api/v1/groups/{group.body['group_id']}/drawings"
    kept, deleted = (_draw(scene, drawings, label) for label in ("保留线", "撤销线"))
    page = phone.page
    answers: list[tuple[Route, APIResponse]] = []
    holding = True

    def read_now_answer_later(route: Route) -> None:
        if holding:
            answers.append((route, route.fetch()))
        else:
            route.continue_()

    page.route(f"**{drawings}*", read_now_answer_later)
    sign_in(page, scene.url, person)
    page.locator("[data-testid=liveness].on").wait_for()
    for _ in range(200):  # the groups answer first, then their drawings are asked for
        if answers:
            break
        page.wait_for_timeout(50)
    assert answers, "the app read no drawings"
    gone = scene.api.call("DELETE", f"{drawings}/{deleted}", token=scene.officer)
    assert gone.status == 200, gone.body
    added = _draw(scene, drawings, "新线")
    shape = lambda drawing_id: page.locator(  # noqa: E731
        f"[data-testid=group-map] [data-drawing-id='{drawing_id}']"
    )
    expect(shape(added)).to_have_count(1)  # pushed after the deletion, while the reads wait
    holding = False
    for route, answer in answers:
        route.fulfill(response=answer)
    expect(shape(kept)).to_have_count(1)  # the answers are drawn
    expect(shape(added)).to_have_count(1)
    expect(shape(deleted)).to_have_count(0)
    assert phone.problems == []


def _draw(scene: Scene, drawings: str, label: str) -> str:
    lat, lon = PLACE
    line = {
        "type": "Feature",
        "geometry": {"type": "LineString", "coordinates": [[lon, lat], [lon + 0.002, lat]]},
        "properties": {"label": label},
    }
    drawn = scene.api.post(drawings, line, token=scene.officer)
    assert drawn.status == 201, drawn.body
    return drawn.body["drawing_id"]


def test_a_tab_answered_late_does_not_cover_the_tab_chosen_after_it(
    scene: Scene, phone: Phone
) -> None:
    """The news screen opens on bulletins; a member who taps "groups" before the bulletins have
    come sees the groups, even when the bulletins answer last (a loaded machine, a slow link)."""
    member_id, person = member_of_team(scene)
    group = scene.api.post(
        "/api/v1/groups", {"name": "晚到测试组", "member_ids": [member_id]}, token=scene.officer
    )
    assert group.status == 201, group.body
    page = phone.page
    sign_in(page, scene.url, person)
    held: list[Any] = []
    page.route("**/api/v1/bulletins*", lambda route: held.append(route))
    page.click("a[data-screen=news]")
    for _ in range(TIMEOUT_MS // 50):  # the bulletins' request is out, its answer held back
        if held:
            break
        page.wait_for_timeout(50)
    assert held, "the news screen asked for no bulletins"
    page.click("button[data-tab=groups]")
    expect(page.locator(".group", has_text="晚到测试组")).to_be_visible()
    with page.expect_response("**/api/v1/bulletins*"):
        for route in held:
            route.continue_()
    page.wait_for_timeout(300)  # the answer read and handled (a stale one dropped)
    expect(page.locator(".group", has_text="晚到测试组")).to_be_visible()
    expect(page.locator(".bulletin")).to_have_count(0)
    assert phone.problems == []
