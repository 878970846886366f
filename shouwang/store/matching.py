"""The port's filter slice evaluated on one document in Python, with MongoDB's semantics: an array
field matches when any element does, ``null`` equality also matches a missing field, and ranges
compare numbers with numbers and strings with strings only. The Mongo adapter uses it to decide
a conditional update on FerretDB by ``_id`` (see ``MongoCollection.find_one_and_update``); the
embedded store compiles the same semantics to SQL, and a property test holds the two together.
"""

from __future__ import annotations

import operator
from collections.abc import Callable, Mapping
from typing import Any

from shouwang.store import Document, Filter

_MISSING = object()
_COMPARE: dict[str, Callable[[Any, Any], bool]] = {
    "$eq": operator.eq,
    "$gt": operator.gt,
    "$gte": operator.ge,
    "$lt": operator.lt,
    "$lte": operator.le,
}


def matches(document: Document, query: Filter) -> bool:
    """Whether ``document`` matches ``query`` (already checked by ``query.check_filter``)."""
    for key, condition in query.items():
        if key == "$and":
            matched = all(matches(document, clause) for clause in condition)
        elif key == "$or":
            matched = any(matches(document, clause) for clause in condition)
        else:
            value = _value_at(document, key)
            operators = condition if isinstance(condition, Mapping) else {"$eq": condition}
            matched = all(_holds(value, op, operand) for op, operand in operators.items())
        if not matched:
            return False
    return True


def _value_at(document: Document, path: str) -> Any:
    node: Any = document
    for part in path.split("."):  # paths do not traverse arrays (the slice)
        if not isinstance(node, Mapping) or part not in node:
            return _MISSING
        node = node[part]
    return node


def _holds(value: Any, op: str, operand: Any) -> bool:
    if op == "$exists":
        return (value is not _MISSING) == operand
    if op == "$ne":
        return not _holds(value, "$eq", operand)
    if op == "$nin":
        return not _holds(value, "$in", operand)
    if op == "$in":
        return any(_holds(value, "$eq", item) for item in operand)
    if value is _MISSING:
        return op == "$eq" and operand is None
    elements = value if isinstance(value, list) else [value]
    return any(_element_holds(element, op, operand) for element in elements)


def _element_holds(element: Any, op: str, operand: Any) -> bool:
    """One value against one operand within MongoDB's type brackets (booleans and null compare
    by equality only, which ``check_filter`` enforces)."""
    if operand is None or isinstance(operand, bool):
        return type(element) is type(operand) and element == operand
    if isinstance(operand, str):
        comparable = isinstance(element, str)
    else:
        comparable = isinstance(element, int | float) and not isinstance(element, bool)
    return comparable and _COMPARE[op](element, operand)
