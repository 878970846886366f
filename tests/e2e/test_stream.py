"""CONTRACT.md "GET /stream" end to end: a real in-process all-in-one, real dispatches, and SSE
read off real sockets."""

from __future__ import annotations

import contextlib
import http.client
import itertools
import json
import os
import resource
import selectors
import socket
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest

import allinone
from tests.support.api import Api, fix_at, verified_member, wait_for, wait_until_placed

API = "/api/v1"
ADMIN_PHONE = "13800000000"
ADMIN_PASSWORD = "Admin-Password-1"
HEARTBEAT_S = 0.3

# Each test dispatches around its own spot, ~20 km from the others, so members put on duty by
# one test are never the nearest in another.
_spots = itertools.count()


def next_spot() -> tuple[float, float]:
    return 30.0 + 0.2 * next(_spots), 120.0


# Driver -------------------------------------------------------------------------------------


@dataclass
class SseEvent:
    id: str
    type: str
    data: dict[str, Any]


@dataclass
class SseClient:
    """An SSE connection read by a background thread into ``events`` and ``pings``."""

    status: int
    response: http.client.HTTPResponse
    sock: socket.socket
    events: list[SseEvent] = field(default_factory=list)
    pings: int = 0

    @classmethod
    def open(cls, base_url: str, path: str, headers: dict[str, str]) -> SseClient:
        parts = urlsplit(base_url)
        connection = http.client.HTTPConnection(parts.hostname, parts.port, timeout=15)
        connection.request("GET", path, headers=headers)
        sock = connection.sock  # http.client lets go of it once the response is read to the end
        response = connection.getresponse()
        client = cls(response.status, response, sock)
        if response.status == 200:
            threading.Thread(target=client._read, daemon=True).start()
        return client

    def _read(self) -> None:
        block: list[str] = []
        try:
            while True:
                line = self.response.readline()
                if not line:
                    return
                text = line.decode().rstrip("\n")
                if text:
                    block.append(text)
                    continue
                self._take(block)
                block = []
        except (OSError, ValueError, http.client.HTTPException):
            return

    def _take(self, block: list[str]) -> None:
        if block == [": ping"]:
            self.pings += 1
            return
        fields = dict(line.split(": ", 1) for line in block if not line.startswith(":"))
        if "event" in fields:
            data = json.loads(fields.get("data", "null"))
            self.events.append(SseEvent(fields.get("id", ""), fields["event"], data))

    def of_type(self, event_type: str) -> list[SseEvent]:
        return [e for e in list(self.events) if e.type == event_type]

    def wait_for_event(
        self, event_type: str, where: Callable[[SseEvent], bool] = lambda _: True
    ) -> SseEvent:
        return wait_for(
            lambda: next((e for e in self.of_type(event_type) if where(e)), None),
            what=f"{event_type} on the stream",
            timeout_s=30,
        )

    def drain(self) -> None:
        """Wait for a heartbeat: anything queued for this stream before now has arrived."""
        seen = self.pings
        wait_for(lambda: self.pings > seen, what="a heartbeat", timeout_s=30)

    def close(self) -> None:
        with contextlib.suppress(OSError):
            self.sock.shutdown(socket.SHUT_RDWR)
        self.sock.close()


@dataclass
class Member:
    member_id: str
    token: str


class Shouwang:
    def __init__(self, running: allinone.AllInOne) -> None:
        self.running = running
        self.api = Api(running.url)
        login = self.api.post(
            f"{API}/auth/login", {"phone": ADMIN_PHONE, "password": ADMIN_PASSWORD}
        )
        self.admin = Member(login.body["member"]["member_id"], login.body["access_token"])
        self.station, self.team = self.org("station"), ""
        self.team = self.org("team", self.station)
        self.clients: list[SseClient] = []

    def org(self, kind: str, parent_id: str = "") -> str:
        body = {"name": f"{kind} {next(_spots)}", "kind": kind}
        if parent_id:
            body["parent_id"] = parent_id
        reply = self.api.post(f"{API}/orgs", body, token=self.admin.token)
        assert reply.status == 201, reply.body
        return reply.body["org_id"]

    def member(self) -> Member:
        member_id, token, _ = verified_member(self.api, self.admin.token, team_id=self.team)
        return Member(member_id, token)

    def officer(self, station_id: str) -> Member:
        # Only verified members may be made officers.
        member_id, _, person = verified_member(self.api, self.admin.token)
        reply = self.api.post(
            f"{API}/members/{member_id}/roles",
            {"roles": ["officer"], "org_id": station_id},
            token=self.admin.token,
        )
        assert reply.status == 200, reply.body
        login = self.api.post(
            f"{API}/auth/login", {"phone": person["phone"], "password": person["password"]}
        )
        return Member(member_id, login.body["access_token"])

    def on_duty_at(self, lat: float, lon: float) -> Member:
        member = self.member()
        assert self.api.post(f"{API}/duty/start", token=member.token).status == 200
        fixes = self.api.post(f"{API}/location", {"fixes": [fix_at(lat, lon)]}, token=member.token)
        assert fixes.status == 202 and fixes.body["accepted"] == 1, fixes.body
        wait_until_placed(self.api, self.admin.token, {member.member_id}, lat, lon, within_m=0)
        return member

    def dispatch(self, officer: Member, lat: float, lon: float) -> dict[str, Any]:
        body = {
            "title": "可疑人员",
            "priority": 1,
            "location": {"lat": lat, "lon": lon},
            "target": {"mode": "nearest", "count": 1},
        }
        reply = self.api.post(f"{API}/tasks", body, token=officer.token)
        assert reply.status == 201, reply.body
        return reply.body

    def stream(self, *, token: str | None = None, query: str = "", **headers: str) -> SseClient:
        if token:
            headers["Authorization"] = f"Bearer {token}"
        client = SseClient.open(self.running.url, f"{API}/stream{query}", headers)
        self.clients.append(client)
        return client

    def open_stream(self, member: Member, **headers: str) -> SseClient:
        client = self.stream(token=member.token, **headers)
        assert client.status == 200
        return client


@pytest.fixture(scope="module")
def app(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Shouwang]:
    with pytest.MonkeyPatch.context() as env:
        env.setenv("SHOUWANG_ADMIN_PHONE", ADMIN_PHONE)
        env.setenv("SHOUWANG_ADMIN_PASSWORD", ADMIN_PASSWORD)
        running = allinone.start(port=0, data_dir=tmp_path_factory.mktemp("stream"))
    running.gateway.hub.heartbeat_s = HEARTBEAT_S
    shouwang = Shouwang(running)
    try:
        yield shouwang
    finally:
        for client in shouwang.clients:
            client.close()
        running.stop()


# Who receives what --------------------------------------------------------------------------


def test_the_nearest_member_is_offered_the_task_on_their_stream_and_the_next_is_not(
    app: Shouwang,
) -> None:
    lat, lon = next_spot()
    nearest, farther = app.on_duty_at(lat, lon), app.on_duty_at(lat + 0.01, lon)
    nearest_stream, farther_stream = app.open_stream(nearest), app.open_stream(farther)
    task = app.dispatch(app.officer(app.station), lat, lon)

    offered = nearest_stream.wait_for_event(
        "shouwang.task.offered", lambda e: e.data["task_id"] == task["task_id"]
    )
    assert [o["member_id"] for o in offered.data["offers"]] == [nearest.member_id]
    assert offered.id
    farther_stream.drain()
    assert farther_stream.of_type("shouwang.task.offered") == []


def test_officers_of_the_tasks_station_and_admins_see_its_events_other_stations_do_not(
    app: Shouwang,
) -> None:
    lat, lon = next_spot()
    app.on_duty_at(lat, lon)
    dispatcher = app.officer(app.station)
    colleague, elsewhere = app.officer(app.station), app.officer(app.org("station"))
    streams = [app.open_stream(m) for m in (colleague, app.admin, elsewhere)]
    task = app.dispatch(dispatcher, lat, lon)

    for stream in streams[:2]:
        for event_type in ("shouwang.task.created", "shouwang.task.offered"):
            stream.wait_for_event(event_type, lambda e: e.data["task_id"] == task["task_id"])
    streams[2].drain()
    assert not [e for e in streams[2].events if e.data.get("task_id") == task["task_id"]]


def test_claimants_and_the_offered_receive_the_tasks_updates(app: Shouwang) -> None:
    lat, lon = next_spot()
    member = app.on_duty_at(lat, lon)
    stream = app.open_stream(member)
    task = app.dispatch(app.officer(app.station), lat, lon)
    stream.wait_for_event("shouwang.task.offered", lambda e: e.data["task_id"] == task["task_id"])

    claim = app.api.post(f"{API}/tasks/{task['task_id']}/claim", token=member.token)

    assert claim.status == 200, claim.body
    claimed = stream.wait_for_event(
        "shouwang.task.claimed", lambda e: e.data["task_id"] == task["task_id"]
    )
    assert claimed.data["member_id"] == member.member_id


def test_a_member_receives_the_events_of_their_own_reports_only(app: Shouwang) -> None:
    author, other = app.member(), app.member()
    author_stream, other_stream = app.open_stream(author), app.open_stream(other)
    lat, lon = next_spot()
    body = {
        "category": "safety_hazard",
        "description": "井盖缺失",
        "location": {"lat": lat, "lon": lon},
    }

    report = app.api.post(f"{API}/reports", body, token=author.token)

    assert report.status == 201, report.body
    submitted = author_stream.wait_for_event("shouwang.report.submitted")
    assert submitted.data["report_id"] == report.body["report_id"]
    other_stream.drain()
    assert other_stream.of_type("shouwang.report.submitted") == []


# Resume, heartbeats, authentication ---------------------------------------------------------


def test_last_event_id_replays_the_events_missed_while_disconnected(app: Shouwang) -> None:
    officer = app.officer(app.station)
    first = app.open_stream(officer)
    lat, lon = next_spot()
    app.on_duty_at(lat, lon)
    earlier = app.dispatch(officer, lat, lon)
    seen = first.wait_for_event(
        "shouwang.task.offered", lambda e: e.data["task_id"] == earlier["task_id"]
    )
    first.close()
    missed = app.dispatch(officer, lat, lon)  # nobody left to offer: created, then unfilled

    resumed = app.open_stream(officer, **{"Last-Event-ID": seen.id})

    created = resumed.wait_for_event(
        "shouwang.task.created", lambda e: e.data["task_id"] == missed["task_id"]
    )
    assert created.id != seen.id
    assert all(e.id != seen.id for e in resumed.events)
    assert resumed.of_type("stream.reset") == []


def test_an_unknown_last_event_id_resets_the_stream_and_it_goes_on_live(app: Shouwang) -> None:
    officer = app.officer(app.station)
    stream = app.open_stream(officer, **{"Last-Event-ID": "no-such-event"})

    assert stream.wait_for_event("stream.reset")
    lat, lon = next_spot()
    app.on_duty_at(lat, lon)
    task = app.dispatch(officer, lat, lon)
    stream.wait_for_event("shouwang.task.created", lambda e: e.data["task_id"] == task["task_id"])


def test_an_idle_stream_gets_heartbeat_comments(app: Shouwang) -> None:
    stream = app.open_stream(app.member())

    wait_for(lambda: stream.pings >= 2, what="two heartbeats", timeout_s=30)


def ticket_for(app: Shouwang, member: Member) -> str:
    issued = app.api.post(f"{API}/stream/tickets", token=member.token)
    assert issued.status == 201, issued.body
    assert issued.body["expires_in"] == 30
    return issued.body["ticket"]


def test_a_ticket_opens_a_stream_for_event_source_without_a_token_in_the_url(
    app: Shouwang,
) -> None:
    member = app.member()

    stream = app.stream(query=f"?ticket={ticket_for(app, member)}")

    assert stream.status == 200
    assert stream.response.getheader("Content-Type", "").startswith("text/event-stream")
    wait_for(lambda: stream.pings >= 1, what="a heartbeat")


def test_a_ticket_opens_one_stream_only(app: Shouwang) -> None:
    ticket = ticket_for(app, app.member())
    assert app.stream(query=f"?ticket={ticket}").status == 200

    again = app.stream(query=f"?ticket={ticket}")

    assert again.status == 401
    assert "ticket" in json.loads(again.response.read())["detail"]


def test_an_access_token_in_the_url_is_refused_with_the_way_to_a_ticket(app: Shouwang) -> None:
    member = app.member()

    stream = app.stream(query=f"?access_token={member.token}")

    assert stream.status == 400
    problem = json.loads(stream.response.read())
    assert [e["field"] for e in problem["errors"]] == ["access_token"]
    assert "/stream/tickets" in problem["detail"]


@pytest.mark.parametrize("query", ["", "?ticket=not-a-ticket"])
def test_a_stream_without_a_valid_token_or_ticket_is_refused(app: Shouwang, query: str) -> None:
    stream = app.stream(query=query)

    assert stream.status == 401
    assert stream.response.getheader("Content-Type", "").startswith("application/problem+json")
    assert json.loads(stream.response.read())["status"] == 401


def test_a_members_fourth_stream_ends_their_oldest(app: Shouwang) -> None:
    member = app.member()
    oldest, *others = [app.open_stream(member) for _ in range(3)]

    newest = app.open_stream(member)

    wait_for(lambda: oldest.response.isclosed() or oldest.response.fp is None, what="the end")
    for stream in (*others, newest):
        stream.drain()  # still open and served


def test_a_suspended_members_stream_ends(app: Shouwang) -> None:
    member = app.member()
    stream = app.open_stream(member)
    suspended = app.api.post(
        f"{API}/members/{member.member_id}/suspend", {"reason": "test"}, token=app.admin.token
    )
    assert suspended.status == 200, suspended.body

    wait_for(lambda: stream.response.isclosed() or stream.response.fp is None, what="the end")


# Many streams on one process ----------------------------------------------------------------

STREAMS = int(os.environ.get("SHOUWANG_STREAM_CONNECTIONS", "300"))


def _rss_kib() -> int:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    return 0


def test_one_gateway_holds_many_streams_and_reaches_all_of_them(app: Shouwang) -> None:
    """A connection count of SHOUWANG_STREAM_CONNECTIONS (docs/push-stream.md: 2000), raw
    sockets read by one selector thread; prints the memory and the fan-out time."""
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(resource.RLIMIT_NOFILE, (min(hard, max(soft, 3 * STREAMS + 1000)), hard))
    before_kib, before_threads = _rss_kib(), threading.active_count()
    address = (urlsplit(app.running.url).hostname, urlsplit(app.running.url).port)
    request = (
        f"GET {API}/stream HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer {app.admin.token}\r\n\r\n"
    ).encode()
    selector = selectors.DefaultSelector()
    received: dict[socket.socket, bytes] = {}

    def read_until(marker: bytes, timeout_s: float) -> float:
        deadline = time.monotonic() + timeout_s
        while not all(marker in data for data in received.values()):
            assert time.monotonic() < deadline, (
                f"{sum(marker in d for d in received.values())}/{STREAMS} streams got {marker!r}"
            )
            for key, _ in selector.select(timeout=0.5):
                try:
                    chunk = key.fileobj.recv(65536)  # type: ignore[union-attr]
                except BlockingIOError:
                    continue
                received[key.fileobj] += chunk  # type: ignore[index]
        return time.monotonic()

    hub = app.running.gateway.hub
    hub.heartbeat_s = 15.0  # production pace while measuring
    # Every stream is the admin's (every event reaches all: the worst case), so the admin may
    # hold them all while measuring.
    per_member, hub.max_streams_per_member = hub.max_streams_per_member, STREAMS
    try:
        for _ in range(STREAMS):
            sock = socket.create_connection(address)
            received[sock] = b""
            sock.sendall(request)
            sock.setblocking(False)
            selector.register(sock, selectors.EVENT_READ)
        read_until(b"retry:", timeout_s=120)
        assert app.running.gateway.hub.stream_count >= STREAMS
        held_kib = _rss_kib()
        lat, lon = next_spot()
        dispatcher = app.officer(app.station)
        sent = time.monotonic()
        task = app.dispatch(dispatcher, lat, lon)
        arrived = read_until(task["task_id"].encode(), timeout_s=30)
        print(
            f"\n{STREAMS} streams: RSS {before_kib // 1024} -> {held_kib // 1024} MiB "
            f"({(held_kib - before_kib) / STREAMS:.0f} KiB/stream), threads "
            f"{before_threads} -> {threading.active_count()}, dispatch to last stream "
            f"{(arrived - sent) * 1000:.0f} ms"
        )
        assert arrived - sent < 10
    finally:
        hub.heartbeat_s, hub.max_streams_per_member = HEARTBEAT_S, per_member
        for sock in received:
            with contextlib.suppress(KeyError, ValueError):
                selector.unregister(sock)
            sock.close()
    wait_for(lambda: app.running.gateway.hub.stream_count < STREAMS, what="streams to close")
