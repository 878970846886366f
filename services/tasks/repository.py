"""Tasks' documents: the only place that knows their collections' layout.

Contended decisions are unique-key inserts, the one write that is atomic across replicas on
every store (FerretDB 1.x applies conditional updates as a read and a write): an offer is
``task:member``; a claim takes one of the task's numbered slots ``task:slot:i`` after reserving
``task:member``; a due step of a task's timer is leased as ``task:step:attempt``; a report review is
``report``. The task document itself holds what one writer at a time changes.
"""

from __future__ import annotations

from typing import Any

from shouwang.events import Event
from shouwang.outbox import with_events
from shouwang.store import ASCENDING, DESCENDING, Collection, Document, DocumentStore, DuplicateKey
from shouwang.store.paging import Page, read_page


def _inserted(collection: Collection, document: Document) -> bool:
    try:
        collection.insert(document)
    except DuplicateKey:
        return False
    return True


class TaskRepository:
    def __init__(self, store: DocumentStore) -> None:
        self.tasks: Collection = store.collection("tasks")
        self.offers: Collection = store.collection("task_offers")
        self.claimants: Collection = store.collection("task_claimants")
        self.slots: Collection = store.collection("task_claim_slots")
        self.leases: Collection = store.collection("task_leases")

    def ensure_indexes(self) -> None:
        self.tasks.create_index([("due_at", ASCENDING)])
        self.tasks.create_index([("station_id", ASCENDING), ("created_at", DESCENDING)])
        self.offers.create_index([("task_id", ASCENDING)])
        self.offers.create_index([("member_id", ASCENDING)])
        self.slots.create_index([("member_id", ASCENDING)])

    # Tasks -------------------------------------------------------------------------------
    def add(self, document: Document) -> None:
        self.tasks.insert(document)

    def get(self, task_id: str) -> Document | None:
        return self.tasks.get(task_id)

    def update(
        self, task_id: str, expected: dict[str, Any], update: dict[str, Any]
    ) -> Document | None:
        return self.tasks.find_one_and_update({"_id": task_id, **expected}, update)

    def due(self, *, now_ms: int, limit: int = 50) -> list[Document]:
        return self.tasks.find(
            {"due_at": {"$lte": now_ms}}, sort=[("due_at", ASCENDING)], limit=limit
        )

    def page(self, query: dict[str, Any], *, size: int, cursor: str) -> Page:
        """Tasks matching ``query``, newest first."""
        return read_page(self.tasks, query, sort_field="created_at", size=size, cursor=cursor)

    # Offers ------------------------------------------------------------------------------
    def add_offer(self, offer: Document) -> bool:
        """Record an offer; False if the member was offered this task before."""
        return _inserted(self.offers, offer)

    def offers_of(self, task_id: str) -> list[Document]:
        return self.offers.find(
            {"task_id": task_id}, sort=[("wave", ASCENDING), ("distance_m", ASCENDING)]
        )

    def offer(self, task_id: str, member_id: str) -> Document | None:
        return self.offers.get(f"{task_id}:{member_id}")

    def decline(
        self, task_id: str, member_id: str, *, at_ms: int, events: list[tuple[str, Event]]
    ) -> Document | None:
        return self.offers.find_one_and_update(
            {"_id": f"{task_id}:{member_id}", "declined_at": None},
            with_events({"$set": {"declined_at": at_ms}}, events),
        )

    def offers_to(self, member_id: str, *, size: int, cursor: str) -> Page:
        """Offers made to a member, newest first."""
        return read_page(
            self.offers, {"member_id": member_id}, sort_field="offered_at", size=size, cursor=cursor
        )

    # Claims ------------------------------------------------------------------------------
    def reserve_claimant(self, task_id: str, member_id: str, *, at_ms: int) -> bool:
        return _inserted(
            self.claimants,
            {
                "_id": f"{task_id}:{member_id}",
                "task_id": task_id,
                "member_id": member_id,
                "at": at_ms,
            },
        )

    def release_claimant(self, task_id: str, member_id: str) -> None:
        self.claimants.delete(f"{task_id}:{member_id}")

    def take_slot(self, task_id: str, slot: int, claim: Document) -> bool:
        return _inserted(
            self.slots, {"_id": f"{task_id}:slot:{slot}", "task_id": task_id, "slot": slot, **claim}
        )

    def claims_of(self, task: Document) -> list[Document]:
        """The task's claims in slot order, read by id: a claimant tries slots from 0 upwards
        and slots are never freed, so the taken ones are 0..n-1 without gaps (and reading by
        id is an index lookup even on FerretDB 1.x, where a query by task_id scans)."""
        claims = []
        for slot in range(task["capacity"]):
            claim = self.slots.get(f"{task['_id']}:slot:{slot}")
            if claim is None:
                break
            claims.append(claim)
        return claims

    def claim(self, task: Document, member_id: str) -> Document | None:
        return next((c for c in self.claims_of(task) if c["member_id"] == member_id), None)

    def mark_arrived(
        self, slot_id: str, *, at_ms: int, seconds: float, events: list[tuple[str, Event]]
    ) -> Document | None:
        return self.slots.find_one_and_update(
            {"_id": slot_id, "arrived_at": None},
            with_events({"$set": {"arrived_at": at_ms, "claim_to_arrival_s": seconds}}, events),
        )

    def active_claims_of(self, member_id: str) -> list[Document]:
        return self.slots.find({"member_id": member_id, "active": True})

    def deactivate_claims(self, task: Document) -> list[Document]:
        claims = self.claims_of(task)
        for claim in claims:
            self.slots.find_one_and_update({"_id": claim["_id"]}, {"$set": {"active": False}})
        return claims

    # Timer leases ------------------------------------------------------------------------
    def take_lease(
        self, task_id: str, step: int, attempt: int, *, expires_at_ms: int, holder: str
    ) -> bool:
        return _inserted(
            self.leases,
            {
                "_id": f"{task_id}:{step}:{attempt}",
                "task_id": task_id,
                "expires_at": expires_at_ms,
                "holder": holder,
                "done": False,
            },
        )

    def lease(self, task_id: str, step: int, attempt: int) -> Document | None:
        return self.leases.get(f"{task_id}:{step}:{attempt}")

    def finish_lease(self, task_id: str, step: int, attempt: int) -> None:
        self.leases.find_one_and_update(
            {"_id": f"{task_id}:{step}:{attempt}"}, {"$set": {"done": True}}
        )


class ReportRepository:
    def __init__(self, store: DocumentStore) -> None:
        self.reports: Collection = store.collection("reports")
        self.reviews: Collection = store.collection("report_reviews")

    def ensure_indexes(self) -> None:
        self.reports.create_index([("station_id", ASCENDING), ("status", ASCENDING)])
        self.reports.create_index([("member_id", ASCENDING), ("created_at", DESCENDING)])

    def add(self, document: Document) -> None:
        self.reports.insert(document)

    def get(self, report_id: str) -> Document | None:
        return self.reports.get(report_id)

    def page(self, query: dict[str, Any], *, size: int, cursor: str) -> Page:
        """Reports matching ``query``, newest first."""
        return read_page(self.reports, query, sort_field="created_at", size=size, cursor=cursor)

    def claim_review(self, report_id: str, *, officer_id: str, at_ms: int) -> bool:
        """The one review of a report: a second reviewer (or a retry) gets False."""
        return _inserted(self.reviews, {"_id": report_id, "officer_id": officer_id, "at": at_ms})

    def update(self, report_id: str, update: dict[str, Any]) -> Document | None:
        return self.reports.find_one_and_update({"_id": report_id}, update)
