"""Redemptions on the embedded store: atomic spending, stock, idempotency, fulfilment."""

from __future__ import annotations

import tracemalloc
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from services.points import handlers
from services.points.bootstrap import PointsService
from shouwang.clock import ManualClock
from shouwang.errors import Conflict, InvalidArgument, NotFound
from tests.unit.points.support import build, report_approved


def fund(service: PointsService, member_id: str, points: int) -> None:
    handlers.on_report_approved(service.ports, report_approved(f"r-{member_id}", member_id, points))


def item(service: PointsService, *, cost: int = 10, stock: int = 1000) -> str:
    created = service.ports.redemptions.create_item(
        officer_id="o1", name="保温杯", description="", cost=cost, stock=stock
    )
    return created["_id"]


def redeem_in_parallel(
    services: list[PointsService], member_id: str, item_id: str, attempts: int
) -> list[dict]:
    def attempt(n: int) -> dict:
        redemptions = services[n % len(services)].ports.redemptions
        return redemptions.redeem(member_id=member_id, item_id=item_id, idempotency_key=f"k{n}")

    with ThreadPoolExecutor(max_workers=32) as pool:
        return list(pool.map(attempt, range(attempts)))


def test_hundred_parallel_redemptions_against_a_balance_for_three_redeem_exactly_three(
    tmp_path: Path, clock: ManualClock
) -> None:
    replicas = [build(tmp_path / "shared", clock=clock) for _ in range(2)]
    fund(replicas[0], "m1", 30)
    item_id = item(replicas[0], cost=10)

    outcomes = redeem_in_parallel(replicas, "m1", item_id, 100)

    statuses = [o["status"] for o in outcomes]
    assert statuses.count("redeemed") == 3
    assert statuses.count("refused") == 97
    assert replicas[0].ports.ledger.available("m1") == 0
    assert replicas[1].ports.accounts.get("m1")["balance"] == 0  # type: ignore[index]
    for replica in replicas:
        replica.close()


def test_parallel_redemptions_never_take_more_units_than_the_stock(
    service: PointsService,
) -> None:
    fund(service, "m1", 50)
    item_id = item(service, cost=1, stock=3)
    outcomes = redeem_in_parallel([service], "m1", item_id, 30)
    assert [o["status"] for o in outcomes].count("redeemed") == 3
    assert {o["refusal"] for o in outcomes if o["status"] == "refused"} == {"out_of_stock"}
    assert service.ports.ledger.available("m1") == 47


def test_retry_with_the_same_key_spends_once_and_returns_the_first_outcome(
    service: PointsService,
) -> None:
    fund(service, "m1", 50)
    item_id = item(service, cost=20)
    first = service.ports.redemptions.redeem(member_id="m1", item_id=item_id, idempotency_key="k")
    again = service.ports.redemptions.redeem(member_id="m1", item_id=item_id, idempotency_key="k")
    assert first["_id"] == again["_id"] and again["status"] == "redeemed"
    assert service.ports.ledger.available("m1") == 30


def test_refused_redemption_releases_its_stock_unit(service: PointsService) -> None:
    item_id = item(service, cost=20, stock=1)
    refused = service.ports.redemptions.redeem(member_id="m1", item_id=item_id, idempotency_key="a")
    assert (refused["status"], refused["refusal"]) == ("refused", "insufficient_points")
    fund(service, "m2", 20)
    taken = service.ports.redemptions.redeem(member_id="m2", item_id=item_id, idempotency_key="b")
    assert taken["status"] == "redeemed"


def test_redemption_left_pending_by_a_crash_is_carried_forward(
    service: PointsService, clock: ManualClock, monkeypatch: pytest.MonkeyPatch
) -> None:
    fund(service, "m1", 50)
    item_id = item(service, cost=20)

    def crash(*args, **kwargs):  # type: ignore[no-untyped-def]
        raise RuntimeError("process died")

    monkeypatch.setattr(service.ports.ledger, "debit", crash)
    with pytest.raises(RuntimeError):
        service.ports.redemptions.redeem(member_id="m1", item_id=item_id, idempotency_key="k")
    monkeypatch.undo()
    clock.advance(600)
    service.reconcile()
    [redemption] = service.ports.redemptions.redemptions.listing(
        member_id="m1", status="", size=10
    ).items
    assert redemption["status"] == "redeemed"
    assert service.ports.ledger.available("m1") == 30


def test_officer_fulfils_a_redemption_once(service: PointsService) -> None:
    fund(service, "m1", 50)
    item_id = item(service, cost=20)
    redeemed = service.ports.redemptions.redeem(
        member_id="m1", item_id=item_id, idempotency_key="k"
    )
    fulfilled = service.ports.redemptions.fulfil(redemption_id=redeemed["_id"], officer_id="o1")
    assert (fulfilled["status"], fulfilled["fulfilled_by"]) == ("fulfilled", "o1")
    again = service.ports.redemptions.fulfil(redemption_id=redeemed["_id"], officer_id="o1")
    assert again["status"] == "fulfilled"


def test_refused_redemption_cannot_be_fulfilled(service: PointsService) -> None:
    item_id = item(service, cost=20)
    refused = service.ports.redemptions.redeem(member_id="m1", item_id=item_id, idempotency_key="k")
    with pytest.raises(Conflict):
        service.ports.redemptions.fulfil(redemption_id=refused["_id"], officer_id="o1")


def test_unknown_item_is_not_found(service: PointsService) -> None:
    with pytest.raises(NotFound):
        service.ports.redemptions.redeem(member_id="m1", item_id="nope", idempotency_key="k")


def test_stock_only_grows(service: PointsService) -> None:
    item_id = item(service, stock=5)
    with pytest.raises(InvalidArgument):
        service.ports.redemptions.update_stock(item_id=item_id, stock=4, active=None)
    grown = service.ports.redemptions.update_stock(item_id=item_id, stock=8, active=False)
    assert (grown["stock"], grown["active"]) == (8, False)


def test_withdrawn_item_is_refused(service: PointsService) -> None:
    fund(service, "m1", 50)
    item_id = item(service)
    service.ports.redemptions.update_stock(item_id=item_id, stock=1000, active=False)
    refused = service.ports.redemptions.redeem(member_id="m1", item_id=item_id, idempotency_key="k")
    assert refused["refusal"] == "item_inactive"
    assert service.ports.ledger.available("m1") == 50


def test_an_item_beyond_the_largest_stock_or_cost_is_refused(service: PointsService) -> None:
    for fields in ({"stock": 2_147_483_648}, {"stock": -1}, {"cost": 1_000_001}, {"cost": 0}):
        with pytest.raises(InvalidArgument) as refused:
            service.ports.redemptions.create_item(
                officer_id="o1", name="保温杯", description="", **{"cost": 10, "stock": 5, **fields}
            )
        assert {e.field for e in refused.value.errors} == set(fields)


def test_stock_cannot_grow_beyond_the_largest_stock(service: PointsService) -> None:
    item_id = item(service, stock=5)
    with pytest.raises(InvalidArgument):
        service.ports.redemptions.update_stock(item_id=item_id, stock=2_147_483_648, active=None)


def test_a_member_without_points_is_refused_before_any_stock_is_touched(
    service: PointsService, monkeypatch: pytest.MonkeyPatch
) -> None:
    item_id = item(service, cost=1, stock=1_000_000)

    def untouchable(*args, **kwargs):  # type: ignore[no-untyped-def]
        raise AssertionError("the stock was read for a member who cannot pay")

    catalogue = service.ports.redemptions.catalogue
    for name in ("take_unit", "free_unit", "taken_units", "count_taken"):
        if hasattr(catalogue, name):
            monkeypatch.setattr(catalogue, name, untouchable)
    refused = service.ports.redemptions.redeem(member_id="m1", item_id=item_id, idempotency_key="k")
    assert (refused["status"], refused["refusal"]) == ("refused", "insufficient_points")


def test_taking_a_unit_of_the_largest_stock_costs_memory_independent_of_the_stock(
    service: PointsService,
) -> None:
    fund(service, "m1", 50)
    item_id = item(service, cost=1, stock=1_000_000)
    service.ports.redemptions.redeem(member_id="m1", item_id=item_id, idempotency_key="warm-up")
    tracemalloc.start()
    try:
        redeemed = service.ports.redemptions.redeem(
            member_id="m1", item_id=item_id, idempotency_key="k"
        )
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert redeemed["status"] == "redeemed"
    assert peak < 1_000_000  # a set of the stock's unit numbers alone is ~60 MB


def test_the_last_free_unit_is_found_wherever_the_search_starts(service: PointsService) -> None:
    for n in range(10):
        handlers.on_report_approved(service.ports, report_approved(f"r{n}", "m1", 50))
    item_id = item(service, cost=1, stock=450)  # more than a page of taken units
    outcomes = [
        service.ports.redemptions.redeem(member_id="m1", item_id=item_id, idempotency_key=f"k{n}")
        for n in range(451)
    ]
    assert [o["status"] for o in outcomes].count("redeemed") == 450
    assert outcomes[-1]["refusal"] == "out_of_stock"
    units = service.ports.redemptions.catalogue.units.find({"item_id": item_id})
    assert sorted(u["unit"] for u in units) == list(range(1, 451))


def test_the_catalogue_pages_cheapest_first(service: PointsService) -> None:
    for cost in (30, 10, 20):
        item(service, cost=cost)
    first = service.ports.redemptions.catalogue.list_items(
        include_inactive=False, size=2, cursor=""
    )
    rest = service.ports.redemptions.catalogue.list_items(
        include_inactive=False, size=2, cursor=first.next_cursor
    )
    assert [i["cost"] for i in first.items] == [10, 20]
    assert ([i["cost"] for i in rest.items], rest.next_cursor) == ([30], "")


def test_redemptions_page_newest_first(service: PointsService, clock: ManualClock) -> None:
    item_id = item(service)
    for n in range(3):
        service.ports.redemptions.redeem(member_id="m1", item_id=item_id, idempotency_key=f"k{n}")
        clock.advance(1)
    listing = service.ports.redemptions.redemptions.listing
    first = listing(member_id="m1", status="", size=2)
    rest = listing(member_id="m1", status="", size=2, cursor=first.next_cursor)
    times = [r["created_at"] for r in first.items + rest.items]
    assert times == sorted(times, reverse=True) and len(set(times)) == 3
    assert rest.next_cursor == ""
