"""The fault suite's steady load, driven through the gateway as real clients would: members
reporting fixes, a dispatcher creating tasks that members race to claim and see through to
closing, members reporting tips that the dispatcher approves with points. Every request the
gateway acknowledged (202/201, and 200 for claims and closes) is recorded, so the checks can ask
afterwards whether each acknowledged thing really happened, once.

Each member also holds a ``/stream`` open (reconnecting with ``Last-Event-ID`` as a browser's
EventSource does), and every offer it receives is counted.

Threads are few and bounded (one per kind of work, one per member's stream); pacing waits on the
stop event, so a stop is prompt.
"""

from __future__ import annotations

import contextlib
import http.client
import json
import math
import random
import threading
import time
import uuid
from collections import Counter, defaultdict
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from tests.support.api import Api, Reply

KINDS = ("fix", "task", "claim", "close", "report", "review")
REQUEST_TIMEOUT_S = 15.0
FIX_EVERY_S = 0.05
CYCLE_PAUSE_S = 0.2
STEP_RETRY_S = 0.25
# How long a dispatch cycle keeps retrying a step (arrive, complete, confirm) through an outage
# before it gives the task up; longer than any outage the suite causes.
STEP_DEADLINE_S = 120.0
# A first attempt may hold its Idempotency-Key for the broker's 30 s publish timeout; one whose
# process was SIGKILLed holds it for good (reported), so patience is bounded.
IN_PROGRESS_PATIENCE_S = 60.0


@dataclass
class Member:
    """A signed-in client: its token is renewed by logging in again when it expires."""

    member_id: str
    phone: str
    password: str
    token: str
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    def renew(self, api: Api) -> None:
        login = call(
            api, "POST", "/api/v1/auth/login", {"phone": self.phone, "password": self.password}
        )
        if login.status == 200:
            with self._lock:
                self.token = login.body["access_token"]


@dataclass
class TaskRecord:
    task_id: str
    capacity: int
    offered: list[str]
    claims_ok: list[str] = field(default_factory=list)
    claimants: list[str] = field(default_factory=list)  # as the task reads after the race
    closed: bool = False


@dataclass
class Success:
    kind: str
    started: float  # monotonic
    ended: float


@dataclass
class Acknowledged:
    """What the gateway acknowledged during one phase of the run."""

    fixes: dict[str, set[int]] = field(default_factory=lambda: defaultdict(set))
    tasks: dict[str, TaskRecord] = field(default_factory=dict)
    approved_reports: dict[str, str] = field(default_factory=dict)  # report -> member
    successes: list[Success] = field(default_factory=list)
    failures: Counter[tuple[str, int]] = field(default_factory=Counter)
    abandoned_tasks: list[str] = field(default_factory=list)


def now_iso(ms: int) -> str:
    moment = datetime.fromtimestamp(ms / 1000, UTC)
    return moment.isoformat(timespec="milliseconds").replace("+00:00", "Z")


def call(api: Api, method: str, path: str, body: Any = None, **kwargs: Any) -> Reply:
    """A request whose network failure (a dead gateway, a timeout) reads as status 0."""
    try:
        return api.call(method, path, body, **kwargs)
    except (OSError, http.client.HTTPException, ValueError) as error:
        return Reply(0, {}, repr(error))


class LoadDriver:
    """Fixes, dispatches, claims and reports against one gateway until ``stop``."""

    def __init__(
        self,
        api: Api,
        *,
        admin: Member,
        members: list[Member],
        centre: tuple[float, float],
        seed: int,
    ) -> None:
        self.api = api
        self.admin = admin
        self.members = members
        self.centre = centre
        self.acked = Acknowledged()
        self._rng = random.Random(seed)
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._threads: list[threading.Thread] = []
        self._last_ts: dict[str, int] = {}
        self._attempts: Counter[str] = Counter()
        self._claims = ThreadPoolExecutor(max_workers=len(members), thread_name_prefix="claim")

    # Control -----------------------------------------------------------------------------------

    def start(self) -> LoadDriver:
        for name, target in (
            ("fixes", self._fixes),
            ("dispatch", self._dispatch),
            ("reports", self._reports),
        ):
            thread = threading.Thread(target=self._guarded(target), name=f"load-{name}")
            thread.start()
            self._threads.append(thread)
        return self

    def stop(self) -> None:
        """Stop starting work and wait for the cycles in hand (each bounded by its deadline)."""
        self._stop.set()
        for thread in self._threads:
            thread.join()
        self._claims.shutdown()

    def attempts(self, kind: str) -> int:
        """Requests of this kind that have been answered (or failed) so far."""
        with self._lock:
            return self._attempts[kind]

    def successes_since(self, kind: str, moment: float) -> list[Success]:
        with self._lock:
            return [s for s in self.acked.successes if s.kind == kind and s.started >= moment]

    def _guarded(self, target: Any) -> Any:
        def run() -> None:
            try:
                target()
            except Exception:  # a driver bug must fail the test, not hang it
                self.crashed = True
                raise

        self.crashed = False
        return run

    def _request(
        self, kind: str, method: str, path: str, body: Any = None, *, who: Member, **kw: Any
    ) -> Reply:
        started = time.monotonic()
        reply = call(self.api, method, path, body, token=who.token, **kw)
        if reply.status == 401:  # the access token expired in a long run: sign in again
            who.renew(self.api)
            reply = call(self.api, method, path, body, token=who.token, **kw)
        with self._lock:
            self._attempts[kind] += 1
            if 200 <= reply.status < 300:
                self.acked.successes.append(Success(kind, started, time.monotonic()))
            else:
                self.acked.failures[(kind, reply.status)] += 1
        return reply

    # Fixes -------------------------------------------------------------------------------------

    def _fixes(self) -> None:
        while not self._stop.wait(FIX_EVERY_S):
            member = self._rng.choice(self.members)
            ts = self._next_ts(member.member_id)
            lat, lon = self._near_centre(400)
            fixes = [{"lat": lat, "lon": lon, "ts": now_iso(ts), "accuracy_m": 5}]
            reply = self._request("fix", "POST", "/api/v1/location", {"fixes": fixes}, who=member)
            if reply.status == 202:
                refused = {r["index"] for r in reply.body.get("rejected", [])}
                if 0 not in refused:
                    with self._lock:
                        self.acked.fixes[member.member_id].add(ts)

    def _next_ts(self, member_id: str) -> int:
        ts = max(int(time.time() * 1000), self._last_ts.get(member_id, 0) + 1)
        self._last_ts[member_id] = ts
        return ts

    def _near_centre(self, metres: float) -> tuple[float, float]:
        # 300-500 m out: inside the task's area, outside its scene (no automatic arrival).
        bearing = self._rng.uniform(0, 6.283)
        distance = self._rng.uniform(metres - 100, metres + 100) / 111_195
        return (
            self.centre[0] + distance * math.cos(bearing),
            self.centre[1] + distance * math.sin(bearing) / math.cos(math.radians(self.centre[0])),
        )

    # Dispatch ----------------------------------------------------------------------------------

    def _dispatch(self) -> None:
        while not self._stop.wait(CYCLE_PAUSE_S):
            self._dispatch_one()

    def _dispatch_one(self) -> None:
        draft = {
            "title": "Fault drill",
            "priority": 2,
            "location": {"lat": self.centre[0], "lon": self.centre[1]},
            "area": {
                "center": {"lat": self.centre[0], "lon": self.centre[1]},
                "radius_m": 2000,
            },
            "target": {"mode": "area"},
            "capacity": 1,
            "points": 5,
            "expires_in_s": 600,
        }
        created = self._until_done(
            "task",
            "POST",
            "/api/v1/tasks",
            draft,
            who=self.admin,
            headers={"Idempotency-Key": uuid.uuid4().hex},
        )
        if created is None or created.status != 201:
            return
        task = TaskRecord(
            created.body["task_id"],
            capacity=created.body.get("capacity", 1),
            offered=[o["member_id"] for o in created.body.get("offers", [])],
        )
        with self._lock:
            self.acked.tasks[task.task_id] = task
        by_id = {m.member_id: m for m in self.members}
        racers = [by_id[m] for m in task.offered if m in by_id]
        if not racers:
            return
        outcomes = list(self._claims.map(lambda m: self._claim(task.task_id, m), racers))
        task.claims_ok = [m.member_id for m, ok in zip(racers, outcomes, strict=True) if ok]
        read = self._until_done("read", "GET", f"/api/v1/tasks/{task.task_id}", who=self.admin)
        if read is None or read.status != 200:
            self._abandon(task)
            return
        task.claimants = [c["member_id"] for c in read.body.get("claims", [])]
        if not task.claimants:
            self._cancel(task)
            return
        claimant = by_id[task.claimants[0]]
        path = f"/api/v1/tasks/{task.task_id}"
        for step, body, who in (
            ("arrive", None, claimant),
            ("complete", {"note": "done"}, claimant),
            ("confirm", None, self.admin),
        ):
            kind = "close" if step == "confirm" else step
            reply = self._until_done(kind, "POST", f"{path}/{step}", body, who=who)
            if (reply is None or reply.status != 200) and not self._reached(task, step):
                self._abandon(task)
                return
        task.closed = True

    def _claim(self, task_id: str, member: Member) -> bool:
        reply = self._until_done("claim", "POST", f"/api/v1/tasks/{task_id}/claim", who=member)
        return reply is not None and reply.status == 200

    def _reached(self, task: TaskRecord, step: str) -> bool:
        """Whether a step whose reply was lost (a retry answered 409) took effect."""
        wanted = {"arrive": "on_scene", "complete": "resolved", "confirm": "closed"}[step]
        order = ["claimed", "on_scene", "resolved", "closed"]
        read = self._until_done("read", "GET", f"/api/v1/tasks/{task.task_id}", who=self.admin)
        status = read.body.get("status") if read is not None and read.status == 200 else None
        return status in order and order.index(status) >= order.index(wanted)

    def _cancel(self, task: TaskRecord) -> None:
        self._until_done("cancel", "POST", f"/api/v1/tasks/{task.task_id}/cancel", who=self.admin)

    def _abandon(self, task: TaskRecord) -> None:
        with self._lock:
            self.acked.abandoned_tasks.append(task.task_id)

    def _until_done(
        self, kind: str, method: str, path: str, body: Any = None, **kw: Any
    ) -> Reply | None:
        """Retry through 5xx and network failures (an outage) until a definite answer, or None
        when the step's deadline passed. A 4xx is definite (the caller decides what it means),
        except a create's 409 while the first attempt under its Idempotency-Key is still running
        (stuck behind the outage after this client gave up on it): that one is asked again for
        a while, so the create's outcome is learnt."""
        started = time.monotonic()
        while True:
            reply = self._request(kind, method, path, body, **kw)
            in_progress = reply.status == 409 and "still in progress" in str(reply.body)
            if in_progress and time.monotonic() - started < IN_PROGRESS_PATIENCE_S:
                pass
            elif reply.status and reply.status < 500 and reply.status != 429:
                return reply
            if time.monotonic() - started > STEP_DEADLINE_S:
                return None
            time.sleep(STEP_RETRY_S)  # pacing between retries, not a wait for a condition

    # Reports -----------------------------------------------------------------------------------

    def _reports(self) -> None:
        while not self._stop.wait(CYCLE_PAUSE_S):
            member = self._rng.choice(self.members)
            lat, lon = self._near_centre(400)
            submitted = self._until_done(
                "report",
                "POST",
                "/api/v1/reports",
                {
                    "category": "safety_hazard",
                    "description": "Loose manhole cover",
                    "location": {"lat": lat, "lon": lon},
                },
                who=member,
                headers={"Idempotency-Key": uuid.uuid4().hex},
            )
            if submitted is None or submitted.status != 201:
                continue
            report_id = submitted.body["report_id"]
            reviewed = self._until_done(
                "review",
                "POST",
                f"/api/v1/reports/{report_id}/review",
                {"decision": "approve", "points": 5},
                who=self.admin,
            )
            if reviewed is not None and reviewed.status == 200:
                with self._lock:
                    self.acked.approved_reports[report_id] = member.member_id
            elif reviewed is not None and reviewed.status == 409:
                # Only this driver reviews, and only to approve: a 409 answers a retry whose
                # first attempt went through but lost its reply.
                with self._lock:
                    self.acked.approved_reports[report_id] = member.member_id


class StreamReader:
    """One member's ``/stream``, reconnecting with ``Last-Event-ID`` like EventSource; counts the
    offers it receives per task."""

    def __init__(self, base_url: str, member: Member) -> None:
        self._api = Api(base_url)
        host, port = base_url.removeprefix("http://").split(":")
        self._host, self._port = host, int(port)
        self.member = member
        self.offers: Counter[str] = Counter()  # task id -> times offered on this stream
        self.frames: Counter[str] = Counter()  # event id -> times received
        self.connections = 0
        self.resets = 0
        self._last_id = ""
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._connection: http.client.HTTPConnection | None = None
        self._thread = threading.Thread(target=self._run, name=f"stream-{member.member_id[:8]}")

    def start(self) -> StreamReader:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._stop.set()
        with contextlib.suppress(Exception):
            if self._connection is not None and self._connection.sock is not None:
                self._connection.sock.shutdown(2)
        self._thread.join()

    def offered_counts(self) -> Counter[str]:
        with self._lock:
            return Counter(self.offers)

    def _run(self) -> None:
        while not self._stop.is_set():
            with contextlib.suppress(OSError, http.client.HTTPException, ValueError):
                self._read_once()
            self._stop.wait(0.5)  # EventSource's reconnection delay

    def _read_once(self) -> None:
        connection = http.client.HTTPConnection(self._host, self._port, timeout=40)
        self._connection = connection
        headers = {"Authorization": f"Bearer {self.member.token}", "Accept": "text/event-stream"}
        if self._last_id:
            headers["Last-Event-ID"] = self._last_id
        try:
            connection.request("GET", "/api/v1/stream", headers=headers)
            response = connection.getresponse()
            if response.status != 200:
                response.read()
                if response.status == 401:
                    self.member.renew(self._api)
                return
            self.connections += 1
            event: dict[str, str] = {}
            while not self._stop.is_set():
                line = response.readline()
                if not line:
                    return  # the server went away
                text = line.decode().rstrip("\r\n")
                if text:
                    name, _, value = text.partition(":")
                    event[name] = value.removeprefix(" ")
                    continue
                self._on_event(event)
                event = {}
        finally:
            connection.close()

    def _on_event(self, event: dict[str, str]) -> None:
        if "id" in event:
            self._last_id = event["id"]
        kind = event.get("event", "")
        if kind == "stream.reset":
            self.resets += 1
            return
        if kind != "shouwang.task.offered" or "data" not in event:
            return
        data = json.loads(event["data"])
        with self._lock:
            self.frames[event.get("id", "")] += 1
            if any(o.get("member_id") == self.member.member_id for o in data.get("offers", [])):
                self.offers[data.get("task_id", "")] += 1
