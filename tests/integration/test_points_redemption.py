"""Redemptions against real FerretDB with two service instances on separate connections, as two
replicas would run: contention is decided by unique inserts only."""

from __future__ import annotations

from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from services.points import bootstrap, handlers
from services.points.ports import Ports
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


@pytest.fixture
def replicas(tmp_path: Path, mongodb_uri: str, mongo_database_name: str) -> Iterator[list[Ports]]:
    """Two points instances on one FerretDB database, each with its own connections."""
    running = [replica(tmp_path, f"r{n}", mongodb_uri, mongo_database_name) for n in range(2)]
    yield [service.ports for service, _ in running]
    for service, adapters in running:
        service.close()
        adapters.close()


def redeem_from_both(replicas: list[Ports], item_id: str, *, attempts: int = 100) -> list[dict]:
    """``attempts`` redemptions by member m1 at once, alternating between the replicas."""

    def attempt(n: int) -> dict:
        redemptions = replicas[n % 2].redemptions
        return redemptions.redeem(member_id="m1", item_id=item_id, idempotency_key=f"k{n}")

    with ThreadPoolExecutor(max_workers=50) as pool:
        return list(pool.map(attempt, range(attempts)))


def test_hundred_parallel_redemptions_on_two_replicas_redeem_exactly_three(
    replicas: list[Ports],
) -> None:
    first = replicas[0]
    handlers.on_report_approved(first, report_approved("r1", "m1", 30))
    item = first.redemptions.create_item(
        officer_id="o1", name="雨衣", description="", cost=10, stock=1000
    )

    outcomes = redeem_from_both(replicas, item["_id"])

    assert [o["status"] for o in outcomes].count("redeemed") == 3
    assert first.ledger.available("m1") == 0
    assert first.entries.entries.count({"member_id": "m1", "kind": "debit"}) == 3
    assert first.redemptions.catalogue.count_taken(item["_id"]) == 3


def test_hundred_parallel_redemptions_on_two_replicas_never_exceed_the_stock(
    replicas: list[Ports],
) -> None:
    first = replicas[0]
    handlers.on_report_approved(first, report_approved("r1", "m1", 50))
    item = first.redemptions.create_item(
        officer_id="o1", name="手电筒", description="", cost=1, stock=3
    )

    outcomes = redeem_from_both(replicas, item["_id"])

    assert [o["status"] for o in outcomes].count("redeemed") == 3
    assert first.ledger.available("m1") == 47
