"""The embedded store's indexes answer filters (issue #19): a filter on an indexed field seeks
the index instead of reading every document — the claim race read a task's offers by scanning
every offer ever made — and a store made before them gets them at its next start. What the
filters find is held to MongoDB's semantics by tests/contract/test_store_contract.py, with and
without indexes."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

import pytest

from shouwang.store.embedded import SqliteDocumentStore

OFFERS = [
    {"_id": f"t{task}:m{member}", "task_id": f"t{task}", "wave": task % 3, "rank": member}
    for task in range(20)
    for member in range(5)
]


def query_plan(store: SqliteDocumentStore, collection: str, query: dict) -> str:
    """How SQLite runs ``find(query)`` on the collection: its plan's lines, joined."""
    sql, params = store.collection(collection)._select("doc", query, [], -1, 0)
    return " | ".join(row[3] for row in store._conn.execute(f"EXPLAIN QUERY PLAN {sql}", params))


@pytest.fixture
def store(tmp_path: Path) -> SqliteDocumentStore:
    opened = SqliteDocumentStore(tmp_path / "store.sqlite3")
    offers = opened.collection("offers")
    offers.create_index([("task_id", 1)])
    offers.create_index([("wave", 1), ("rank", -1)])
    offers.insert_many(OFFERS)
    return opened


@pytest.mark.parametrize(
    "query",
    [
        {"task_id": "t7"},
        {"task_id": {"$in": ["t7", "t8"]}},
        {"task_id": {"$gte": "t7"}},
        {"wave": 2, "rank": {"$lt": 3}},  # the first field of a compound index
        {"wave": 2.0},
    ],
)
def test_a_filter_on_an_indexed_field_seeks_the_index(
    store: SqliteDocumentStore, query: dict
) -> None:
    plan = query_plan(store, "offers", query)
    assert "SEARCH c_offers USING INDEX" in plan and "SCAN c_offers" not in plan, plan


@pytest.mark.parametrize(
    "query",
    [
        {"rank": 3},  # the second field of a compound index only
        {"task_id": {"$ne": "t7"}},
        {"task_id": None},
        {"task_id": {"$exists": True}},
        {"task_id": {"$in": ["t7", 7]}},  # mixed types: no one seek
    ],
)
def test_a_filter_no_index_can_answer_reads_every_document(
    store: SqliteDocumentStore, query: dict
) -> None:
    assert "SCAN c_offers" in query_plan(store, "offers", query)


def test_an_array_field_is_still_found_by_its_elements_through_the_index(
    store: SqliteDocumentStore,
) -> None:
    offers = store.collection("offers")
    offers.insert({"_id": "both", "task_id": ["t7", "t9"], "wave": [0, 2], "rank": 1})
    assert "both" in [o["_id"] for o in offers.find({"task_id": "t7"})]
    assert "both" in [o["_id"] for o in offers.find({"wave": {"$gt": 1}})]
    assert len(offers.find({"task_id": "t7"})) == 6


def test_a_store_made_before_the_seekable_indexes_gets_them_at_its_next_start(
    tmp_path: Path,
) -> None:
    path = tmp_path / "store.sqlite3"
    before = sqlite3.connect(path)  # as the store wrote it until 2026-12-02
    before.executescript(
        """
        CREATE TABLE _shouwang_indexes (collection TEXT NOT NULL, name TEXT NOT NULL,
            keys TEXT NOT NULL, is_unique INTEGER NOT NULL, PRIMARY KEY (collection, name));
        CREATE TABLE c_offers (_id TEXT PRIMARY KEY, doc TEXT NOT NULL);
        CREATE INDEX offers__task_id_1 ON c_offers (json_extract(doc, '$."task_id"'));
        INSERT INTO _shouwang_indexes VALUES ('offers', 'task_id_1', '[["task_id", 1]]', 0);
        """
    )
    before.executemany(
        "INSERT INTO c_offers (_id, doc) VALUES (?, ?)",
        [(offer["_id"], json.dumps(offer)) for offer in OFFERS],
    )
    before.commit()
    before.close()

    store = SqliteDocumentStore(path)
    assert "SCAN c_offers" in query_plan(store, "offers", {"task_id": "t7"})
    assert store.collection("offers").create_index([("task_id", 1)]) == "task_id_1"  # as at start
    assert "USING INDEX offers__task_id_1__typed" in query_plan(store, "offers", {"task_id": "t7"})
    indexes = [row[0] for row in store._conn.execute("SELECT name FROM sqlite_master")]
    assert "offers__task_id_1" not in indexes  # the index no filter used is gone
    assert len(store.collection("offers").find({"task_id": "t7"})) == 5
