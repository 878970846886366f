"""Dispatches/s: K officers each dispatching `nearest` tasks in a closed loop (one request in
flight each, a keep-alive connection each) for a window, K growing until the rate stops growing.

Each task goes to a random point of the city and asks for the 3 nearest members, so every
dispatch is the real path (location's K-nearest, the task and its offers written, the wave's
events published) and makes up to 3 offers. The tasks are cancelled after each window, untimed,
so no wave timer works during the next one.
"""

from __future__ import annotations

import random
import sys
import threading
import time
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field

import numpy as np

from bench.capacity import probe
from bench.capacity.population import OnDuty
from bench.dispatch.population import admin_token, spot_in_square
from bench.dispatch.workload import Client
from tests.support.api import Api

OFFERS_PER_TASK = 3
REFRESH_AFTER_S = 90.0  # location counts a fix for dispatch for 2 minutes


@dataclass
class Officer:
    """One officer's window: latencies of the 201s, offers made, anything else."""

    latencies_ms: list[float] = field(default_factory=list)
    offers: int = 0
    errors: dict[int, int] = field(default_factory=dict)
    task_ids: list[str] = field(default_factory=list)


def measure(
    url: str,
    background: OnDuty,
    pids: dict[str, int],
    *,
    officers: Sequence[int],
    seconds: float,
    runs: int,
) -> list[dict]:
    api = Api(url)
    rows = []
    for run in range(1, runs + 1):
        for count in officers:
            if time.time() - background.stamped_at >= REFRESH_AFTER_S:
                background.refresh()
            tokens = [admin_token(api) for _ in range(count)]
            row = window(url, tokens, pids, seconds=seconds)
            row.update(run=run, officers=count, members_on_duty=len(background.members))
            rows.append(row)
            _log(
                f"   {count} officers: {row['dispatches_per_s']} dispatches/s, "
                f"{row['offers_per_s']} offers/s, p50 {row['p50_ms']} / p99 {row['p99_ms']} ms, "
                f"load {row['load_avg']}"
            )
            cancel_all(url, tokens[0], row.pop("task_ids"))
    return rows


def window(url: str, tokens: Sequence[str], pids: dict[str, int], *, seconds: float) -> dict:
    stop_at = time.monotonic() + seconds
    start = threading.Barrier(len(tokens) + 1)
    results = [Officer() for _ in tokens]

    def dispatch(i: int) -> None:
        client = Client(url, tokens[i], timeout_s=60.0)
        rng = random.Random(i)
        tally = results[i]
        start.wait()
        try:
            while time.monotonic() < stop_at:
                spot = spot_in_square(rng, 25.0)
                body = {
                    "title": "capacity: check this spot",
                    "priority": 2,
                    "location": {"lat": spot.lat, "lon": spot.lon},
                    "target": {"mode": "nearest", "count": OFFERS_PER_TASK},
                    "capacity": 1,
                }
                began = time.perf_counter()
                status, task = client.post("/api/v1/tasks", body)
                elapsed_ms = (time.perf_counter() - began) * 1000
                if status != 201:
                    tally.errors[status] = tally.errors.get(status, 0) + 1
                    continue
                tally.latencies_ms.append(elapsed_ms)
                tally.offers += len(task["offers"])
                tally.task_ids.append(task["task_id"])
        finally:
            client.close()

    threads = [threading.Thread(target=dispatch, args=(i,)) for i in range(len(tokens))]
    for thread in threads:
        thread.start()
    start.wait()
    measured = probe.Window(pids)
    for thread in threads:
        thread.join()
    timing = measured.close()
    latencies = np.array([ms for r in results for ms in r.latencies_ms])
    done = len(latencies)
    elapsed = timing["seconds"]
    errors: dict[str, int] = {}
    for r in results:
        for status, n in r.errors.items():
            errors[str(status)] = errors.get(str(status), 0) + n
    cpu: dict[str, float] = timing["cpu_s"]  # type: ignore[assignment]
    return {
        "dispatches": done,
        "seconds": elapsed,
        "dispatches_per_s": round(done / elapsed, 1),
        "offers_per_s": round(sum(r.offers for r in results) / elapsed, 1),
        "p50_ms": round(float(np.percentile(latencies, 50)), 1) if done else None,
        "p99_ms": round(float(np.percentile(latencies, 99)), 1) if done else None,
        "errors": errors,
        "cpu_s": cpu,
        "cpu_ms_per_dispatch": {name: round(s * 1000 / max(1, done), 1) for name, s in cpu.items()},
        "load_avg": timing["load_avg"],
        "task_ids": [t for r in results for t in r.task_ids],
    }


def cancel_all(url: str, token: str, task_ids: Sequence[str]) -> None:
    started = time.monotonic()

    def cancel(chunk: Sequence[str]) -> None:
        client = Client(url, token, timeout_s=60.0)
        try:
            for task_id in chunk:
                client.post(f"/api/v1/tasks/{task_id}/cancel")
        finally:
            client.close()

    with ThreadPoolExecutor(max_workers=4) as pool:
        list(pool.map(cancel, [task_ids[k::4] for k in range(4)]))
    _log(f"   {len(task_ids)} tasks cancelled in {time.monotonic() - started:.1f} s")


def _log(message: str) -> None:
    print(message, file=sys.stderr, flush=True)
