"""The port's slice as the shared validator states it, and the update operators' Python engine."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from shouwang.store import UnsupportedQuery
from shouwang.store.query import (
    UpdateConflict,
    apply_update,
    check_document,
    check_filter,
    check_sort,
    check_update,
    json_equal,
    upsert_document,
)


@pytest.mark.parametrize(
    "query",
    [
        {},
        {"a": 1, "b.c": "x", "d": None, "e": True, "f": 1.5},
        {"a": {"$gte": 1, "$lt": 5}, "b": {"$in": ["x", None]}, "c": {"$nin": []}},
        {"a": {"$exists": False}, "b": {"$ne": None}, "c": {"$eq": "x"}},
        {"$or": [{"a": 1}, {"$and": [{"b": 2}, {"c": {"$gt": "m"}}]}]},
    ],
)
def test_filters_inside_the_slice_are_accepted(query: dict) -> None:
    check_filter(query)


@pytest.mark.parametrize(
    "query",
    [
        {"a": {"$regex": "x"}},
        {"$text": {"$search": "x"}},
        {"a": {"b": 1}},
        {"a": {"$eq": [1]}},
        {"a": {"$in": "x"}},
        {"a": {"$exists": 1}},
        {"a": {"$gt": True}},
        {"a": {"$lte": [1]}},
        {"a..b": 1},
        {"a.0": 1},
        {'a"b': 1},
        {"$and": {"a": 1}},
        {"a": {}},
    ],
)
def test_filters_outside_the_slice_are_refused(query: dict) -> None:
    with pytest.raises(UnsupportedQuery):
        check_filter(query)


def test_datetime_in_a_filter_is_refused() -> None:
    with pytest.raises(UnsupportedQuery):
        check_filter({"at": datetime(2026, 1, 1, tzinfo=UTC)})


def test_datetime_in_a_document_is_a_type_error_naming_the_fix() -> None:
    with pytest.raises(TypeError, match="to_millis"):
        check_document({"_id": "x", "at": [datetime(2026, 1, 1, tzinfo=UTC)]})


@pytest.mark.parametrize(
    "document",
    [{"_id": "x", "$set": 1}, {"_id": "x", "a": {"b.c": 1}}, {"_id": 5}, {"_id": ""}],
)
def test_documents_with_operator_or_dotted_keys_or_bad_ids_are_refused(document: dict) -> None:
    with pytest.raises(UnsupportedQuery):
        check_document(document)


@pytest.mark.parametrize("value", [float("nan"), float("inf"), 2**63, b"bytes"])
def test_values_json_cannot_hold_faithfully_are_refused(value: object) -> None:
    with pytest.raises(TypeError):
        check_document({"_id": "x", "v": value})


@pytest.mark.parametrize(
    "sort", [[("a", 2)], [("a", True)], [("a", 1), ("a", -1)], [("$natural", 1)], ["a"]]
)
def test_sorts_outside_the_slice_are_refused(sort: list) -> None:
    with pytest.raises(UnsupportedQuery):
        check_sort(sort)


@pytest.mark.parametrize(
    "update",
    [
        {},
        {"$set": {}},
        {"$max": {"a": 1}},
        {"$set": {"_id": "y"}},
        {"$unset": {"_id.x": ""}},
        {"$set": {"a.b": 1}, "$unset": {"a": ""}},
        {"$setOnInsert": {"a": 1}, "$set": {"a": 2}},
        {"$inc": {"a": True}},
        {"$addToSet": {"a": {"$each": [1], "$position": 0}}},
    ],
)
def test_updates_outside_the_slice_are_refused(update: dict) -> None:
    with pytest.raises(UnsupportedQuery):
        check_update(update)


def test_sibling_paths_sharing_a_prefix_do_not_conflict() -> None:
    check_update({"$set": {"ab": 1, "a.b": 1, "a.c": 2}})


def test_json_equal_follows_mongodb_not_python() -> None:
    assert json_equal(1, 1.0)
    assert not json_equal(True, 1)
    assert not json_equal({"a": 1, "b": 2}, {"b": 2, "a": 1})
    assert json_equal([1, {"a": 2.0}], [1.0, {"a": 2}])


def test_failed_update_leaves_the_original_document_untouched() -> None:
    document = {"_id": "x", "a": {"b": 1}, "s": "text"}
    with pytest.raises(UpdateConflict):
        apply_update(document, {"$push": {"a.b": 2}})
    with pytest.raises(UpdateConflict):
        apply_update(document, {"$set": {"s.t": 1}})
    assert document == {"_id": "x", "a": {"b": 1}, "s": "text"}


def test_add_to_set_on_a_missing_field_drops_repeats() -> None:
    updated = apply_update({"_id": "x"}, {"$addToSet": {"t": {"$each": [1, 1.0, True]}}})
    assert updated == {"_id": "x", "t": [1, True]}


def test_upsert_document_takes_eq_fields_from_and_but_not_from_or() -> None:
    created = upsert_document(
        {"$and": [{"a": {"$eq": 1}}], "$or": [{"b": 2}], "c": {"$gt": 1}},
        {"$set": {"d": 1}},
        "generated",
    )
    assert created == {"_id": "generated", "a": 1, "d": 1}
