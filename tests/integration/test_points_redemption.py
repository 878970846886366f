"""Redemptions against real FerretDB with two service instances on separate connections, as two
replicas would run: contention is decided by unique inserts only."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from services.points import bootstrap, handlers
from shouwang.bus.embedded import SqliteEventBus
from shouwang.clock import SystemClock
from shouwang.runtime import Adapters
from shouwang.store.blobs import LocalBlobStore
from shouwang.store.mongo import MongoDocumentStore
from tests.unit.points.support import FixedNames, report_approved


def replica(
    tmp_path: Path, name: str, uri: str, database: str
) -> tuple[bootstrap.PointsService, Adapters]:
    adapters = Adapters(
        bus=SqliteEventBus(tmp_path / f"{name}-events.sqlite3"),
        store=MongoDocumentStore(uri, database),
        blobs=LocalBlobStore(tmp_path / name),
        clock=SystemClock(),
    )
    return bootstrap.build(adapters, names=FixedNames()), adapters


def test_hundred_parallel_redemptions_on_two_replicas_redeem_exactly_three(
    tmp_path: Path, mongodb_uri: str, mongo_database_name: str
) -> None:
    running = [replica(tmp_path, f"r{n}", mongodb_uri, mongo_database_name) for n in range(2)]
    replicas = [service for service, _ in running]
    first = replicas[0].ports
    handlers.on_report_approved(first, report_approved("r1", "m1", 30))
    item = first.redemptions.create_item(
        officer_id="o1", name="雨衣", description="", cost=10, stock=1000
    )

    def attempt(n: int) -> dict:
        redemptions = replicas[n % 2].ports.redemptions
        return redemptions.redeem(member_id="m1", item_id=item["_id"], idempotency_key=f"k{n}")

    with ThreadPoolExecutor(max_workers=50) as pool:
        outcomes = list(pool.map(attempt, range(100)))

    assert [o["status"] for o in outcomes].count("redeemed") == 3
    assert first.ledger.available("m1") == 0
    assert first.entries.entries.count({"member_id": "m1", "kind": "debit"}) == 3
    assert first.redemptions.catalogue.count_taken(item["_id"]) == 3
    for service, adapters in running:
        service.close()
        adapters.close()


def test_hundred_parallel_redemptions_on_two_replicas_never_exceed_the_stock(
    tmp_path: Path, mongodb_uri: str, mongo_database_name: str
) -> None:
    running = [replica(tmp_path, f"r{n}", mongodb_uri, mongo_database_name) for n in range(2)]
    replicas = [service for service, _ in running]
    first = replicas[0].ports
    handlers.on_report_approved(first, report_approved("r1", "m1", 50))
    item = first.redemptions.create_item(
        officer_id="o1", name="手电筒", description="", cost=1, stock=3
    )

    def attempt(n: int) -> dict:
        redemptions = replicas[n % 2].ports.redemptions
        return redemptions.redeem(member_id="m1", item_id=item["_id"], idempotency_key=f"k{n}")

    with ThreadPoolExecutor(max_workers=50) as pool:
        outcomes = list(pool.map(attempt, range(100)))

    assert [o["status"] for o in outcomes].count("redeemed") == 3
    assert first.ledger.available("m1") == 47
    for service, adapters in running:
        service.close()
        adapters.close()
