"""The port's slice of the MongoDB query language, checked once for both adapters, and the update
operators applied in Python (the embedded adapter's engine; MongoDB applies them server-side).

Both adapters call the ``check_*`` functions before touching storage, so a filter that works
embedded is accepted by the cluster and vice versa.
"""

from __future__ import annotations

import copy
import itertools
import math
import re
from collections.abc import Mapping
from typing import Any

from shouwang.store import Document, Filter, SortSpec, UnsupportedQuery, Update

COMPARISONS = frozenset({"$gt", "$gte", "$lt", "$lte"})
FIELD_OPERATORS = frozenset({"$eq", "$ne", "$in", "$nin", "$exists"}) | COMPARISONS
UPDATE_OPERATORS = frozenset(
    {"$set", "$unset", "$inc", "$push", "$pull", "$addToSet", "$setOnInsert"}
)
SCALAR_TYPES = (str, int, float, bool, type(None))

_COLLECTION_NAME = re.compile(r"[A-Za-z][A-Za-z0-9_]{0,62}")
_INT64 = (-(2**63), 2**63 - 1)


class UpdateConflict(UnsupportedQuery):
    """An update that the stored document cannot take, e.g. ``$inc`` on a string; both adapters
    raise it (MongoDB reports these as write errors)."""


def check_collection_name(name: str) -> None:
    if not isinstance(name, str) or not _COLLECTION_NAME.fullmatch(name):
        raise UnsupportedQuery(f"collection name {name!r} is not a letter then [A-Za-z0-9_]")


def check_path(path: str) -> None:
    """A dotted field path: no operators, no array positions, nothing SQLite's JSON paths or
    MongoDB would read differently."""
    if not isinstance(path, str) or not path:
        raise UnsupportedQuery(f"field path {path!r} must be a non-empty string")
    for part in path.split("."):
        if not part or part.startswith("$") or part.isdigit() or '"' in part or "\\" in part:
            raise UnsupportedQuery(f"field path {path!r} is outside the port's slice")


def check_value(value: Any, where: str = "value") -> None:
    """JSON values only; times are epoch milliseconds, never ``datetime``."""
    if isinstance(value, bool | str) or value is None:
        return
    if isinstance(value, int):
        if not _INT64[0] <= value <= _INT64[1]:
            raise TypeError(f"{where}: integers must fit in 64 bits")
        return
    if isinstance(value, float):
        if not math.isfinite(value):
            raise TypeError(f"{where}: floats must be finite")
        return
    if isinstance(value, list | tuple):
        for item in value:
            check_value(item, where)
        return
    if isinstance(value, Mapping):
        for key, item in value.items():
            if not isinstance(key, str) or not key or key.startswith("$") or "." in key:
                raise UnsupportedQuery(f"{where}: field name {key!r} is not allowed")
            check_value(item, where)
        return
    raise TypeError(
        f"{where}: {type(value).__name__} is not a JSON type "
        "(store times as epoch milliseconds with shouwang.clock.to_millis)"
    )


def check_document(document: Document) -> None:
    if not isinstance(document, Mapping):
        raise TypeError("a document must be a mapping")
    document_id = document.get("_id")
    if not isinstance(document_id, str) or not document_id:
        raise UnsupportedQuery("a document needs a non-empty string _id")
    check_value(document, "document")


def check_filter(query: Filter) -> None:
    if not isinstance(query, Mapping):
        raise UnsupportedQuery("a filter must be a mapping")
    for key, condition in query.items():
        if key in ("$and", "$or"):
            if not isinstance(condition, list | tuple) or not condition:
                raise UnsupportedQuery(f"{key} takes a non-empty list of filters")
            for clause in condition:
                check_filter(clause)
        elif isinstance(key, str) and key.startswith("$"):
            raise UnsupportedQuery(f"filter operator {key} is outside the port's slice")
        else:
            check_path(key)
            _check_condition(key, condition)


def _check_condition(path: str, condition: Any) -> None:
    if not isinstance(condition, Mapping):
        _check_scalar(path, condition)
        return
    if not condition or not all(isinstance(op, str) and op.startswith("$") for op in condition):
        raise UnsupportedQuery(f"{path}: equality with a whole document is outside the slice")
    for op, operand in condition.items():
        if op not in FIELD_OPERATORS:
            raise UnsupportedQuery(f"{path}: operator {op} is outside the port's slice")
        if op in ("$eq", "$ne"):
            _check_scalar(path, operand)
        elif op in ("$in", "$nin"):
            if not isinstance(operand, list | tuple):
                raise UnsupportedQuery(f"{path}: {op} takes a list")
            for item in operand:
                _check_scalar(path, item)
        elif op == "$exists":
            if not isinstance(operand, bool):
                raise UnsupportedQuery(f"{path}: $exists takes true or false")
        elif isinstance(operand, bool) or not isinstance(operand, int | float | str):
            raise UnsupportedQuery(f"{path}: {op} compares with a number or a string only")
        else:
            check_value(operand, path)


def _check_scalar(path: str, value: Any) -> None:
    if not isinstance(value, SCALAR_TYPES):
        raise UnsupportedQuery(
            f"{path}: equality with {type(value).__name__} is outside the slice "
            "(scalars only; an array field matches when any element is equal)"
        )
    check_value(value, path)


def check_sort(sort: SortSpec) -> None:
    seen = set()
    for entry in sort:
        if not isinstance(entry, tuple | list) or len(entry) != 2:
            raise UnsupportedQuery("sort takes (field, 1 | -1) pairs")
        path, direction = entry
        check_path(path)
        if direction not in (1, -1) or isinstance(direction, bool):
            raise UnsupportedQuery(f"sort direction for {path} must be 1 or -1")
        if path in seen:
            raise UnsupportedQuery(f"sort names {path} twice")
        seen.add(path)


def check_page(limit: int, skip: int) -> None:
    for name, number in (("limit", limit), ("skip", skip)):
        if isinstance(number, bool) or not isinstance(number, int) or number < 0:
            raise UnsupportedQuery(f"{name} must be a non-negative integer")


def check_update(update: Update) -> None:
    if not isinstance(update, Mapping) or not update:
        raise UnsupportedQuery("an update must be a non-empty mapping of operators")
    paths: list[str] = []
    for op, fields in update.items():
        if op not in UPDATE_OPERATORS:
            raise UnsupportedQuery(f"update operator {op!r} is outside the port's slice")
        if not isinstance(fields, Mapping) or not fields:
            raise UnsupportedQuery(f"{op} takes a non-empty mapping of fields")
        for path, operand in fields.items():
            check_path(path)
            if path == "_id" or path.startswith("_id."):
                raise UnsupportedQuery("_id cannot be updated")
            _check_update_operand(op, path, operand)
            paths.append(path)
    _check_no_conflicts(paths)


def _check_update_operand(op: str, path: str, operand: Any) -> None:
    if op == "$inc":
        if isinstance(operand, bool) or not isinstance(operand, int | float):
            raise UnsupportedQuery(f"$inc {path} takes a number")
        check_value(operand, path)
    elif op == "$pull":
        _check_scalar(path, operand)
    elif op in ("$push", "$addToSet") and _is_each(operand):
        if set(operand) != {"$each"} or not isinstance(operand["$each"], list | tuple):
            raise UnsupportedQuery(f"{op} {path}: only {{'$each': [...]}} is supported")
        check_value(list(operand["$each"]), path)
    elif op != "$unset":
        check_value(operand, path)


def _is_each(operand: Any) -> bool:
    return isinstance(operand, Mapping) and any(
        isinstance(key, str) and key.startswith("$") for key in operand
    )


def _check_no_conflicts(paths: list[str]) -> None:
    # MongoDB refuses an update touching one path twice or a path and its parent.
    ordered = sorted(paths)
    for first, second in itertools.pairwise(ordered):
        if first == second or second.startswith(first + "."):
            raise UnsupportedQuery(f"update touches both {first} and {second}")


def json_equal(left: Any, right: Any) -> bool:
    """Equality as MongoDB sees it: 1 == 1.0, True != 1, documents compare in field order."""
    if isinstance(left, bool) or isinstance(right, bool):
        return type(left) is type(right) and left == right
    if isinstance(left, int | float) and isinstance(right, int | float):
        return left == right
    if isinstance(left, list | tuple) and isinstance(right, list | tuple):
        return len(left) == len(right) and all(map(json_equal, left, right))
    if isinstance(left, Mapping) and isinstance(right, Mapping):
        return list(left) == list(right) and all(json_equal(left[k], right[k]) for k in left)
    return type(left) is type(right) and left == right


def equality_fields(query: Filter) -> dict[str, Any]:
    """The fields an upsert copies from its filter: plain and ``$eq`` equalities, also inside
    ``$and`` (as MongoDB does)."""
    fields: dict[str, Any] = {}
    for key, condition in query.items():
        if key == "$and":
            for clause in condition:
                fields.update(equality_fields(clause))
        elif key.startswith("$"):
            continue
        elif not isinstance(condition, Mapping):
            fields[key] = condition
        elif "$eq" in condition:
            fields[key] = condition["$eq"]
    return fields


def upsert_document(query: Filter, update: Update, new_id: str) -> Document:
    """The document an upsert inserts: the filter's equalities, then the update (with
    ``$setOnInsert``); ``new_id`` only when the filter names no ``_id``."""
    seed: Document = {"_id": new_id}
    for path, value in equality_fields(query).items():
        _set(seed, path, copy.deepcopy(value), "$set")
    document = apply_update(seed, update, inserting=True)
    if not isinstance(document["_id"], str):
        raise UnsupportedQuery("an upsert's _id must be a string")
    return document


def apply_update(document: Document, update: Update, *, inserting: bool = False) -> Document:
    """A new document with ``update`` applied; ``UpdateConflict`` when the stored shape does not
    allow it, leaving ``document`` untouched."""
    result = copy.deepcopy(document)
    for op, fields in update.items():
        if op == "$setOnInsert" and not inserting:
            continue
        for path, operand in fields.items():
            _APPLY[op](result, path, copy.deepcopy(operand), op)
    return result


def _parent(document: Document, path: str, op: str, *, create: bool) -> tuple[Any, str]:
    *parents, last = path.split(".")
    node: Any = document
    for part in parents:
        if not isinstance(node, dict):
            break
        if part not in node and create:
            node[part] = {}
        node = node.get(part)
    if create and not isinstance(node, dict):
        raise UpdateConflict(f"{op} {path}: a parent of the field is not a document")
    return node, last


def _set(document: Document, path: str, value: Any, op: str) -> None:
    parent, last = _parent(document, path, op, create=True)
    parent[last] = value


def _unset(document: Document, path: str, _: Any, op: str) -> None:
    parent, last = _parent(document, path, op, create=False)
    if isinstance(parent, dict):
        parent.pop(last, None)


def _inc(document: Document, path: str, amount: int | float, op: str) -> None:
    parent, last = _parent(document, path, op, create=True)
    current = parent.get(last, 0)
    if isinstance(current, bool) or not isinstance(current, int | float):
        raise UpdateConflict(f"$inc {path}: the stored value is not a number")
    parent[last] = current + amount


def _items(operand: Any) -> list[Any]:
    return list(operand["$each"]) if _is_each(operand) else [operand]


def _array_at(document: Document, path: str, op: str) -> list[Any]:
    parent, last = _parent(document, path, op, create=True)
    current = parent.setdefault(last, [])
    if not isinstance(current, list):
        raise UpdateConflict(f"{op} {path}: the stored value is not an array")
    return current


def _push(document: Document, path: str, operand: Any, op: str) -> None:
    _array_at(document, path, op).extend(_items(operand))


def _add_to_set(document: Document, path: str, operand: Any, op: str) -> None:
    array = _array_at(document, path, op)
    for item in _items(operand):
        if not any(json_equal(item, present) for present in array):
            array.append(item)


def _pull(document: Document, path: str, value: Any, op: str) -> None:
    parent, last = _parent(document, path, op, create=False)
    if not isinstance(parent, dict) or last not in parent:
        return
    if not isinstance(parent[last], list):
        raise UpdateConflict(f"$pull {path}: the stored value is not an array")
    parent[last] = [item for item in parent[last] if not json_equal(item, value)]


_APPLY = {
    "$set": _set,
    "$setOnInsert": _set,
    "$unset": _unset,
    "$inc": _inc,
    "$push": _push,
    "$addToSet": _add_to_set,
    "$pull": _pull,
}
