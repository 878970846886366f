"""The document-store port: a deliberately narrow slice of MongoDB that an embedded SQLite adapter
can honour exactly (see ``tests/contract/test_store_contract.py``, run against both adapters).

Documents are JSON values (str, int, float, bool, None, list, dict) with a string ``_id``; times are
stored as epoch milliseconds (``shouwang.clock.to_millis``) so range queries behave the same
everywhere. Nothing here needs multi-document transactions, change streams, TTL or geospatial
indexes, which FerretDB 1.x lacks.

Filters: field equality (dotted paths; an array field matches when any element is equal),
``$eq $ne $gt $gte $lt $lte $in $nin $exists``, and top-level ``$and`` / ``$or``.
Updates: ``$set $unset $inc $push $pull $addToSet $setOnInsert`` (``$push`` accepts ``$each``).
Both adapters refuse anything else with ``UnsupportedQuery`` (``shouwang.store.query``), so code
that works embedded works in the cluster. Within the slice:
- equality, ``$in`` and ``$pull`` take scalars: whole-document or whole-array equality is refused;
- paths have no array positions (``a.0``) and do not traverse arrays of sub-documents;
- ranges compare numbers with numbers and strings with strings; sort ties break by ``_id``;
- give every document the fields of its unique indexes, and never index an array uniquely:
  MongoDB, FerretDB and the embedded store disagree about missing fields and arrays there.

Atomicity: a unique-index insert is atomic everywhere. A conditional ``find_one_and_update`` is
atomic in MongoDB and in the embedded store, but FerretDB 1.x reads and writes back in separate
steps, so its adapter serialises them per collection *within one process* only. Contention across
replicas (claims, redemptions) must therefore be decided by an insert under a unique key.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol

Document = dict[str, Any]
Filter = Mapping[str, Any]
Update = Mapping[str, Any]
SortSpec = Sequence[tuple[str, int]]  # (field, 1 ascending | -1 descending)
ASCENDING, DESCENDING = 1, -1


class DuplicateKey(Exception):
    """An insert or update would break a unique index. Carries the index name, never the value."""

    def __init__(self, index: str) -> None:
        super().__init__(f"duplicate key for unique index {index}")
        self.index = index


class UnsupportedQuery(ValueError):
    """A filter or update outside the port's slice: a programming error, caught by tests."""


class Collection(Protocol):
    name: str

    def create_index(self, keys: SortSpec, *, unique: bool = False, name: str | None = None) -> str:
        """Create the index if absent (idempotent) and return its name."""
        ...

    def insert(self, document: Document) -> None:
        """Insert a document with a string ``_id``; ``DuplicateKey`` if a unique index clashes."""
        ...

    def insert_many(self, documents: Sequence[Document]) -> None:
        """Insert in order; stops at the first ``DuplicateKey`` (those before it stay inserted)."""
        ...

    def get(self, document_id: str) -> Document | None: ...

    def find_one(self, query: Filter, *, sort: SortSpec = ()) -> Document | None: ...

    def find(
        self, query: Filter | None = None, *, sort: SortSpec = (), limit: int = 0, skip: int = 0
    ) -> list[Document]: ...

    def find_one_and_update(
        self,
        query: Filter,
        update: Update,
        *,
        sort: SortSpec = (),
        upsert: bool = False,
        return_new: bool = True,
    ) -> Document | None:
        """Atomically update the first document matching ``query`` (after ``sort``).

        Returns the document after (``return_new``) or before the update, or ``None`` when nothing
        matched and ``upsert`` is false. With ``upsert`` a missing document is created from the
        query's equality fields plus the update. ``DuplicateKey`` when a unique index would clash.
        """
        ...

    def update_many(self, query: Filter, update: Update) -> int:
        """Update every matching document; returns how many matched."""
        ...

    def delete(self, document_id: str) -> bool: ...

    def delete_many(self, query: Filter) -> int: ...

    def count(self, query: Filter | None = None) -> int: ...


class DocumentStore(Protocol):
    def collection(self, name: str) -> Collection: ...

    def ping(self) -> None:
        """Raise if the store cannot be reached."""
        ...

    def at_once(self, *operations: Callable[[], Any]) -> tuple[Any, ...]:
        """Several independent operations that one request needs — reads, and perhaps a write
        first, which runs in the caller's thread — their results in order: the embedded store
        runs them under one hold of its lock (each waited for it again behind the writes of
        the other requests and consumers); MongoDB sends them at once, so their round trips
        overlap. Not a snapshot, nor a transaction."""
        ...

    def close(self) -> None: ...


@dataclass(frozen=True)
class Blob:
    data: bytes
    content_type: str
    metadata: dict[str, str] = field(default_factory=dict)


class BlobStore(Protocol):
    """Media bytes (photos as evidence): GridFS in the cluster, files under --data embedded."""

    def put(self, data: bytes, *, content_type: str, metadata: Mapping[str, str]) -> str:
        """Store the bytes; returns the new blob id."""
        ...

    def get(self, blob_id: str) -> Blob | None: ...

    def metadata(self, blob_id: str) -> Mapping[str, str] | None:
        """The blob's metadata without its bytes (ownership checks need no 10 MiB read)."""
        ...

    def delete(self, blob_id: str) -> bool: ...
