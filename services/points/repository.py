"""Account documents: the only place that knows the ``accounts`` collection's layout."""

from __future__ import annotations

from shouwang.store import Collection, Document, DocumentStore, DuplicateKey

ACCOUNTS = "points_accounts"


class AccountRepository:
    def __init__(self, store: DocumentStore) -> None:
        self.accounts: Collection = store.collection(ACCOUNTS)

    def open(self, *, member_id: str, opened_at_ms: int) -> bool:
        """Open the member's account; False when it already exists (a redelivered event)."""
        try:
            self.accounts.insert({"_id": member_id, "balance": 0, "opened_at": opened_at_ms})
        except DuplicateKey:
            return False
        return True

    def get(self, member_id: str) -> Document | None:
        return self.accounts.get(member_id)
