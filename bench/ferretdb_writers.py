"""``python -m bench.ferretdb_writers``: writers side by side on FerretDB 1.x's SQLite backend (the
cluster mode's store in this project's tests and benchmarks), every writer in one database, as
the services shared one before ``MONGODB_DATABASE_PER_SERVICE``, or each in a database of its
own, as they may now.

FerretDB keeps each database in one SQLite file, which one writer at a time may change; a
writer that finds the file locked sleeps in SQLite's busy handler (1 ms, then 2, 5, 10… up to
100 ms a sleep) instead of queueing, so the sleeps, not the writes, set the tail. Each writer is
a thread alternating an insert and a findAndModify by ``_id`` on a collection of its own, as
long as ``--seconds``; the layouts alternate for ``--runs`` each. Prints a table, writes
bench/results/ferretdb_writers.json."""

from __future__ import annotations

import argparse
import json
import platform
import tempfile
import threading
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from pymongo import MongoClient

from bench import markdown
from tests.support.servers import running_ferretdb

RESULTS = Path(__file__).resolve().parent / "results" / "ferretdb_writers.json"
LAYOUTS = ("one database", "a database each")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--writers", type=int, default=8, help="threads writing at once")
    parser.add_argument("--seconds", type=float, default=10.0, help="length of each run")
    parser.add_argument("--runs", type=int, default=2, help="runs of each layout, alternating")
    args = parser.parse_args()
    if args.writers < 2 or args.seconds <= 0 or args.runs < 1:
        parser.error("--writers must be at least 2, --seconds and --runs positive")
    results = []
    with tempfile.TemporaryDirectory() as data_dir, running_ferretdb(Path(data_dir)) as server:
        for run in range(args.runs):
            for layout in LAYOUTS:
                figures = _measure(server.uri, f"run{run}", layout, args.writers, args.seconds)
                print(f"{layout}, run {run + 1}: {figures}", flush=True)
                results.append({"layout": layout, "run": run + 1, **figures})
    header = ["layout", "writes/s", "p50 / p90 / p99 ms", "slowest ms", "writes over 100 ms"]
    rows = [
        [
            f"{r['layout']}, run {r['run']}",
            f"{r['writes_per_s']:,.0f}",
            f"{r['p50_ms']} / {r['p90_ms']} / {r['p99_ms']}",
            f"{r['max_ms']:,}",
            f"{r['over_100_ms']}",
        ]
        for r in results
    ]
    print(f"{args.writers} writers, {args.seconds:g} s a run, FerretDB on SQLite")
    print(markdown.table(header, rows))
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    report = {
        "benchmark": "ferretdb_writers",
        "at": datetime.now(UTC).isoformat(timespec="seconds"),
        "machine": platform.platform(),
        "writers": args.writers,
        "seconds": args.seconds,
        "results": results,
    }
    RESULTS.write_text(json.dumps(report, indent=1) + "\n")
    print(f"written {RESULTS}")
    return 0


def _measure(uri: str, prefix: str, layout: str, writers: int, seconds: float) -> dict[str, Any]:
    client: MongoClient[dict[str, Any]] = MongoClient(uri, maxPoolSize=writers * 2)
    try:
        databases = [
            f"{prefix}_shared" if layout == LAYOUTS[0] else f"{prefix}_writer{i}"
            for i in range(writers)
        ]
        collections = [client[db][f"writer{i}"] for i, db in enumerate(databases)]
        for collection in collections:
            collection.insert_one({"_id": "counter", "n": 0})
        latencies: list[float] = []
        gathered = threading.Lock()
        until = time.monotonic() + seconds

        def write(i: int) -> None:
            collection, mine, n = collections[i], [], 0
            while time.monotonic() < until:
                began = time.perf_counter()
                if n % 2:
                    collection.insert_one({"_id": f"{i}-{n}", "payload": "x" * 200})
                else:
                    collection.find_one_and_update({"_id": "counter"}, {"$inc": {"n": 1}})
                mine.append(time.perf_counter() - began)
                n += 1
            with gathered:
                latencies.extend(mine)

        threads = [threading.Thread(target=write, args=(i,)) for i in range(writers)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        for db in set(databases):
            client.drop_database(db)
    finally:
        client.close()
    latencies.sort()

    def at(share: float) -> float:
        return round(latencies[int(share * (len(latencies) - 1))] * 1000, 1)

    return {
        "writes_per_s": round(len(latencies) / seconds, 1),
        "p50_ms": at(0.5),
        "p90_ms": at(0.9),
        "p99_ms": at(0.99),
        "max_ms": round(latencies[-1] * 1000, 1),
        "over_100_ms": sum(1 for latency in latencies if latency > 0.1),
    }


if __name__ == "__main__":
    raise SystemExit(main())
