"""`shouwang up` end to end: a real process, real HTTP, signals and a data dir that survives."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from allinone import track_keeper
from tests.support.api import Api, new_person, wait_for
from tests.support.processes import children, cpus_of_threads
from tests.support.servers import free_port

ADMIN = {"SHOUWANG_ADMIN_PHONE": "13800000000", "SHOUWANG_ADMIN_PASSWORD": "Admin-Password-1"}


class Process:
    def __init__(self, data_dir: Path) -> None:
        self.port = free_port()
        self.proc = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "shouwang.cli",
                "up",
                "--no-demo",
                "--port",
                str(self.port),
                "--data",
                str(data_dir),
            ],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            env={**os.environ, **ADMIN},
        )
        ready_line = self.proc.stdout.readline()  # type: ignore[union-attr]
        assert "ready at" in ready_line, self.proc.stderr.read()  # type: ignore[union-attr]
        self.api = Api(f"http://127.0.0.1:{self.port}")

    def terminate(self) -> int:
        self.proc.send_signal(signal.SIGTERM)
        return self.proc.wait(timeout=20)


@pytest.fixture
def running(tmp_path: Path) -> Iterator[Process]:
    process = Process(tmp_path / "data")
    yield process
    if process.proc.poll() is None:
        process.proc.kill()


@pytest.mark.skipif(
    not hasattr(os, "sched_getaffinity") or len(os.sched_getaffinity(0)) < 2,
    reason="pinning needs Linux and two CPUs to choose from",
)
def test_its_threads_share_one_cpu_and_the_track_keeper_runs_on_the_others(
    running: Process,
) -> None:
    """SHOUWANG_INTERPRETER_ONE_CORE (on by default): the interpreter's hand-overs stay on one
    core, and the keeper's process, which would inherit it, gets the rest."""
    (core,) = set(cpus_of_threads(running.proc.pid).values())  # every thread on the same CPUs
    assert len(core) == 1
    processes = children(running.proc.pid).items()
    (keeper_pid,) = [pid for pid, line in processes if track_keeper.__name__ in line]
    others = frozenset(os.sched_getaffinity(0)) - core

    # The keeper moves its threads as it starts, which may be after the parent is ready.
    wait_for(lambda: set(cpus_of_threads(keeper_pid).values()) == {others}, what="keeper moved")


def test_serves_health_metrics_and_the_openapi_document(running: Process) -> None:
    assert running.api.get("/healthz").status == 200
    assert running.api.get("/readyz").body["ready"] is True
    metrics = running.api.get("/metrics")
    assert metrics.status == 200 and b"shouwang_http_requests_total" in metrics.body
    document = running.api.get("/api/v1/openapi.json").body
    assert document["openapi"].startswith("3.")
    assert "/auth/register" in document["paths"]


def test_registered_member_gets_a_points_account_through_the_event_bus(running: Process) -> None:
    member_id, token = running.api.register_and_login(new_person())
    points = wait_for(
        lambda: (r := running.api.get("/api/v1/points/me", token=token)).status == 200 and r,
        what="points account opened from shouwang.member.registered",
    )
    assert points.body == {"balance": 0, "entries": [], "next_cursor": None}
    me = running.api.get("/api/v1/me", token=token).body
    assert me["member_id"] == member_id and me["status"] == "pending"


def test_sigterm_exits_zero_and_data_survives_a_restart(tmp_path: Path) -> None:
    data = tmp_path / "data"
    first = Process(data)
    person = new_person()
    member_id, _ = first.api.register_and_login(person)
    assert first.terminate() == 0
    second = Process(data)
    try:
        login = second.api.post(
            "/api/v1/auth/login", {"phone": person["phone"], "password": person["password"]}
        )
        assert login.status == 200
        assert login.body["member"]["member_id"] == member_id
        again = second.api.post("/api/v1/auth/register", person)
        assert again.status == 409
    finally:
        assert second.terminate() == 0


def test_administrator_is_seeded_once_across_restarts(tmp_path: Path) -> None:
    data = tmp_path / "data"
    ids = []
    for _ in range(2):
        process = Process(data)
        login = process.api.post(
            "/api/v1/auth/login",
            {"phone": ADMIN["SHOUWANG_ADMIN_PHONE"], "password": ADMIN["SHOUWANG_ADMIN_PASSWORD"]},
        )
        assert login.status == 200
        assert set(login.body["member"]["roles"]) >= {"admin", "officer"}
        ids.append(login.body["member"]["member_id"])
        assert process.terminate() == 0
    assert ids[0] == ids[1]


def test_a_bad_setting_stops_start_up_naming_its_variable(tmp_path: Path) -> None:
    command = [sys.executable, "-m", "shouwang.cli", "up", "--no-demo", "--port", "0"]
    failed = subprocess.run(
        [*command, "--data", str(tmp_path / "data")],
        capture_output=True,
        text=True,
        timeout=60,
        env={**os.environ, "WAVE_TIMEOUT_S": "half a minute"},
    )
    assert failed.returncode == 2
    assert "WAVE_TIMEOUT_S" in failed.stderr and "Traceback" not in failed.stderr
