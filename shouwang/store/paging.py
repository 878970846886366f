"""Keyset paging for every list: a page is the documents after the cursor in (sort field, _id)
order, newest first by default; the cursor is opaque to clients (base64 of the last key).

Keyset rather than skip/limit: a page costs the same however deep it is, and items inserted while a
client pages do not shift the pages it has not read yet.
"""

from __future__ import annotations

import base64
import binascii
import json
from dataclasses import dataclass
from typing import Any

from shouwang.errors import FieldError, InvalidArgument
from shouwang.store import DESCENDING, Collection, Document, Filter

DEFAULT_PAGE_SIZE = 50
MAX_PAGE_SIZE = 200


@dataclass(frozen=True)
class Page:
    items: list[Document]
    next_cursor: str  # "" on the last page


def read_page(
    collection: Collection,
    query: Filter,
    *,
    sort_field: str = "_id",
    direction: int = DESCENDING,
    size: int = DEFAULT_PAGE_SIZE,
    cursor: str = "",
) -> Page:
    """One page of ``query`` in ``sort_field`` order (ties by ``_id``), after ``cursor``."""
    size = min(max(size or DEFAULT_PAGE_SIZE, 1), MAX_PAGE_SIZE)
    conditions: list[Filter] = [query] if query else []
    if cursor:
        conditions.append(_after(decode_cursor(cursor), sort_field, direction))
    combined: Filter = {"$and": conditions} if len(conditions) > 1 else (conditions or [{}])[0]
    sort = (
        [(sort_field, direction)]
        if sort_field == "_id"
        else [(sort_field, direction), ("_id", direction)]
    )
    found = collection.find(combined, sort=sort, limit=size + 1)
    items = found[:size]
    more = len(found) > size
    return Page(items=items, next_cursor=encode_cursor(items[-1], sort_field) if more else "")


def encode_cursor(last: Document, sort_field: str) -> str:
    key = [last["_id"]] if sort_field == "_id" else [_path(last, sort_field), last["_id"]]
    return base64.urlsafe_b64encode(json.dumps(key).encode()).decode().rstrip("=")


def decode_cursor(cursor: str) -> list[Any]:
    try:
        key = json.loads(base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)))
    except (binascii.Error, ValueError, UnicodeDecodeError):
        key = None
    if (
        not isinstance(key, list)
        or not 1 <= len(key) <= 2
        or not all(isinstance(part, str | int | float) for part in key)
    ):
        raise InvalidArgument(
            detail="the cursor is not one this list gave out",
            errors=[FieldError("cursor", "pass next_cursor from the previous page unchanged")],
        )
    return key


def _after(key: list[Any], sort_field: str, direction: int) -> Filter:
    before = "$lt" if direction == DESCENDING else "$gt"
    if sort_field == "_id" or len(key) == 1:
        return {"_id": {before: key[-1]}}
    value, last_id = key
    return {"$or": [{sort_field: {before: value}}, {sort_field: value, "_id": {before: last_id}}]}


def _path(document: Document, dotted: str) -> Any:
    value: Any = document
    for part in dotted.split("."):
        value = value.get(part) if isinstance(value, dict) else None
    return value
