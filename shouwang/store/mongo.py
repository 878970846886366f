"""The cluster document store: a thin pymongo adapter that refuses what the embedded store refuses,
tested against FerretDB 1.x (no transactions, TTL or geospatial indexes are used)."""

from __future__ import annotations

import functools
import re
import threading
from collections.abc import Callable, Iterator, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from contextlib import AbstractContextManager, contextmanager, nullcontext
from typing import Any

from pymongo import MongoClient, ReturnDocument
from pymongo.collection import Collection as PymongoCollection
from pymongo.errors import BulkWriteError, ConnectionFailure, DuplicateKeyError, OperationFailure

from shouwang.errors import Unavailable
from shouwang.ids import new_id
from shouwang.store import (
    Document,
    DuplicateKey,
    Filter,
    SortSpec,
    UnsupportedQuery,
    Update,
    matching,
)
from shouwang.store import query as q
from shouwang.store.metrics import StoreCommandTimer
from shouwang.turns import waits_elsewhere
from shouwang.wrapping import wrap_public_methods

_ID_INDEX = "_id_"
# Threads for ``at_once``'s reads beyond a request's first: a claim race's winners need two
# each at once; more only queue (reads wait here rather than in the connection pool).
READER_THREADS = 8
_INDEX_IN_MESSAGE = re.compile(r" index: (\S+) dup key")
# FerretDB 1.x reports a unique clash of an update (and of a unique index made over duplicates)
# as an InternalError quoting its backend: SQLite's message, naming the index after the
# collection's hash, or PostgreSQL's (SQLSTATE 23505), whose index name FerretDB lowercased,
# rewrote and cut to fit, so only the fact of a clash is read from it.
_FERRETDB_UNIQUE_FAILED = re.compile(
    r"UNIQUE constraint failed: index '.+?_[0-9a-f]{8}_(?P<index>[^']+)'"
    r"|unique (?:constraint|index) \"[^\"]+_idx\" \(SQLSTATE 23505\)"
)
# Write errors that mean "this update does not fit the stored document": BadValue,
# TypeMismatch, PathNotViable. Their server messages quote the stored values, so they are dropped.
_UPDATE_CONFLICT_CODES = frozenset({2, 14, 28})
_INDEX_CONFLICT_CODES = frozenset({85, 86})


class MongoDocumentStore:
    def __init__(self, uri: str, database: str, *, server_selection_timeout_ms: int = 5000) -> None:
        self._client: MongoClient[dict[str, Any]] = MongoClient(
            uri,
            serverSelectionTimeoutMS=server_selection_timeout_ms,
            appname="shouwang",
            event_listeners=[StoreCommandTimer()],
            tz_aware=False,
        )
        self._database = self._client[database]
        self._write_locks: dict[str, threading.Lock] = {}
        self._guard = threading.Lock()
        self._is_ferretdb: bool | None = None
        self._reader_pool: ThreadPoolExecutor | None = None

    def collection(self, name: str) -> MongoCollection:
        q.check_collection_name(name)
        return MongoCollection(self._database[name], self)

    def ping(self) -> None:
        self._client.admin.command("ping")

    def at_once(self, *operations: Callable[[], Any]) -> tuple[Any, ...]:
        """The first operation in the caller's thread, the others on the store's reader
        threads."""
        if len(operations) < 2:
            return tuple(operation() for operation in operations)
        others = [self._readers().submit(operation) for operation in operations[1:]]
        first = operations[0]()
        return (first, *(future.result() for future in others))

    def _readers(self) -> ThreadPoolExecutor:
        with self._guard:
            if self._reader_pool is None:
                self._reader_pool = ThreadPoolExecutor(
                    max_workers=READER_THREADS, thread_name_prefix="store-reads"
                )
            return self._reader_pool

    def close(self) -> None:
        if self._reader_pool is not None:
            self._reader_pool.shutdown(wait=False, cancel_futures=True)
        self._client.close()

    def read_modify_write_lock(self, collection: str) -> AbstractContextManager[Any]:
        """FerretDB 1.x (SQLite backend) reads a findAndModify's or update's target and writes it
        back in separate steps, so two concurrent conditional updates can both succeed on the same
        state (a lost update). Serialising them per collection makes them atomic within this
        process; across processes only inserts into unique indexes are atomic there. MongoDB
        itself needs no lock."""
        if not self.is_ferretdb():
            return nullcontext()
        with self._guard:
            return self._write_locks.setdefault(collection, threading.Lock())

    def is_ferretdb(self) -> bool:
        with self._guard:
            if self._is_ferretdb is None:
                self._is_ferretdb = "ferretdbVersion" in self._client.admin.command("buildInfo")
            return self._is_ferretdb


def _unavailable_while_unreachable(cls: type) -> type:
    """Every public method of ``cls`` turns a lost or refused connection (pymongo's
    ConnectionFailure: AutoReconnect, NetworkTimeout, ServerSelectionTimeoutError) into
    ``Unavailable``, so callers answer 503 (retry later) rather than 500 while the store is down."""

    def guarded(method: Callable[..., Any]) -> Callable[..., Any]:
        @functools.wraps(method)
        def call(*args: Any, **kwargs: Any) -> Any:
            try:
                return method(*args, **kwargs)
            except ConnectionFailure as error:
                raise Unavailable(detail="the document store cannot be reached") from error

        return call

    return wrap_public_methods(cls, guarded)


@waits_elsewhere
@_unavailable_while_unreachable
class MongoCollection:
    def __init__(
        self, collection: PymongoCollection[dict[str, Any]], store: MongoDocumentStore
    ) -> None:
        self.name = collection.name
        self._collection = collection
        self._store = store

    def create_index(self, keys: SortSpec, *, unique: bool = False, name: str | None = None) -> str:
        keys = [(path, direction) for path, direction in keys]
        if not keys:
            raise UnsupportedQuery("an index needs at least one field")
        q.check_sort(keys)
        if keys == [("_id", 1)]:
            return _ID_INDEX
        name = name or "_".join(f"{path}_{direction}" for path, direction in keys)
        try:
            return self._collection.create_index(
                keys, name=name, **({"unique": True} if unique else {})
            )
        except DuplicateKeyError:
            raise DuplicateKey(name) from None
        except OperationFailure as error:
            if _FERRETDB_UNIQUE_FAILED.search(str(error)):  # FerretDB 1.x on existing duplicates
                raise DuplicateKey(name) from None
            if error.code in _INDEX_CONFLICT_CODES:
                raise UnsupportedQuery(f"index {name} conflicts with an existing index") from None
            raise

    def insert(self, document: Document) -> None:
        q.check_document(document)
        with self._write_errors(lambda: document):
            self._collection.insert_one(dict(document))

    def insert_many(self, documents: Sequence[Document]) -> None:
        for document in documents:
            q.check_document(document)
        if not documents:
            return
        try:
            self._collection.insert_many([dict(document) for document in documents], ordered=True)
        except BulkWriteError as error:
            first = error.details["writeErrors"][0]
            if first.get("code") != 11000:
                raise
            raise self._duplicate_key(first, documents[first["index"]]) from None

    def get(self, document_id: str) -> Document | None:
        return self._collection.find_one({"_id": document_id})

    def find_one(self, query: Filter, *, sort: SortSpec = ()) -> Document | None:
        found = self.find(query, sort=sort, limit=1)
        return found[0] if found else None

    def find(
        self, query: Filter | None = None, *, sort: SortSpec = (), limit: int = 0, skip: int = 0
    ) -> list[Document]:
        query = query or {}
        q.check_filter(query)
        q.check_page(limit, skip)
        cursor = self._collection.find(query, sort=_sort(sort), limit=limit, skip=skip)
        return list(cursor)

    def find_one_and_update(
        self,
        query: Filter,
        update: Update,
        *,
        sort: SortSpec = (),
        upsert: bool = False,
        return_new: bool = True,
    ) -> Document | None:
        q.check_filter(query)
        q.check_update(update)
        q.check_sort(sort)
        sent = dict(update)
        if upsert and "_id" not in q.equality_fields(query):
            # MongoDB would invent an ObjectId; the port's ids are strings from one function.
            sent["$setOnInsert"] = {**update.get("$setOnInsert", {}), "_id": new_id()}

        def candidate() -> Document | None:
            current = self.find_one(query, sort=sort)
            if current is not None:
                return q.apply_update(current, update)
            return q.upsert_document(query, update, new_id()) if upsert else None

        target = query
        with self._store.read_modify_write_lock(self.name), self._write_errors(candidate):
            if self._store.is_ferretdb() and _by_id_and_more(query) and not sort:
                # FerretDB 1.x looks a filter of _id alone up by index but scans the whole
                # collection for anything richer. It decides a findAndModify by a read and a
                # write anyway, so reading by _id and matching here (under the same lock)
                # decides the same way, at the cost of a lookup instead of a scan.
                current = self._collection.find_one({"_id": query["_id"]})
                if current is None or not matching.matches(current, query):
                    if not upsert:
                        return None
                else:
                    target = {"_id": query["_id"]}
            return self._collection.find_one_and_update(
                target,
                sent,
                sort=_sort(sort),
                upsert=upsert,
                return_document=ReturnDocument.AFTER if return_new else ReturnDocument.BEFORE,
            )

    def update_many(self, query: Filter, update: Update) -> int:
        q.check_filter(query)
        q.check_update(update)
        with self._store.read_modify_write_lock(self.name), self._write_errors(lambda: None):
            return self._collection.update_many(query, dict(update)).matched_count

    def delete(self, document_id: str) -> bool:
        return self._collection.delete_one({"_id": document_id}).deleted_count > 0

    def delete_many(self, query: Filter) -> int:
        q.check_filter(query)
        with self._store.read_modify_write_lock(self.name):
            return self._collection.delete_many(query).deleted_count

    def count(self, query: Filter | None = None) -> int:
        query = query or {}
        q.check_filter(query)
        return self._collection.count_documents(query)

    @contextmanager
    def _write_errors(self, candidate: Any) -> Iterator[None]:
        """Map server write errors to the port's, never carrying the offending values."""
        try:
            yield
        except DuplicateKeyError as error:
            raise self._duplicate_key(error.details or {}, candidate()) from None
        except OperationFailure as error:
            clash = _FERRETDB_UNIQUE_FAILED.search(str(error))
            if clash and clash.group("index"):
                raise DuplicateKey(clash.group("index")) from None
            if clash:  # PostgreSQL's name is cut and rewritten: find the index by its values
                raise self._duplicate_key({}, candidate(), updating=True) from None
            if error.code in _UPDATE_CONFLICT_CODES:
                raise q.UpdateConflict(
                    f"the stored document refuses this update ({error.code})"
                ) from None
            raise

    def _duplicate_key(
        self, details: Mapping[str, Any], candidate: Document | None, *, updating: bool = False
    ) -> DuplicateKey:
        """The index that clashed; ``updating``: the candidate is a stored document changed,
        whose own ``_id`` clashes with nothing."""
        indexes = self._collection.index_information()
        if "keyPattern" in details:
            pattern = list(details["keyPattern"].items())
            for name, info in indexes.items():
                if list(info["key"]) == pattern:
                    return DuplicateKey(name)
        named = _INDEX_IN_MESSAGE.search(details.get("errmsg", ""))
        if named:
            return DuplicateKey(named.group(1))
        # FerretDB 1.x names no index: find the unique index on which another document holds
        # the candidate's values.
        unique = [
            name
            for name, info in indexes.items()
            if info.get("unique") or (name == _ID_INDEX and not updating)
        ]
        if candidate is not None:
            for name in sorted(unique, key=lambda name: name != _ID_INDEX):
                if self._clashes(indexes[name]["key"], candidate, by_id=name == _ID_INDEX):
                    return DuplicateKey(name)
        others = [name for name in unique if name != _ID_INDEX]
        return DuplicateKey(others[0] if len(others) == 1 else "unknown")

    def _clashes(self, keys: list[tuple[str, int]], candidate: Document, *, by_id: bool) -> bool:
        probe: dict[str, Any] = {path: _value_at(candidate, path) for path, _ in keys}
        if not by_id:
            probe["_id"] = {"$ne": candidate["_id"]}
        return self._collection.find_one(probe, projection={"_id": 1}) is not None


def _by_id_and_more(query: Filter) -> bool:
    return isinstance(query.get("_id"), str) and len(query) > 1


def _sort(sort: SortSpec) -> list[tuple[str, int]] | None:
    if not sort:
        return None
    terms = [(path, direction) for path, direction in sort]
    if all(path != "_id" for path, _ in terms):
        terms.append(("_id", 1))  # ties in a stable order, as the embedded store breaks them
    return terms


def _value_at(document: Document, path: str) -> Any:
    node: Any = document
    for part in path.split("."):
        if not isinstance(node, Mapping):
            return None
        node = node.get(part)
    return node
