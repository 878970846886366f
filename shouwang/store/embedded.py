"""The embedded document store: one SQLite file (WAL), one table of JSON documents per collection,
filters compiled to SQL and unique indexes enforced by SQLite itself."""

from __future__ import annotations

import json
import re
import sqlite3
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from shouwang.foreground import Foreground, Pace
from shouwang.ids import new_id
from shouwang.store import (
    Document,
    DuplicateKey,
    Filter,
    SortSpec,
    UnsupportedQuery,
    Update,
)
from shouwang.store import query as q

_META = "_shouwang_indexes"
_ID_INDEX = "_id_"
# MongoDB's comparison operators in SQL; with ``$in``, those ``_narrowing`` seeks an index for.
_COMPARISONS = {"$eq": "=", "$gt": ">", "$gte": ">=", "$lt": "<", "$lte": "<="}
_UNIQUE_FAILED = re.compile(r"UNIQUE constraint failed: (?:index '(?P<index>[^']+)'|.*\._id$)")
_TYPE_RANK = (
    "CASE json_type(doc, {p}) WHEN 'integer' THEN 1 WHEN 'real' THEN 1 WHEN 'text' THEN 2 "
    "WHEN 'object' THEN 3 WHEN 'array' THEN 4 WHEN 'false' THEN 5 WHEN 'true' THEN 5 ELSE 0 END"
)
_INDEX_KEY = "json_extract(doc, {p})"
# MongoDB's index key for a unique index: missing and null are one value, booleans differ from
# 0 and 1, numbers compare by value (1 == 1.0); blobs never come out of json_extract.
_UNIQUE_KEY = (
    "CASE coalesce(json_type(doc, {p}), 'null') WHEN 'null' THEN X'00' WHEN 'true' THEN X'01' "
    "WHEN 'false' THEN X'02' ELSE json_extract(doc, {p}) END"
)


class SqliteDocumentStore:
    """Durable on local disk: WAL with synchronous=NORMAL survives a process crash.

    One connection guarded by a lock rather than a connection per thread: SQLite serialises
    writers anyway, and holding the lock across ``BEGIN IMMEDIATE`` ... ``COMMIT`` makes each
    find-apply-write atomic without SQLITE_BUSY retries. ``busy_timeout`` still covers another
    process (e.g. a CLI) opening the same file. With a ``foreground``, threads answering requests
    take the lock before bus consumers waiting for it (``_RequestsFirst``).
    """

    def __init__(self, path: Path, *, foreground: Foreground | None = None) -> None:
        path = Path(path)
        path.parent.mkdir(parents=True, exist_ok=True)
        self._lock = _RequestsFirst(foreground)
        self._conn = sqlite3.connect(path, isolation_level=None, check_same_thread=False)
        self._conn.execute("PRAGMA journal_mode=WAL")
        self._conn.execute("PRAGMA synchronous=NORMAL")
        self._conn.execute("PRAGMA busy_timeout=5000")
        self._conn.execute(
            f"CREATE TABLE IF NOT EXISTS {_META} (collection TEXT NOT NULL, name TEXT NOT NULL,"
            " keys TEXT NOT NULL, is_unique INTEGER NOT NULL, PRIMARY KEY (collection, name))"
        )
        self._collections: dict[str, SqliteCollection] = {}

    def collection(self, name: str) -> SqliteCollection:
        q.check_collection_name(name)
        with self._lock:
            if name not in self._collections:
                self._conn.execute(
                    f"CREATE TABLE IF NOT EXISTS {_table(name)} "
                    "(_id TEXT PRIMARY KEY, doc TEXT NOT NULL)"
                )
                self._collections[name] = SqliteCollection(name, self)
            return self._collections[name]

    def ping(self) -> None:
        with self._lock:
            self._conn.execute("SELECT 1").fetchone()

    def close(self) -> None:
        with self._lock:
            self._conn.close()

    def at_once(self, *operations: Callable[[], Any]) -> tuple[Any, ...]:
        with self._lock:  # reentrant: the operations inside take it again at no wait
            return tuple(operation() for operation in operations)

    @contextmanager
    def _reading(self) -> Iterator[sqlite3.Connection]:
        with self._lock:
            yield self._conn

    @contextmanager
    def _writing(self) -> Iterator[sqlite3.Connection]:
        with self._lock:
            self._conn.execute("BEGIN IMMEDIATE")
            try:
                yield self._conn
            except BaseException:
                if self._conn.in_transaction:
                    self._conn.execute("ROLLBACK")
                raise
            self._conn.execute("COMMIT")


class _RequestsFirst:
    """A reentrant lock that the foreground (threads answering requests, and any thread but a
    bus consumer's) takes before background threads (``Foreground.in_background``) waiting for
    it; a background thread waits so for at most ``Foreground.max_wait_s`` at a time, paced
    (``Pace``), then as any other. With ``RLock`` a consumer storing one member's position after
    another took the lock straight back each time, and a dispatch's write waited behind dozens
    of them. Handing the lock over in strict arrival order was tried and measured worse: each
    hand-over waits for the next thread to get the interpreter."""

    def __init__(self, foreground: Foreground | None) -> None:
        self._foreground = foreground
        self._max_wait_s = foreground.max_wait_s if foreground else 0.0
        self._changed = threading.Condition(threading.Lock())
        self._owner: int | None = None
        self._depth = 0
        self._requests_waiting = 0
        self._paces = threading.local()  # .pace: the calling background thread's

    def __enter__(self) -> None:
        me = threading.get_ident()
        background = self._foreground is not None and self._foreground.in_background()
        with self._changed:
            if self._owner == me:
                self._depth += 1
                return
            if background:
                self._pace().wait(self._give_way)
            else:
                self._requests_waiting += 1
            try:
                self._changed.wait_for(lambda: self._owner is None)
            finally:
                if not background:
                    self._requests_waiting -= 1
            self._owner, self._depth = me, 1

    def __exit__(self, *exc_info: object) -> None:
        with self._changed:
            self._depth -= 1
            if not self._depth:
                self._owner = None
                self._changed.notify_all()

    def _pace(self) -> Pace:
        if not hasattr(self._paces, "pace"):
            self._paces.pace = Pace()
        return self._paces.pace

    def _give_way(self) -> float:
        """Wait (the condition's lock held) until the lock is free with no request waiting for
        it, at most ``max_wait_s``; the seconds given way to requests — none when only another
        consumer held the lock, which earns no free time from the ``Pace``."""
        started, gave_way = time.monotonic(), False

        def free_of_requests() -> bool:
            nonlocal gave_way
            gave_way = gave_way or self._requests_waiting > 0
            return self._owner is None and not self._requests_waiting

        self._changed.wait_for(free_of_requests, timeout=self._max_wait_s)
        return time.monotonic() - started if gave_way else 0.0


class SqliteCollection:
    def __init__(self, name: str, store: SqliteDocumentStore) -> None:
        self.name = name
        self._store = store
        self._table = _table(name)
        self._index_keys: dict[str, str] | None = None  # see _leading_keys

    def create_index(self, keys: SortSpec, *, unique: bool = False, name: str | None = None) -> str:
        keys = [(path, direction) for path, direction in keys]
        if not keys:
            raise UnsupportedQuery("an index needs at least one field")
        q.check_sort(keys)
        name = name or "_".join(f"{path}_{direction}" for path, direction in keys)
        if keys == [("_id", 1)]:
            return _ID_INDEX
        spec = json.dumps(keys)
        with self._store._writing() as conn:
            for other, other_keys, other_unique in conn.execute(
                f"SELECT name, keys, is_unique FROM {_META} WHERE collection = ?", (self.name,)
            ):
                same_keys = other_keys == spec
                if other == name and same_keys and bool(other_unique) == unique:
                    return name
                if other == name or same_keys:
                    raise UnsupportedQuery(f"index {name} conflicts with existing index {other}")
            template = _UNIQUE_KEY if unique else _INDEX_KEY
            columns = ", ".join(template.format(p=_sql_path(path)) for path, _ in keys)
            try:
                conn.execute(
                    f"CREATE {'UNIQUE ' if unique else ''}INDEX "
                    f"{_quote(self._sqlite_index(name))} ON {self._table} ({columns})"
                )
            except sqlite3.IntegrityError:
                raise DuplicateKey(name) from None
            conn.execute(
                f"INSERT INTO {_META} (collection, name, keys, is_unique) VALUES (?, ?, ?, ?)",
                (self.name, name, spec, int(unique)),
            )
            self._index_keys = None
        return name

    def insert(self, document: Document) -> None:
        self.insert_many([document])

    def insert_many(self, documents: Sequence[Document]) -> None:
        rows = []
        for document in documents:
            q.check_document(document)
            rows.append((document["_id"], _dumps(document)))
        with self._store._writing() as conn:
            for row in rows:
                try:
                    conn.execute(f"INSERT INTO {self._table} (_id, doc) VALUES (?, ?)", row)
                except sqlite3.IntegrityError as error:
                    # Keep the documents before the clash, as an ordered MongoDB insert does.
                    conn.execute("COMMIT")
                    conn.execute("BEGIN IMMEDIATE")
                    raise self._duplicate_key(error) from None

    def get(self, document_id: str) -> Document | None:
        with self._store._reading() as conn:
            row = conn.execute(
                f"SELECT doc FROM {self._table} WHERE _id = ?", (document_id,)
            ).fetchone()
        return json.loads(row[0]) if row else None

    def find_one(self, query: Filter, *, sort: SortSpec = ()) -> Document | None:
        found = self.find(query, sort=sort, limit=1)
        return found[0] if found else None

    def find(
        self, query: Filter | None = None, *, sort: SortSpec = (), limit: int = 0, skip: int = 0
    ) -> list[Document]:
        q.check_page(limit, skip)
        sql, params = self._select("doc", query or {}, sort, limit or -1, skip)
        with self._store._reading() as conn:
            return [json.loads(doc) for (doc,) in conn.execute(sql, params)]

    def find_one_and_update(
        self,
        query: Filter,
        update: Update,
        *,
        sort: SortSpec = (),
        upsert: bool = False,
        return_new: bool = True,
    ) -> Document | None:
        q.check_update(update)
        sql, params = self._select("doc", query, sort, 1, 0)
        with self._store._writing() as conn:
            row = conn.execute(sql, params).fetchone()
            if row is None:
                if not upsert:
                    return None
                created = q.upsert_document(query, update, new_id())
                self._write(conn, "INSERT INTO {t} (doc, _id) VALUES (?, ?)", created)
                return created if return_new else None
            before = json.loads(row[0])
            after = q.apply_update(before, update)
            self._write(conn, "UPDATE {t} SET doc = ? WHERE _id = ?", after)
        return after if return_new else before

    def update_many(self, query: Filter, update: Update) -> int:
        q.check_update(update)
        sql, params = self._select("doc", query, (), -1, 0)
        with self._store._writing() as conn:
            matched = [json.loads(doc) for (doc,) in conn.execute(sql, params).fetchall()]
            for document in matched:
                self._write(
                    conn, "UPDATE {t} SET doc = ? WHERE _id = ?", q.apply_update(document, update)
                )
        return len(matched)

    def delete(self, document_id: str) -> bool:
        with self._store._writing() as conn:
            cursor = conn.execute(f"DELETE FROM {self._table} WHERE _id = ?", (document_id,))
        return cursor.rowcount > 0

    def delete_many(self, query: Filter) -> int:
        q.check_filter(query)
        where, params = _compile_filter(query, self._leading_keys())
        with self._store._writing() as conn:
            cursor = conn.execute(f"DELETE FROM {self._table} WHERE {where}", params)
        return cursor.rowcount

    def count(self, query: Filter | None = None) -> int:
        sql, params = self._select("count(*)", query or {}, (), -1, 0)
        with self._store._reading() as conn:
            return conn.execute(sql, params).fetchone()[0]

    def _select(
        self, columns: str, query: Filter, sort: SortSpec, limit: int, skip: int
    ) -> tuple[str, list[Any]]:
        q.check_filter(query)
        q.check_sort(sort)
        where, params = _compile_filter(query, self._leading_keys())
        order = _compile_sort(sort)
        return (
            f"SELECT {columns} FROM {self._table} WHERE {where} ORDER BY {order} LIMIT ? OFFSET ?",
            [*params, limit, skip],
        )

    def _write(self, conn: sqlite3.Connection, statement: str, document: Document) -> None:
        try:
            conn.execute(statement.format(t=self._table), (_dumps(document), document["_id"]))
        except sqlite3.IntegrityError as error:
            raise self._duplicate_key(error) from None

    def _leading_keys(self) -> dict[str, str]:
        """The SQL key of the index each field leads (``create_index``'s expressions, with
        ``{p}`` for the field's path): what ``_narrowing`` seeks. Read once per collection; an
        index another process makes later goes unused here until a restart (filters still match
        the same documents, by a scan)."""
        if self._index_keys is None:
            with self._store._reading() as conn:
                rows = conn.execute(
                    f"SELECT keys, is_unique FROM {_META} WHERE collection = ?", (self.name,)
                ).fetchall()
            self._index_keys = {
                json.loads(keys)[0][0]: _UNIQUE_KEY if unique else _INDEX_KEY
                for keys, unique in rows
            }
        return self._index_keys

    def _sqlite_index(self, name: str) -> str:
        return f"{self.name}__{name}"

    def _duplicate_key(self, error: sqlite3.IntegrityError) -> DuplicateKey:
        match = _UNIQUE_FAILED.search(str(error))
        if match is None:
            raise error
        index = match.group("index")
        prefix = self._sqlite_index("")
        if index is None:
            return DuplicateKey(_ID_INDEX)
        return DuplicateKey(index.removeprefix(prefix))


def _table(name: str) -> str:
    return _quote(f"c_{name}")


def _quote(identifier: str) -> str:
    return '"' + identifier.replace('"', '""') + '"'


def _sql_path(path: str) -> str:
    # check_path has refused quotes and backslashes, so each part can be a quoted JSON label.
    json_path = "$" + "".join(f'."{part}"' for part in path.split("."))
    return "'" + json_path.replace("'", "''") + "'"


def _dumps(document: Document) -> str:
    ordered = {"_id": document["_id"], **document}  # MongoDB keeps _id first
    return json.dumps(ordered, ensure_ascii=False, allow_nan=False, separators=(",", ":"))


def _compile_filter(query: Filter, keys: dict[str, str]) -> tuple[str, list[Any]]:
    """SQL that is true exactly when MongoDB's filter matches; never NULL, so NOT is safe.
    ``keys``: the index key each indexed field leads with (``_leading_keys``)."""
    clauses: list[str] = []
    params: list[Any] = []
    for key, condition in query.items():
        if key in ("$and", "$or"):
            parts = [_compile_filter(clause, keys) for clause in condition]
            joiner = " AND " if key == "$and" else " OR "
            clauses.append("(" + joiner.join(sql for sql, _ in parts) + ")")
            params.extend(param for _, part_params in parts for param in part_params)
            continue
        operators = condition if isinstance(condition, dict) else {"$eq": condition}
        for op, operand in operators.items():
            sql, op_params = _compile_operator(key, op, operand)
            narrowing = _narrowing(keys[key], key, op, operand) if key in keys else None
            if narrowing is not None:
                sql, op_params = f"({narrowing[0]} AND {sql})", [*narrowing[1], *op_params]
            clauses.append(sql)
            params.extend(op_params)
    return (" AND ".join(clauses) or "1"), params


def _compile_operator(path: str, op: str, operand: Any) -> tuple[str, list[Any]]:
    p = _sql_path(path)
    if op == "$exists":
        return f"(json_type(doc, {p}) IS {'NOT ' if operand else ''}NULL)", []
    if op in ("$ne", "$nin"):
        sql, params = _compile_operator(path, "$eq" if op == "$ne" else "$in", operand)
        return f"(NOT {sql})", params
    if op == "$in":
        if path == "_id" and operand and all(isinstance(value, str) for value in operand):
            return f"(_id IN ({', '.join('?' * len(operand))}))", list(operand)
        parts = [_compile_operator(path, "$eq", value) for value in operand]
        return "(" + (" OR ".join(sql for sql, _ in parts) or "0") + ")", [
            param for _, part_params in parts for param in part_params
        ]
    if op == "$eq" and path == "_id" and isinstance(operand, str):
        return "(_id = ?)", [operand]
    element, params = _element_predicate(op, operand)
    any_element = (
        f"coalesce((json_type(doc, {p}) <> 'array' AND "
        + element.format(v=f"json_extract(doc, {p})", t=f"json_type(doc, {p})")
        + f") OR EXISTS (SELECT 1 FROM json_each(doc, {p}) AS e WHERE json_type(doc, {p}) = "
        + "'array' AND "
        + element.format(v="e.value", t="e.type")
        + "), 0)"
    )
    if op == "$eq" and operand is None:
        return f"(json_type(doc, {p}) IS NULL OR {any_element})", params * 2
    return f"({any_element})", params * 2


def _narrowing(index_key: str, path: str, op: str, operand: Any) -> tuple[str, list[Any]] | None:
    """A condition every document ``_compile_operator`` matches meets, on the key of the index
    the field leads, so SQLite seeks the index and runs the full condition (which looks into
    arrays, and so can use no index) on the rows found, not on every row: the key compares so
    with the operand, or is an array's JSON text (both keys are ``json_extract``'s value for
    strings, numbers and arrays; SQLite orders numbers before text, text before blobs). None
    where it could not seek: ``$exists``, null, booleans, ``$ne``/``$nin``."""
    values = operand if op == "$in" else [operand]
    seekable = op in _COMPARISONS or op == "$in"
    if not seekable or not values or not all(_seekable(value) for value in values):
        return None
    key = index_key.format(p=_sql_path(path))
    if op == "$in":
        compared, params = f"{key} IN ({', '.join('?' * len(values))})", list(values)
    elif op == "$eq":
        compared, params = f"{key} = ?", [operand]
    else:  # a range, bounded to the operand's type so that it seeks no further: SQLite orders
        # numbers (from -inf) before text (from '') before blobs (from X'')
        upward = op in ("$gt", "$gte")
        if isinstance(operand, str):
            bound = f"{key} < X''" if upward else f"{key} >= ''"
        else:
            bound = f"{key} < ''" if upward else f"{key} >= -9e999"
        compared, params = f"{key} {_COMPARISONS[op]} ? AND {bound}", [operand]
    return f"({compared} OR ({key} >= '[' AND {key} < '\\'))", params


def _seekable(value: Any) -> bool:
    return isinstance(value, str | int | float) and not isinstance(value, bool)


def _element_predicate(op: str, operand: Any) -> tuple[str, list[Any]]:
    """A condition on one value (``{v}``) of JSON type ``{t}``, with MongoDB's type brackets:
    numbers compare with numbers, strings with strings, booleans and null only by equality."""
    if operand is None:
        return "{t} = 'null'", []
    if isinstance(operand, bool):
        return f"{{t}} = '{'true' if operand else 'false'}'", []
    kind = "{t} = 'text'" if isinstance(operand, str) else "{t} IN ('integer', 'real')"
    return f"{kind} AND {{v}} {_COMPARISONS[op]} ?", [operand]


def _compile_sort(sort: SortSpec) -> str:
    terms = []
    for path, direction in sort:
        p = _sql_path(path)
        order = "ASC" if direction == 1 else "DESC"
        terms += [f"{_TYPE_RANK.format(p=p)} {order}", f"json_extract(doc, {p}) {order}"]
    if not any(path == "_id" for path, _ in sort):
        terms.append("_id ASC")  # a stable order for ties, as the Mongo adapter asks for
    return ", ".join(terms)
