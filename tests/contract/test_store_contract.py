"""The document-store port's contract: every test runs against the embedded SQLite adapter and
against the Mongo adapter on a real FerretDB, so code that works embedded works in the cluster."""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from shouwang.store import Collection, DocumentStore, DuplicateKey, UnsupportedQuery
from shouwang.store.embedded import SqliteDocumentStore
from shouwang.store.matching import matches
from shouwang.store.mongo import MongoDocumentStore
from shouwang.store.query import UpdateConflict
from tests.support import unique_name


@pytest.fixture(
    params=[
        "embedded",
        pytest.param("mongo", marks=pytest.mark.integration),
        # FerretDB's PostgreSQL backend, the benchmarks' `--store postgresql` (bench.cluster)
        pytest.param("mongo-postgresql", marks=pytest.mark.integration),
    ]
)
def store(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[DocumentStore]:
    if request.param == "embedded":
        opened: DocumentStore = SqliteDocumentStore(tmp_path / "store.sqlite3")
    elif request.param == "mongo":
        opened = MongoDocumentStore(
            request.getfixturevalue("mongodb_uri"),
            request.getfixturevalue("mongo_database_name"),
        )
    else:
        opened = MongoDocumentStore(
            request.getfixturevalue("postgresql_mongodb_uri"), unique_name("test")
        )
    yield opened
    opened.close()


@pytest.fixture
def people(store: DocumentStore) -> Collection:
    return store.collection("people")


def ids(documents: list[dict[str, Any]]) -> list[str]:
    return [document["_id"] for document in documents]


def run_together(count: int, action: Callable[[int], Any]) -> list[Any]:
    """Run ``action(i)`` on ``count`` threads released at the same moment; results or errors."""
    barrier = threading.Barrier(count)

    def attempt(index: int) -> Any:
        barrier.wait()
        try:
            return action(index)
        except Exception as error:
            return error

    with ThreadPoolExecutor(count) as pool:
        return list(pool.map(attempt, range(count)))


# Reading and writing single documents


def test_inserted_document_reads_back_unchanged_by_id(people: Collection) -> None:
    document = {"_id": "p1", "name": "Li", "age": 30, "score": 1.5, "tags": ["a"], "home": None}
    people.insert(document)
    assert people.get("p1") == document


def test_get_of_unknown_id_returns_none(people: Collection) -> None:
    assert people.get("nobody") is None


def test_document_without_string_id_is_refused(people: Collection) -> None:
    with pytest.raises(UnsupportedQuery):
        people.insert({"name": "Li"})


def test_datetime_value_is_refused_with_type_error(people: Collection) -> None:
    with pytest.raises(TypeError, match="epoch milliseconds"):
        people.insert({"_id": "p1", "born": datetime(2000, 1, 1, tzinfo=UTC)})
    assert people.get("p1") is None


def test_delete_removes_only_that_document_and_reports_it(people: Collection) -> None:
    people.insert_many([{"_id": "p1"}, {"_id": "p2"}])
    assert people.delete("p1") is True
    assert people.delete("p1") is False
    assert ids(people.find()) == ["p2"]


# Unique indexes


def test_insert_with_existing_id_raises_duplicate_key_for_id_index(people: Collection) -> None:
    people.insert({"_id": "p1", "name": "Li"})
    with pytest.raises(DuplicateKey) as raised:
        people.insert({"_id": "p1", "name": "Wang"})
    assert raised.value.index == "_id_"
    assert people.get("p1") == {"_id": "p1", "name": "Li"}


def test_insert_with_duplicate_unique_key_raises_duplicate_key(people: Collection) -> None:
    people.create_index([("phone", 1)], unique=True, name="phone_unique")
    people.insert({"_id": "p1", "phone": "13800000000"})
    with pytest.raises(DuplicateKey) as raised:
        people.insert({"_id": "p2", "phone": "13800000000"})
    assert raised.value.index == "phone_unique"
    assert "13800000000" not in str(raised.value)
    assert people.count() == 1


def test_duplicate_key_names_the_index_that_clashed(people: Collection) -> None:
    people.create_index([("phone", 1)], unique=True, name="phone_unique")
    people.create_index([("id_hash", 1)], unique=True, name="id_hash_unique")
    people.insert({"_id": "p1", "phone": "1", "id_hash": "h1"})
    with pytest.raises(DuplicateKey) as on_insert:
        people.insert({"_id": "p2", "phone": "2", "id_hash": "h1"})
    people.insert({"_id": "p3", "phone": "3", "id_hash": "h3"})
    with pytest.raises(DuplicateKey) as on_update:
        people.find_one_and_update({"_id": "p3"}, {"$set": {"id_hash": "h1"}})
    assert (on_insert.value.index, on_update.value.index) == ("id_hash_unique", "id_hash_unique")


def test_create_index_is_idempotent_and_names_it_like_mongodb(people: Collection) -> None:
    assert people.create_index([("area", 1), ("age", -1)]) == "area_1_age_-1"
    assert people.create_index([("area", 1), ("age", -1)]) == "area_1_age_-1"
    assert people.create_index([("phone", 1)], unique=True, name="u") == "u"
    assert people.create_index([("phone", 1)], unique=True, name="u") == "u"


def test_clash_on_update_names_the_index_in_a_long_named_collection(store: DocumentStore) -> None:
    # FerretDB on PostgreSQL cuts and rewrites long table and index names in its messages.
    marks = store.collection("training_presence_marks_by_member")
    marks.create_index([("badge", 1)], unique=True, name="badge_2_unique")
    marks.insert({"_id": "m1", "badge": 7})
    marks.insert({"_id": "m2", "badge": 8})
    with pytest.raises(DuplicateKey) as raised:
        marks.find_one_and_update({"_id": "m2"}, {"$set": {"badge": 7}})
    assert raised.value.index == "badge_2_unique"
    assert marks.get("m2") == {"_id": "m2", "badge": 8}


def test_unique_index_on_existing_duplicates_is_refused(people: Collection) -> None:
    people.insert_many([{"_id": "p1", "phone": "1"}, {"_id": "p2", "phone": "1"}])
    with pytest.raises(DuplicateKey):
        people.create_index([("phone", 1)], unique=True, name="phone_unique")


def test_compound_unique_index_clashes_only_on_all_fields(people: Collection) -> None:
    people.create_index([("area", 1), ("badge.number", 1)], unique=True, name="badge")
    people.insert({"_id": "p1", "area": "north", "badge": {"number": 7}})
    people.insert({"_id": "p2", "area": "south", "badge": {"number": 7}})
    with pytest.raises(DuplicateKey) as raised:
        people.insert({"_id": "p3", "area": "north", "badge": {"number": 7}})
    assert raised.value.index == "badge"


def test_unique_index_treats_int_and_float_as_one_number(people: Collection) -> None:
    people.create_index([("badge", 1)], unique=True, name="badge")
    people.insert({"_id": "p1", "badge": 7})
    people.insert({"_id": "p2", "badge": "7"})
    people.insert({"_id": "p3", "badge": True})
    with pytest.raises(DuplicateKey):
        people.insert({"_id": "p4", "badge": 7.0})


def test_null_in_unique_field_clashes_with_null(people: Collection) -> None:
    people.create_index([("phone", 1)], unique=True, name="phone_unique")
    people.insert({"_id": "p1", "phone": None})
    with pytest.raises(DuplicateKey):
        people.insert({"_id": "p2", "phone": None})


def test_insert_many_keeps_documents_before_the_first_duplicate(people: Collection) -> None:
    people.insert({"_id": "p2"})
    with pytest.raises(DuplicateKey) as raised:
        people.insert_many([{"_id": "p1"}, {"_id": "p2"}, {"_id": "p3"}])
    assert raised.value.index == "_id_"
    assert sorted(ids(people.find())) == ["p1", "p2"]


def test_update_into_duplicate_unique_key_raises_and_changes_nothing(people: Collection) -> None:
    people.create_index([("phone", 1)], unique=True, name="phone_unique")
    people.insert_many([{"_id": "p1", "phone": "1"}, {"_id": "p2", "phone": "2"}])
    with pytest.raises(DuplicateKey) as raised:
        people.find_one_and_update({"_id": "p2"}, {"$set": {"phone": "1"}})
    assert raised.value.index == "phone_unique"
    assert people.get("p2") == {"_id": "p2", "phone": "2"}


def test_concurrent_inserts_of_same_unique_key_exactly_one_wins(people: Collection) -> None:
    people.create_index([("phone", 1)], unique=True, name="phone_unique")
    outcomes = run_together(12, lambda i: people.insert({"_id": f"p{i}", "phone": "1"}))
    assert sum(outcome is None for outcome in outcomes) == 1
    assert all(isinstance(o, DuplicateKey) for o in outcomes if o is not None)
    assert people.count({"phone": "1"}) == 1


# Filters


# The embedded store answers a filter on an indexed field from the index (a seek, then the full
# condition on the rows found) and one on any other field by a scan: each filter test runs both
# ways (every field it filters on indexed, "area" leading a compound index), and on FerretDB with
# and without the indexes too.
FILTERED = ("a", "b", "n", "n.x", "age", "skills", "on_duty", "level", "flag", "home.geo.cell")


@pytest.fixture(params=["scanned", "indexed"])
def searched(people: Collection, request: pytest.FixtureRequest) -> Collection:
    if request.param == "indexed":
        for path in FILTERED:
            people.create_index([(path, 1)])
        people.create_index([("area", 1), ("age", -1)])
    return people


@pytest.fixture
def patrollers(searched: Collection) -> Collection:
    searched.insert_many(
        [
            {"_id": "p1", "age": 25, "area": "north", "skills": ["first-aid", "drone"]},
            {"_id": "p2", "age": 31, "area": "south", "skills": ["drone"], "on_duty": True},
            {"_id": "p3", "age": 44, "area": "north", "skills": [], "on_duty": False},
            {"_id": "p4", "age": 52.5, "area": "east", "on_duty": None},
            {"_id": "p5", "age": "unknown", "area": "north"},
        ]
    )
    return searched


def test_find_filters_by_range_and_in_with_sort_and_limit(patrollers: Collection) -> None:
    found = patrollers.find(
        {"age": {"$gte": 25, "$lt": 60}, "area": {"$in": ["north", "east"]}},
        sort=[("age", -1)],
        limit=2,
    )
    assert ids(found) == ["p4", "p3"]


def test_find_skips_after_sorting(patrollers: Collection) -> None:
    assert ids(patrollers.find({}, sort=[("_id", 1)], skip=3)) == ["p4", "p5"]


def test_sort_breaks_ties_by_id_in_both_directions(patrollers: Collection) -> None:
    assert ids(patrollers.find({"area": "north"}, sort=[("area", -1)])) == ["p1", "p3", "p5"]


def test_sort_orders_missing_then_numbers_then_strings(patrollers: Collection) -> None:
    patrollers.insert({"_id": "p0"})
    assert ids(patrollers.find(sort=[("age", 1)])) == ["p0", "p1", "p2", "p3", "p4", "p5"]


def test_range_comparison_matches_only_values_of_the_same_type(patrollers: Collection) -> None:
    assert ids(patrollers.find({"age": {"$gt": 50}})) == ["p4"]
    assert ids(patrollers.find({"age": {"$gt": "a"}})) == ["p5"]


def test_numbers_compare_equal_across_int_and_float(searched: Collection) -> None:
    searched.insert_many([{"_id": "p1", "level": 2}, {"_id": "p2", "level": 2.0}])
    assert sorted(ids(searched.find({"level": 2.0}))) == ["p1", "p2"]


def test_booleans_do_not_equal_numbers(searched: Collection) -> None:
    searched.insert_many([{"_id": "p1", "flag": True}, {"_id": "p2", "flag": 1}])
    assert ids(searched.find({"flag": True})) == ["p1"]
    assert ids(searched.find({"flag": 1})) == ["p2"]


def test_array_field_equality_matches_any_element(patrollers: Collection) -> None:
    assert sorted(ids(patrollers.find({"skills": "drone"}))) == ["p1", "p2"]
    assert ids(patrollers.find({"skills": {"$in": ["first-aid", "radio"]}})) == ["p1"]


def test_ne_on_array_field_excludes_documents_holding_the_element(patrollers: Collection) -> None:
    assert sorted(ids(patrollers.find({"skills": {"$ne": "drone"}}))) == ["p3", "p4", "p5"]


def test_ne_and_nin_match_documents_missing_the_field(patrollers: Collection) -> None:
    assert sorted(ids(patrollers.find({"on_duty": {"$ne": True}}))) == ["p1", "p3", "p4", "p5"]
    assert sorted(ids(patrollers.find({"area": {"$nin": ["north", "south"]}}))) == ["p4"]


def test_null_equality_matches_missing_and_null_fields(patrollers: Collection) -> None:
    assert sorted(ids(patrollers.find({"on_duty": None}))) == ["p1", "p4", "p5"]


def test_exists_distinguishes_missing_from_null(patrollers: Collection) -> None:
    assert sorted(ids(patrollers.find({"on_duty": {"$exists": True}}))) == ["p2", "p3", "p4"]
    assert sorted(ids(patrollers.find({"on_duty": {"$exists": False}}))) == ["p1", "p5"]


def test_or_and_and_combine_filters(patrollers: Collection) -> None:
    found = patrollers.find(
        {"$or": [{"area": "south"}, {"$and": [{"area": "north"}, {"age": {"$lt": 30}}]}]}
    )
    assert sorted(ids(found)) == ["p1", "p2"]


def test_dotted_path_filters_and_sorts_nested_fields(searched: Collection) -> None:
    searched.insert_many(
        [
            {"_id": "p1", "home": {"geo": {"cell": "b"}}},
            {"_id": "p2", "home": {"geo": {"cell": "a"}}},
            {"_id": "p3", "home": "unknown"},
        ]
    )
    assert sorted(ids(searched.find({"home.geo.cell": {"$in": ["a", "b"]}}))) == ["p1", "p2"]
    assert ids(searched.find({"home.geo.cell": {"$gte": "a"}}, sort=[("home.geo.cell", 1)])) == [
        "p2",
        "p1",
    ]
    assert ids(searched.find({"home.geo": {"$exists": False}})) == ["p3"]


def test_find_one_returns_first_by_sort_or_none(patrollers: Collection) -> None:
    assert patrollers.find_one({"area": "north"}, sort=[("_id", -1)])["_id"] == "p5"
    assert patrollers.find_one({"area": "west"}) is None


def test_count_and_delete_many_use_the_filter(patrollers: Collection) -> None:
    assert patrollers.count() == 5
    assert patrollers.count({"area": "north"}) == 3
    assert patrollers.delete_many({"area": "north"}) == 3
    assert sorted(ids(patrollers.find())) == ["p2", "p4"]


# Updates


def test_find_one_and_update_only_updates_when_filter_on_current_state_matches(
    people: Collection,
) -> None:
    people.insert({"_id": "t1", "state": "open"})
    claim = {"$set": {"state": "claimed", "by": "p1"}}
    assert people.find_one_and_update({"_id": "t1", "state": "open"}, claim) == {
        "_id": "t1",
        "state": "claimed",
        "by": "p1",
    }
    assert people.find_one_and_update({"_id": "t1", "state": "open"}, claim) is None


def test_find_one_and_update_returns_document_before_update_when_asked(
    people: Collection,
) -> None:
    people.insert({"_id": "t1", "seen": 1})
    before = people.find_one_and_update({"_id": "t1"}, {"$inc": {"seen": 1}}, return_new=False)
    assert before == {"_id": "t1", "seen": 1}
    assert people.get("t1") == {"_id": "t1", "seen": 2}


def test_the_document_before_an_update_by_id_and_a_condition_only_if_it_held(
    people: Collection,
) -> None:
    people.insert({"_id": "t1", "state": "open", "seen": 1})
    claim = {"$set": {"state": "claimed"}, "$inc": {"seen": 1}}
    before = people.find_one_and_update({"_id": "t1", "state": "open"}, claim, return_new=False)
    again = people.find_one_and_update({"_id": "t1", "state": "open"}, claim, return_new=False)
    assert before == {"_id": "t1", "state": "open", "seen": 1}
    assert again is None
    assert people.get("t1") == {"_id": "t1", "state": "claimed", "seen": 2}


def test_find_one_and_update_updates_the_first_document_in_sort_order(
    patrollers: Collection,
) -> None:
    updated = patrollers.find_one_and_update(
        {"area": "north"}, {"$set": {"picked": True}}, sort=[("age", -1)]
    )
    assert updated["_id"] == "p5"
    assert ids(patrollers.find({"picked": True})) == ["p5"]


def test_upsert_creates_document_from_query_and_update(people: Collection) -> None:
    created = people.find_one_and_update(
        {"area": "north", "shift.day": 3, "age": {"$gt": 1}},
        {"$inc": {"count": 1}, "$setOnInsert": {"opened": 100}, "$push": {"log": "x"}},
        upsert=True,
    )
    assert isinstance(created["_id"], str)
    assert created == {
        "_id": created["_id"],
        "area": "north",
        "shift": {"day": 3},
        "count": 1,
        "opened": 100,
        "log": ["x"],
    }
    assert people.get(created["_id"]) == created


def test_upsert_with_id_in_query_uses_that_id(people: Collection) -> None:
    people.find_one_and_update({"_id": "day-3"}, {"$inc": {"count": 1}}, upsert=True)
    people.find_one_and_update({"_id": "day-3"}, {"$inc": {"count": 1}}, upsert=True)
    assert people.find() == [{"_id": "day-3", "count": 2}]


def test_set_on_insert_is_ignored_when_the_document_exists(people: Collection) -> None:
    people.insert({"_id": "p1", "opened": 1})
    updated = people.find_one_and_update(
        {"_id": "p1"}, {"$setOnInsert": {"opened": 2}, "$set": {"x": 1}}, upsert=True
    )
    assert updated == {"_id": "p1", "opened": 1, "x": 1}


def test_upsert_returning_the_old_document_returns_none_on_insert(people: Collection) -> None:
    assert (
        people.find_one_and_update({"_id": "p1"}, {"$set": {"x": 1}}, upsert=True, return_new=False)
        is None
    )
    assert people.get("p1") == {"_id": "p1", "x": 1}


def test_update_many_updates_every_match_and_returns_the_count(patrollers: Collection) -> None:
    assert patrollers.update_many({"area": "north"}, {"$set": {"zone": 1}}) == 3
    assert sorted(ids(patrollers.find({"zone": 1}))) == ["p1", "p3", "p5"]
    assert patrollers.update_many({"area": "west"}, {"$set": {"zone": 1}}) == 0


def test_set_on_dotted_path_creates_nested_documents(people: Collection) -> None:
    people.insert({"_id": "p1", "home": {"city": "x"}})
    people.find_one_and_update({"_id": "p1"}, {"$set": {"home.geo.cell": "a", "x.y": 1}})
    assert people.get("p1") == {
        "_id": "p1",
        "home": {"city": "x", "geo": {"cell": "a"}},
        "x": {"y": 1},
    }


def test_unset_removes_fields_and_ignores_missing_ones(people: Collection) -> None:
    people.insert({"_id": "p1", "a": 1, "home": {"city": "x", "cell": "c"}})
    updated = people.find_one_and_update(
        {"_id": "p1"}, {"$unset": {"a": "", "home.cell": "", "missing.deep": ""}}
    )
    assert updated == {"_id": "p1", "home": {"city": "x"}}


def test_inc_adds_and_creates_missing_fields(people: Collection) -> None:
    people.insert({"_id": "p1", "points": 10})
    updated = people.find_one_and_update({"_id": "p1"}, {"$inc": {"points": 5, "stats.runs": 1}})
    assert updated == {"_id": "p1", "points": 15, "stats": {"runs": 1}}


def test_inc_on_a_string_raises_update_conflict_and_changes_nothing(people: Collection) -> None:
    people.insert({"_id": "p1", "points": "many", "other": 1})
    with pytest.raises(UpdateConflict):
        people.find_one_and_update({"_id": "p1"}, {"$inc": {"points": 1, "other": 1}})
    assert people.get("p1") == {"_id": "p1", "points": "many", "other": 1}


def test_push_each_appends_values_in_order(people: Collection) -> None:
    people.insert({"_id": "p1", "log": ["a"]})
    people.find_one_and_update({"_id": "p1"}, {"$push": {"log": {"$each": ["b", "a"]}}})
    people.find_one_and_update({"_id": "p1"}, {"$push": {"log": {"at": 1}, "new": 1}})
    assert people.get("p1") == {"_id": "p1", "log": ["a", "b", "a", {"at": 1}], "new": [1]}


def test_pull_removes_every_equal_element(people: Collection) -> None:
    people.insert({"_id": "p1", "skills": ["drone", "radio", "drone"], "levels": [1, 2.0, 2]})
    updated = people.find_one_and_update(
        {"_id": "p1"}, {"$pull": {"skills": "drone", "levels": 2, "missing": 1}}
    )
    assert updated == {"_id": "p1", "skills": ["radio"], "levels": [1]}


def test_add_to_set_appends_only_absent_values(people: Collection) -> None:
    people.insert({"_id": "p1", "skills": ["drone"]})
    updated = people.find_one_and_update(
        {"_id": "p1"}, {"$addToSet": {"skills": {"$each": ["radio", "drone", "radio"]}}}
    )
    assert updated["skills"] == ["drone", "radio"]
    updated = people.find_one_and_update({"_id": "p1"}, {"$addToSet": {"skills": "drone"}})
    assert updated["skills"] == ["drone", "radio"]


def test_concurrent_conditional_updates_never_exceed_capacity(people: Collection) -> None:
    people.insert({"_id": "t1", "claimed": 0, "claimants": []})
    outcomes = run_together(
        20,
        lambda i: people.find_one_and_update(
            {"_id": "t1", "claimed": {"$lt": 3}},
            {"$inc": {"claimed": 1}, "$push": {"claimants": f"p{i}"}},
        ),
    )
    winners = [outcome for outcome in outcomes if outcome is not None]
    assert len(winners) == 3, outcomes
    final = people.get("t1")
    assert final["claimed"] == 3
    assert sorted(final["claimants"]) == sorted(w["claimants"][-1] for w in winners)


# The slice


UNSUPPORTED_FILTERS = [
    {"name": {"$regex": "^L"}},
    {"$where": "true"},
    {"$nor": [{"a": 1}]},
    {"skills": {"$elemMatch": {"$eq": "drone"}}},
    {"skills": {"$size": 1}},
    {"home": {"city": "x"}},
    {"skills": ["drone"]},
    {"skills.0": "drone"},
    {"age": {"$gt": None}},
    {"age": {"$not": {"$gt": 1}}},
    {"$or": []},
]
UNSUPPORTED_UPDATES = [
    {"name": "replacement document"},
    {"$rename": {"a": "b"}},
    {"$set": {"_id": "other"}},
    {"$set": {"a": 1}, "$inc": {"a": 1}},
    {"$set": {"a": 1, "a.b": 1}},
    {"$push": {"log": {"$each": [1], "$slice": -5}}},
    {"$inc": {"a": "1"}},
    {"$pull": {"log": {"at": {"$gt": 1}}}},
]


@pytest.mark.parametrize("query", UNSUPPORTED_FILTERS, ids=str)
def test_unsupported_filter_is_refused_by_both_adapters(
    people: Collection, query: dict[str, Any]
) -> None:
    with pytest.raises(UnsupportedQuery):
        people.find(query)
    with pytest.raises(UnsupportedQuery):
        people.count(query)


@pytest.mark.parametrize("update", UNSUPPORTED_UPDATES, ids=str)
def test_unsupported_update_is_refused_by_both_adapters(
    people: Collection, update: dict[str, Any]
) -> None:
    people.insert({"_id": "p1", "a": 0, "log": []})
    with pytest.raises(UnsupportedQuery):
        people.find_one_and_update({"_id": "p1"}, update)
    with pytest.raises(UnsupportedQuery):
        people.update_many({}, update)
    assert people.get("p1") == {"_id": "p1", "a": 0, "log": []}


def test_collection_name_outside_the_slice_is_refused(store: DocumentStore) -> None:
    with pytest.raises(UnsupportedQuery):
        store.collection("tasks; drop table x")


def test_ping_succeeds_on_a_reachable_store(store: DocumentStore) -> None:
    store.ping()


# Embedded only


def test_embedded_store_keeps_documents_and_indexes_after_reopen(tmp_path: Path) -> None:
    first = SqliteDocumentStore(tmp_path / "store.sqlite3")
    first.collection("people").create_index([("phone", 1)], unique=True, name="phone_unique")
    first.collection("people").insert({"_id": "p1", "phone": "1"})
    first.close()
    reopened = SqliteDocumentStore(tmp_path / "store.sqlite3").collection("people")
    assert reopened.get("p1") == {"_id": "p1", "phone": "1"}
    assert reopened.create_index([("phone", 1)], unique=True, name="phone_unique") == "phone_unique"
    with pytest.raises(DuplicateKey) as raised:
        reopened.insert({"_id": "p2", "phone": "1"})
    assert raised.value.index == "phone_unique"


def test_embedded_unique_index_treats_missing_field_as_null_like_mongodb(tmp_path: Path) -> None:
    # Deliberately stricter than FerretDB 1.x, which lets any number of documents lack the field.
    people = SqliteDocumentStore(tmp_path / "store.sqlite3").collection("people")
    people.create_index([("phone", 1)], unique=True, name="phone_unique")
    people.insert({"_id": "p1"})
    with pytest.raises(DuplicateKey):
        people.insert({"_id": "p2", "phone": None})


# Property: the adapters agree with the port's filter semantics read in Python
# (shouwang.store.matching, which the Mongo adapter uses on FerretDB): three engines, one answer


def lookup(document: dict[str, Any], path: str) -> tuple[bool, Any]:
    node: Any = document
    for part in path.split("."):
        if not isinstance(node, dict) or part not in node:
            return False, None
        node = node[part]
    return True, node


def bracket(value: Any) -> str:
    if isinstance(value, bool):
        return "bool"
    return "number" if isinstance(value, int | float) else type(value).__name__


def reference_sort_key(document: dict[str, Any], path: str) -> tuple[int, Any]:
    present, value = lookup(document, path)
    if not present or value is None:
        return (0, 0)
    return ({"number": 1, "str": 2, "bool": 5}[bracket(value)], value)


scalars = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(-3, 3),
    st.sampled_from([-1.5, 0.0, 2.0, 2.5]),
    st.sampled_from(["", "a", "b", "ab", "B", "é"]),
)
values = st.one_of(scalars, st.lists(scalars, max_size=3))
documents = st.lists(
    st.fixed_dictionaries(
        {},
        optional={
            "a": values,
            "b": scalars,
            "n": st.one_of(scalars, st.fixed_dictionaries({}, optional={"x": values})),
        },
    ),
    max_size=8,
)
paths = st.sampled_from(["a", "b", "n", "n.x"])
comparable = st.one_of(st.integers(-3, 3), st.sampled_from([-1.5, 2.0, 2.5, "a", "ab", "b"]))
conditions = st.one_of(
    scalars,
    st.dictionaries(st.sampled_from(["$eq", "$ne"]), scalars, min_size=1, max_size=1),
    st.dictionaries(st.sampled_from(["$gt", "$gte", "$lt", "$lte"]), comparable, min_size=1),
    st.dictionaries(st.sampled_from(["$in", "$nin"]), st.lists(scalars, max_size=3), min_size=1),
    st.builds(lambda flag: {"$exists": flag}, st.booleans()),
)
field_filters = st.dictionaries(paths, conditions, max_size=2)
filters = st.one_of(
    field_filters,
    st.builds(lambda clauses: {"$or": clauses}, st.lists(field_filters, min_size=1, max_size=3)),
    st.builds(lambda clauses: {"$and": clauses}, st.lists(field_filters, min_size=1, max_size=3)),
)


@settings(
    max_examples=150,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
@given(generated=documents, query=filters, descending=st.booleans())
def test_find_agrees_with_reference_semantics(
    searched: Collection, generated: list[dict[str, Any]], query: dict[str, Any], descending: bool
) -> None:
    searched.delete_many({})
    stored = [{"_id": f"d{i}", **document} for i, document in enumerate(generated)]
    searched.insert_many(stored)
    expected = sorted(
        (document for document in stored if matches(document, query)),
        key=lambda document: document["_id"],
    )
    expected.sort(key=lambda document: reference_sort_key(document, "b"), reverse=descending)
    assert searched.find(query, sort=[("b", -1 if descending else 1)]) == expected
    assert searched.count(query) == len(expected)


@settings(
    max_examples=60,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
@given(generated=documents, query=field_filters)
def test_conditional_update_by_id_agrees_with_reference_semantics(
    people: Collection, generated: list[dict[str, Any]], query: dict[str, Any]
) -> None:
    """An ``_id`` plus conditions. Embedded, SQL decides; on FerretDB the adapter reads by
    ``_id`` and asks the matcher (held to the server's own semantics by the ``find`` property
    above), and must then update exactly the matching documents and return None otherwise."""
    people.delete_many({})
    stored = [{"_id": f"d{i}", **document} for i, document in enumerate(generated)]
    people.insert_many(stored)
    for document in stored:
        updated = people.find_one_and_update(
            {"_id": document["_id"], **query}, {"$set": {"hit": True}}
        )
        wanted = matches(document, query)
        assert (updated is not None) == wanted
        assert people.get(document["_id"]) == ({**document, "hit": True} if wanted else document)


def test_reads_at_once_answer_in_order_and_raise_what_a_read_raised(
    store: DocumentStore, people: Collection
) -> None:
    people.insert_many([{"_id": "a", "n": 1}, {"_id": "b", "n": 2}])

    def fails() -> None:
        raise UnsupportedQuery("a read that fails")

    assert store.at_once(
        lambda: people.get("b"), lambda: people.get("a"), lambda: people.count()
    ) == ({"_id": "b", "n": 2}, {"_id": "a", "n": 1}, 2)
    with pytest.raises(UnsupportedQuery, match="a read that fails"):
        store.at_once(lambda: people.get("a"), fails)
