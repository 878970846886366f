"""``python -m bench.ferretdb_statements``: what FerretDB 1.x (the cluster mode's store in this
project's tests and benchmarks) costs per statement as a collection grows.

A collection of member documents like location's ``location_duty`` (indexed the same way) is
filled to each size; each statement runs ``--calls`` times, each on a member of its own (a write
then changes its document), and its median and p90 are reported per size. A statement whose
time grows with the collection does work in proportion to it. The track keeper writes one
member's position per batch, so this is the figure that decides what one FerretDB stores.
Prints a table, writes bench/results/ferretdb_statements.json.
"""

from __future__ import annotations

import argparse
import json
import platform
import random
import statistics
import tempfile
import time
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

from pymongo import MongoClient, ReturnDocument

from bench import markdown
from shouwang.store import ASCENDING
from shouwang.store.mongo import MongoDocumentStore
from tests.support.servers import FerretDB

RESULTS = Path(__file__).resolve().parent / "results" / "ferretdb_statements.json"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="1000,10000", help="documents in the collection")
    parser.add_argument("--calls", type=int, default=100, help="calls of each statement per size")
    args = parser.parse_args()
    sizes = [int(s) for s in args.sizes.split(",")]
    if min(sizes) < 6 * args.calls:  # six statements, each on members of its own
        parser.error(f"each size must hold at least 6 × --calls = {6 * args.calls} documents")
    with tempfile.TemporaryDirectory() as data_dir:
        server = FerretDB(Path(data_dir))
        server.start()
        try:
            results = {size: _measure(server.uri, size, args.calls) for size in sizes}
        finally:
            server.stop()
    header = ["statement", *(f"{size:,} documents: p50 / p90 ms" for size in sizes)]
    rows = [
        [name, *(f"{results[s][name]['p50']} / {results[s][name]['p90']}" for s in sizes)]
        for name in results[sizes[0]]
    ]
    print(markdown.table(header, rows))
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(
        json.dumps(
            {
                "benchmark": "ferretdb_statements",
                "at": datetime.now(UTC).isoformat(timespec="seconds"),
                "machine": platform.platform(),
                "calls": args.calls,
                "results_ms": {str(size): by_name for size, by_name in results.items()},
            },
            indent=1,
        )
        + "\n"
    )
    print(f"written {RESULTS}")
    return 0


def _measure(uri: str, size: int, calls: int) -> dict[str, dict[str, float]]:
    name = f"duty_{size}"
    client: MongoClient[dict[str, object]] = MongoClient(uri)
    driver = client["bench"][name]
    driver.insert_many(
        [
            {"_id": f"member-{n:06d}", "on_duty": True, "online": False, "lat": 0.0, "lon": 0.0}
            for n in range(size)
        ]
    )
    store = MongoDocumentStore(uri, "bench")
    port = store.collection(name)
    port.create_index([("on_duty", ASCENDING), ("online", ASCENDING)])  # location's own
    for n in range(calls):  # the first reads after filling are slower, whatever the statement
        driver.find_one({"_id": f"member-{n:06d}"})
    # Each statement gets members of its own, so a write changes its document (FerretDB skips
    # the write of an unchanged one); "again" repeats a write that changes nothing.
    members = iter(random.sample(range(size), size))

    def chosen() -> list[str]:
        return [f"member-{next(members):06d}" for _ in range(calls)]

    moved = {"$set": {"lat": 31.2, "lon": 121.5, "online": True}}
    before, after = ReturnDocument.BEFORE, ReturnDocument.AFTER
    statements: list[tuple[str, list[str], Callable[[str], object]]] = [
        ("find {_id}", chosen(), lambda m: driver.find_one({"_id": m})),
        (
            "findAndModify {_id} returning the document before",
            chosen(),
            lambda m: driver.find_one_and_update({"_id": m}, moved, return_document=before),
        ),
        (
            "findAndModify {_id} returning the document after",
            chosen(),
            lambda m: driver.find_one_and_update({"_id": m}, moved, return_document=after),
        ),
        ("update {_id}", updated := chosen(), lambda m: driver.update_one({"_id": m}, moved)),
        (
            "update {_id} again (nothing changes)",
            updated,
            lambda m: driver.update_one({"_id": m}, moved),
        ),
        (
            "findAndModify {_id, on_duty} (driver: the filter as written)",
            chosen(),
            lambda m: driver.find_one_and_update({"_id": m, "on_duty": True}, moved),
        ),
        (
            "findAndModify {_id, on_duty} (store port: read by _id, write by _id)",
            chosen(),
            lambda m: port.find_one_and_update({"_id": m, "on_duty": True}, moved),
        ),
    ]
    try:
        return {label: _timed(statement, ids) for label, ids, statement in statements}
    finally:
        store.close()
        client.close()


def _timed(statement: Callable[[str], object], members: list[str]) -> dict[str, float]:
    took = []
    for member in members:
        started = time.perf_counter()
        statement(member)
        took.append((time.perf_counter() - started) * 1000)
    deciles = statistics.quantiles(took, n=10)
    return {"p50": round(statistics.median(took), 2), "p90": round(deciles[-1], 2)}


if __name__ == "__main__":
    raise SystemExit(main())
