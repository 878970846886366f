"""``python -m bench.ferretdb_statements``: what FerretDB 1.x (the cluster mode's store in this
project's tests and benchmarks) costs per statement as a collection grows, on each of its
backends side by side (SQLite as in the tests; SQLite with FerretDB as released, before the
build's mend of its ``_id`` lookups; PostgreSQL, ``bench.cluster``'s other store).

A collection of member documents like location's ``location_duty`` (indexed the same way) is
filled to each size; each statement runs ``--calls`` times, each on a member of its own (a write
then changes its document), and its median and p90 are reported per size. A statement whose
time grows with the collection does work in proportion to it. The track keeper writes one
member's position per batch, so this is the figure that decides what one FerretDB stores.
Prints a table, writes bench/results/ferretdb_statements.json."""

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
from tests.support.servers import FERRETDB_STORES, running_ferretdb

RESULTS = Path(__file__).resolve().parent / "results" / "ferretdb_statements.json"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="1000,10000", help="documents in the collection")
    parser.add_argument("--calls", type=int, default=100, help="calls of each statement per size")
    parser.add_argument(
        "--stores",
        default=",".join(FERRETDB_STORES),
        help="FerretDB's backends to measure, side by side",
    )
    args = parser.parse_args()
    sizes = [int(s) for s in args.sizes.split(",")]
    stores = args.stores.split(",")
    if unknown := set(stores) - set(FERRETDB_STORES):
        parser.error(f"unknown store {sorted(unknown)}: expected some of {FERRETDB_STORES}")
    if min(sizes) < 7 * args.calls:  # seven statements, each on members of its own
        parser.error(f"each size must hold at least 7 × --calls = {7 * args.calls} documents")
    results = {store: _measure_store(store, sizes, args.calls) for store in stores}
    columns = [(store, size) for store in stores for size in sizes]
    header = ["statement", *(f"{store} {size:,}: p50 / p90 ms" for store, size in columns)]
    first = results[stores[0]][sizes[0]]
    rows = [[name, *(_cell(results[t][s][name]) for t, s in columns)] for name in first]
    print(markdown.table(header, rows))
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(
        json.dumps(
            {
                "benchmark": "ferretdb_statements",
                "at": datetime.now(UTC).isoformat(timespec="seconds"),
                "machine": platform.platform(),
                "calls": args.calls,
                "results_ms": {
                    store: {str(size): by_name for size, by_name in by_size.items()}
                    for store, by_size in results.items()
                },
            },
            indent=1,
        )
        + "\n"
    )
    print(f"written {RESULTS}")
    return 0


def _cell(figures: dict[str, float]) -> str:
    return f"{figures['p50']} / {figures['p90']}"


def _measure_store(
    store: str, sizes: list[int], calls: int
) -> dict[int, dict[str, dict[str, float]]]:
    with (
        tempfile.TemporaryDirectory() as data_dir,
        running_ferretdb(Path(data_dir), store=store) as server,
    ):
        return {size: _measure(server.uri, size, calls) for size in sizes}


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

    def offered_with(member: str) -> list[str]:  # 48 ids, as a race task's offers are read
        n = int(member.removeprefix("member-"))
        return [f"member-{(n + 7 * k) % size:06d}" for k in range(48)]

    moved = {"$set": {"lat": 31.2, "lon": 121.5, "online": True}}
    before, after = ReturnDocument.BEFORE, ReturnDocument.AFTER
    statements: list[tuple[str, list[str], Callable[[str], object]]] = [
        ("find {_id}", chosen(), lambda m: driver.find_one({"_id": m})),
        (
            "find {_id: {$in: 48 ids}}",
            chosen(),
            lambda m: list(driver.find({"_id": {"$in": offered_with(m)}})),
        ),
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
