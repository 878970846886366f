"""Push-to-talk in the patroller app (issue #15) in Debian's Chromium with its fake microphone,
two phones (Pixel 7 emulated, touch) in one group against the all-in-one on loopback: one
member holds the talk button in the app's group view with a finger, the other member's app
receives the clip on /stream and plays it to its end (Web Audio's ``ended`` fires); a message
arriving while the button is held neither loses the clip nor the draft being typed. No console
error throughout.

The pages are watched from an init script: every AudioBufferSourceNode started (when, and the
decoded clip's length) and every ``ended`` it fires, with Date.now() (one machine's clock for
both phones)."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Browser, CDPSession, Page, Playwright, expect, sync_playwright

from tests.support.api import Api, verified_member, wait_for
from tests.support.browser import CHROMIUM
from tests.support.embedded import admin_token, embedded_with_admin
from tests.web.intercom_driver import FAKE_MEDIA

# A bound on a stalled page, not a speed requirement: at load 100+ a step took over 15 s.
TIMEOUT_MS = 30_000
PLACE = (27.78, 120.65)

WEB_AUDIO_WATCH = """
window.__heard = {playing: [], ended: []};
const startSource = AudioBufferSourceNode.prototype.start;
AudioBufferSourceNode.prototype.start = function (...args) {
  const clip_ms = Math.round((this.buffer ? this.buffer.duration : 0) * 1000);
  this.addEventListener('ended', () => window.__heard.ended.push({at: Date.now(), clip_ms}));
  window.__heard.playing.push({at: Date.now(), clip_ms});
  return startSource.apply(this, args);
};
"""


@dataclass
class Person:
    member_id: str
    phone: str
    password: str
    token: str


@dataclass
class Scene:
    api: Api
    url: str
    officer: Person
    speaker: Person
    listener: Person
    group_id: str


def person(api: Api, admin: str, **overrides: Any) -> Person:
    member_id, _, details = verified_member(api, admin, **overrides)
    return Person(member_id, details["phone"], details["password"], "")


def signed_in(api: Api, who: Person) -> Person:
    login = api.post("/api/v1/auth/login", {"phone": who.phone, "password": who.password})
    assert login.status == 200, login.body
    return Person(who.member_id, who.phone, who.password, login.body["access_token"])


@pytest.fixture(scope="module")
def scene(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Scene]:
    with embedded_with_admin(Path(tmp_path_factory.mktemp("app-intercom"))) as running:
        assert running.url.startswith("http://127.0.0.1:"), running.url
        api = Api(running.url)
        admin = admin_token(api)
        station = api.post("/api/v1/orgs", {"name": "塘下派出所", "kind": "station"}, token=admin)
        assert station.status == 201, station.body
        officer = person(api, admin, name="陈警官")
        roles = api.post(
            f"/api/v1/members/{officer.member_id}/roles",
            {"roles": ["officer"], "org_id": station.body["org_id"]},
            token=admin,
        )
        assert roles.status == 200, roles.body
        officer = signed_in(api, officer)
        speaker, listener = (signed_in(api, person(api, admin)) for _ in range(2))
        group = api.post(
            "/api/v1/groups",
            {"name": "夜巡对讲组", "member_ids": [speaker.member_id, listener.member_id]},
            token=officer.token,
        )
        assert group.status == 201, group.body
        yield Scene(
            api, running.url.rstrip("/"), officer, speaker, listener, group.body["group_id"]
        )


@pytest.fixture(scope="module")
def playwright() -> Iterator[Playwright]:
    with sync_playwright() as running:
        yield running


@pytest.fixture(scope="module")
def browser(playwright: Playwright) -> Iterator[Browser]:
    browser = playwright.chromium.launch(executable_path=CHROMIUM, args=FAKE_MEDIA)
    try:
        yield browser
    finally:
        browser.close()


@dataclass
class Phone:
    page: Page
    touch: CDPSession
    problems: list[str]  # console errors and uncaught exceptions

    def heard(self) -> dict[str, list[dict[str, int]]]:
        return self.page.evaluate("window.__heard")

    def hold_talk(self, hold_ms: int, *, meanwhile: Any = None) -> None:
        """A finger on the talk button for ``hold_ms`` (``meanwhile()`` runs while it is down),
        lifted where it went down."""
        button = self.page.locator("button.talk")
        box = button.bounding_box()
        assert box is not None
        point = {"x": box["x"] + box["width"] / 2, "y": box["y"] + box["height"] / 2}
        self.touch.send("Input.dispatchTouchEvent", {"type": "touchStart", "touchPoints": [point]})
        expect(self.page.locator("button.talk.recording")).to_have_count(1)
        if meanwhile is not None:
            meanwhile()
        self.page.wait_for_timeout(hold_ms)
        self.touch.send("Input.dispatchTouchEvent", {"type": "touchEnd", "touchPoints": []})


@pytest.fixture(scope="module")
def phones(playwright: Playwright, browser: Browser, scene: Scene) -> Iterator[list[Phone]]:
    """The speaker's and the listener's phones (browser contexts with the microphone allowed),
    each signed in with the group open, watched."""
    made: list[Phone] = []
    contexts = []
    try:
        for who in (scene.speaker, scene.listener):
            context = browser.new_context(
                **playwright.devices["Pixel 7"],
                locale="zh-CN",
                geolocation={"latitude": PLACE[0], "longitude": PLACE[1], "accuracy": 5},
                permissions=["geolocation", "microphone"],
            )
            contexts.append(context)
            context.add_init_script(WEB_AUDIO_WATCH)
            page = context.new_page()
            page.set_default_timeout(TIMEOUT_MS)
            problems: list[str] = []
            page.on(
                "console", lambda m, p=problems: p.append(m.text) if m.type == "error" else None
            )
            page.on("pageerror", lambda error, p=problems: p.append(str(error)))
            phone = Phone(page, context.new_cdp_session(page), problems)
            open_group(phone, scene, who)
            made.append(phone)
        yield made
    finally:
        for context in contexts:
            context.close()


def open_group(phone: Phone, scene: Scene, who: Person) -> None:
    """Signed in, on the news screen's groups tab, the group open (taps: the page's user
    activation, which lets it play sound)."""
    page = phone.page
    page.goto(f"{scene.url}/app/")
    page.locator("form.login").wait_for()
    page.fill("input[name=phone]", who.phone)
    page.fill("input[name=password]", who.password)
    page.click("form.login button[type=submit]")
    page.locator("[data-testid=duty-switch]").wait_for()
    page.click("a[data-screen=news]")
    page.click("button[data-tab=groups]")
    page.locator(".group", has_text="夜巡对讲组").click()
    page.locator("button.talk").wait_for()


def voice_messages(scene: Scene) -> list[dict[str, Any]]:
    history = scene.api.get(
        f"/api/v1/groups/{scene.group_id}/messages", token=scene.officer.token
    ).body["messages"]
    return [m for m in reversed(history) if m.get("voice_media_id")]


def test_a_clip_held_in_one_app_plays_to_its_end_in_the_other(
    scene: Scene, phones: list[Phone]
) -> None:
    speaker, listener = phones
    before = len(voice_messages(scene))
    played_before = len(listener.heard()["ended"])

    speaker.hold_talk(1200)

    sent = wait_for(
        lambda: (clips := voice_messages(scene)) and len(clips) > before and clips,
        what="the clip posted to the group",
    )[-1]
    assert sent["sender_id"] == scene.speaker.member_id
    assert 800 <= sent["voice_duration_ms"] <= 2500, sent
    heard = wait_for(
        lambda: len((found := listener.heard())["ended"]) > played_before and found,
        what="the clip played to its end",
    )
    assert len(heard["playing"]) == len(heard["ended"]) == played_before + 1
    started, played = heard["playing"][-1], heard["ended"][-1]
    assert abs(played["clip_ms"] - sent["voice_duration_ms"]) <= 150, (played, sent)
    # Played to its end: no sooner than the clip's length after it started.
    assert played["at"] - started["at"] >= played["clip_ms"] - 100
    assert speaker.heard()["playing"] == []  # nobody hears their own clip played back
    clips = before + 1
    for phone, mine in ((speaker, clips), (listener, 0)):
        expect(phone.page.locator(".messages li.mine button.clip")).to_have_count(mine)
        expect(phone.page.locator(".messages li button.clip")).to_have_count(clips)
    # A tap on the clip in the history plays it again.
    listener.page.locator(".messages li button.clip").last.click()
    wait_for(
        lambda: len(listener.heard()["ended"]) == played_before + 2, what="the clip played again"
    )
    assert speaker.problems == [] and listener.problems == []


def test_a_message_arriving_while_the_button_is_held_loses_neither_clip_nor_draft(
    scene: Scene, phones: list[Phone]
) -> None:
    speaker, listener = phones
    before = len(voice_messages(scene))
    played_before = len(listener.heard()["ended"])
    speaker.page.fill("form.say input[name=text]", "前方路口")

    def listener_says() -> None:
        said = scene.api.post(
            f"/api/v1/groups/{scene.group_id}/messages",
            {"text": "收到，正在赶来"},
            token=scene.listener.token,
        )
        assert said.status == 201, said.body
        expect(speaker.page.locator(".messages li", has_text="收到，正在赶来")).to_have_count(1)

    speaker.hold_talk(800, meanwhile=listener_says)

    wait_for(lambda: len(voice_messages(scene)) > before, what="the clip posted to the group")
    expect(speaker.page.locator("button.talk.recording")).to_have_count(0)
    expect(speaker.page.locator("button.talk")).to_have_text("按住说话")
    expect(speaker.page.locator("form.say input[name=text]")).to_have_value("前方路口")
    wait_for(
        lambda: len(listener.heard()["ended"]) > played_before, what="the clip played to its end"
    )
    assert speaker.problems == [] and listener.problems == []
