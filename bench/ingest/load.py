"""The load: K client processes, each posting batches of fixes for its share of the members to
``POST /api/v1/location`` over one keep-alive connection, one request in flight at a time.

A member walks a circle around their spot at 1.5 m/s; each batch carries the fixes since their
previous batch (timestamps spread evenly up to now), so fixes are fresh, in order and plausible —
the path every validation rule lets through, which is the common one on a real shift.
"""

from __future__ import annotations

import http.client
import json
import math
import multiprocessing
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime
from urllib.parse import urlsplit

from bench.cpu_shares import machine_ticks

WALK_MPS = 1.5
CIRCLE_M = 300.0
FIRST_BATCH_SPAN_MS = 50_000  # a member's first batch covers the last 50 s


@dataclass(frozen=True)
class Member:
    member_id: str
    token: str
    lat: float
    lon: float


@dataclass
class Tally:
    """One client's requests completed inside the measured window."""

    latencies_ms: list[float] = field(default_factory=list)
    accepted: int = 0
    rejected: int = 0
    errors: int = 0
    statuses: dict[int, int] = field(default_factory=dict)
    cpu_s: float = 0.0  # this client process's own CPU time (user + system) in the window
    # Over the whole run, warm-up included: each member's newest acknowledged fix (ts_ms) and
    # how many of their fixes were accepted (what their track must hold afterwards).
    newest: dict[str, int] = field(default_factory=dict)
    kept: dict[str, int] = field(default_factory=dict)


def position(member: Member, ts_ms: int) -> tuple[float, float]:
    angle = (ts_ms / 1000) * WALK_MPS / CIRCLE_M
    north, east = CIRCLE_M * math.sin(angle), CIRCLE_M * math.cos(angle)
    lat = member.lat + north / 111_320
    return lat, member.lon + east / (111_320 * math.cos(math.radians(member.lat)))


def batch_body(member: Member, *, after_ms: int, now_ms: int, size: int) -> bytes:
    """``size`` fixes spread over (after_ms, now_ms]; at least 1 ms apart."""
    step = max(1.0, (now_ms - after_ms) / size)
    fixes = []
    for i in range(size):
        ts_ms = int(now_ms - (size - 1 - i) * step)
        lat, lon = position(member, ts_ms)
        stamp = datetime.fromtimestamp(ts_ms / 1000, UTC).isoformat(timespec="milliseconds")
        fixes.append(
            {
                "lat": round(lat, 7),
                "lon": round(lon, 7),
                "ts": stamp.replace("+00:00", "Z"),
                "accuracy_m": 8.0,
                "speed_mps": WALK_MPS,
            }
        )
    return json.dumps({"fixes": fixes}).encode()


def run_client(
    url: str,
    members: list[Member],
    *,
    batch: int,
    start_at: float,
    measure_from: float,
    stop_at: float,
    since: dict[str, int],
    results: multiprocessing.Queue,
) -> None:
    """Post batches round-robin over ``members`` until ``stop_at`` (epoch seconds)."""
    parts = urlsplit(url)
    connection = http.client.HTTPConnection(parts.hostname, parts.port, timeout=30)
    tally = Tally()
    last_ms = {m.member_id: since.get(m.member_id, 0) for m in members}
    time.sleep(max(0.0, start_at - time.time()))
    i = 0
    cpu_from: float | None = None
    while time.time() < stop_at:
        if cpu_from is None and time.time() >= measure_from:
            cpu_from = time.process_time()
        member = members[i % len(members)]
        i += 1
        now_ms = int(time.time() * 1000)
        after_ms = last_ms[member.member_id] or now_ms - FIRST_BATCH_SPAN_MS
        if now_ms - after_ms < batch:  # fixes at least 1 ms apart: wait for the clock
            time.sleep((batch - (now_ms - after_ms)) / 1000)
            now_ms = int(time.time() * 1000)
        body = batch_body(member, after_ms=after_ms, now_ms=now_ms, size=batch)
        headers = {
            "Content-Type": "application/json",
            "Authorization": f"Bearer {member.token}",
        }
        sent = time.perf_counter()
        began = time.time()
        try:
            connection.request("POST", "/api/v1/location", body, headers)
            response = connection.getresponse()
            raw = response.read()
            status = response.status
        except (OSError, http.client.HTTPException):
            connection.close()
            connection = http.client.HTTPConnection(parts.hostname, parts.port, timeout=30)
            status, raw = 0, b""
        elapsed_ms = (time.perf_counter() - sent) * 1000
        accepted = rejected = 0
        if status == 202:
            receipt = json.loads(raw)
            accepted, rejected = receipt["accepted"], len(receipt["rejected"])
            last_ms[member.member_id] = now_ms
            tally.newest[member.member_id] = now_ms
            tally.kept[member.member_id] = tally.kept.get(member.member_id, 0) + accepted
        if began < measure_from:
            continue
        tally.statuses[status] = tally.statuses.get(status, 0) + 1
        tally.latencies_ms.append(elapsed_ms)
        tally.accepted += accepted
        tally.rejected += rejected
        tally.errors += status != 202
    connection.close()
    tally.cpu_s = 0.0 if cpu_from is None else time.process_time() - cpu_from
    results.put(tally)


@dataclass
class Load:
    tallies: list[Tally]
    # The machine's CPU time over the measured window, busy (not idle or waiting for the disk)
    # as a share of both cores: whether the box, not the server, was the limit.
    machine_busy: float


def run_load(
    url: str,
    members: list[Member],
    *,
    clients: int,
    batch: int,
    warmup_s: float,
    seconds: float,
    since: dict[str, int],
) -> Load:
    """K processes (spawned, so none shares the parent's state) for warmup + seconds; ``since``
    holds each member's newest fix of an earlier run, so a new run carries on in order."""
    context = multiprocessing.get_context("spawn")
    results: multiprocessing.Queue = context.Queue()
    start_at = time.time() + 3.0  # time to spawn every client before the first request
    measure_from = start_at + warmup_s
    stop_at = measure_from + seconds
    shares = [members[k::clients] for k in range(clients)]
    processes = [
        context.Process(
            target=run_client,
            args=(url, share),
            kwargs={
                "batch": batch,
                "start_at": start_at,
                "measure_from": measure_from,
                "stop_at": stop_at,
                "since": since,
                "results": results,
            },
        )
        for share in shares
        if share
    ]
    for process in processes:
        process.start()
    time.sleep(max(0.0, measure_from - time.time()))
    busy_from = machine_ticks()
    time.sleep(max(0.0, stop_at - time.time()))
    busy_to = machine_ticks()
    tallies = [results.get(timeout=seconds + warmup_s + 120) for _ in processes]
    for process in processes:
        process.join()
    busy, total = (b - a for a, b in zip(busy_from, busy_to, strict=True))
    return Load(tallies, machine_busy=busy / max(1, total))
