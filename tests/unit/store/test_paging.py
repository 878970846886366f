"""Keyset paging over the embedded store: every document once, in order, however it is paged."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from shouwang.errors import InvalidArgument
from shouwang.store import ASCENDING, Collection
from shouwang.store.embedded import SqliteDocumentStore
from shouwang.store.paging import read_page


@pytest.fixture
def reports(tmp_path: Path) -> Iterator[Collection]:
    store = SqliteDocumentStore(tmp_path / "store.db")
    collection = store.collection("reports")
    for n in range(23):
        collection.insert({"_id": f"r{n:03d}", "at": n // 3, "station": "s1" if n % 2 else "s2"})
    yield collection
    store.close()


def page_ids(collection: Collection, size: int, **kwargs: Any) -> list[list[str]]:
    pages: list[list[str]] = []
    cursor = ""
    while True:
        page = read_page(collection, size=size, cursor=cursor, **kwargs)
        pages.append([document["_id"] for document in page.items])
        if not page.next_cursor:
            return pages
        cursor = page.next_cursor


@pytest.mark.parametrize("size", [1, 5, 22, 23, 200])
def test_pages_by_id_hold_every_document_once_newest_first(reports: Collection, size: int) -> None:
    pages = page_ids(reports, size, query={})
    flat = [doc_id for page in pages for doc_id in page]
    assert flat == [f"r{n:03d}" for n in reversed(range(23))]
    assert all(len(page) == size for page in pages[:-1])


def test_pages_by_a_field_with_ties_hold_every_document_once(reports: Collection) -> None:
    pages = page_ids(reports, 4, query={"station": "s1"}, sort_field="at", direction=ASCENDING)
    flat = [doc_id for page in pages for doc_id in page]
    expected = sorted(
        (document for document in reports.find({"station": "s1"})),
        key=lambda document: (document["at"], document["_id"]),
    )
    assert flat == [document["_id"] for document in expected]


def test_the_last_page_says_there_is_no_next_one(reports: Collection) -> None:
    assert read_page(reports, {}, size=23).next_cursor == ""
    assert read_page(reports, {}, size=22).next_cursor != ""


@pytest.mark.parametrize("cursor", ["%%%", "bm90IGpzb24", "e30", "WyJhIiwiYiIsImMiXQ"])
def test_a_cursor_this_list_did_not_give_out_is_refused_naming_the_field(
    reports: Collection, cursor: str
) -> None:
    with pytest.raises(InvalidArgument) as refused:
        read_page(reports, {}, cursor=cursor)
    assert [error.field for error in refused.value.errors] == ["cursor"]
