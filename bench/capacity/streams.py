"""SSE streams per gateway replica: N `/api/v1/stream` connections held open against one
gateway, N growing; at each N the gateway's memory, threads, descriptors and idle CPU, and the
time from `POST /tasks` to its `shouwang.task.created` frame on every stream (first, median, last).

Every stream is an administrator's, so every task event goes to all of them: the worst case of
fan-out (an offer normally reaches 3 members and one station's officers). A member holds at most
3 streams per replica, so N streams need N/3 administrators. The client reads every socket from
one thread (epoll), in its own process beside the gateway on the same 2 cores.
"""

from __future__ import annotations

import contextlib
import json
import math
import selectors
import socket
import sys
import threading
import time
from collections import defaultdict
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from urllib.parse import urlsplit

import numpy as np

from bench.capacity import probe
from bench.dispatch.population import admin_token
from bench.dispatch.workload import Client
from tests.support.api import Api, new_person

CREATED = b"shouwang.task.created"
STREAMS_PER_MEMBER = 3
PUSH_TIMEOUT_S = 60.0


class StreamSet:
    """Open streams, read by one thread; when each task's ``created`` frame arrived where."""

    def __init__(self, base_url: str) -> None:
        url = urlsplit(base_url)
        self._address = (url.hostname, url.port)
        self._host = url.netloc
        self._selector = selectors.DefaultSelector()
        self._buffers: dict[socket.socket, bytearray] = {}
        self._event: dict[socket.socket, bytes] = {}
        self._arrivals: dict[str, list[float]] = defaultdict(list)
        self._changed = threading.Condition()
        self.sockets: list[socket.socket] = []
        self.ended = 0  # streams the server closed
        self._stopping = threading.Event()
        self._reader = threading.Thread(target=self._read, daemon=True, name="sse-reader")
        self._reader.start()

    @property
    def open_count(self) -> int:
        return len(self.sockets) - self.ended

    def open(self, token: str) -> int:
        """One more stream; the HTTP status (200, or e.g. 503 when the replica is full)."""
        sock = socket.create_connection(self._address, timeout=30)
        sock.sendall(
            f"GET /api/v1/stream HTTP/1.0\r\nHost: {self._host}\r\n"
            f"Authorization: Bearer {token}\r\nAccept: text/event-stream\r\n\r\n".encode()
        )
        head = b""
        while b"\r\n\r\n" not in head:
            chunk = sock.recv(4096)
            if not chunk:
                break
            head += chunk
        status = int(head.split(b" ", 2)[1]) if head.startswith(b"HTTP/") else 0
        if status != 200:
            sock.close()
            return status
        sock.setblocking(False)
        self._buffers[sock] = bytearray(head.split(b"\r\n\r\n", 1)[1])
        self._event[sock] = b""
        self.sockets.append(sock)
        self._selector.register(sock, selectors.EVENT_READ)
        return status

    def arrivals(self, task_id: str, *, expected: int, timeout_s: float) -> list[float]:
        with self._changed:
            self._changed.wait_for(
                lambda: len(self._arrivals.get(task_id, ())) >= expected, timeout=timeout_s
            )
            return list(self._arrivals.pop(task_id, ()))

    def close(self) -> None:
        self._stopping.set()
        self._reader.join(5)
        for sock in self.sockets:
            with contextlib.suppress(OSError):
                sock.close()

    def _read(self) -> None:
        while not self._stopping.is_set():
            try:
                ready = self._selector.select(timeout=0.05)
            except (OSError, KeyError, RuntimeError):
                continue
            for key, _ in ready:
                sock: socket.socket = key.fileobj  # type: ignore[assignment]
                try:
                    data = sock.recv(65536)
                except BlockingIOError:
                    continue
                except OSError:
                    data = b""
                at = time.perf_counter()
                if not data:
                    self._selector.unregister(sock)
                    self.ended += 1
                    continue
                self._lines(sock, data, at)

    def _lines(self, sock: socket.socket, data: bytes, at: float) -> None:
        buffer = self._buffers[sock]
        buffer += data
        *lines, rest = bytes(buffer).split(b"\n")
        self._buffers[sock] = bytearray(rest)
        for raw in lines:
            line = raw.rstrip(b"\r")
            if line.startswith(b"event: "):
                self._event[sock] = line[7:]
            elif line.startswith(b"data: ") and self._event[sock] == CREATED:
                task_id = json.loads(line[6:])["task_id"]
                with self._changed:
                    self._arrivals[task_id].append(at)
                    self._changed.notify_all()
            elif not line:
                self._event[sock] = b""


def enlist_admins(api: Api, count: int) -> list[str]:
    """``count`` new administrators (registered, verified, given the admin role); their tokens."""
    admin = admin_token(api)

    def one(_: int) -> str:
        person = new_person()
        registered = api.post("/api/v1/auth/register", person)
        if registered.status != 201:
            raise RuntimeError(f"register: {registered.status} {registered.body}")
        member_id = registered.body["member_id"]
        for path, body in (
            (f"/api/v1/members/{member_id}/verify", {"decision": "approve"}),
            (f"/api/v1/members/{member_id}/roles", {"roles": ["admin"]}),
        ):
            reply = api.post(path, body, token=admin)
            if reply.status != 200:
                raise RuntimeError(f"{path}: {reply.status} {reply.body}")
        login = api.post(
            "/api/v1/auth/login", {"phone": person["phone"], "password": person["password"]}
        )
        if login.status != 200:
            raise RuntimeError(f"login: {login.status} {login.body}")
        return login.body["access_token"]

    def patiently(i: int) -> str:
        for attempt in range(3):  # a loaded identity may miss the client's 10 s timeout
            try:
                return one(i)
            except OSError:
                if attempt == 2:
                    raise
        raise AssertionError("unreachable")

    with ThreadPoolExecutor(max_workers=4) as pool:
        return list(pool.map(patiently, range(count)))


def measure(
    url: str,
    gateway_pid: int,
    pids: dict[str, int],
    *,
    levels: Sequence[int],
    max_streams: int,
    pushes: int,
    idle_s: float,
) -> dict:
    """Streams opened level by level up to ``levels[-1]``, then a few past ``max_streams``."""
    api = Api(url)
    beyond = max_streams + 6
    admins = math.ceil(max(max(levels), beyond) / STREAMS_PER_MEMBER)
    started = time.monotonic()
    tokens = enlist_admins(api, admins)
    _log(f"   {admins} administrators enlisted in {time.monotonic() - started:.0f} s")
    slots = [t for t in tokens for _ in range(STREAMS_PER_MEMBER)]
    officer = Client(url, admin_token(api), timeout_s=60.0)
    streams = StreamSet(url)
    rows = []
    baseline = {"streams": 0, **probe.memory_and_threads(gateway_pid)}
    try:
        for level in levels:
            opened_at = time.monotonic()
            refused: dict[str, int] = {}
            while len(streams.sockets) < level:
                status = streams.open(slots[len(streams.sockets)])
                if status != 200:
                    refused[str(status)] = refused.get(str(status), 0) + 1
                    break
            open_s = time.monotonic() - opened_at
            time.sleep(1.0)
            row = {"streams": streams.open_count, "open_s": round(open_s, 1), "refused": refused}
            row.update(probe.memory_and_threads(gateway_pid))
            idle = probe.Window({"gateway": gateway_pid})
            time.sleep(idle_s)
            idle_row = idle.close()
            row["idle_cpu_share"] = round(idle_row["cpu_s"]["gateway"] / idle_row["seconds"], 3)
            row.update(push(officer, streams, pids, pushes=pushes))
            rows.append(row)
            _log(
                f"   {row['streams']} streams: RSS {row['rss_mib']} MiB, {row['threads']} threads,"
                f" push to all: first {row['first_ms']} / median {row['median_ms']} / last "
                f"{row['last_ms']} ms, POST {row['post_ms']} ms, load {row['load_avg']}"
            )
        over = {}
        while len(streams.sockets) < beyond:
            status = streams.open(slots[len(streams.sockets)])
            over[str(status)] = over.get(str(status), 0) + 1
            if sum(v for k, v in over.items() if k != "200") >= 5:
                break  # refused five times: the limit holds
        return {
            "baseline": baseline,
            "levels": rows,
            "past_the_limit": {
                "max_streams": max_streams,
                "asked": sum(over.values()),
                "statuses": over,
                "open_after": streams.open_count,
            },
        }
    finally:
        streams.close()
        officer.close()


def push(officer: Client, streams: StreamSet, pids: dict[str, int], *, pushes: int) -> dict:
    """``pushes`` tasks created one after another; each one's ``created`` frame on every stream."""
    window = probe.Window(pids)
    firsts, medians, lasts, posts, missing = [], [], [], [], 0
    expected = streams.open_count
    for i in range(pushes):
        officer.keep_alive()
        began = time.perf_counter()
        status, task = officer.post(
            "/api/v1/tasks",
            {
                "title": f"capacity: push {i}",
                "priority": 2,
                "location": {"lat": 30.2741, "lon": 120.1551},
                "target": {"mode": "nearest", "count": 1},
            },
        )
        posts.append((time.perf_counter() - began) * 1000)
        if status != 201:
            raise RuntimeError(f"POST /tasks answered {status}: {task}")
        arrived = streams.arrivals(task["task_id"], expected=expected, timeout_s=PUSH_TIMEOUT_S)
        missing += expected - len(arrived)
        delays = np.sort((np.array(arrived) - began) * 1000) if arrived else np.array([np.nan])
        firsts.append(delays[0])
        medians.append(float(np.median(delays)))
        lasts.append(delays[-1])
        officer.post(f"/api/v1/tasks/{task['task_id']}/cancel")
        time.sleep(0.5)
    timing = window.close()
    cpu: dict[str, float] = timing["cpu_s"]  # type: ignore[assignment]
    return {
        "pushes": pushes,
        "first_ms": round(float(np.median(firsts)), 1),
        "median_ms": round(float(np.median(medians)), 1),
        "last_ms": round(float(np.median(lasts)), 1),
        "last_ms_worst": round(float(np.max(lasts)), 1),
        "post_ms": round(float(np.median(posts)), 1),
        "frames_missing": missing,
        "gateway_cpu_ms_per_push": round(cpu.get("gateway", 0.0) * 1000 / pushes, 1),
        "cpu_s": cpu,
        "load_avg": timing["load_avg"],
    }


def _log(message: str) -> None:
    print(message, file=sys.stderr, flush=True)
