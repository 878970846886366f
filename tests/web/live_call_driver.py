"""Live video between the console and the app, driven in Debian's Chromium with its fake camera
and microphone: an officer of a station, a member of one of its teams on duty with a task the
officer dispatched and the member claimed, each signed in in a browser context of their own on
the all-in-one at http://127.0.0.1:PORT. Shared by tests/web/test_live_call.py and
bench/live_call.py (which times accept -> first frame over several calls).

Times are read in the pages, on the same machine's clock: the app notes Date.now() when the
member taps accept (``data-accepted-at`` on its live layer), the console when its <video> shows
its first frame (``data-first-frame-at``, from requestVideoFrameCallback)."""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from playwright.sync_api import Browser, BrowserContext, Page, expect

from tests.support.api import Api, verified_member, wait_for
from tests.support.embedded import admin_token, embedded_with_admin

# Rui'an, by the Feiyun river; on the 3-decimal grid of the positions officers' maps are sent,
# so the member's dot stays where the map first drew it.
PLACE = (27.779, 120.657)
TIMEOUT_MS = 30_000
DOCS = Path(__file__).resolve().parents[2] / "docs"


@dataclass
class Person:
    member_id: str
    phone: str
    password: str

    def token(self, api: Api) -> str:
        login = api.post("/api/v1/auth/login", {"phone": self.phone, "password": self.password})
        assert login.status == 200, login.body
        return login.body["access_token"]


@dataclass
class Scene:
    url: str
    api: Api
    admin: str
    officer: Person
    member: Person
    elsewhere: Person  # an officer of another station


@contextmanager
def running_scene(data_dir: Path) -> Iterator[Scene]:
    with embedded_with_admin(data_dir) as running:
        yield _populate(Api(running.url), running.url)


def _officer(api: Api, admin: str, station_id: str, name: str) -> Person:
    member_id, _, person = verified_member(api, admin, name=name)
    made = api.post(
        f"/api/v1/members/{member_id}/roles",
        {"roles": ["officer"], "org_id": station_id},
        token=admin,
    )
    assert made.status == 200, made.body
    return Person(member_id, person["phone"], person["password"])


def _populate(api: Api, url: str) -> Scene:
    admin = admin_token(api)
    stations = []
    for name in ("塘下派出所", "安阳派出所"):
        created = api.post("/api/v1/orgs", {"name": name, "kind": "station"}, token=admin)
        assert created.status == 201, created.body
        stations.append(created.body["org_id"])
    team = api.post(
        "/api/v1/orgs", {"name": "塘下一队", "kind": "team", "parent_id": stations[0]}, token=admin
    )
    assert team.status == 201, team.body
    member_id, _, person = verified_member(api, admin, name="王守望", team_id=team.body["org_id"])
    return Scene(
        url=url,
        api=api,
        admin=admin,
        officer=_officer(api, admin, stations[0], "陈警官"),
        member=Person(member_id, person["phone"], person["password"]),
        elsewhere=_officer(api, admin, stations[1], "李警官"),
    )


def _watch_errors(page: Page, problems: list[str]) -> None:
    page.on("console", lambda m: problems.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda error: problems.append(str(error)))


def open_app(browser: Browser, scene: Scene, problems: list[str]) -> tuple[BrowserContext, Page]:
    """The member's app, signed in and on duty at PLACE (camera and microphone allowed)."""
    context = browser.new_context(
        viewport={"width": 412, "height": 860},
        is_mobile=True,
        has_touch=True,
        locale="zh-CN",
        geolocation={"latitude": PLACE[0], "longitude": PLACE[1], "accuracy": 5},
        permissions=["geolocation", "camera", "microphone"],
    )
    page = context.new_page()
    page.set_default_timeout(TIMEOUT_MS)
    _watch_errors(page, problems)
    page.goto(f"{scene.url}/app/")
    page.locator("form.login").wait_for()
    page.fill("input[name=phone]", scene.member.phone)
    page.fill("input[name=password]", scene.member.password)
    page.click("form.login button[type=submit]")
    page.locator("[data-testid=duty-switch]").click()
    expect(page.locator("[data-testid=last-sent]")).not_to_be_empty(timeout=TIMEOUT_MS)
    return context, page


def open_console(
    browser: Browser, scene: Scene, problems: list[str]
) -> tuple[BrowserContext, Page]:
    """The officer's console, signed in, on the live map (microphone allowed)."""
    context = browser.new_context(
        viewport={"width": 1400, "height": 900}, permissions=["microphone"]
    )
    page = context.new_page()
    page.set_default_timeout(TIMEOUT_MS)
    _watch_errors(page, problems)
    page.goto(scene.url + "/")
    page.locator("form.login").wait_for()
    page.fill("input[name=phone]", scene.officer.phone)
    page.fill("input[name=password]", scene.officer.password)
    page.click("form.login button[type=submit]")
    page.locator("[data-testid=liveness].on").wait_for()
    return context, page


def claimed_task(scene: Scene, app: Page) -> str:
    """A task the officer sends the member by name, claimed on the offer's card in the app (the
    task then stays in the app's task panel)."""
    officer = scene.officer.token(scene.api)
    task = scene.api.post(
        "/api/v1/tasks",
        {
            "title": "河边可疑人员",
            "priority": 1,
            "location": {"lat": PLACE[0], "lon": PLACE[1]},
            "target": {"mode": "members", "member_ids": [scene.member.member_id]},
        },
        token=officer,
    )
    assert task.status == 201, task.body
    task_id = task.body["task_id"]
    app.locator("[data-testid=offer] [data-testid=claim]").click()
    expect(app.locator("[data-testid=task-status]")).to_have_attribute("data-status", "claimed")
    return task_id


def release(scene: Scene, task_id: str | None) -> None:
    """Cancel the task and end the member's duty, so the next scenario starts afresh."""
    if task_id:
        scene.api.post(f"/api/v1/tasks/{task_id}/cancel", token=scene.officer.token(scene.api))
    scene.api.post("/api/v1/duty/end", token=scene.member.token(scene.api))


def watch_claimant(console: Page, scene: Scene, task_id: str) -> str:
    """Open the task from the board and press "watch live" beside its claimant; the new call's
    id."""
    before = call_id_of(console) if console.locator("[data-testid=live-call]").count() else ""
    console.goto(scene.url + "/#tasks")
    console.locator(f".board tr[data-task-id='{task_id}'] a").click()
    claimant = console.locator(f".task-panel .claims li[data-member-id='{scene.member.member_id}']")
    claimant.locator("[data-watch-live]").click()
    return wait_for(
        lambda: (call_id_of(console) or before) != before and call_id_of(console),
        what="the new call in the console",
    )


def accept(app: Page) -> None:
    app.locator("[data-testid=live-accept]").click()


def call_id_of(console: Page) -> str:
    return console.locator("[data-testid=live-call]").get_attribute("data-call-id") or ""


def number(page: Page, selector: str, attribute: str) -> float:
    value = page.locator(selector).get_attribute(attribute)
    return float(value) if value else 0.0


def wait_until_connected(console: Page, app: Page) -> None:
    console.locator("[data-testid=live-call][data-state=connected]").wait_for()
    app.locator("[data-testid=live-layer][data-state=connected]").wait_for(state="attached")


def first_frame_ms(console: Page, app: Page) -> float:
    """Accept (the member's tap) to the console's first shown frame."""
    video = console.locator("[data-testid=live-video][data-first-frame-at]")
    video.wait_for(state="attached")
    shown = float(video.get_attribute("data-first-frame-at") or 0)
    accepted = number(app, "[data-testid=live-layer]", "data-accepted-at")
    assert shown and accepted
    return shown - accepted


def end_from_console(console: Page, app: Page) -> None:
    console.locator("[data-testid=live-end]").click()
    console.locator("[data-testid=live-call][data-state=ended]").wait_for()
    app.locator("[data-testid=live-layer][data-state=ended]").wait_for(state="attached")


def audit(scene: Scene) -> list[dict[str, Any]]:
    page = scene.api.get(
        f"/api/v1/live-calls?member_id={scene.member.member_id}",
        token=scene.officer.token(scene.api),
    )
    assert page.status == 200, page.body
    return page.body["calls"]


def screenshot(page: Page, name: str) -> None:
    """docs/<name>.png, written when missing or with UPDATE_DOCS_SCREENSHOTS=1 (an ordinary run
    leaves the checkout clean)."""
    path = DOCS / f"{name}.png"
    if os.environ.get("UPDATE_DOCS_SCREENSHOTS") == "1" or not path.exists():
        page.screenshot(path=path)
