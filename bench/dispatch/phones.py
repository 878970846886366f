"""The city's phones: thousands of real members (registered, approved, on duty through the
gateway) whose fixes keep arriving while dispatch is timed, from processes of their own.

Every member takes a fix every ``FIX_EVERY_S`` seconds and posts them to ``POST /api/v1/location``
in batches of ``BATCH_FIXES``, i.e. one request per member every 100 s: 10,000 on duty send
2,000 fixes/s in 100 requests/s. The phone app flushes every 10 s or 20 fixes, whichever comes
first; flushing on size alone keeps the city's fix rate at a tenth of the requests, which is what
one gateway process can take beside dispatch (it saturates at ~150-170 requests/s), and keeps a
member's newest fix well inside the 2 minutes dispatch counts (the 20th fix is taken as the batch
is sent). Members' first batches are spread evenly over the 100 s, so the requests are too.

A member walks a 300 m circle around their spot at 1.5 m/s (``bench.ingest.load``), so every fix
passes validation. Access tokens are renewed with the refresh token before they expire, as the
app does. Each process owns a slice of the members (``MEMBERS_PER_PROCESS``) and enlists them
with four threads while two more already send for those on duty, each over its own keep-alive
connection; it counts what it sent in shared memory, which the benchmark reads at the edges of
each measured window.
"""

from __future__ import annotations

import contextlib
import http.client
import json
import multiprocessing
import random
import sys
import threading
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any
from urllib.parse import urlsplit

from bench.dispatch.population import CITY_KM, spot_in_square
from bench.ingest.load import Member, batch_body
from services.identity.model import id_check_char
from tests.support.cluster import ADMIN_PASSWORD, ADMIN_PHONE

FIX_EVERY_S = 5.0
BATCH_FIXES = 20
REPORT_EVERY_S = FIX_EVERY_S * BATCH_FIXES  # 100 s between a member's requests
MEMBERS_PER_PROCESS = 1_000
SENDERS = 2  # threads (and connections) per process
ENLISTERS = 4
# Members enlisting at once, over every process. Embedded, registering and logging in hash a
# password each (argon2, ~25 ms of a core) in the one process: more only queue on the 2 cores
# until the gateway's calls time out (503 upstream deadline_exceeded). In cluster mode each step
# waits mostly on FerretDB writes and Kafka acks, so more at once help.
ENLIST_AT_ONCE = {"embedded": 6, "cluster": 16}
RENEW_AFTER_S = 600.0  # access tokens live 900 s
# Shared counters of one process, indexes into its multiprocessing.Array('d').
(
    ENLISTED,
    REQUESTS,
    ACCEPTED,
    REJECTED,
    REFUSED,  # any answer but 202
    FAILED,  # no answer (connection error)
    LATENCY_S,  # summed over requests
    LATE_S,  # how far behind its schedule the last request was sent
    MAX_LATE_S,
    RENEWALS,
    DEAD,  # 1 once the process stopped on an error (its message goes to stderr)
    NOT_ENLISTED,  # members whose enlisting failed (the server too busy): left out
    SLOTS,
) = range(13)
MAX_NOT_ENLISTED = 0.01  # beyond this share the benchmark stops


@dataclass(frozen=True)
class Counts:
    """Totals over every phone process at one moment."""

    at: float  # time.monotonic()
    enlisted: int
    not_enlisted: int
    requests: int
    accepted: int
    rejected: int
    refused: int
    failed: int
    latency_s: float
    max_late_s: float
    renewals: int

    def since(self, before: Counts) -> dict[str, Any]:
        """What happened between ``before`` and this moment, as rates and counts."""
        seconds = max(self.at - before.at, 1e-9)
        requests = self.requests - before.requests
        return {
            "seconds": round(seconds, 1),
            "fixes_per_s": round((self.accepted - before.accepted) / seconds, 1),
            "requests_per_s": round(requests / seconds, 1),
            "request_mean_ms": round(
                1000 * (self.latency_s - before.latency_s) / requests if requests else 0.0, 1
            ),
            "rejected_fixes": self.rejected - before.rejected,
            "errors": (self.refused - before.refused) + (self.failed - before.failed),
            "token_renewals": self.renewals - before.renewals,
            "max_behind_schedule_s": round(self.max_late_s, 1),
        }


class Phones:
    """The background members, grown in slices of MEMBERS_PER_PROCESS, one process each."""

    def __init__(
        self, url: str, *, enlist_at_once: int, seed: int = 7, senders: int = SENDERS
    ) -> None:
        self.url = url
        self.seed = seed
        self.senders = senders
        self.count = 0
        self._context = multiprocessing.get_context("spawn")
        self._stop = self._context.Event()
        self._enlisting = self._context.BoundedSemaphore(enlist_at_once)
        # Seconds between a phone's requests, read by every sender before each request.
        self._period = self._context.Value("d", REPORT_EVERY_S, lock=False)
        self._processes: list[Any] = []
        self._counters: list[Any] = []

    def grow_to(self, count: int, *, timeout_s: float = 3_600.0) -> None:
        """Start processes for the members missing; returns once every member is on duty and
        has been sending fixes for a whole period (the city's rate)."""
        if count <= self.count:
            return
        for first in range(self.count, count, MEMBERS_PER_PROCESS):
            size = min(MEMBERS_PER_PROCESS, count - first)
            counters = self._context.Array("d", SLOTS, lock=False)
            process = self._context.Process(
                target=run_phones,
                args=(
                    self.url,
                    first,
                    size,
                    self.seed,
                    counters,
                    self._stop,
                    self._enlisting,
                    self._period,
                    self.senders,
                ),
                name=f"phones-{first}",
                daemon=True,
            )
            process.start()
            self._processes.append(process)
            self._counters.append(counters)
        self.count = max(count, self.count)
        deadline = time.monotonic() + timeout_s
        told = time.monotonic()
        while (counts := self.counts()).enlisted + counts.not_enlisted < self.count:
            self.check()
            if time.monotonic() - told >= 60:
                print(f"   … {counts.enlisted:,} on duty", file=sys.stderr, flush=True)
                told = time.monotonic()
            if counts.not_enlisted > MAX_NOT_ENLISTED * self.count:
                raise RuntimeError(f"{counts.not_enlisted:,} members could not go on duty")
            if time.monotonic() > deadline:
                raise RuntimeError(f"only {counts.enlisted:,} of {self.count:,} on duty")
            time.sleep(1.0)
        # A member's first batch after going on duty holds only the fixes since then: the city's
        # rate is reached once each has been on duty for a whole period.
        settled = time.monotonic() + REPORT_EVERY_S
        while time.monotonic() < settled:
            self.check()
            time.sleep(1.0)

    def send_for(self, members: int) -> None:
        """Send as many fixes and requests a second as ``members`` phones would (each phone
        faster when they are fewer: batches of BATCH_FIXES, fixes closer together)."""
        self._period.value = REPORT_EVERY_S * self.count / members
        time.sleep(self._period.value)  # every phone has sent at the new pace once

    def counts(self) -> Counts:
        def total(slot: int) -> float:
            return sum(c[slot] for c in self._counters)

        return Counts(
            at=time.monotonic(),
            enlisted=int(total(ENLISTED)),
            not_enlisted=int(total(NOT_ENLISTED)),
            requests=int(total(REQUESTS)),
            accepted=int(total(ACCEPTED)),
            rejected=int(total(REJECTED)),
            refused=int(total(REFUSED)),
            failed=int(total(FAILED)),
            latency_s=total(LATENCY_S),
            max_late_s=max((c[MAX_LATE_S] for c in self._counters), default=0.0),
            renewals=int(total(RENEWALS)),
        )

    def reset_lateness(self) -> None:
        for counters in self._counters:
            counters[MAX_LATE_S] = 0.0

    def check(self) -> None:
        for process, counters in zip(self._processes, self._counters, strict=True):
            if counters[DEAD] or not process.is_alive():
                raise RuntimeError(f"{process.name} stopped (exit {process.exitcode}); see stderr")

    def stop(self) -> None:
        self._stop.set()
        for process in self._processes:
            process.join(15)
            if process.is_alive():
                process.terminate()
                process.join(5)


@contextlib.contextmanager
def phones(url: str, mode: str, *, senders: int = SENDERS) -> Iterator[Phones]:
    fleet = Phones(url, enlist_at_once=ENLIST_AT_ONCE[mode], senders=senders)
    try:
        yield fleet
    finally:
        fleet.stop()


# -- inside a phone process -----------------------------------------------------------------


class Http:
    """One keep-alive connection; reconnects after an error."""

    def __init__(self, url: str) -> None:
        parts = urlsplit(url)
        self._host, self._port = parts.hostname, parts.port
        self._connection = http.client.HTTPConnection(self._host, self._port, timeout=60)

    def post(self, path: str, body: bytes, token: str | None = None) -> tuple[int, Any]:
        headers = {"Content-Type": "application/json"}
        if token:
            headers["Authorization"] = f"Bearer {token}"
        try:
            self._connection.request("POST", path, body, headers)
            response = self._connection.getresponse()
            raw = response.read()
        except (OSError, http.client.HTTPException):
            self._connection.close()
            self._connection = http.client.HTTPConnection(self._host, self._port, timeout=60)
            return 0, None
        return response.status, json.loads(raw) if raw else None


@dataclass
class Phone:
    member: Member
    refresh_token: str
    renewed_at: float  # time.monotonic()
    last_ms: int  # ts of the newest fix sent


def person(index: int, attempt: int) -> dict[str, Any]:
    """A registration unique to ``index`` (phones 137…, which tests' random members never use)."""
    born = date(1965, 1, 1) + timedelta(days=index // 1000 + 9_000 * attempt)
    first17 = f"330106{born:%Y%m%d}{index % 1000:03d}"
    return {
        "name": "巡逻队员",
        "id_number": first17 + id_check_char(first17),
        "phone": f"137{index + 10_000_000 * attempt:08d}",
        "password": "Patrol-2026!",
        "consent": {"version": "2026-11", "accepted": True},
    }


def run_phones(
    url: str,
    first: int,
    count: int,
    seed: int,
    counters: Any,
    stop: Any,
    enlisting: Any,
    period: Any,
    senders: int = SENDERS,
) -> None:
    """Enlist the slice while its schedule already runs: a member sends a fix on going on duty,
    then a batch at each of their slots; slots of members not yet on duty are skipped."""
    fleet: list[Phone | None] = [None] * count
    lock = threading.Lock()  # the counters' += is not atomic
    try:
        threads = send(url, fleet, counters, lock, stop, period, senders)
        enlist(url, first, seed, fleet, counters, lock, enlisting)
        for thread in threads:
            thread.join()
    except Exception:
        counters[DEAD] = 1
        raise


def enlist(
    url: str,
    first: int,
    seed: int,
    fleet: list[Phone | None],
    counters: Any,
    counting: Any,
    enlisting: Any,
) -> None:
    rng = random.Random(seed * 1_000_003 + first)
    spots = [spot_in_square(rng, CITY_KM) for _ in fleet]
    admin = {"token": ""}
    lock = threading.Lock()

    def as_admin(client: Http, path: str, body: dict[str, Any]) -> tuple[int, Any]:
        for _ in range(2):
            with lock:
                if not admin["token"]:
                    status, session = client.post(
                        "/api/v1/auth/login",
                        json.dumps({"phone": ADMIN_PHONE, "password": ADMIN_PASSWORD}).encode(),
                    )
                    if status != 200:
                        raise RuntimeError(f"admin login: {status} {session}")
                    admin["token"] = session["access_token"]
                token = admin["token"]
            status, reply = retried(client, path, body, token)
            if status != 401:
                return status, reply
            with lock:
                if admin["token"] == token:
                    admin["token"] = ""
        return status, reply

    local = threading.local()

    def one(index: int) -> None:
        with enlisting:
            try:
                enlist_one(index)
            except RuntimeError as error:
                print(f"phones: member {first + index} left out: {error}", file=sys.stderr)
                with counting:
                    counters[NOT_ENLISTED] += 1

    def enlist_one(index: int) -> None:
        client = getattr(local, "client", None) or Http(url)
        local.client = client
        for attempt in range(3):
            who = person(first + index, attempt)
            status, reply = retried(client, "/api/v1/auth/register", who)
            if status == 201:
                break
            if status != 409:
                raise RuntimeError(f"register: {status} {reply}")
        else:
            raise RuntimeError("register: 409 three times")
        member_id = reply["member_id"]
        status, reply = as_admin(
            client, f"/api/v1/members/{member_id}/verify", {"decision": "approve"}
        )
        if status != 200 and not 400 <= status < 500:  # 4xx: a retry after it was done
            raise RuntimeError(f"verify: {status} {reply}")
        status, session = retried(
            client, "/api/v1/auth/login", {"phone": who["phone"], "password": who["password"]}
        )
        if status != 200:
            raise RuntimeError(f"login: {status} {session}")
        token = session["access_token"]
        status, reply = retried(client, "/api/v1/duty/start", None, token)
        if status != 200:
            raise RuntimeError(f"duty start: {status} {reply}")
        spot = spots[index]
        phone = Phone(
            Member(member_id, token, spot.lat, spot.lon),
            session["refresh_token"],
            time.monotonic(),
            0,
        )
        # As the app does on going on duty: the fix it has, sent at once.
        now_ms = int(time.time() * 1000)
        body = batch_body(phone.member, after_ms=now_ms - 1, now_ms=now_ms, size=1)
        status, reply = retried(client, "/api/v1/location", body, token)
        if status != 202:
            raise RuntimeError(f"first fix: {status} {reply}")
        phone.last_ms = now_ms
        fleet[index] = phone
        with counting:
            counters[ENLISTED] += 1

    with ThreadPoolExecutor(max_workers=ENLISTERS) as pool:
        list(pool.map(one, range(len(fleet))))


def retried(
    client: Http, path: str, body: dict[str, Any] | bytes | None, token: str | None = None
) -> tuple[int, Any]:
    """A call that may meet a busy server: a connection error or a 503 is tried again."""
    payload = (
        body if isinstance(body, bytes) else b"" if body is None else json.dumps(body).encode()
    )
    for wait in (0.5, 1, 2, 4, 8, 0):
        status, reply = client.post(path, payload, token)
        if status not in (0, 503) or not wait:
            return status, reply
        time.sleep(wait)
    return status, reply


def send(
    url: str,
    fleet: list[Phone | None],
    counters: Any,
    lock: threading.Lock,
    stop: Any,
    period: Any,
    senders: int = SENDERS,
) -> list[threading.Thread]:
    """Each member posts the fixes taken since their last batch once a period, at an offset of
    their own so the requests of the whole slice are spread evenly."""

    def sender(k: int) -> None:
        client = Http(url)
        mine = list(range(k, len(fleet), senders))
        due = time.monotonic() + period.value * (k + 0.5) / len(fleet)
        while not stop.is_set():
            for i in mine:
                wait = due - time.monotonic()
                if wait > 0 and stop.wait(wait):
                    return
                phone = fleet[i]
                if phone is not None:  # on duty
                    late = max(0.0, time.monotonic() - due)
                    report(client, phone, counters, lock, period.value / BATCH_FIXES)
                    with lock:
                        counters[LATE_S] = late
                        counters[MAX_LATE_S] = max(counters[MAX_LATE_S], late)
                due += period.value / len(mine)

    senders = max(1, min(senders, len(fleet)))  # a sender with no members would spin
    threads = [threading.Thread(target=sender, args=(k,), daemon=True) for k in range(senders)]
    for thread in threads:
        thread.start()
    return threads


def report(
    client: Http, phone: Phone, counters: Any, lock: threading.Lock, fix_every_s: float
) -> None:
    if time.monotonic() - phone.renewed_at > RENEW_AFTER_S:
        renew(client, phone, counters, lock)
    now_ms = int(time.time() * 1000)
    size = max(1, min(BATCH_FIXES, int((now_ms - phone.last_ms) / (fix_every_s * 1000))))
    body = batch_body(phone.member, after_ms=phone.last_ms, now_ms=now_ms, size=size)
    sent = time.perf_counter()
    status, reply = client.post("/api/v1/location", body, phone.member.token)
    elapsed = time.perf_counter() - sent
    with lock:
        counters[REQUESTS] += 1
        counters[LATENCY_S] += elapsed
        if status == 202:
            counters[ACCEPTED] += reply["accepted"]
            counters[REJECTED] += len(reply["rejected"])
        elif status == 0:
            counters[FAILED] += 1
        else:
            counters[REFUSED] += 1
    if status == 202:
        phone.last_ms = now_ms


def renew(client: Http, phone: Phone, counters: Any, lock: threading.Lock) -> None:
    status, session = retried(
        client, "/api/v1/auth/refresh", {"refresh_token": phone.refresh_token}
    )
    if status != 200:
        with lock:
            counters[REFUSED] += 1
        return
    member = phone.member
    phone.member = Member(member.member_id, session["access_token"], member.lat, member.lon)
    phone.refresh_token = session["refresh_token"]
    phone.renewed_at = time.monotonic()
    with lock:
        counters[RENEWALS] += 1
