"""Identity's documents: the only place that knows its collections' layout."""

from __future__ import annotations

from typing import Any

from shouwang.store import ASCENDING, DESCENDING, Collection, Document, DocumentStore, DuplicateKey
from shouwang.store.paging import Page, read_page

ID_NUMBER_INDEX = "id_number_index"
PHONE_INDEX = "phone_index"


class MemberRepository:
    def __init__(self, store: DocumentStore) -> None:
        self.members: Collection = store.collection("members")

    def ensure_indexes(self) -> None:
        self.members.create_index(
            [(ID_NUMBER_INDEX, ASCENDING)], unique=True, name="uniq_id_number"
        )
        self.members.create_index([(PHONE_INDEX, ASCENDING)], unique=True, name="uniq_phone")
        self.members.create_index([("station_id", ASCENDING), ("status", ASCENDING)])
        self.members.create_index([("team_id", ASCENDING)])
        self.members.create_index([("grid_id", ASCENDING)])
        self.members.create_index([("version_changed_at", ASCENDING)])

    def add(self, document: Document) -> None:
        self.members.insert(document)

    def get(self, member_id: str) -> Document | None:
        return self.members.get(member_id)

    def get_many(self, member_ids: list[str]) -> list[Document]:
        return self.members.find({"_id": {"$in": member_ids}})

    def by_phone_index(self, phone_index: str) -> Document | None:
        return self.members.find_one({PHONE_INDEX: phone_index})

    def page(self, query: dict[str, Any], *, size: int, cursor: str) -> Page:
        """Newest registrations first."""
        return read_page(self.members, query, sort_field="registered_at", size=size, cursor=cursor)

    def another_admin_exists(self, member_id: str) -> bool:
        """Whether a verified administrator other than ``member_id`` exists."""
        others = {"roles": "admin", "status": "verified", "_id": {"$ne": member_id}}
        return bool(self.members.find(others, limit=1))

    def token_versions_changed_since(self, since_ms: int) -> list[tuple[str, int]]:
        changed = self.members.find({"version_changed_at": {"$gte": since_ms}})
        return [(member["_id"], member["token_version"]) for member in changed]

    def update(
        self, member_id: str, query: dict[str, Any], update: dict[str, Any]
    ) -> Document | None:
        """Apply ``update`` if the member still matches ``query``; None when it no longer does."""
        return self.members.find_one_and_update({"_id": member_id, **query}, update)


class OrgRepository:
    def __init__(self, store: DocumentStore) -> None:
        self.orgs: Collection = store.collection("orgs")

    def ensure_indexes(self) -> None:
        self.orgs.create_index([("parent_id", ASCENDING)])
        self.orgs.create_index([("created_at", DESCENDING)])

    def add(self, document: Document) -> None:
        self.orgs.insert(document)

    def get(self, org_id: str) -> Document | None:
        return self.orgs.get(org_id) if org_id else None

    def tree(self) -> dict[str, dict[str, str]]:
        """Every org as id → {kind, parent_id}; a city has tens to hundreds of them."""
        return {
            org["_id"]: {"kind": org["kind"], "parent_id": org["parent_id"]}
            for org in self.orgs.find({})
        }

    def page(self, query: dict[str, Any], *, size: int, cursor: str) -> Page:
        """Newest first."""
        return read_page(self.orgs, query, sort_field="created_at", size=size, cursor=cursor)


class GridRepository:
    def __init__(self, store: DocumentStore) -> None:
        self.grids: Collection = store.collection("grids")

    def ensure_indexes(self) -> None:
        self.grids.create_index([("level", ASCENDING), ("parent_id", ASCENDING)])
        self.grids.create_index([("created_at", DESCENDING)])

    def add(self, document: Document) -> None:
        self.grids.insert(document)

    def get(self, grid_id: str) -> Document | None:
        return self.grids.get(grid_id) if grid_id else None

    def find(self, query: dict[str, Any]) -> list[Document]:
        return self.grids.find(query, sort=[("level", ASCENDING), ("name", ASCENDING)])

    def page(self, query: dict[str, Any], *, size: int, cursor: str) -> Page:
        """Newest first."""
        return read_page(self.grids, query, sort_field="created_at", size=size, cursor=cursor)


class SessionRepository:
    """Refresh tokens, stored by hash, grouped in families that one reuse revokes whole."""

    def __init__(self, store: DocumentStore) -> None:
        self.families: Collection = store.collection("refresh_families")
        self.tokens: Collection = store.collection("refresh_tokens")
        self.spent: Collection = store.collection("refresh_tokens_spent")

    def ensure_indexes(self) -> None:
        self.families.create_index([("member_id", ASCENDING)])
        self.tokens.create_index([("family_id", ASCENDING)])
        self.tokens.create_index([("expires_at", ASCENDING)])

    def open_family(self, *, family_id: str, member_id: str, at_ms: int) -> None:
        self.families.insert(
            {"_id": family_id, "member_id": member_id, "revoked": False, "created_at": at_ms}
        )

    def add_token(
        self, *, token_hash: str, family_id: str, member_id: str, expires_at_ms: int
    ) -> None:
        self.tokens.insert(
            {
                "_id": token_hash,
                "family_id": family_id,
                "member_id": member_id,
                "expires_at": expires_at_ms,
            }
        )

    def token(self, token_hash: str) -> Document | None:
        return self.tokens.get(token_hash)

    def family(self, family_id: str) -> Document | None:
        return self.families.get(family_id)

    def spend(self, token_hash: str, *, at_ms: int) -> bool:
        """Mark a refresh token used; False if it was used before. A unique insert, so of two
        concurrent refreshes with one token exactly one wins, on every store."""
        try:
            self.spent.insert({"_id": token_hash, "at": at_ms})
        except DuplicateKey:
            return False
        return True

    def revoke_family(self, family_id: str) -> None:
        self.families.find_one_and_update({"_id": family_id}, {"$set": {"revoked": True}})

    def revoke_member(self, member_id: str) -> None:
        self.families.update_many({"member_id": member_id}, {"$set": {"revoked": True}})

    def families_of(self, member_id: str, *, limit: int) -> list[Document]:
        """The member's logins, newest first."""
        return self.families.find(
            {"member_id": member_id}, sort=[("created_at", DESCENDING)], limit=limit
        )


class LoginFailureRepository:
    """Failed-login counters per phone and per client address, in fixed windows."""

    def __init__(self, store: DocumentStore) -> None:
        self.failures: Collection = store.collection("login_failures")

    def count(self, key: str) -> int:
        document = self.failures.get(key)
        return document["count"] if document else 0

    def record(self, key: str, *, window_ends_ms: int) -> None:
        self.failures.find_one_and_update(
            {"_id": key},
            {"$inc": {"count": 1}, "$setOnInsert": {"window_ends_at": window_ends_ms}},
            upsert=True,
        )

    def clear(self, key: str) -> None:
        self.failures.delete(key)


class AuditRepository:
    def __init__(self, store: DocumentStore) -> None:
        self.records: Collection = store.collection("pii_audit")

    def ensure_indexes(self) -> None:
        self.records.create_index([("member_id", ASCENDING), ("at", DESCENDING)])
        self.records.create_index([("actor_id", ASCENDING), ("at", DESCENDING)])

    def add(self, document: Document) -> None:
        self.records.insert(document)

    def add_many(self, documents: list[Document]) -> None:
        self.records.insert_many(documents)

    def page(self, query: dict[str, Any], *, size: int, cursor: str) -> Page:
        """Newest first."""
        return read_page(self.records, query, sort_field="at", size=size, cursor=cursor)
