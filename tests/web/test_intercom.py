"""Push-to-talk (CONTRACT.md "Groups, chat, intercom and map drawings") in Debian's Chromium with
its fake microphone: an officer holds the talk button in the console, the other officer's console
in another browser context receives the clip live and plays it to its end; several clips play in
the order they were sent, one after the other; the group's history keeps them. The release →
playback latency is printed here and measured over ~20 clips by bench/intercom.py."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser, expect

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
        assert heard["ended"][0] >= heard["playing"][0] + 900  # the clip played to its end

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
        assert len([m for m in history if m.get("voice_media_id")]) == 3
        assert all(400 <= m["voice_duration_ms"] <= 2500 for m in history)
        assert problems == []
    finally:
        speaker_context.close()
        listener_context.close()
