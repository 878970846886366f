"""The embedded store's indexes answer filters (issue #19): a filter on an indexed field seeks
the index instead of reading every document — the claim race read a task's offers by scanning
every offer ever made. What the filters find is held to MongoDB's semantics by
tests/contract/test_store_contract.py, with and without indexes."""

from __future__ import annotations

from pathlib import Path

import pytest

from shouwang.store.embedded import SqliteDocumentStore

OFFERS = [
    {
        "_id": f"t{task}:m{member}",
        "task_id": f"t{task}",
        "wave": task % 3,
        "rank": member,
        "code": f"c{task}-{member}",
    }
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
    offers.create_index([("code", 1)], unique=True)
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
        {"wave": {"$lte": 0}},
        {"code": "c7-3"},  # a unique index
        {"task_id": {"$in": ["t7", 7]}},
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
        {"wave": {"$in": [2, True]}},
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
    assert [o["_id"] for o in offers.find({"code": {"$gte": "c9-"}})] == [
        f"t9:m{member}" for member in range(5)
    ]
