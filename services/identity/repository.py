"""Member documents: the only place that knows the ``members`` collection's layout."""

from __future__ import annotations

from typing import Any

from shouwang.store import ASCENDING, Collection, Document, DocumentStore

MEMBERS = "members"
ID_NUMBER_INDEX = "id_number_index"
PHONE_INDEX = "phone_index"


class MemberRepository:
    def __init__(self, store: DocumentStore) -> None:
        self.members: Collection = store.collection(MEMBERS)

    def ensure_indexes(self) -> None:
        self.members.create_index(
            [(ID_NUMBER_INDEX, ASCENDING)], unique=True, name="uniq_id_number"
        )
        self.members.create_index([(PHONE_INDEX, ASCENDING)], unique=True, name="uniq_phone")
        self.members.create_index([("team_id", ASCENDING), ("status", ASCENDING)])

    def add(self, document: Document) -> None:
        self.members.insert(document)

    def get(self, member_id: str) -> Document | None:
        return self.members.get(member_id)

    def by_phone_index(self, phone_index: str) -> Document | None:
        return self.members.find_one({PHONE_INDEX: phone_index})

    def update(self, member_id: str, changes: dict[str, Any]) -> Document | None:
        return self.members.find_one_and_update({"_id": member_id}, {"$set": changes})
