"""Acknowledged means durable (issue #19): members post batches of fixes to ``shouwang up``, the
process is SIGKILLed right after a 202, and once it runs again on the same data dir every fix
ever acknowledged is in the members' tracks."""

from __future__ import annotations

import http.client
import json
import os
import signal
import subprocess
import sys
import threading
from datetime import UTC, datetime, timedelta
from pathlib import Path
from urllib.parse import urlencode

from prometheus_client.parser import text_string_to_metric_families

from allinone.track_keeper import METRICS_PORT_LINE, PROCESS_NAME
from allinone.track_keeper.__main__ import WAITING_FOR_THE_OTHER_KEEPER
from tests.support.api import Api, verified_member, wait_for
from tests.support.processes import children, running

ADMIN = {"SHOUWANG_ADMIN_PHONE": "13800000000", "SHOUWANG_ADMIN_PASSWORD": "Admin-Password-1"}
MEMBERS = 4
BATCH = 50
UP = [sys.executable, "-m", "shouwang.cli", "up", "--no-demo", "--port", "0"]
KEEPER = "allinone.track_keeper"  # its command line
KILL_AFTER_ACKS = 60  # acknowledged batches, across the members, before the SIGKILL


class Server:
    """``shouwang up`` on a port the kernel picks."""

    def __init__(self, data_dir: Path) -> None:
        self.proc = subprocess.Popen(
            [*UP, "--data", str(data_dir)],
            stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL,
            text=True,
            env={**os.environ, **ADMIN},
        )
        ready = self.proc.stdout.readline()  # type: ignore[union-attr]
        assert "ready at" in ready, ready
        self.url = ready.split("ready at ", 1)[1].split()[0].rstrip("/")
        self.api = Api(self.url)

    def admin_token(self) -> str:
        login = self.api.post(
            "/api/v1/auth/login",
            {"phone": ADMIN["SHOUWANG_ADMIN_PHONE"], "password": ADMIN["SHOUWANG_ADMIN_PASSWORD"]},
        )
        return login.body["access_token"]

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()


def batch_of_fixes(after_ms: int, now_ms: int) -> tuple[list[int], bytes]:
    step = max(1, (now_ms - after_ms) // BATCH)
    stamps = [now_ms - (BATCH - 1 - i) * step for i in range(BATCH)]
    fixes = [
        {
            "lat": 30.2741 + (ts % 100_000) * 1e-8,
            "lon": 120.1551,
            "ts": datetime.fromtimestamp(ts / 1000, UTC).isoformat(timespec="milliseconds"),
            "accuracy_m": 8.0,
        }
        for ts in stamps
    ]
    return stamps, json.dumps({"fixes": fixes}).encode()


class Poster(threading.Thread):
    """Posts batches for one member until told to stop (or the server is gone); remembers the
    fixes of every batch answered 202."""

    def __init__(self, url: str, token: str, acknowledged: list[int], on_ack: threading.Semaphore):
        super().__init__(daemon=True)
        self.url, self.token = url, token
        self.acknowledged = acknowledged
        self.on_ack = on_ack
        self.refused: str | None = None

    def run(self) -> None:
        host, port = self.url.removeprefix("http://").split(":")
        connection = http.client.HTTPConnection(host, int(port), timeout=10)
        last_ms = int(datetime.now(UTC).timestamp() * 1000) - 60_000
        while True:
            now_ms = max(last_ms + BATCH, int(datetime.now(UTC).timestamp() * 1000))
            stamps, body = batch_of_fixes(last_ms, now_ms)
            headers = {"Content-Type": "application/json", "Authorization": f"Bearer {self.token}"}
            try:
                connection.request("POST", "/api/v1/location", body, headers)
                response = connection.getresponse()
                reply = response.read()
            except (OSError, http.client.HTTPException):
                return  # killed: a request without a reply was not acknowledged
            if response.status != 202 or json.loads(reply)["accepted"] != BATCH:
                self.refused = f"{response.status} {reply[:200]!r}"
                return
            self.acknowledged.extend(stamps)
            last_ms = now_ms
            self.on_ack.release()


def track_stamps(api: Api, admin: str, member_id: str) -> set[int]:
    now = datetime.now(UTC)
    window = {
        "from": (now - timedelta(hours=1)).isoformat(),
        "to": (now + timedelta(minutes=5)).isoformat(),
        "reason": "durability test",
    }
    reply = api.get(f"/api/v1/members/{member_id}/track?{urlencode(window)}", token=admin)
    assert reply.status == 200, reply.body
    return {
        int(datetime.fromisoformat(fix["ts"].replace("Z", "+00:00")).timestamp() * 1000)
        for fix in reply.body["fixes"]
    }


def test_every_fix_acknowledged_before_a_sigkill_is_in_the_track_after_restart(
    tmp_path: Path,
) -> None:
    data_dir = tmp_path / "data"
    server = Server(data_dir)
    try:
        admin = server.admin_token()
        members = []
        for _ in range(MEMBERS):
            member_id, token, _ = verified_member(server.api, admin)
            assert server.api.post("/api/v1/duty/start", token=token).status == 200
            members.append((member_id, token))
        acknowledged: dict[str, list[int]] = {member_id: [] for member_id, _ in members}
        acks = threading.Semaphore(0)
        posters = [
            Poster(server.url, token, acknowledged[member_id], acks) for member_id, token in members
        ]
        for poster in posters:
            poster.start()
        for _ in range(KILL_AFTER_ACKS):
            assert acks.acquire(timeout=60), "the server stopped acknowledging batches"
        server.proc.send_signal(signal.SIGKILL)  # right after a 202, with others in flight
        server.proc.wait(timeout=30)
        for poster in posters:
            poster.join(timeout=30)
        assert [p.refused for p in posters] == [None] * MEMBERS
    finally:
        server.stop()

    restarted = Server(data_dir)
    try:
        admin = restarted.admin_token()
        for member_id, stamps in acknowledged.items():
            expected = set(stamps)
            assert len(expected) == len(stamps)  # every fix its own timestamp
            wait_for(
                lambda m=member_id, e=expected: e <= track_stamps(restarted.api, admin, m),
                timeout_s=60,
                interval_s=0.2,
                what=f"the {len(expected)} acknowledged fixes in the track",
            )
        assert sum(len(s) for s in acknowledged.values()) >= KILL_AFTER_ACKS * BATCH
    finally:
        restarted.stop()


def test_the_track_keepers_process_comes_back_when_it_dies_and_ends_with_the_all_in_one(
    tmp_path: Path,
) -> None:
    server = Server(tmp_path / "data")
    try:
        first = wait_for(lambda: keeper_of(server.proc.pid), what="the track keeper's process")
        os.kill(first, signal.SIGKILL)
        second = wait_for(
            lambda: (pid := keeper_of(server.proc.pid)) != first and pid,
            timeout_s=30,
            what="the track keeper's process started again",
        )
        admin = server.admin_token()
        member_id, token, _ = verified_member(server.api, admin)
        assert server.api.post("/api/v1/duty/start", token=token).status == 200
        now_ms = int(datetime.now(UTC).timestamp() * 1000)
        stamps, body = batch_of_fixes(now_ms - 60_000, now_ms)
        posted = server.api.post("/api/v1/location", json.loads(body), token=token)
        assert posted.status == 202 and posted.body["accepted"] == BATCH, posted.body
        wait_for(
            lambda: set(stamps) <= track_stamps(server.api, admin, member_id),
            what="the fixes in the track, stored by the new keeper",
        )
        assert wait_for(
            lambda: keepers_handled(server.api) >= 1,
            what="the new keeper's metrics in the all-in-one's /metrics",
        )

        server.proc.send_signal(signal.SIGKILL)
        server.proc.wait(timeout=30)
        wait_for(lambda: not running(second), what="the keeper to end with the all-in-one")
    finally:
        server.stop()


def test_a_second_keeper_on_the_same_data_waits_until_the_first_has_ended(
    tmp_path: Path,
) -> None:
    """What keeps a keeper left over from a killed all-in-one from overlapping the next one."""
    data = tmp_path / "data"
    data.mkdir()
    keepers = [Keeper(data)]
    try:
        assert keepers[0].started(timeout_s=60), "the first keeper never took the data dir"
        keepers.append(Keeper(data))
        assert keepers[1].waiting.wait(60), "the second keeper never reached the lock"
        assert not keepers[1].started(timeout_s=1), "both keepers ran on one data dir"
        keepers[0].process.stdin.close()  # type: ignore[union-attr]  # as its parent stops it
        assert keepers[0].process.wait(timeout=30) == 0
        assert keepers[1].started(timeout_s=60), "the second keeper never took over"
    finally:
        for keeper in keepers:
            keeper.process.kill()
            keeper.process.wait()


class Keeper:
    """``python -m allinone.track_keeper`` on a data dir, as the all-in-one starts it."""

    def __init__(self, data: Path) -> None:
        self.process = subprocess.Popen(
            [sys.executable, "-m", KEEPER, "--data", str(data)],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
        )
        self._announced = threading.Event()
        self.waiting = threading.Event()  # it logged that another keeper holds the lock
        threading.Thread(target=self._read, daemon=True).start()
        threading.Thread(target=self._read_log, daemon=True).start()

    def started(self, *, timeout_s: float) -> bool:
        """Whether it announced its metrics port, which it does once it holds the data dir."""
        return self._announced.wait(timeout_s)

    def _read(self) -> None:
        for line in self.process.stdout:  # type: ignore[union-attr]
            if line.startswith(METRICS_PORT_LINE.encode()):
                self._announced.set()

    def _read_log(self) -> None:
        for line in self.process.stderr:  # type: ignore[union-attr]
            if WAITING_FOR_THE_OTHER_KEEPER.encode() in line:
                self.waiting.set()


def keepers_handled(api: Api) -> float:
    """Batches of fixes the track keeper's process says it handled, in the parent's /metrics."""
    scraped = api.get("/metrics")
    assert scraped.status == 200
    families = text_string_to_metric_families(scraped.body.decode())
    return sum(
        sample.value
        for family in families
        if family.name == "shouwang_events_handled"
        for sample in family.samples
        if sample.name.endswith("_total")
        and sample.labels.get("process") == PROCESS_NAME
        and sample.labels["group"] == "location-tracks"
    )


def keeper_of(parent_pid: int) -> int | None:
    """The running track keeper process the all-in-one ``parent_pid`` started, if any."""
    return next(
        (pid for pid, command in children(parent_pid).items() if KEEPER in command),
        None,
    )
