"""Members who are positions in location only: put on duty over location's gRPC (StartDuty, as
the gateway calls it) and kept fresh by a process of their own that reports each one's fix over
gRPC (IngestFixes) once every ``REFRESH_EVERY_S``, spread evenly, never in bursts.

They stand in for the phones beyond those registered (``bench.dispatch.phones``): registering
and logging in a member hashes a password twice (argon2, ~50 ms of a core), so 10,000 registered
phones cost 500 core-seconds before anything is measured — 30 to 90 minutes per run on 2 cores
shared with other work. The registered phones then send the fixes of all the members (the same
requests and fixes a second through the gateway), and these keep the rest of the city on the map
that dispatch searches.
"""

from __future__ import annotations

import contextlib
import multiprocessing
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from bench.dispatch.population import Spot
from shouwang.ids import new_id
from shouwang.location.v1 import location_pb2 as pb
from shouwang.location.v1.location_pb2_grpc import LocationServiceStub
from shouwang.rpc import connect

REFRESH_EVERY_S = 100.0
TICK_S = 1.0
DUTY_CALLERS = {"embedded": 4, "cluster": 8}
SENT, FAILED, SLOTS = range(3)


class Positions:
    def __init__(self, location_addr: str, mode: str, spots: list[Spot]) -> None:
        self.location_addr = location_addr
        self.mode = mode
        self.spots = spots
        self.members: list[tuple[str, float, float]] = []
        self._context = multiprocessing.get_context("spawn")
        self._stop = self._context.Event()
        self._counters = self._context.Array("d", SLOTS, lock=False)
        self._process: Any = None

    def put_on_duty(self) -> None:
        """StartDuty for each, a first fix for each, then the refresher takes over."""
        location = LocationServiceStub(connect(self.location_addr, timeout_s=120.0))
        members = [(new_id(), spot.lat, spot.lon) for spot in self.spots]
        with ThreadPoolExecutor(max_workers=DUTY_CALLERS[self.mode]) as pool:
            list(pool.map(lambda m: location.StartDuty(pb.DutyRequest(member_id=m[0])), members))
        self.members = members
        self._process = self._context.Process(
            target=refresh,
            args=(self.location_addr, members, self._counters, self._stop),
            name="positions",
            daemon=True,
        )
        self._process.start()

    def fixes_sent(self) -> tuple[int, int]:
        return int(self._counters[SENT]), int(self._counters[FAILED])

    def check(self) -> None:
        if self._process is not None and not self._process.is_alive():
            raise RuntimeError(f"the positions' refresher stopped (exit {self._process.exitcode})")

    def stop(self) -> None:
        self._stop.set()
        if self._process is not None:
            self._process.join(15)
            if self._process.is_alive():
                self._process.terminate()
                self._process.join(5)


@contextlib.contextmanager
def positions(location_addr: str, mode: str, spots: list[Spot]) -> Iterator[Positions]:
    kept = Positions(location_addr, mode, spots)
    try:
        yield kept
    finally:
        kept.stop()


def refresh(
    location_addr: str, members: list[tuple[str, float, float]], counters: Any, stop: Any
) -> None:
    """Every member's fix at their spot, stamped now: all of them at once first, then a slice
    every TICK_S so that each is refreshed once every REFRESH_EVERY_S."""
    location = LocationServiceStub(connect(location_addr, timeout_s=120.0))
    per_tick = max(1, round(len(members) * TICK_S / REFRESH_EVERY_S))
    send(location, members, counters)
    start, i, tick = time.monotonic(), 0, 0
    while not stop.is_set():
        tick += 1
        if stop.wait(max(0.0, start + tick * TICK_S - time.monotonic())):
            return
        chunk = [members[(i + j) % len(members)] for j in range(per_tick)]
        i = (i + per_tick) % len(members)
        send(location, chunk, counters)


def send(
    location: LocationServiceStub, members: list[tuple[str, float, float]], counters: Any
) -> None:
    now_ms = int(time.time() * 1000)
    for first in range(0, len(members), 500):  # a stream is one call, with a deadline
        try:
            summary = location.IngestFixes(requests_of(members[first : first + 500], now_ms))
            counters[SENT] += summary.accepted
        except Exception:  # counted; the next round tries again
            counters[FAILED] += min(500, len(members) - first)


def requests_of(
    members: list[tuple[str, float, float]], now_ms: int
) -> Iterator[pb.ReportFixesRequest]:
    for member_id, lat, lon in members:
        fix = pb.RawFix(lat=lat, lon=lon, ts_ms=now_ms, accuracy_m=10.0, has_accuracy=True)
        yield pb.ReportFixesRequest(member_id=member_id, fixes=[fix])
