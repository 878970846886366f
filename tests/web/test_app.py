"""The patroller app in a real browser (Debian's Chromium driven by Playwright, emulating a Pixel 7
with a geolocation that moves) against the all-in-one on loopback: a volunteer registers (the
API's refusals shown beside their fields), is verified through the API, signs in, goes on duty,
shows up among the live members, gets an officer's task as a full-screen offer, claims it, walks
into the scene, completes it with a photo from the file chooser and sees the points; and a member
who loses the network files a tip with a photo and makes 30 fixes, all of which reach the server
exactly once when it returns. No console error throughout.

Screenshots go to the test's tmp dir; docs/app-*.png are written when missing or with
UPDATE_DOCS_SCREENSHOTS=1 (so an ordinary run leaves the checkout clean).
"""

from __future__ import annotations

import io
import json
import os
import shutil
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from PIL import Image
from playwright.sync_api import (
    Browser,
    BrowserContext,
    Page,
    Playwright,
    Route,
    expect,
    sync_playwright,
)

from tests.support.api import Api, new_person, verified_member, wait_for
from tests.support.browser import CHROMIUM, require_chromium
from tests.support.embedded import admin_token, embedded_with_admin

PLACE = (27.78, 120.65)  # Rui'an
METRE = 1 / 111_195  # of latitude
DOCS = Path(__file__).resolve().parents[2] / "docs"
# A bound on a stalled page, not a speed requirement: at load 100+ a step took over 15 s.
TIMEOUT_MS = 30_000
PHONE = "Pixel 7"


@dataclass
class Scene:
    api: Api
    url: str
    admin: str
    team_id: str


@pytest.fixture(scope="module")
def scene(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Scene]:
    require_chromium()
    with embedded_with_admin(Path(tmp_path_factory.mktemp("app"))) as running:
        api = Api(running.url)
        admin = admin_token(api)
        station = api.post("/api/v1/orgs", {"name": "安阳派出所", "kind": "station"}, token=admin)
        team = api.post(
            "/api/v1/orgs",
            {"name": "一中队", "kind": "team", "parent_id": station.body["org_id"]},
            token=admin,
        )
        assert team.status == 201, team.body
        url = running.url.rstrip("/")
        yield Scene(api=api, url=url, admin=admin, team_id=team.body["org_id"])


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


class Phone:
    """A phone's browser context: the app open at /app/, its position set by the test, and every
    console error and uncaught exception collected."""

    def __init__(
        self,
        playwright: Playwright,
        browser: Browser,
        url: str,
        shots: Path,
        *,
        fake_clock: bool = False,
    ) -> None:
        self.context: BrowserContext = browser.new_context(
            **playwright.devices[PHONE],
            locale="zh-CN",
            geolocation={"latitude": PLACE[0], "longitude": PLACE[1], "accuracy": 5},
            permissions=["geolocation"],
        )
        self.page: Page = self.context.new_page()
        self.page.set_default_timeout(TIMEOUT_MS)
        self.problems: list[str] = []
        self.page.on(
            "console", lambda m: self.problems.append(m.text) if m.type == "error" else None
        )
        self.page.on("pageerror", lambda error: self.problems.append(str(error)))
        self.shots = shots
        if fake_clock:
            self.page.clock.install()
        self.page.goto(f"{url}/app/")

    def move_to(self, lat: float, lon: float) -> None:
        self.context.set_geolocation({"latitude": lat, "longitude": lon, "accuracy": 5})

    def screenshot(self, screen: str) -> None:
        path = self.shots / f"app-{screen}.png"
        self.page.screenshot(path=path)
        in_docs = DOCS / path.name
        if os.environ.get("UPDATE_DOCS_SCREENSHOTS") == "1" or not in_docs.exists():
            shutil.copyfile(path, in_docs)

    def sign_in(self, phone: str, password: str) -> None:
        self.page.locator("form.login").wait_for()
        self.page.fill("input[name=phone]", phone)
        self.page.fill("input[name=password]", password)
        self.page.click("form.login button[type=submit]")
        self.page.locator("[data-testid=duty-switch]").wait_for()

    def go_on_duty(self) -> None:
        self.page.click("[data-testid=duty-switch]")
        expect(self.page.locator("[data-testid=duty-state]")).to_have_text("在岗中")
        # The first fix of a duty goes out at once.
        expect(self.page.locator("[data-testid=last-sent]")).not_to_be_empty()

    def close(self) -> None:
        self.context.close()


@pytest.fixture
def phone(
    playwright: Playwright, browser: Browser, scene: Scene, tmp_path: Path
) -> Iterator[Phone]:
    expect.set_options(timeout=TIMEOUT_MS)
    opened = Phone(playwright, browser, scene.url, tmp_path)
    try:
        yield opened
    finally:
        opened.close()


def a_photo(folder: Path, name: str = "scene.jpg") -> Path:
    path = folder / name
    image = Image.new("RGB", (64, 48), (200, 120, 40))
    buffer = io.BytesIO()
    image.save(buffer, "JPEG")
    path.write_bytes(buffer.getvalue())
    return path


def test_a_volunteer_registers_goes_on_duty_and_resolves_an_offered_task(
    scene: Scene, phone: Phone, tmp_path: Path
) -> None:
    page, api = phone.page, scene.api

    # Registration: every refusal of the API beside its field, then the real thing.
    page.click("[data-testid=to-register]")
    form = page.locator("form.register")
    form.locator("input[name=name]").fill("赵守望")
    form.locator("input[name=id_number]").fill("330381199001011231")  # wrong check digit
    form.locator("input[name=phone]").fill("12345")
    form.locator("input[name=password]").fill("short")
    form.locator("button[type=submit]").click()
    for field in ("id_number", "phone", "password", "consent"):
        expect(form.locator(f"[data-error-for={field}]")).not_to_be_empty()
    expect(form.locator("[data-error-for=name]")).to_be_empty()
    # The browser reports the refused request itself; nothing else went wrong.
    assert [p for p in phone.problems if "422" not in p] == []
    phone.problems.clear()
    phone.screenshot("register")
    person = new_person(name="赵守望")
    form.locator("input[name=id_number]").fill(person["id_number"])
    form.locator("input[name=phone]").fill(person["phone"])
    form.locator("input[name=password]").fill(person["password"])
    form.locator("input[name=consent]").check()
    form.locator("button[type=submit]").click()
    expect(page.locator("[data-testid=registered]")).to_be_visible()

    # An officer verifies the registration through the API (the consent's version was recorded).
    pending = api.get("/api/v1/members?status=pending", token=scene.admin).body["members"]
    member_id = next(m["member_id"] for m in pending if m["name"] == "赵守望")
    verdict = api.post(
        f"/api/v1/members/{member_id}/verify", {"decision": "approve"}, token=scene.admin
    )
    assert verdict.status == 200, verdict.body

    page.locator(".entry button.primary").click()
    phone.sign_in(person["phone"], person["password"])
    member_token = api.post(
        "/api/v1/auth/login", {"phone": person["phone"], "password": person["password"]}
    ).body["access_token"]
    consent = api.get("/api/v1/me/export", token=member_token).body["consent"]
    assert consent["version"] == "2026-11" and consent["accepted_at"]
    phone.screenshot("duty")
    phone.go_on_duty()

    # Its fixes reach the live view the officers' map is drawn from.
    def live_ids() -> set[str]:
        box = f"{PLACE[1] - 0.01},{PLACE[0] - 0.01},{PLACE[1] + 0.01},{PLACE[0] + 0.01}"
        live = api.get(f"/api/v1/live/members?bbox={box}", token=scene.admin).body
        return {f["properties"]["member_id"] for f in live["features"]}

    wait_for(lambda: member_id in live_ids(), what="the member among the live members")

    # An officer's task 250 m north arrives as a full-screen offer.
    scene_at = (PLACE[0] + 250 * METRE, PLACE[1])
    task = api.post(
        "/api/v1/tasks",
        {
            "title": "老人走失，身穿灰色外套",
            "priority": 2,
            "location": {"lat": scene_at[0], "lon": scene_at[1]},
            "target": {"mode": "nearest", "count": 1},
            "points": 30,
        },
        token=scene.admin,
    )
    assert task.status == 201, task.body
    task_id = task.body["task_id"]
    offer = page.locator("[data-testid=offer]")
    expect(offer).to_be_visible()
    expect(offer.locator(".offer-title")).to_have_text("老人走失，身穿灰色外套")
    expect(offer.locator("[data-testid=offer-distance]")).to_contain_text("25")
    expect(offer.locator("[data-testid=offer-left]")).to_contain_text("s")
    phone.screenshot("offer")
    # A reload (the phone closed the app) finds the open offer again.
    page.reload()
    expect(offer.locator(".offer-title")).to_have_text("老人走失，身穿灰色外套")
    offer.locator("[data-testid=claim]").click()
    expect(offer).to_be_hidden()
    status = page.locator("[data-testid=task-status]")
    expect(status).to_have_attribute("data-status", "claimed")
    links = page.locator(".nav-links a")
    expect(links).to_have_count(3)
    assert "coordinate=gaode" in (links.nth(0).get_attribute("href") or "")
    assert "coord_type=bd09ll" in (links.nth(1).get_attribute("href") or "")
    assert (links.nth(2).get_attribute("href") or "").startswith(f"geo:{scene_at[0]:.6f},")
    phone.screenshot("task")

    # Walking north into the scene: on scene by the fixes, not by a tap.
    for step in range(1, 6):
        phone.move_to(PLACE[0] + step * 50 * METRE, PLACE[1])
        page.wait_for_timeout(150)
    expect(status).to_have_attribute("data-status", "on_scene")
    wait_for(lambda: _task_in(api, scene.admin, task_id, "on_scene"), what="the task on scene")

    # Completion: a photo from the camera's file chooser and a note.
    with page.expect_file_chooser() as chooser:
        page.locator(".completion .photo-button").click()
    chooser.value.set_files(a_photo(tmp_path))
    expect(page.locator(".completion .preview")).to_have_count(1)
    page.fill(".completion textarea[name=note]", "已找到老人，交给家属")
    phone.screenshot("complete")
    page.click(".completion button[type=submit]")
    expect(status).to_have_attribute("data-status", "resolved")
    resolved = wait_for(
        lambda: _task_in(api, scene.admin, task_id, "resolved"), what="the task resolved"
    )
    assert resolved["note"] == "已找到老人，交给家属" and len(resolved["media_ids"]) == 1

    # The officer confirms: the task closes and its points show.
    assert api.post(f"/api/v1/tasks/{task_id}/confirm", token=scene.admin).status == 200
    expect(status).to_have_attribute("data-status", "closed")
    # The task's 30 points, and 10 more for being on scene within 180 s of the claim (the rules'
    # fast-arrival bonus): the ledger writes them one after the other, so wait for the sum.
    (claim,) = resolved["claims"]
    points = 30 + (10 if claim["claim_to_arrival_s"] <= 180 else 0)
    wait_for(
        lambda: api.get("/api/v1/points/me", token=member_token).body["balance"] == points,
        what=f"the task's {points} points in the ledger",
    )
    page.click("a[data-screen=points]")
    expect(page.locator("[data-testid=balance]")).to_have_text(str(points))
    expect(page.locator("[data-testid=history] li").first).to_contain_text("完成任务")
    phone.screenshot("points")

    # News: a bulletin to everyone, and a group to talk in.
    bulletin = api.post(
        "/api/v1/bulletins",
        {
            "kind": "alert",
            "title": "暴雨预警",
            "body": "今晚有暴雨，巡逻注意安全",
            "audience": {"everyone": True},
        },
        token=scene.admin,
    )
    assert bulletin.status == 201, bulletin.body
    group = api.post(
        "/api/v1/groups", {"name": "一中队夜巡", "member_ids": [member_id]}, token=scene.admin
    )
    assert group.status == 201, group.body
    page.click("a[data-screen=news]")
    expect(page.locator(".bulletin.unread")).to_contain_text("暴雨预警")
    phone.screenshot("news")
    page.click("button[data-tab=groups]")
    page.locator(".group", has_text="一中队夜巡").click()
    page.fill("form.say input[name=text]", "已到岗")
    page.click("form.say button[type=submit]")
    expect(page.locator(".messages li.mine")).to_contain_text("已到岗")
    group_id = group.body["group_id"]
    said = api.get(f"/api/v1/groups/{group_id}/messages", token=scene.admin).body["messages"]
    assert [m["text"] for m in said] == ["已到岗"]

    for screen in ("tips", "me"):
        page.click(f"a[data-screen={screen}]")
        page.wait_for_timeout(300)
        phone.screenshot(screen)
    expect(page.locator("[data-testid=phone-masked]")).to_contain_text("*")
    assert person["phone"] not in page.content() and person["id_number"] not in page.content()
    # In English, with the session kept.
    page.goto(f"{scene.url}/app/?lang=en")
    expect(page.locator("a[data-screen=points]")).to_have_text("Points")
    assert phone.problems == []


def test_what_is_made_offline_goes_out_once_when_the_network_returns(
    scene: Scene, phone: Phone, tmp_path: Path
) -> None:
    page, api = phone.page, scene.api
    member_id, token, person = verified_member(api, scene.admin, team_id=scene.team_id)
    started = datetime.now(UTC) - timedelta(seconds=5)
    phone.sign_in(person["phone"], person["password"])
    phone.go_on_duty()
    # The shell is cached by the service worker before the network goes.
    page.evaluate("navigator.serviceWorker.ready.then(() => true)")

    phone.context.set_offline(True)
    page.click("a[data-screen=tips]")
    tips = page.locator("form.tip-form")
    tips.locator("label.choice", has_text="安全隐患").click()
    tips.locator("[data-testid=tip-photos]").set_input_files(a_photo(tmp_path, "wire.jpg"))
    tips.locator("textarea[name=description]").fill("桥下电线裸露")
    expect(page.locator("[data-testid=tip-place]")).not_to_be_empty()
    tips.locator("[data-testid=tip-submit]").click()
    expect(page.locator("[data-testid=tip-done]")).to_contain_text("离线")

    page.click("a[data-screen=duty]")
    walked = [(PLACE[0] + i * 8 * METRE, PLACE[1] + i * 3 * METRE) for i in range(1, 31)]
    waiting = page.locator("[data-testid=waiting]")
    for count, (lat, lon) in enumerate(walked, start=1):
        phone.move_to(lat, lon)
        expect(waiting.locator("[data-kind=fixes]")).to_have_text(f"定位 {count}")
    expect(waiting.locator("[data-kind=reports]")).to_have_text("线索 1")
    expect(waiting.locator("[data-kind=photos]")).to_have_text("照片 1")
    phone.screenshot("offline")
    # Reopened without a network: the service worker serves the shell, and what waits is kept.
    page.reload()
    expect(page.locator("[data-testid=waiting] [data-kind=fixes]")).to_have_text("定位 30")

    # The first reply to the photo and to the tip is lost on the way back (the server did its
    # part): the outbox's retry with the same Idempotency-Key must not make a second of either.
    lost: list[str] = []

    def lose_the_first_reply(route: Route) -> None:
        path = route.request.url.split("/api/v1", 1)[1]
        route.fetch()
        if path in lost:
            route.continue_()
        else:
            lost.append(path)
            route.abort("connectionreset")

    page.route("**/api/v1/media", lose_the_first_reply)
    page.route("**/api/v1/reports", lose_the_first_reply)
    phone.context.set_offline(False)
    expect(page.locator("[data-testid=waiting]")).to_be_hidden(timeout=30_000)
    assert sorted(lost) == ["/media", "/reports"]

    reports = wait_for(
        lambda: api.get("/api/v1/reports", token=token).body["reports"], what="the tip filed"
    )
    assert len(reports) == 1, reports
    assert reports[0]["description"] == "桥下电线裸露" and len(reports[0]["media_ids"]) == 1
    track = _track(api, scene.admin, member_id, started)
    arrived = {(round(f["lat"], 6), round(f["lon"], 6)) for f in track}
    assert {(round(lat, 6), round(lon, 6)) for lat, lon in walked} <= arrived
    assert len(track) == 31, track  # the first fix online, the 30 offline, none twice
    # The browser reports the two replies it lost; nothing else went wrong.
    assert [p for p in phone.problems if "ERR_CONNECTION_RESET" not in p] == []


def test_a_member_changes_the_password_exports_the_data_and_deletes_the_account(
    scene: Scene, phone: Phone
) -> None:
    page, api = phone.page, scene.api
    member_id, _, person = verified_member(api, scene.admin, team_id=scene.team_id)
    phone.sign_in(person["phone"], person["password"])
    page.click("a[data-screen=me]")
    expect(page.locator("[data-testid=id-masked]")).to_contain_text("*")

    page.fill("form.password input[name=current]", person["password"])
    page.fill("form.password input[name=new]", "Night-Watch-2027")
    page.click("form.password button[type=submit]")
    expect(page.locator("form.password .field-error")).to_have_text(
        "密码已修改，其他设备已退出登录"
    )
    login = {"phone": person["phone"], "password": "Night-Watch-2027"}
    assert api.post("/api/v1/auth/login", login).status == 200

    # The export is a download of everything held, unmasked (it is the member's own).
    with page.expect_download() as download:
        page.click("text=导出我的个人信息")
    exported = json.loads(Path(download.value.path()).read_text())
    assert exported["member_id"] == member_id and exported["phone"].endswith(person["phone"])

    page.click("text=注销账号")
    page.click("text=确认注销")
    page.locator("form.login").wait_for()
    assert api.post("/api/v1/auth/login", login).status == 401
    assert phone.problems == []


def test_a_duty_that_could_not_send_for_two_minutes_ends_itself_and_says_so(
    scene: Scene, playwright: Playwright, browser: Browser, tmp_path: Path
) -> None:
    api = scene.api
    _, token, person = verified_member(api, scene.admin, team_id=scene.team_id)
    phone = Phone(playwright, browser, scene.url, tmp_path, fake_clock=True)
    try:
        page = phone.page
        phone.sign_in(person["phone"], person["password"])
        phone.go_on_duty()
        phone.context.set_offline(True)
        phone.move_to(PLACE[0] + 20 * METRE, PLACE[1])
        expect(page.locator("[data-testid=waiting] [data-kind=fixes]")).to_have_text("定位 1")
        page.clock.fast_forward("02:05")  # the fix is now older than location's 2 minutes
        expect(page.locator("[data-testid=duty-state]")).to_have_text("未上岗")
        expect(page.locator("[data-testid=notice]")).to_contain_text("已自动下岗")
        # Back online, the fix and then the end of the duty reach the server.
        phone.context.set_offline(False)
        expect(page.locator("[data-testid=waiting]")).to_be_hidden()
        wait_for(lambda: not api.get("/api/v1/me", token=token).body["on_duty"], what="off duty")
        assert phone.problems == []
    finally:
        phone.close()


def _task_in(api: Api, admin: str, task_id: str, status: str) -> dict[str, Any] | None:
    task = api.get(f"/api/v1/tasks/{task_id}", token=admin).body
    return task if task["status"] == status else None


def _track(api: Api, admin: str, member_id: str, since: datetime) -> list[dict[str, Any]]:
    until = datetime.now(UTC) + timedelta(seconds=60)

    def fixes() -> list[dict[str, Any]]:
        reply = api.get(
            f"/api/v1/members/{member_id}/track?from={_rfc3339(since)}&to={_rfc3339(until)}"
            "&reason=checking+the+offline+outbox",
            token=admin,
        )
        assert reply.status == 200, reply.body
        return reply.body["fixes"]

    # The track keeper writes a batch a moment after it is accepted — on a machine slowed by a
    # cold `make test`'s other workers, 20 s after the outbox's last 202 was not always enough.
    wait_for(lambda: len(fixes()) >= 31, timeout_s=60, what="31 fixes in the track")
    return fixes()


def _rfc3339(moment: datetime) -> str:
    return moment.isoformat().replace("+00:00", "Z")
