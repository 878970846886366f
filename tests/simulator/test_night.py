"""A short simulated night against an embedded all-in-one, fast-forwarded: the members go on
duty and show on the live map, the officer's tasks are claimed and completed with photos, tips
arrive, the class answers its roll call and members file patrol logs — all through the API."""

from __future__ import annotations

import os
import signal
import stat
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

import allinone
from allinone.demo import DEMO_ADMIN_FILE, DEMO_SEED, start_demo, with_demo_admin
from allinone.settings import AllInOneSettings
from simulator import Simulation, SimulationSettings
from tests.support.api import Api, wait_for

ADMIN = ("13800000000", "Admin-Password-1")
API = "/api/v1"
MEMBERS = 20


@pytest.fixture(scope="module")
def night(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Simulation, Api, str]]:
    with pytest.MonkeyPatch.context() as env:
        env.setenv("SHOUWANG_ADMIN_PHONE", ADMIN[0])
        env.setenv("SHOUWANG_ADMIN_PASSWORD", ADMIN[1])
        running = allinone.start(port=0, data_dir=tmp_path_factory.mktemp("night"))
    simulation = Simulation(
        SimulationSettings(
            url=running.url,
            admin_phone=ADMIN[0],
            admin_password=ADMIN[1],
            members=MEMBERS,
            seed=4,
            speed=40.0,
            # A busy night, so that half a minute holds every kind of event.
            tip_every_s=20.0,
            dispatch_every_s=40.0,
            review_every_s=30.0,
            patrol_log_every_s=90.0,
            progress=None,
        )
    )
    try:
        simulation.start()
        assert simulation.wait_ready(120)
        api = Api(running.url)
        login = {"phone": simulation.plan.officer.phone, "password": simulation.officer_password}
        officer = api.post(f"{API}/auth/login", login)
        assert officer.status == 200, officer.body
        yield simulation, api, officer.body["access_token"]
    finally:
        simulation.stop()
        running.stop()


def test_members_on_duty_appear_on_the_officers_live_map(night: Any) -> None:
    simulation, api, officer = night

    def online() -> list[dict[str, Any]]:
        live = api.get(f"{API}/live/members?bbox=120.6,27.74,120.7,27.82", token=officer)
        assert live.status == 200, live.body
        return [f for f in live.body["features"] if f["properties"]["status"] == "online"]

    # Everyone, within a batch of fixes (a slow setup may have left the first ones stale).
    wait_for(lambda: len(online()) == MEMBERS, timeout_s=20, interval_s=1, what="all online")
    features = online()
    lat, lon = (sum(f["geometry"]["coordinates"][i] for f in features) / MEMBERS for i in (1, 0))
    assert abs(lat - 27.78) < 0.02 and abs(lon - 120.65) < 0.02  # around Rui'an
    wait_for(lambda: simulation.counts["fixes"] > 0, timeout_s=20, what="a batch of fixes")
    assert simulation.counts["fixes_rejected"] == 0


def test_the_officers_tasks_are_claimed_and_completed_with_a_photo(night: Any) -> None:
    simulation, api, officer = night

    def done() -> list[dict[str, Any]]:
        tasks = []
        for status in ("resolved", "closed"):
            tasks += api.get(f"{API}/tasks?status={status}", token=officer).body["tasks"]
        return tasks

    finished = wait_for(done, timeout_s=60, interval_s=0.5, what="a task completed")
    task = api.get(f"{API}/tasks/{finished[0]['task_id']}", token=officer).body
    assert task["claims"] and task["offers"]
    assert task["claims"][0]["arrived_at"] is not None  # on scene, then resolved
    assert simulation.counts["claims"] >= 1 and simulation.counts["completed"] >= 1


def test_tips_arrive_with_photos(night: Any) -> None:
    _, api, officer = night

    def reports() -> list[dict[str, Any]]:
        return api.get(f"{API}/reports", token=officer).body["reports"]

    tip = wait_for(reports, timeout_s=30, interval_s=0.5, what="a tip")[0]
    assert tip["media_ids"]
    photo = api.get(f"{API}/media/{tip['media_ids'][0]}", token=officer)
    assert photo.status == 200 and photo.body[:2] == b"\xff\xd8"  # a JPEG


def test_the_class_answers_its_roll_call_and_members_file_patrol_logs(night: Any) -> None:
    simulation, api, officer = night
    cohort_id = simulation.cohort["cohort_id"]

    def attended() -> int:
        report = api.get(f"{API}/cohorts/{cohort_id}/report", token=officer).body
        return sum(t["attended"] for t in report["trainees"])

    assert wait_for(attended, timeout_s=30, interval_s=0.5, what="a check-in") >= 1

    def logs() -> int:
        return api.get(f"{API}/stats/outcomes", token=officer).body["logs"]

    assert wait_for(logs, timeout_s=30, interval_s=0.5, what="a patrol log") >= 1
    shifts = api.get(f"{API}/shifts", token=officer).body["shifts"]
    assert shifts, "the roster's shifts"


def test_the_hotspot_statistics_count_the_nights_incidents_and_presence_in_its_grids(
    night: Any,
) -> None:
    _, api, officer = night
    town_grids = {
        g["properties"]["grid_id"] for g in api.get(f"{API}/grids", token=officer).body["features"]
    }

    def hotspots() -> dict[str, Any] | None:
        reply = api.get(f"{API}/stats/hotspots", token=officer).body
        return reply if reply["incidents"] and reply["presence_minutes"] else None

    found = wait_for(hotspots, timeout_s=30, interval_s=0.5, what="incidents and presence")
    assert {cell["grid_id"] for cell in found["cells"]} <= town_grids


def test_a_members_session_renews_itself_when_its_access_token_is_refused(night: Any) -> None:
    simulation, _, _ = night
    session = next(iter(simulation.patrollers.values())).session
    expired = session.access_token
    session.access_token = expired[:-4] + "AAAA"  # a signature that does not verify
    me = session.get("/me")
    assert me.status == 200 and me.body["member_id"] == session.member_id
    assert session.access_token not in (expired, expired[:-4] + "AAAA")


def test_the_demo_of_shouwang_up_runs_its_night_and_names_its_officer(night: Any) -> None:
    simulation, _, _ = night
    settings = AllInOneSettings(admin_phone=ADMIN[0], admin_password=ADMIN[1])
    demo = start_demo(simulation.settings.url, settings, members=2)
    try:
        assert demo.wait_ready(60)
        assert "demo-officer" in demo.officer_login
        hint = demo.officer_hint
        login = {"phone": hint["phone"], "password": hint["password"]}
        assert Api(simulation.settings.url).post(f"{API}/auth/login", login).status == 200
        assert demo.settings.seed == DEMO_SEED and len(demo.patrollers) == 2
    finally:
        demo.stop(end_duty=True)


def test_the_demo_seeds_its_own_administrator_once_unless_one_is_configured(
    tmp_path: Path,
) -> None:
    unset = AllInOneSettings(admin_phone="", admin_password="")
    first = with_demo_admin(unset, tmp_path)
    assert first.admin_phone and len(first.admin_password) >= 20
    assert stat.S_IMODE(os.stat(tmp_path / DEMO_ADMIN_FILE).st_mode) == 0o600
    assert with_demo_admin(unset, tmp_path) == first  # the same one after a restart
    configured = AllInOneSettings(admin_phone=ADMIN[0], admin_password=ADMIN[1])
    assert with_demo_admin(configured, tmp_path / "elsewhere") == configured
    assert not (tmp_path / "elsewhere").exists()


def test_shouwang_simulate_runs_until_sigint_and_takes_its_members_off_duty(night: Any) -> None:
    simulation, api, officer = night

    def on_duty() -> int:
        return api.get(f"{API}/live/summary", token=officer).body["on_duty"]

    before = on_duty()
    command = [sys.executable, "-m", "shouwang.cli", "simulate", "--url", simulation.settings.url]
    process = subprocess.Popen(
        [*command, "--members", "3", "--seed", "9", "--speed", "20"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env={
            **os.environ,
            "SHOUWANG_ADMIN_PHONE": ADMIN[0],
            "SHOUWANG_ADMIN_PASSWORD": ADMIN[1],
        },
    )

    try:
        assert "demo-officer" in process.stdout.readline()  # type: ignore[union-attr]
        wait_for(lambda: on_duty() == before + 3, timeout_s=60, what="3 more on duty")
        process.send_signal(signal.SIGINT)
        assert process.wait(timeout=90) == 0, process.stderr.read()  # type: ignore[union-attr]
    finally:
        if process.poll() is None:
            process.kill()
    # Off duty at once; the live view learns it from the bus a moment later.
    try:
        wait_for(lambda: on_duty() == before, timeout_s=60, what="the 3 off duty")
    except AssertionError as error:
        said = process.stderr.read()  # type: ignore[union-attr]
        found = f"{on_duty()} on duty, {before} before; it said {said}"
        raise AssertionError(f"{error}: {found}") from None
