"""Push-to-talk in the console, driven in Debian's Chromium with its fake microphone: two
officers of one station in one group, each signed in in a browser context of their own; one
holds the talk button, the other's console receives the clip on /stream and plays it. Shared by
tests/web/test_intercom.py and bench/intercom.py (which times ~20 clips).

Timing is read in the pages: an init script notes Date.now() when the talk button is released
and when a voice message's row turns playing, ended or failed (the console marks the row as the
intercom reports; the same machine's clock for both contexts)."""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from playwright.sync_api import Browser, BrowserContext, Page, sync_playwright

from tests.support.api import Api, verified_member, wait_for
from tests.support.browser import CHROMIUM
from tests.support.embedded import admin_token, embedded_with_admin

FAKE_MEDIA = ["--use-fake-device-for-media-stream", "--use-fake-ui-for-media-stream"]

TIMING_SCRIPT = """
window.__ptt = {released: [], playing: [], ended: [], failed: []};
document.addEventListener('pointerup', (event) => {
  if (event.target instanceof Element && event.target.closest('[data-testid=talk]'))
    window.__ptt.released.push(Date.now());
}, true);
new MutationObserver((changes) => {
  for (const change of changes) {
    const phase = change.target.getAttribute('data-playback');
    if (phase && window.__ptt[phase]) window.__ptt[phase].push(Date.now());
  }
}).observe(document, {attributes: true, attributeFilter: ['data-playback'], subtree: true});
"""


@dataclass
class Officer:
    member_id: str
    phone: str
    password: str


@dataclass
class Scene:
    url: str
    api: Api
    speaker: Officer
    listener: Officer
    group_id: str


@contextmanager
def running_scene(data_dir: Path) -> Iterator[Scene]:
    with embedded_with_admin(data_dir) as running:
        yield _populate(Api(running.url), running.url)


def _populate(api: Api, url: str) -> Scene:
    admin = admin_token(api)
    station = api.post("/api/v1/orgs", {"name": "塘下派出所", "kind": "station"}, token=admin)
    assert station.status == 201, station.body
    officers = []
    for name in ("陈警官", "林队长"):
        member_id, _, person = verified_member(api, admin, name=name)
        made = api.post(
            f"/api/v1/members/{member_id}/roles",
            {"roles": ["officer"], "org_id": station.body["org_id"]},
            token=admin,
        )
        assert made.status == 200, made.body
        officers.append(Officer(member_id, person["phone"], person["password"]))
    speaker, listener = officers
    token = api.post(
        "/api/v1/auth/login", {"phone": speaker.phone, "password": speaker.password}
    ).body["access_token"]
    group = api.post(
        "/api/v1/groups",
        {"name": "夜巡对讲组", "member_ids": [listener.member_id]},
        token=token,
    )
    assert group.status == 201, group.body
    return Scene(url, api, speaker, listener, group.body["group_id"])


@contextmanager
def chromium() -> Iterator[Browser]:
    if not os.access(CHROMIUM, os.X_OK):
        raise RuntimeError(f"{CHROMIUM} is missing: run scripts/setup-browser (make test does)")
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=FAKE_MEDIA)
        try:
            yield browser
        finally:
            browser.close()


def open_group(browser: Browser, scene: Scene, officer: Officer) -> tuple[BrowserContext, Page]:
    """The officer's console on the communication screen with the group open (a click: the
    page's user activation, which lets it play sound)."""
    context = browser.new_context(permissions=["microphone"])
    context.add_init_script(TIMING_SCRIPT)
    page = context.new_page()
    page.goto(scene.url + "#comms")
    page.locator("form.login").wait_for()
    page.fill("input[name=phone]", officer.phone)
    page.fill("input[name=password]", officer.password)
    page.click("form.login button[type=submit]")
    page.locator(f"[data-group-id='{scene.group_id}']").click()
    page.locator("[data-testid=talk]:not([disabled])").wait_for()
    return context, page


def talk(page: Page, hold_ms: int) -> None:
    """Hold the talk button for ``hold_ms``, release, and wait until the clip is sent."""
    button = page.locator("[data-testid=talk]")
    box = button.bounding_box()
    assert box is not None
    page.mouse.move(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)
    page.mouse.down()
    page.locator("[data-testid=talk-state][data-state=recording]").wait_for(state="attached")
    page.wait_for_timeout(hold_ms)
    page.mouse.up()
    page.locator("[data-testid=talk-state][data-state=idle]").wait_for(
        state="attached", timeout=30_000
    )


def timings(page: Page) -> dict[str, list[int]]:
    return page.evaluate("window.__ptt")


def wait_played(page: Page, count: int, *, timeout_s: float = 30.0) -> dict[str, list[int]]:
    """Wait until ``count`` clips have ended on this page."""

    def played() -> dict[str, list[int]] | None:
        found = timings(page)
        return found if len(found["ended"]) >= count else None

    return wait_for(
        played,
        timeout_s=timeout_s,
        what=f"{count} clip(s) played to their end",
    )
