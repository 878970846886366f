"""Push-to-talk (CONTRACT.md "Groups, chat, intercom and map drawings") in Debian's Chromium with
its fake microphone: an officer holds the talk button in the console, the other officer's console
in another browser context receives the clip live and plays it to its end; several clips play in
the order they were sent, one after the other; the group's history keeps them. The release →
playback latency is printed here and measured over ~20 clips by bench/intercom.py."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import APIResponse, Browser, Locator, Page, Route, expect

from tests.web.intercom_driver import (
    Scene,
    chromium,
    open_group,
    running_scene,
    talk,
    timings,
    wait_played,
)


@pytest.fixture(scope="module")
def scene(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Scene]:
    with running_scene(Path(tmp_path_factory.mktemp("intercom"))) as running:
        yield running


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    with chromium() as launched:
        yield launched


def test_a_held_clip_reaches_the_other_console_and_plays_in_order(
    scene: Scene, browser: Browser
) -> None:
    speaker_context, speaker = open_group(browser, scene, scene.speaker)
    listener_context, listener = open_group(browser, scene, scene.listener)
    problems: list[str] = []
    for page in (speaker, listener):
        page.on("console", lambda m: problems.append(m.text) if m.type == "error" else None)
        page.on("pageerror", lambda error: problems.append(str(error)))
    try:
        talk(speaker, 1200)
        heard = wait_played(listener, 1)
        released = timings(speaker)["released"]
        assert len(released) == 1 and len(heard["playing"]) == 1 and not heard["failed"]
        latency_ms = heard["playing"][0] - released[0]
        print(f"push-to-talk release -> playback start: {latency_ms} ms")

        # Two clips in a row: heard one after the other, in the order they were sent.
        talk(speaker, 600)
        talk(speaker, 600)
        heard = wait_played(listener, 3)
        assert heard["playing"][1] >= heard["ended"][0]
        assert heard["playing"][2] >= heard["ended"][1]

        # Both consoles keep the clips in the group's history; the speaker hears none back.
        for page in (speaker, listener):
            expect(page.locator("[data-testid=messages] li.voice-message")).to_have_count(3)
        expect(listener.locator("li.voice-message[data-playback=ended]")).to_have_count(3)
        assert timings(speaker)["playing"] == []
        history = scene.api.get(
            f"/api/v1/groups/{scene.group_id}/messages",
            token=scene.api.post(
                "/api/v1/auth/login",
                {"phone": scene.listener.phone, "password": scene.listener.password},
            ).body["access_token"],
        ).body["messages"]
        durations = [m["voice_duration_ms"] for m in reversed(history) if m.get("voice_media_id")]
        assert len(durations) == 3 and all(300 <= d <= 2500 for d in durations), durations
        # Each clip played to its end: no sooner than its length (measured by the server from
        # the clip's bytes) after it started (a lower bound only: a loaded machine is slower).
        for started, ended, duration in zip(
            heard["playing"], heard["ended"], durations, strict=True
        ):
            assert ended - started >= duration - 100, (started, ended, duration)
        assert problems == []
    finally:
        speaker_context.close()
        listener_context.close()


def test_drawings_appear_and_go_live_and_a_bulletin_is_composed_with_read_counts(
    scene: Scene, browser: Browser
) -> None:
    context, page = open_group(browser, scene, scene.listener)
    try:
        token = _speaker_token(scene)
        line = {
            "type": "Feature",
            "geometry": {"type": "LineString", "coordinates": [[120.65, 27.78], [120.66, 27.79]]},
            "properties": {"label": "封控线", "color": "#2563eb"},
        }
        drawn = scene.api.post(f"/api/v1/groups/{scene.group_id}/drawings", line, token=token)
        assert drawn.status == 201, drawn.body
        shape = page.locator(
            f"[data-testid=comms-map] [data-drawing-id='{drawn.body['drawing_id']}']"
        )
        expect(shape).to_have_count(1)  # pushed live on /stream
        expect(page.locator("[data-testid=comms-map]")).to_contain_text("封控线")
        # The live map shows the open group's drawings too.
        page.goto(scene.url + "#map")
        on_live_map = page.locator(f"#map [data-drawing-id='{drawn.body['drawing_id']}']")
        expect(on_live_map).to_have_count(1)
        page.goto(scene.url + "#comms")
        deleted = scene.api.call(
            "DELETE",
            f"/api/v1/groups/{scene.group_id}/drawings/{drawn.body['drawing_id']}",
            token=token,
        )
        assert deleted.status == 200, deleted.body
        expect(shape).to_have_count(0)

        page.locator("[data-tab=bulletins]").click()
        form = page.locator("form.bulletin-form")
        form.locator("select[name=kind]").select_option("news")
        form.locator("input[name=title]").fill("夜间巡逻安排")
        form.locator("textarea[name=body]").fill("今晚 20:00 集合。")
        form.locator("input[name=everyone]").check()
        form.locator("button[type=submit]").click()
        row = page.locator("[data-testid=bulletins] li", has_text="夜间巡逻安排")
        expect(row).to_have_count(1)
        expect(row).to_contain_text("0/")  # read receipts: none yet, of every verified member
    finally:
        context.close()


def test_a_groups_answer_arriving_after_the_bulletins_tab_was_chosen_leaves_the_composer(
    scene: Scene, browser: Browser
) -> None:
    """The group's messages answer late (a loaded machine): the bulletins tab chosen meanwhile
    keeps its composer, not the group's conversation drawn over it."""
    context, page = open_group(browser, scene, scene.listener)
    try:
        held: list[Route] = []
        page.route(f"**/api/v1/groups/{scene.group_id}/messages*", lambda route: held.append(route))
        page.locator(f"[data-group-id='{scene.group_id}']").click()
        for _ in range(100):
            if held:
                break
            page.wait_for_timeout(50)
        assert held, "opening the group asked for no messages"
        page.locator("[data-tab=bulletins]").click()
        expect(page.locator("form.bulletin-form")).to_be_visible()
        with page.expect_response(f"**/api/v1/groups/{scene.group_id}/messages*"):
            for route in held:
                route.continue_()
        page.wait_for_timeout(300)  # the late answer read and dropped
        expect(page.locator("form.bulletin-form")).to_be_visible()
        expect(page.locator("form.compose")).to_have_count(0)
    finally:
        context.close()


def test_a_drawing_deleted_while_the_groups_drawings_are_read_stays_deleted(
    scene: Scene, browser: Browser
) -> None:
    """The drawings' answer, read before a deletion, arrives after the deletion was heard on the
    stream (a loaded machine): it must not bring the drawing back, nor hide one added since."""
    context, page = open_group(browser, scene, scene.listener)
    try:
        token = _speaker_token(scene)
        kept, deleted = _draw(scene, token, "保留线"), _draw(scene, token, "撤销线")
        expect(_shape(page, deleted)).to_have_count(1)
        page.goto(scene.url + "#map")
        answers: list[tuple[Route, APIResponse]] = []
        page.route(
            f"**/api/v1/groups/{scene.group_id}/drawings*",
            lambda route: answers.append((route, route.fetch())),  # read now, answered later
        )
        page.goto(scene.url + "#comms")  # reads the open group's drawings again
        for _ in range(100):
            if answers:
                break
            page.wait_for_timeout(50)
        assert answers, "opening the comms screen read no drawings"
        gone = scene.api.call(
            "DELETE", f"/api/v1/groups/{scene.group_id}/drawings/{deleted}", token=token
        )
        assert gone.status == 200, gone.body
        added = _draw(scene, token, "新线")
        expect(_shape(page, added)).to_have_count(1)  # heard after the deletion
        route, answer = answers[0]
        route.fulfill(response=answer)
        expect(_shape(page, kept)).to_have_count(1)  # the answer is drawn
        expect(_shape(page, added)).to_have_count(1)
        expect(_shape(page, deleted)).to_have_count(0)
    finally:
        context.close()


def _speaker_token(scene: Scene) -> str:
    return scene.api.post(
        "/api/v1/auth/login",
        {"phone": scene.speaker.phone, "password": scene.speaker.password},
    ).body["access_token"]


def _draw(scene: Scene, token: str, label: str) -> str:
    line = {
        "type": "Feature",
        "geometry": {"type": "LineString", "coordinates": [[120.65, 27.78], [120.66, 27.79]]},
        "properties": {"label": label},
    }
    drawn = scene.api.post(f"/api/v1/groups/{scene.group_id}/drawings", line, token=token)
    assert drawn.status == 201, drawn.body
    return drawn.body["drawing_id"]


def _shape(page: Page, drawing_id: str) -> Locator:
    return page.locator(f"[data-testid=comms-map] [data-drawing-id='{drawing_id}']")
