"""Points' documents: the only place that knows the collections' layout and their indexes.

- ``points_accounts``: one per member, ``{_id: member_id, balance, opened_at, team_id,
  station_id}``; the balance is a cache of the ledger, the team and station come from identity's
  events and place the member on the boards.
- ``points_ledger``: append-only entries ``{_id: entry_id, op, member_id, delta, reason, ref, at,
  rules_version, kind: credit|debit, seq, debited, counts, recorded_at, _outbox}``. ``_id`` and
  ``op`` are both unique (see ``ledger.py`` for what each key decides). Never updated.
- ``points_announced``: ``{_id: entry_id}`` once the entry's staged event was published.
- ``points_counters``: ``{_id: "<period key>:<member>", period, key, member_id, points,
  reached_at, team_id, station_id}``, the boards' source.
- ``points_items``, ``points_stock_units``, ``points_redemptions``: see ``redemption.py``.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator, Sequence

from shouwang.store import (
    ASCENDING,
    DESCENDING,
    Collection,
    Document,
    DocumentStore,
    DuplicateKey,
)
from shouwang.store.paging import Page, read_page

ACCOUNTS = "points_accounts"
LEDGER = "points_ledger"
ANNOUNCED = "points_announced"
COUNTERS = "points_counters"
ITEMS = "points_items"
STOCK_UNITS = "points_stock_units"
REDEMPTIONS = "points_redemptions"

OP_INDEX = "op_unique"
UNIT_REDEMPTION_INDEX = "redemption_unique"
TAKEN_UNITS_PAGE = 200


class AccountRepository:
    def __init__(self, store: DocumentStore) -> None:
        self.accounts: Collection = store.collection(ACCOUNTS)

    def open(
        self, *, member_id: str, opened_at_ms: int, team_id: str = "", station_id: str = ""
    ) -> bool:
        """Open the member's account; False when it already exists (a redelivered event)."""
        try:
            self.accounts.insert(
                {
                    "_id": member_id,
                    "balance": 0,
                    "opened_at": opened_at_ms,
                    "team_id": team_id,
                    "station_id": station_id,
                }
            )
        except DuplicateKey:
            return False
        return True

    def get(self, member_id: str) -> Document | None:
        return self.accounts.get(member_id)

    def get_many(self, member_ids: Sequence[str]) -> dict[str, Document]:
        found = self.accounts.find({"_id": {"$in": list(member_ids)}})
        return {account["_id"]: account for account in found}

    def add_to_balance(self, member_id: str, delta: int, *, now_ms: int) -> Document:
        """``$inc`` the cached balance, opening the account if an award came before it."""
        return _upsert(
            self.accounts,
            member_id,
            {
                "$inc": {"balance": delta},
                "$setOnInsert": {"opened_at": now_ms, "team_id": "", "station_id": ""},
            },
        )

    def set_balance(self, member_id: str, balance: int, *, now_ms: int) -> None:
        _upsert(
            self.accounts,
            member_id,
            {
                "$set": {"balance": balance},
                "$setOnInsert": {"opened_at": now_ms, "team_id": "", "station_id": ""},
            },
        )

    def set_attribution(
        self, member_id: str, *, team_id: str, station_id: str, now_ms: int
    ) -> Document:
        return _upsert(
            self.accounts,
            member_id,
            {
                "$set": {"team_id": team_id, "station_id": station_id},
                "$setOnInsert": {"balance": 0, "opened_at": now_ms},
            },
        )

    def all(self, *, after: str = "", page: int = 500) -> Iterator[Document]:
        while True:
            batch = self.accounts.find(
                {"_id": {"$gt": after}}, sort=[("_id", ASCENDING)], limit=page
            )
            yield from batch
            if len(batch) < page:
                return
            after = batch[-1]["_id"]


class LedgerRepository:
    def __init__(self, store: DocumentStore) -> None:
        self.entries: Collection = store.collection(LEDGER)
        self.announced: Collection = store.collection(ANNOUNCED)

    def ensure_indexes(self) -> None:
        self.entries.create_index([("op", ASCENDING)], unique=True, name=OP_INDEX)
        self.entries.create_index([("member_id", ASCENDING), ("at", DESCENDING)])
        self.entries.create_index(
            [("member_id", ASCENDING), ("kind", ASCENDING), ("seq", DESCENDING)]
        )

    def insert(self, entry: Document) -> None:
        """Insert an entry; ``DuplicateKey`` names ``_id_`` or ``OP_INDEX`` when one clashed."""
        self.entries.insert(entry)

    def get(self, entry_id: str) -> Document | None:
        return self.entries.get(entry_id)

    def mark_announced(self, entry_id: str) -> None:
        """Record that the entry's events were published: an insert, never an update of the
        ledger, because FerretDB 1.x scans the whole collection for every update."""
        with contextlib.suppress(DuplicateKey):
            self.announced.insert({"_id": entry_id})

    def announced_ids(self) -> set[str]:
        return {marker["_id"] for marker in _pages(self.announced)}

    def by_op(self, op: str) -> Document | None:
        return self.entries.find_one({"op": op})

    def page_of(self, member_id: str, *, size: int, cursor: str) -> Page:
        """One page of a member's entries, newest first."""
        return read_page(
            self.entries,
            {"member_id": member_id},
            sort_field="at",
            direction=DESCENDING,
            size=size,
            cursor=cursor,
        )

    def last_debit(self, member_id: str) -> Document | None:
        return self.entries.find_one(
            {"member_id": member_id, "kind": "debit"}, sort=[("seq", DESCENDING)]
        )

    def credited(self, member_id: str) -> int:
        return sum(
            e["delta"] for e in self.entries.find({"member_id": member_id, "kind": "credit"})
        )

    def of_member(self, member_id: str) -> list[Document]:
        return self.entries.find({"member_id": member_id})

    def all(self, *, page: int = 1000) -> Iterator[Document]:
        """Every entry in ``_id`` order, a page at a time (the reconciliation's scan)."""
        after = ""
        while True:
            batch = self.entries.find(
                {"_id": {"$gt": after}}, sort=[("_id", ASCENDING)], limit=page
            )
            yield from batch
            if len(batch) < page:
                return
            after = batch[-1]["_id"]


class CounterRepository:
    def __init__(self, store: DocumentStore) -> None:
        self.counters: Collection = store.collection(COUNTERS)

    def ensure_indexes(self) -> None:
        self.counters.create_index([("key", ASCENDING), ("points", DESCENDING)])
        self.counters.create_index([("key", ASCENDING), ("team_id", ASCENDING)])
        self.counters.create_index([("key", ASCENDING), ("station_id", ASCENDING)])
        self.counters.create_index([("member_id", ASCENDING)])

    def add(
        self,
        *,
        period: str,
        key: str,
        member_id: str,
        delta: int,
        at_ms: int,
        team_id: str,
        station_id: str,
    ) -> None:
        """``$inc`` one member's points in one period, moving ``reached_at`` forward to ``at``.

        Updates filter on ``_id`` alone: FerretDB 1.x scans the whole collection for an update
        whose filter has any other condition. The read-then-write of ``reached_at`` can lose a
        race between replicas; the reconciliation repairs it.
        """
        counter_id = f"{key}:{member_id}"
        current = self.counters.get(counter_id)
        if current is not None:
            update: dict = {"$inc": {"points": delta}}
            if current["reached_at"] < at_ms:
                update["$set"] = {"reached_at": at_ms}
            self.counters.update_many({"_id": counter_id}, update)
            return
        _upsert(
            self.counters,
            counter_id,
            {
                "$inc": {"points": delta},
                "$setOnInsert": {
                    "period": period,
                    "key": key,
                    "member_id": member_id,
                    "reached_at": at_ms,
                    "team_id": team_id,
                    "station_id": station_id,
                },
            },
        )

    def put(self, document: Document) -> None:
        """Overwrite a counter with recomputed values (reconciliation)."""
        fields = {k: v for k, v in document.items() if k != "_id"}
        _upsert(self.counters, document["_id"], {"$set": fields})

    def of_member(self, member_id: str) -> list[Document]:
        return self.counters.find({"member_id": member_id})

    def move_member(self, member_id: str, *, team_id: str, station_id: str) -> None:
        self.counters.update_many(
            {"member_id": member_id}, {"$set": {"team_id": team_id, "station_id": station_id}}
        )

    def board(
        self, *, key: str, scope_field: str | None, scope_id: str, limit: int
    ) -> list[Document]:
        return self.counters.find(
            _board_query(key, scope_field, scope_id),
            sort=[("points", DESCENDING), ("reached_at", ASCENDING), ("member_id", ASCENDING)],
            limit=limit,
        )

    def get(self, *, key: str, member_id: str) -> Document | None:
        return self.counters.get(f"{key}:{member_id}")

    def count_ahead(self, counter: Document, *, scope_field: str | None, scope_id: str) -> int:
        """How many stand before ``counter`` on its board, in the board's order (most points,
        then who got there first, then the smaller member id): a count, not a read of them."""
        points, reached_at = counter["points"], counter["reached_at"]
        ahead = {
            "$or": [
                {"points": {"$gt": points}},
                {"points": points, "reached_at": {"$lt": reached_at}},
                {
                    "points": points,
                    "reached_at": reached_at,
                    "member_id": {"$lt": counter["member_id"]},
                },
            ]
        }
        return self.counters.count(
            {"$and": [_board_query(counter["key"], scope_field, scope_id), ahead]}
        )


def _board_query(key: str, scope_field: str | None, scope_id: str) -> dict[str, str]:
    query = {"key": key}
    if scope_field is not None:
        query[scope_field] = scope_id
    return query


def _pages(collection: Collection, page: int = 1000) -> Iterator[Document]:
    after = ""
    while True:
        batch = collection.find({"_id": {"$gt": after}}, sort=[("_id", ASCENDING)], limit=page)
        yield from batch
        if len(batch) < page:
            return
        after = batch[-1]["_id"]


def _upsert(collection: Collection, document_id: str, update: dict) -> Document:
    try:
        found = collection.find_one_and_update({"_id": document_id}, update, upsert=True)
    except DuplicateKey:
        # Another replica inserted it between our read and write: it exists now, so update it.
        found = collection.find_one_and_update({"_id": document_id}, update, upsert=True)
    assert found is not None
    return found


class CatalogueRepository:
    """Items ``{_id, name, description, cost, stock, active, created_by, created_at}`` and their
    stock units ``{_id: "<item>:<n>", item_id, unit, redemption_id, taken_at}``."""

    def __init__(self, store: DocumentStore) -> None:
        self.items: Collection = store.collection(ITEMS)
        self.units: Collection = store.collection(STOCK_UNITS)

    def ensure_indexes(self) -> None:
        self.units.create_index(
            [("redemption_id", ASCENDING)], unique=True, name=UNIT_REDEMPTION_INDEX
        )
        self.units.create_index([("item_id", ASCENDING), ("unit", ASCENDING)])

    def add_item(self, item: Document) -> None:
        self.items.insert(item)

    def get_item(self, item_id: str) -> Document | None:
        return self.items.get(item_id)

    def list_items(self, *, include_inactive: bool, size: int, cursor: str) -> Page:
        """One page of the catalogue, cheapest first."""
        query = {} if include_inactive else {"active": True}
        return read_page(
            self.items, query, sort_field="cost", direction=ASCENDING, size=size, cursor=cursor
        )

    def update_item(self, item_id: str, query: dict, fields: dict) -> Document | None:
        return self.items.find_one_and_update({"_id": item_id, **query}, {"$set": fields})

    def free_unit(self, item_id: str, *, stock: int, start: int) -> int | None:
        """The first unit number from ``start`` on, wrapping round to 1, that no redemption
        holds; None when all ``stock`` units are taken.

        Taken units are read a page at a time in number order, so neither memory nor the work
        for a sparsely taken item grows with the stock."""
        if stock < 1 or self.count_taken(item_id) >= stock:
            return None
        start = min(max(start, 1), stock)
        for low, high in ((start, stock), (1, start - 1)):
            number = self._first_gap(item_id, low, high)
            if number is not None:
                return number
        return None

    def _first_gap(self, item_id: str, low: int, high: int) -> int | None:
        candidate = low
        while candidate <= high:
            taken = self.units.find(
                {"item_id": item_id, "unit": {"$gte": candidate, "$lte": high}},
                sort=[("unit", ASCENDING)],
                limit=TAKEN_UNITS_PAGE,
            )
            for unit in taken:
                if unit["unit"] != candidate:
                    return candidate
                candidate += 1
            if len(taken) < TAKEN_UNITS_PAGE:
                break
        return candidate if candidate <= high else None

    def count_taken(self, item_id: str) -> int:
        return self.units.count({"item_id": item_id})

    def take_unit(self, unit: Document) -> None:
        """Insert a stock unit; ``DuplicateKey`` when the unit or this redemption has one."""
        self.units.insert(unit)

    def unit_of(self, redemption_id: str) -> Document | None:
        return self.units.find_one({"redemption_id": redemption_id})

    def release_unit(self, unit_id: str) -> None:
        self.units.delete(unit_id)


class RedemptionRepository:
    """Redemptions ``{_id, member_id, item_id, item_name, cost, status, refusal, created_at,
    entry_id, unit_id, fulfilled_at, fulfilled_by}`` plus their outbox."""

    def __init__(self, store: DocumentStore) -> None:
        self.redemptions: Collection = store.collection(REDEMPTIONS)

    def ensure_indexes(self) -> None:
        self.redemptions.create_index([("member_id", ASCENDING), ("created_at", DESCENDING)])
        self.redemptions.create_index([("status", ASCENDING), ("created_at", DESCENDING)])
        self.redemptions.create_index([("_outbox_count", ASCENDING)])

    def add(self, redemption: Document) -> None:
        self.redemptions.insert(redemption)

    def get(self, redemption_id: str) -> Document | None:
        return self.redemptions.get(redemption_id)

    def transition(self, redemption_id: str, *, status: str, update: dict) -> Document | None:
        """Apply ``update`` if the redemption is still in ``status``; None otherwise."""
        return self.redemptions.find_one_and_update(
            {"_id": redemption_id, "status": status}, update
        )

    def stale_pending(self, *, created_before_ms: int, limit: int = 100) -> list[Document]:
        return self.redemptions.find(
            {"status": "pending", "created_at": {"$lt": created_before_ms}}, limit=limit
        )

    def listing(self, *, member_id: str, status: str, size: int, cursor: str = "") -> Page:
        """One page of redemptions, newest first."""
        query: dict[str, str] = {}
        if member_id:
            query["member_id"] = member_id
        if status:
            query["status"] = status
        return read_page(
            self.redemptions,
            query,
            sort_field="created_at",
            direction=DESCENDING,
            size=size,
            cursor=cursor,
        )
