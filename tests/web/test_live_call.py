"""Live video and voice (#18) in Debian's Chromium with its fake camera and microphone, two
browser contexts on the all-in-one at http://127.0.0.1:PORT: the officer presses "watch live"
beside the claimant of a task, the member's app rings and the member accepts; the officer's
<video> plays the member's rear camera (its currentTime advances, getStats counts inbound video
bytes and decoded frames) while the member's dot keeps moving, the member hears the officer
(inbound audio bytes); the officer ends it and the audit holds the call. A declined call never
connects; an officer of another station is refused. Time to first frame is printed here and
measured over several calls by bench/live_call.py."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser, expect

from tests.support.api import fix_at, wait_for
from tests.web.intercom_driver import chromium
from tests.web.live_call_driver import (
    PLACE,
    TIMEOUT_MS,
    Scene,
    accept,
    audit,
    call_id_of,
    claimed_task,
    end_from_console,
    first_frame_ms,
    number,
    open_app,
    open_console,
    release,
    running_scene,
    wait_until_connected,
    watch_claimant,
)

QUALITY = "[data-testid=live-quality]"


@pytest.fixture(scope="module")
def scene(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Scene]:
    with running_scene(Path(tmp_path_factory.mktemp("live-call"))) as running:
        yield running


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    expect.set_options(timeout=TIMEOUT_MS)
    with chromium() as launched:
        yield launched


def test_the_officer_sees_and_talks_to_the_member_live_and_the_call_is_audited(
    scene: Scene, browser: Browser
) -> None:
    problems: list[str] = []
    app_context, app = open_app(browser, scene, problems)
    console_context, console = open_console(browser, scene, problems)
    task_id = None
    try:
        task_id = claimed_task(scene, app)
        watch_claimant(console, scene, task_id)
        sheet = app.locator("[data-testid=live-sheet]")
        expect(sheet).to_be_visible()
        accept(app)
        wait_until_connected(console, app)
        print(f"live call accept -> first frame: {first_frame_ms(console, app):.0f} ms")

        # The officer's video plays the member's camera, as getStats counts it.
        video = console.locator("[data-testid=live-video]")
        started = video.evaluate("v => v.currentTime")
        wait_for(
            lambda: video.evaluate("v => v.currentTime") > started + 0.5,
            what="the video playing on",
        )
        wait_for(
            lambda: (
                number(console, QUALITY, "data-video-bytes-received") > 0
                and number(console, QUALITY, "data-frames-decoded") > 0
            ),
            what="inbound video bytes and decoded frames",
        )
        assert video.evaluate("v => v.videoWidth") > 0
        # The member hears the officer: inbound audio on the phone.
        wait_for(
            lambda: number(app, QUALITY, "data-audio-bytes-received") > 0,
            what="the officer's voice arriving at the phone",
        )
        expect(console.locator(QUALITY)).not_to_have_attribute("data-level", "none")
        # The member's task stays in view under the in-call strip.
        expect(app.locator("[data-testid=live-strip]")).to_be_visible()
        expect(app.locator("[data-testid=task-status]")).to_be_visible()

        # The member walks on (the phone's position, and a fix sent at once rather than with the
        # app's next batch): the position beside the video follows the map's.
        moved = (PLACE[0] + 0.002, PLACE[1])
        app_context.set_geolocation({"latitude": moved[0], "longitude": moved[1], "accuracy": 5})
        member_token = scene.member.token(scene.api)
        sent = scene.api.post("/api/v1/location", {"fixes": [fix_at(*moved)]}, token=member_token)
        assert sent.status == 202, sent.body
        # Officers' maps get coarse positions (3 decimals, ~100 m): near enough is the new one.
        wait_for(
            lambda: abs(number(console, ".live-position", "data-lat") - moved[0]) < 6e-4,
            what="the member's new position beside the video",
        )

        call_id = call_id_of(console)
        end_from_console(console, app)
        expect(app.locator("[data-testid=live-strip]")).to_have_count(0)
        [entry] = [c for c in audit(scene) if c["call_id"] == call_id]
        assert entry["officer_id"] == scene.officer.member_id
        assert entry["task_id"] == task_id and entry["end_reason"] == "hung_up"
        assert entry["ended_by"] == scene.officer.member_id
        assert entry["accepted_at"] and entry["connected_s"] > 0.5
        assert problems == []
    finally:
        console_context.close()
        app_context.close()
        release(scene, task_id)


def test_a_declined_call_never_connects_and_another_stations_officer_is_refused(
    scene: Scene, browser: Browser
) -> None:
    problems: list[str] = []
    app_context, app = open_app(browser, scene, problems)
    console_context, console = open_console(browser, scene, problems)
    task_id = None
    try:
        refused = scene.api.post(
            "/api/v1/live-calls",
            {"member_id": scene.member.member_id},
            token=scene.elsewhere.token(scene.api),
        )
        assert refused.status == 403, refused.body

        task_id = claimed_task(scene, app)
        watch_claimant(console, scene, task_id)
        app.locator("[data-testid=live-decline]").click()
        panel = console.locator("[data-testid=live-call]")
        expect(panel).to_have_attribute("data-state", "ended")
        expect(panel).to_have_attribute("data-end-reason", "declined")
        call_id = call_id_of(console)
        [entry] = [c for c in audit(scene) if c["call_id"] == call_id]
        assert entry["status"] == "declined" and entry["accepted_at"] is None
        assert entry["connected_s"] == 0
        # Nothing was ever sent or received: no camera opened, no frame decoded.
        assert app.locator("[data-testid=live-strip]").count() == 0
        assert number(console, QUALITY, "data-frames-decoded") == 0
        assert console.locator("[data-testid=live-video]").evaluate("v => v.srcObject") is None
        assert problems == []
    finally:
        console_context.close()
        app_context.close()
        release(scene, task_id)
