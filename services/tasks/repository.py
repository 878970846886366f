"""Tasks' documents: the only place that knows their collections' layout, turning documents into
the model's values and every change into a store write.

Contended decisions are unique-key inserts, the one write that is atomic across replicas on
every store (FerretDB 1.x applies conditional updates as a read and a write): an offer is
``task:member``; a claim takes one of the task's numbered slots ``task:slot:i`` after the member's
hold, keyed by the member alone (one task at a time: the busy check and the guard against a
second claim at once, in one write); a due step of a task's timer is leased as
``task:step:attempt``; a report review is ``report``. The task document itself holds what one
writer at a time changes.

A task with a step to come has an entry in ``task_timers`` no later than that step, so the sweep
for due steps reads a handful of small entries instead of every task ever made (FerretDB 1.x
scans the whole collection for any filter but ``_id``: on the tasks of a benchmark's half hour
that scan took 0.2–1.3 s, every 2 s, and stalled the claim races beside it).

Writes that carry events stage them in the document they change and publish them right after
(``shouwang.outbox``): storing and publishing are one act here.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable, Sequence
from typing import Any

from services.tasks.model import (
    SCENE_RADIUS_M,
    Circle,
    Claim,
    Hold,
    Offer,
    Point,
    Polygon,
    Refusal,
    Report,
    Target,
    Task,
)
from shouwang.events import Event
from shouwang.outbox import Outbox, stage, with_events
from shouwang.store import ASCENDING, DESCENDING, Collection, Document, DocumentStore, DuplicateKey
from shouwang.store.paging import Page, read_page

Events = Sequence[tuple[str, Event]]
_BY_WAVE = [("wave", ASCENDING), ("distance_m", ASCENDING)]  # a task's offers, nearest first
OutboxFactory = Callable[[Collection], Outbox]


def _inserted(collection: Collection, document: Document) -> bool:
    try:
        collection.insert(document)
    except DuplicateKey:
        return False
    return True


class TaskRepository:
    def __init__(self, store: DocumentStore, *, outbox: OutboxFactory) -> None:
        self._store = store
        self.tasks: Collection = store.collection("tasks")
        self.offers: Collection = store.collection("task_offers")
        self.holds: Collection = store.collection("task_holds")
        self.slots: Collection = store.collection("task_claim_slots")
        self.leases: Collection = store.collection("task_leases")
        self.timers: Collection = store.collection("task_timers")
        self._tasks_out, self._offers_out, self._claims_out = (
            outbox(c) for c in (self.tasks, self.offers, self.slots)
        )

    def outboxes(self) -> tuple[Outbox, ...]:
        return (self._tasks_out, self._offers_out, self._claims_out)

    def ensure_indexes(self) -> None:
        self.timers.create_index([("due_at", ASCENDING)])
        self.tasks.create_index([("station_id", ASCENDING), ("created_at", DESCENDING)])
        self.offers.create_index([("task_id", ASCENDING)])
        self.offers.create_index([("member_id", ASCENDING)])
        self.slots.create_index([("member_id", ASCENDING)])

    def at_once(self, *operations: Callable[[], Any]) -> tuple[Any, ...]:
        """Several independent operations of a request (``DocumentStore.at_once``)."""
        return self._store.at_once(*operations)

    # Tasks -------------------------------------------------------------------------------
    def new_task(self, task: Task, events: Events) -> None:
        """Store a new task with its events staged; they go out with the first write that
        publishes (its first wave's), or with ``publish_staged``. Its timer's entry is written
        first: a task stored without one would be found by no sweep, should this replica die
        before its first wave."""
        if task.due_at_ms is not None:
            self._time(task.task_id, task.due_at_ms)
        self.tasks.insert({**task_document(task), **stage(events)})

    def _time(self, task_id: str, due_at_ms: int) -> None:
        entry = {"_id": task_id, "due_at": due_at_ms}
        if not _inserted(self.timers, entry):  # a retried creation
            self.timers.find_one_and_update({"_id": task_id}, {"$set": {"due_at": due_at_ms}})

    def publish_staged(self, task_id: str) -> Task | None:
        document = self.tasks.get(task_id)
        if document is None:
            return None
        self._tasks_out.flush(document)
        return task_from(document)

    def get(self, task_id: str) -> Task | None:
        document = self.tasks.get(task_id)
        return None if document is None else task_from(document)

    def move_status(
        self,
        task: Task,
        to: str,
        *,
        at_ms: int,
        events: Events = (),
        by: str = "",
        **fields: Any,
    ) -> Task | None:
        """``task``'s status becomes ``to`` unless it moved meanwhile (then None); stamps
        ``<to>_at`` (and ``<to>_by``), plus ``fields`` (a completion's note and media_ids, or
        ``due_at=None`` to stop the timer)."""
        changes = {"status": to, f"{to}_at": at_ms, **_document_fields(fields)}
        if by:
            changes[f"{to}_by"] = by
        return self._update(task, {"status": task.status}, {"$set": changes}, events)

    def hasten(self, task: Task, *, due_at_ms: int) -> Task | None:
        """Bring the timer's next step forward (unless another step ran meanwhile)."""
        return self._update(task, {"step": task.step}, {"$set": {"due_at": due_at_ms}}, ())

    def reschedule(
        self, task: Task, *, due_at_ms: int | None, events: Events = (), **fields: Any
    ) -> Task | None:
        """End the timer's current step: ``fields`` changed (wave, radius_m, offered, refused,
        status, expired_at), the next step due at ``due_at_ms`` (None: no more)."""
        changes = {**_document_fields(fields), "due_at": due_at_ms}
        update = {"$set": changes, "$inc": {"step": 1}}
        return self._update(task, {"step": task.step}, update, events)

    def _update(
        self, task: Task, expected: dict[str, Any], update: dict[str, Any], events: Events
    ) -> Task | None:
        document = self.tasks.find_one_and_update(
            {"_id": task.task_id, **expected}, with_events(update, events) if events else update
        )
        if document is None:
            return None
        if events and task.offered != 0:  # claims need an offer: none before the first wave
            self.publish_claims(task)  # what they still have staged goes out before what follows
        self._tasks_out.flush(document)
        return task_from(document)

    def due(self, *, now_ms: int, limit: int = 50) -> list[Task]:
        """Tasks whose next step is due, found through the timers' entries that are due: an
        entry found before its task's step is moved to it, one whose task has nothing left to
        time (or was never stored) is removed. An entry may be early, never late: the task's
        steps only move later (but for ``hasten``, which leaves the entry where it was: a
        hastened step whose replica died runs when it was due before), and only the statuses
        the timer works on, which a task never returns to, have a step."""
        entries = self.timers.find(
            {"due_at": {"$lte": now_ms}}, sort=[("due_at", ASCENDING)], limit=limit
        )
        if not entries:
            return []
        ids = [entry["_id"] for entry in entries]
        tasks = {
            task.task_id: task for task in map(task_from, self.tasks.find({"_id": {"$in": ids}}))
        }
        due = []
        for entry in entries:
            task = tasks.get(entry["_id"])
            if task is None or task.due_at_ms is None:
                self.timers.delete(entry["_id"])
            elif task.due_at_ms > now_ms:
                self.timers.find_one_and_update(
                    {"_id": task.task_id, "due_at": entry["due_at"]},
                    {"$set": {"due_at": task.due_at_ms}},
                )
            else:
                due.append(task)
        return sorted(due, key=lambda task: task.due_at_ms or 0)

    def page(self, *, station_ids: list[str] | None, status: str, size: int, cursor: str) -> Page:
        """Tasks of these stations (None: every station), of this status if any, newest first."""
        query: dict[str, Any] = {} if station_ids is None else {"station_id": {"$in": station_ids}}
        if status:
            query["status"] = status
        page = read_page(self.tasks, query, sort_field="created_at", size=size, cursor=cursor)
        return Page(items=[task_from(d) for d in page.items], next_cursor=page.next_cursor)

    def created_between(
        self, *, station_ids: list[str] | None, from_ms: int, to_ms: int
    ) -> list[Task]:
        """Tasks of these stations (None: every station) created in [from_ms, to_ms), for
        statistics (the caller bounds the range)."""
        query: dict[str, Any] = {"created_at": {"$gte": from_ms, "$lt": to_ms}}
        if station_ids is not None:
            query["station_id"] = {"$in": station_ids}
        return [task_from(d) for d in self.tasks.find(query, sort=[("created_at", ASCENDING)])]

    def offered_to(self, member_id: str, *, status: str, size: int, cursor: str) -> Page:
        """The tasks offered to a member, paged by their offers (newest offer first), each task
        read by id; with a status asked a page may hold fewer than ``size`` tasks and still have
        a next one."""
        offers = read_page(
            self.offers, {"member_id": member_id}, sort_field="offered_at", size=size, cursor=cursor
        )
        found = (self.get(offer["task_id"]) for offer in offers.items)
        tasks = [t for t in found if t is not None and (not status or t.status == status)]
        return Page(items=tasks, next_cursor=offers.next_cursor)

    # Offers ------------------------------------------------------------------------------
    def record_offer(
        self, task: Task, member_id: str, *, distance_m: float, wave: int, at_ms: int
    ) -> Offer | None:
        """Offer the task to a member; None if they were offered it before."""
        offer = Offer(
            member_id=member_id, distance_m=round(distance_m, 1), wave=wave, offered_at_ms=at_ms
        )
        document = {
            "_id": f"{task.task_id}:{member_id}",
            "task_id": task.task_id,
            "member_id": member_id,
            "distance_m": offer.distance_m,
            "wave": wave,
            "offered_at": at_ms,
            "declined_at": None,
        }
        return offer if _inserted(self.offers, document) else None

    def offers_of(self, task: Task) -> list[Offer]:
        """The task's offers by wave, nearest first, found by their ids from the members its
        document names: FerretDB 1.x answers a query by task_id by scanning every offer ever
        made, and a claim's reply carries the offers (scripts/build-test-servers mends it to look
        up an `$in` of ids through the `_id` index). A task from before it named them has them
        queried. A wave's offers show once its write of the task lands."""
        if task.offered_ids is None:
            return self.all_offers_of(task.task_id)
        ids = [f"{task.task_id}:{member_id}" for member_id in task.offered_ids]
        return [offer_from(d) for d in self.offers.find({"_id": {"$in": ids}}, sort=_BY_WAVE)]

    def all_offers_of(self, task_id: str) -> list[Offer]:
        """Every offer of the task, those of a wave that a replica died writing included (the
        task does not name them yet): what the timer's next step resumes from."""
        return [offer_from(d) for d in self.offers.find({"task_id": task_id}, sort=_BY_WAVE)]

    def offered_members(self, task: Task) -> list[str]:
        """Who was offered the task, as it was read: the participants its events are told to.
        Kept in the task's document, as FerretDB 1.x scans every offer ever made to find a
        task's; a task from before they were kept has its offers read."""
        if task.offered_ids is not None:
            return list(task.offered_ids)
        return [offer.member_id for offer in self.all_offers_of(task.task_id)]

    def offer(self, task_id: str, member_id: str) -> Offer | None:
        document = self.offers.get(f"{task_id}:{member_id}")
        return None if document is None else offer_from(document)

    def decline(self, task_id: str, member_id: str, *, at_ms: int, events: Events) -> bool:
        """Record a decline; False if there was no offer or it was declined already."""
        declined = self.offers.find_one_and_update(
            {"_id": f"{task_id}:{member_id}", "declined_at": None},
            with_events({"$set": {"declined_at": at_ms}}, events),
        )
        if declined is not None:
            self._offers_out.flush(declined)
        return declined is not None

    # Claims ------------------------------------------------------------------------------
    def hold(self, task: Task, member_id: str, *, at_ms: int) -> Hold | None:
        """Mark the member as taking a claim on ``task``: None once marked, else the hold they
        have already (``Hold``). One insert by the member's id: the busy check and the guard
        against a second claim at once in one write, looked up by ``_id`` even on FerretDB 1.x
        (which scans for a query by any other field)."""
        for _ in range(2):  # a hold released between the insert and the read: insert again
            if _inserted(self.holds, {"_id": member_id, "task_id": task.task_id, "at": at_ms}):
                return None
            if (held := self.held(member_id)) is not None:
                return held
        return Hold(task_id="", at_ms=at_ms)  # released and taken again meanwhile: busy

    def take_over_hold(self, held: Hold, task: Task, member_id: str, *, at_ms: int) -> bool:
        """Move an abandoned hold to ``task``, unless it changed since it was read. Decided by a
        unique insert naming the hold taken over: FerretDB 1.x applies the conditional update
        as a read and a write, so two replicas could both have taken it over."""
        marker = {"_id": f"{member_id}:{held.task_id}:{held.at_ms}", "task_id": task.task_id}
        if not _inserted(self.holds, {**marker, "at": at_ms}):
            return False
        taken = self.holds.find_one_and_update(
            {"_id": member_id, "task_id": held.task_id, "at": held.at_ms},
            {"$set": {"task_id": task.task_id, "at": at_ms}},
        )
        return taken is not None

    def release_holds(self, task_id: str, member_ids: Sequence[str]) -> None:
        if member_ids:
            self.holds.delete_many({"_id": {"$in": list(member_ids)}, "task_id": task_id})

    def time_untimed_tasks(self) -> int:
        """Give a timer's entry to each task with a step to come stored before entries were kept
        (a store from an earlier release); how many were given one. Reads every task once, at
        start-up."""
        given = 0
        for document in self.tasks.find({"due_at": {"$ne": None}}):
            given += _inserted(self.timers, {"_id": document["_id"], "due_at": document["due_at"]})
        return given

    def hold_active_claimants(self) -> int:
        """Give a hold to each claimant of a task not over whose claim was taken before holds
        were kept (a store from an earlier release); how many were given one."""
        given = 0
        for document in self.slots.find({"active": True}):
            hold = {"_id": document["member_id"], "task_id": document["task_id"]}
            given += _inserted(self.holds, {**hold, "at": document["claimed_at"]})
        return given

    def take_slot(
        self,
        task: Task,
        offer: Offer,
        *,
        member_id: str,
        first_free: int,
        at_ms: int,
        offer_to_claim_s: float,
        events: Events,
    ) -> Claim | None:
        """The held member's claim in the first free slot from ``first_free`` on; None (and the
        hold released) when every slot is taken. Slots are never freed. ``events``
        stay staged in the slot until ``publish_claims`` (or the outbox's recovery)."""
        fields = {
            "task_id": task.task_id,
            "member_id": member_id,
            "claimed_at": at_ms,
            "offered_at": offer.offered_at_ms,
            "offer_to_claim_s": offer_to_claim_s,
            "arrived_at": None,
            "claim_to_arrival_s": None,
            "active": True,
            **stage(events),
        }
        for slot in range(first_free, task.capacity):
            document = {"_id": _slot_id(task.task_id, slot), "slot": slot, **fields}
            if _inserted(self.slots, document):
                return claim_from(document)
        self.release_holds(task.task_id, [member_id])
        return None

    def publish_claims(self, task: Task) -> None:
        """Publish what the task's claims still have staged (their ``claimed`` events, after the
        winners' replies). Whatever comes sooner publishes it first: an arrival's write (the
        slot's outbox holds both, in order), or any change of the task that has events of its
        own (a cancel right after the race must not reach the task's group before the claims it
        ends)."""
        for document in self._taken_slots(task.task_id, task.capacity):
            self._claims_out.flush(document)

    def claims_of(self, task: Task) -> list[Claim]:
        """The task's claims in slot order."""
        return self.claims_by_id(task.task_id, capacity=task.capacity)

    def claims_by_id(self, task_id: str, *, capacity: int) -> list[Claim]:
        """``claims_of`` without the task at hand: its capacity names its slots."""
        return [claim_from(document) for document in self._taken_slots(task_id, capacity)]

    def _taken_slots(self, task_id: str, capacity: int) -> list[Document]:
        """The task's taken slots in order, found by their ids in one query: a claimant tries
        slots from 0 upwards and slots are never freed, so the taken ones are 0..n-1 without
        gaps (and ids are looked up through the `_id` index even on FerretDB 1.x — as this
        project builds it — where a query by task_id scans)."""
        ids = [_slot_id(task_id, slot) for slot in range(capacity)]
        found = {d["_id"]: d for d in self.slots.find({"_id": {"$in": ids}})}
        taken = (found.get(slot_id) for slot_id in ids)
        return list(itertools.takewhile(lambda document: document is not None, taken))

    def claim(self, task: Task, member_id: str) -> Claim | None:
        return next((c for c in self.claims_of(task) if c.member_id == member_id), None)

    def mark_arrived(
        self, task: Task, claim: Claim, *, at_ms: int, seconds: float, events: Events
    ) -> Claim | None:
        """Record the claimant on scene; None if they were already."""
        arrived = self.slots.find_one_and_update(
            {"_id": _slot_id(task.task_id, claim.slot), "arrived_at": None},
            with_events({"$set": {"arrived_at": at_ms, "claim_to_arrival_s": seconds}}, events),
        )
        if arrived is None:
            return None
        self._claims_out.flush(arrived)
        return claim_from(arrived)

    def held(self, member_id: str) -> Hold | None:
        """The member's hold: the task whose claim they hold or are taking, if any."""
        found = self.holds.get(member_id)
        return None if found is None else Hold(task_id=found["task_id"], at_ms=found["at"])

    def deactivate_claims(self, task: Task) -> list[Claim]:
        """The task is over: its claims inactive, its claimants' holds released."""
        claims = self.claims_of(task)
        for claim in claims:
            self.slots.find_one_and_update(
                {"_id": _slot_id(task.task_id, claim.slot)}, {"$set": {"active": False}}
            )
        self.release_holds(task.task_id, [claim.member_id for claim in claims])
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

    def lease_is_free(self, task_id: str, step: int, attempt: int, *, now_ms: int) -> bool:
        """Whether the lease, taken before, expired unfinished (its holder died)."""
        held = self.leases.get(f"{task_id}:{step}:{attempt}")
        return held is not None and not held["done"] and held["expires_at"] <= now_ms

    def finish_lease(self, task_id: str, step: int, attempt: int) -> None:
        self.leases.find_one_and_update(
            {"_id": f"{task_id}:{step}:{attempt}"}, {"$set": {"done": True}}
        )


def _slot_id(task_id: str, slot: int) -> str:
    return f"{task_id}:slot:{slot}"


class ReportRepository:
    def __init__(self, store: DocumentStore, *, outbox: OutboxFactory) -> None:
        self.reports: Collection = store.collection("reports")
        self.reviews: Collection = store.collection("report_reviews")
        self.outbox = outbox(self.reports)

    def ensure_indexes(self) -> None:
        self.reports.create_index([("station_id", ASCENDING), ("status", ASCENDING)])
        self.reports.create_index([("member_id", ASCENDING), ("created_at", DESCENDING)])

    def new_report(self, report: Report, events: Events) -> Report:
        document = {**report_document(report), **stage(events)}
        self.reports.insert(document)
        self.outbox.flush(document)
        return report

    def get(self, report_id: str) -> Report | None:
        document = self.reports.get(report_id)
        return None if document is None else report_from(document)

    def page(
        self,
        *,
        station_ids: list[str] | None = None,
        member_id: str = "",
        status: str,
        size: int,
        cursor: str,
    ) -> Page:
        """Reports of these stations (None: every station) or of this member, of this status
        if any, newest first."""
        query: dict[str, Any] = {}
        if station_ids is not None:
            query["station_id"] = {"$in": station_ids}
        if member_id:
            query["member_id"] = member_id
        if status:
            query["status"] = status
        page = read_page(self.reports, query, sort_field="created_at", size=size, cursor=cursor)
        return Page(items=[report_from(d) for d in page.items], next_cursor=page.next_cursor)

    def created_between(
        self, *, station_ids: list[str] | None, from_ms: int, to_ms: int
    ) -> list[Report]:
        """Reports of these stations (None: every station) submitted in [from_ms, to_ms)."""
        query: dict[str, Any] = {"created_at": {"$gte": from_ms, "$lt": to_ms}}
        if station_ids is not None:
            query["station_id"] = {"$in": station_ids}
        found = self.reports.find(query, sort=[("created_at", ASCENDING)])
        return [report_from(d) for d in found]

    def claim_review(self, report_id: str, *, officer_id: str, at_ms: int) -> bool:
        """The one review of a report: a second reviewer (or a retry) gets False."""
        return _inserted(self.reviews, {"_id": report_id, "officer_id": officer_id, "at": at_ms})

    def review_claimed_at(self, report_id: str) -> int | None:
        """When the report's review was claimed, epoch ms (None: it was not)."""
        claim = self.reviews.get(report_id)
        return None if claim is None else int(claim["at"])

    def record_review(self, report: Report, *, at_ms: int, events: Events) -> Report:
        """Store the review ``report`` carries (its status, points, note, reviewer, task)."""
        changes = {
            "status": report.status,
            "points": report.points,
            "review_note": report.review_note,
            "reviewed_by": report.reviewed_by,
            "reviewed_at": at_ms,
            "task_id": report.task_id,
        }
        updated = self.reports.find_one_and_update(
            {"_id": report.report_id}, with_events({"$set": changes}, events)
        )
        assert updated is not None  # the review was claimed, and reports are never deleted
        self.outbox.flush(updated)
        return report_from(updated)


# Documents <-> values --------------------------------------------------------------------------
# Fields a value names differently from its document (times are epoch milliseconds in both).
_RENAMED = {
    "task_id": "_id",
    "created_at_ms": "created_at",
    "expires_at_ms": "expires_at",
    "due_at_ms": "due_at",
}


def _document_fields(fields: dict[str, Any]) -> dict[str, Any]:
    return {_RENAMED.get(name, name): _plain(value) for name, value in fields.items()}


def _plain(value: Any) -> Any:
    if isinstance(value, tuple):
        return [_plain(v) for v in value]
    if isinstance(value, Refusal):
        return {"member_id": value.member_id, "reason": value.reason}
    return value


def task_document(task: Task) -> Document:
    if isinstance(task.area, Circle):
        area: dict[str, Any] = {
            "circle": {"lat": task.area.lat, "lon": task.area.lon, "radius_m": task.area.radius_m}
        }
    else:
        area = {"polygon_geojson": task.area.geojson}
    return {
        "_id": task.task_id,
        "title": task.title,
        "description": task.description,
        "kind": task.kind,
        "priority": task.priority,
        "location": {"lat": task.location.lat, "lon": task.location.lon},
        "area": area,
        "target": {
            "mode": task.target.mode,
            "count": task.target.count,
            "member_ids": list(task.target.member_ids),
        },
        "capacity": task.capacity,
        "skills": list(task.skills),
        "points": task.points,
        "status": task.status,
        "station_id": task.station_id,
        "candidate_stations": list(task.candidate_stations),
        "created_by": task.created_by,
        "created_at": task.created_at_ms,
        "expires_at": task.expires_at_ms,
        "report_id": task.report_id,
        "wave": task.wave,
        "radius_m": task.radius_m,
        "widen": task.widen,
        "scene_radius_m": task.scene_radius_m,
        "offered": task.offered,
        "offered_ids": None if task.offered_ids is None else list(task.offered_ids),
        "refused": _plain(task.refused),
        "step": task.step,
        "due_at": task.due_at_ms,
    }


def task_from(document: Document) -> Task:
    area = document["area"]
    if "circle" in area:
        c = area["circle"]
        shape: Circle | Polygon = Circle(lat=c["lat"], lon=c["lon"], radius_m=c["radius_m"])
    else:
        shape = Polygon(geojson=area["polygon_geojson"])
    target = document["target"]
    return Task(
        task_id=document["_id"],
        status=document["status"],
        title=document["title"],
        description=document["description"],
        kind=document["kind"],
        priority=document["priority"],
        location=Point(**document["location"]),
        area=shape,
        target=Target(
            mode=target["mode"], count=target["count"], member_ids=tuple(target["member_ids"])
        ),
        capacity=document["capacity"],
        skills=tuple(document["skills"]),
        points=document["points"],
        station_id=document["station_id"],
        candidate_stations=_candidate_stations(document),
        created_by=document["created_by"],
        created_at_ms=document["created_at"],
        expires_at_ms=document["expires_at"],
        report_id=document.get("report_id", ""),
        wave=document["wave"],
        radius_m=document["radius_m"],
        # Tasks from before `widen` existed widened, as all did then.
        widen=document.get("widen", True),
        scene_radius_m=document.get("scene_radius_m", SCENE_RADIUS_M),
        offered=document.get("offered"),
        offered_ids=tuple(ids) if (ids := document.get("offered_ids")) is not None else None,
        refused=tuple(Refusal(**r) for r in document.get("refused", [])),
        step=document["step"],
        due_at_ms=document["due_at"],
        note=document.get("note", ""),
        media_ids=tuple(document.get("media_ids", [])),
    )


def _candidate_stations(document: Document) -> tuple[str, ...]:
    """Tasks from before candidate stations were stored are their station's alone."""
    if "candidate_stations" in document:
        return tuple(document["candidate_stations"])
    return (document["station_id"],) if document["station_id"] else ()


def offer_from(document: Document) -> Offer:
    return Offer(
        member_id=document["member_id"],
        distance_m=document["distance_m"],
        wave=document["wave"],
        offered_at_ms=document["offered_at"],
        declined_at_ms=document.get("declined_at") or None,
    )


def claim_from(document: Document) -> Claim:
    return Claim(
        member_id=document["member_id"],
        slot=document["slot"],
        claimed_at_ms=document["claimed_at"],
        offered_at_ms=document["offered_at"],
        offer_to_claim_s=document["offer_to_claim_s"],
        arrived_at_ms=document.get("arrived_at") or None,
        claim_to_arrival_s=document.get("claim_to_arrival_s"),
    )


def report_document(report: Report) -> Document:
    return {
        "_id": report.report_id,
        "status": report.status,
        "category": report.category,
        "description": report.description,
        "location": {"lat": report.location.lat, "lon": report.location.lon},
        "media_ids": list(report.media_ids),
        "member_id": report.member_id,
        "station_id": report.station_id,
        "created_at": report.created_at_ms,
        "points": report.points,
    }


def report_from(document: Document) -> Report:
    return Report(
        report_id=document["_id"],
        status=document["status"],
        category=document["category"],
        description=document["description"],
        location=Point(**document["location"]),
        media_ids=tuple(document["media_ids"]),
        member_id=document["member_id"],
        station_id=document["station_id"],
        created_at_ms=document["created_at"],
        points=document.get("points", 0),
        review_note=document.get("review_note", ""),
        task_id=document.get("task_id", ""),
        reviewed_by=document.get("reviewed_by", ""),
    )
