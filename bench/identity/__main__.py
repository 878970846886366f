"""``python -m bench.identity``: argon2id cost and registrations/s through the gateway (embedded).

Registration is dominated by the argon2id hash on purpose; this shows what that costs.
"""

from __future__ import annotations

import json
import statistics
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from services.identity.handlers import PASSWORDS
from tests.support.api import Api, new_person

RESULTS = Path(__file__).resolve().parents[1] / "results" / "identity.json"


def argon2_cost(samples: int = 20) -> dict[str, float]:
    timings = []
    for _ in range(samples):
        started = time.perf_counter()
        PASSWORDS.hash("Patrol-2026!")
        timings.append((time.perf_counter() - started) * 1000)
    return {"p50_ms": statistics.median(timings), "max_ms": max(timings)}


def registrations_per_second(count: int = 300, clients: int = 8) -> dict[str, float]:
    """Clients in this process, the server in its own (``shouwang up``), as in production."""
    with tempfile.TemporaryDirectory() as data:
        server = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "shouwang.cli",
                "up",
                "--no-demo",
                "--port",
                "0",
                "--data",
                data,
            ],
            stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL,
            text=True,
        )
        try:
            ready = server.stdout.readline()  # type: ignore[union-attr]
            api = Api(ready.split("ready at ")[1].split()[0])
            people = [new_person() for _ in range(count)]
            latencies: list[float] = []

            def register(person: dict) -> int:
                started = time.perf_counter()
                status = api.post("/api/v1/auth/register", person).status
                latencies.append((time.perf_counter() - started) * 1000)
                return status

            started = time.perf_counter()
            with ThreadPoolExecutor(max_workers=clients) as pool:
                statuses = list(pool.map(register, people))
            elapsed = time.perf_counter() - started
        finally:
            server.terminate()
            server.wait(20)
    latencies.sort()
    return {
        "registrations": count,
        "created": statuses.count(201),
        "per_second": count / elapsed,
        "p50_ms": latencies[len(latencies) // 2],
        "p99_ms": latencies[int(len(latencies) * 0.99) - 1],
    }


def main() -> None:
    params = {
        "time_cost": PASSWORDS.time_cost,
        "memory_kib": PASSWORDS.memory_cost,
        "parallelism": PASSWORDS.parallelism,
    }
    cost = argon2_cost()
    flow = registrations_per_second()
    print("identity")
    print(
        f"| argon2id t={params['time_cost']} m={params['memory_kib'] // 1024} MiB "
        f"p={params['parallelism']} | hash p50 {cost['p50_ms']:.1f} ms | "
        f"max {cost['max_ms']:.1f} ms |"
    )
    print(
        f"| registrations through the gateway (`shouwang up`, 8 clients) | "
        f"{flow['per_second']:.0f}/s | p50 {flow['p50_ms']:.0f} ms | p99 {flow['p99_ms']:.0f} ms |"
    )
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(json.dumps({"argon2": {**params, **cost}, "registration": flow}, indent=2))


if __name__ == "__main__":
    main()
