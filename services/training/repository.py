"""Training's documents: the only place that knows their collections' layout, turning documents
into the model's values and every change into a store write.

A check-in is a unique-key insert (``rollcall:member``), the one write atomic across replicas on
every store, so a trainee is counted once per roll call however often the app retries. A leave's
decision is a conditional update on its pending status. Writes that carry events stage them in
the document they write and publish them right after (``shouwang.outbox``).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from services.training.hours import ShiftHours
from services.training.model import (
    PENDING,
    Checkin,
    Circle,
    Cohort,
    Leave,
    PatrolLog,
    Point,
    Polygon,
    Rollcall,
    Session,
    Shift,
    Site,
)
from shouwang.events import Event
from shouwang.outbox import Outbox, stage, with_events
from shouwang.store import ASCENDING, Collection, Document, DocumentStore, DuplicateKey
from shouwang.store.paging import Page, read_page

Events = Sequence[tuple[str, Event]]
OutboxFactory = Callable[[Collection], Outbox]


class CohortRepository:
    def __init__(self, store: DocumentStore, *, outbox: OutboxFactory) -> None:
        self.cohorts: Collection = store.collection("training_cohorts")
        self.rollcalls: Collection = store.collection("training_rollcalls")
        self.checkins: Collection = store.collection("training_checkins")
        self.leaves: Collection = store.collection("training_leaves")
        self._cohorts_out, self._rollcalls_out, self._checkins_out, self._leaves_out = (
            outbox(c) for c in (self.cohorts, self.rollcalls, self.checkins, self.leaves)
        )

    def outboxes(self) -> tuple[Outbox, ...]:
        return (self._cohorts_out, self._rollcalls_out, self._checkins_out, self._leaves_out)

    def ensure_indexes(self) -> None:
        self.cohorts.create_index([("settled", ASCENDING), ("ends_at", ASCENDING)])
        self.cohorts.create_index([("station_id", ASCENDING), ("created_at", ASCENDING)])
        self.rollcalls.create_index([("cohort_id", ASCENDING)])
        self.checkins.create_index([("cohort_id", ASCENDING)])
        self.leaves.create_index([("cohort_id", ASCENDING), ("member_id", ASCENDING)])

    # Cohorts ------------------------------------------------------------------------------
    def new_cohort(self, cohort: Cohort, events: Events) -> Cohort:
        document = {**cohort_document(cohort), **stage(events)}
        self.cohorts.insert(document)
        self._cohorts_out.flush(document)
        return cohort

    def get(self, cohort_id: str) -> Cohort | None:
        document = self.cohorts.get(cohort_id)
        return None if document is None else cohort_from(document)

    def page(self, *, station_ids: list[str] | None, size: int, cursor: str) -> Page:
        """Cohorts of these stations (None: every one), newest first."""
        query = {} if station_ids is None else {"station_id": {"$in": station_ids}}
        page = read_page(self.cohorts, query, sort_field="created_at", size=size, cursor=cursor)
        return Page(items=[cohort_from(d) for d in page.items], next_cursor=page.next_cursor)

    def enrol(self, cohort_id: str, member_ids: Sequence[str], events: Events) -> Cohort | None:
        """Add trainees, staging ``events`` in the same write."""
        update = {"$addToSet": {"trainee_ids": {"$each": list(member_ids)}}}
        document = self.cohorts.find_one_and_update(
            {"_id": cohort_id}, with_events(update, events) if events else update
        )
        if document is None:
            return None
        self._cohorts_out.flush(document)
        return cohort_from(document)

    # Roll calls ---------------------------------------------------------------------------
    def new_rollcall(self, rollcall: Rollcall, events: Events) -> Rollcall:
        document = {
            "_id": rollcall.rollcall_id,
            "cohort_id": rollcall.cohort_id,
            "session_id": rollcall.session_id,
            "opened_by": rollcall.opened_by,
            "opened_at": rollcall.opened_at_ms,
            "closes_at": rollcall.closes_at_ms,
            **stage(events),
        }
        self.rollcalls.insert(document)
        self._rollcalls_out.flush(document)
        return rollcall

    def rollcall(self, rollcall_id: str) -> Rollcall | None:
        d = self.rollcalls.get(rollcall_id)
        if d is None:
            return None
        return Rollcall(
            d["_id"],
            d["cohort_id"],
            d["session_id"],
            d["opened_by"],
            d["opened_at"],
            d["closes_at"],
        )

    def called_sessions(self, cohort_id: str) -> set[str]:
        return {d["session_id"] for d in self.rollcalls.find({"cohort_id": cohort_id})}

    def check_in(self, rollcall: Rollcall, checkin: Checkin, events: Events) -> bool:
        """Record the trainee at the roll call; False when they already checked in."""
        document = {
            "_id": f"{rollcall.rollcall_id}:{checkin.member_id}",
            "rollcall_id": rollcall.rollcall_id,
            "cohort_id": rollcall.cohort_id,
            "session_id": rollcall.session_id,
            "member_id": checkin.member_id,
            "status": checkin.status,
            "at": checkin.at_ms,
            "distance_m": checkin.distance_m,
            **stage(events),
        }
        try:
            self.checkins.insert(document)
        except DuplicateKey:
            return False
        self._checkins_out.flush(document)
        return True

    def checkin_of(self, rollcall_id: str, member_id: str) -> Checkin | None:
        d = self.checkins.get(f"{rollcall_id}:{member_id}")
        if d is None:
            return None
        return Checkin(d["rollcall_id"], d["member_id"], d["status"], d["at"], d["distance_m"])

    def checkins_of(self, cohort_id: str) -> list[tuple[str, str, str]]:
        """(member_id, session_id, status) of every check-in of the cohort."""
        return [
            (d["member_id"], d["session_id"], d["status"])
            for d in self.checkins.find({"cohort_id": cohort_id})
        ]

    def ended_unsettled(self, *, now_ms: int, limit: int = 20) -> list[Cohort]:
        found = self.cohorts.find(
            {"settled": False, "ends_at": {"$lte": now_ms}},
            sort=[("ends_at", ASCENDING)],
            limit=limit,
        )
        return [cohort_from(d) for d in found]

    def settle(self, cohort: Cohort, events: Events) -> bool:
        """Mark the ended class settled with its event; False when another replica did."""
        document = self.cohorts.find_one_and_update(
            {"_id": cohort.cohort_id, "settled": False},
            with_events({"$set": {"settled": True}}, events),
        )
        if document is None:
            return False
        self._cohorts_out.flush(document)
        return True

    def cohorts_of(self, member_ids: Sequence[str]) -> list[Cohort]:
        """The cohorts any of these members is a trainee of."""
        found = self.cohorts.find({"trainee_ids": {"$in": list(member_ids)}})
        return [cohort_from(d) for d in found]

    def approved_leave_of(self, member_ids: Sequence[str]) -> list[Leave]:
        found = self.leaves.find({"member_id": {"$in": list(member_ids)}, "status": "approved"})
        return [leave_from(d) for d in found]

    # Leave --------------------------------------------------------------------------------
    def new_leave(self, leave: Leave) -> Leave:
        self.leaves.insert(leave_document(leave))
        return leave

    def leave(self, leave_id: str) -> Leave | None:
        d = self.leaves.get(leave_id)
        return None if d is None else leave_from(d)

    def leaves_of(self, cohort_id: str) -> list[Leave]:
        return [leave_from(d) for d in self.leaves.find({"cohort_id": cohort_id})]

    def decide(
        self, leave: Leave, *, status: str, note: str, by: str, at_ms: int, events: Events
    ) -> Leave | None:
        """The pending leave decided; None when someone decided it meanwhile."""
        update = {"$set": {"status": status, "note": note, "decided_by": by, "decided_at": at_ms}}
        document = self.leaves.find_one_and_update(
            {"_id": leave.leave_id, "status": PENDING}, with_events(update, events)
        )
        if document is None:
            return None
        self._leaves_out.flush(document)
        return leave_from(document)


# Documents ------------------------------------------------------------------------------------


def _area_document(area: Circle | Polygon | None) -> dict[str, Any] | None:
    if isinstance(area, Circle):
        return {"circle": {"lat": area.lat, "lon": area.lon, "radius_m": area.radius_m}}
    if isinstance(area, Polygon):
        return {"polygon": area.geojson}
    return None


def _area_from(document: dict[str, Any] | None) -> Circle | Polygon | None:
    if not document:
        return None
    if "circle" in document:
        c = document["circle"]
        return Circle(c["lat"], c["lon"], c["radius_m"])
    return Polygon(document["polygon"])


def cohort_document(cohort: Cohort) -> Document:
    return {
        "_id": cohort.cohort_id,
        "name": cohort.name,
        "site": {
            "name": cohort.site.name,
            "lat": cohort.site.location.lat,
            "lon": cohort.site.location.lon,
            "radius_m": cohort.site.radius_m,
        },
        "starts_on": cohort.starts_on,
        "ends_on": cohort.ends_on,
        "instructor_ids": list(cohort.instructor_ids),
        "sessions": [
            {
                "session_id": s.session_id,
                "starts_at": s.starts_at_ms,
                "ends_at": s.ends_at_ms,
                "kind": s.kind,
                "topic": s.topic,
                "area": _area_document(s.area),
            }
            for s in cohort.sessions
        ],
        "trainee_ids": list(cohort.trainee_ids),
        "station_id": cohort.station_id,
        "created_by": cohort.created_by,
        "created_at": cohort.created_at_ms,
        # When the last session ends the class is settled once (``shouwang.cohort.completed``).
        "ends_at": max((s.ends_at_ms for s in cohort.sessions), default=0),
        "settled": False,
    }


def cohort_from(d: Document) -> Cohort:
    site = d["site"]
    return Cohort(
        cohort_id=d["_id"],
        name=d["name"],
        site=Site(site["name"], Point(site["lat"], site["lon"]), site["radius_m"]),
        starts_on=d["starts_on"],
        ends_on=d["ends_on"],
        instructor_ids=tuple(d["instructor_ids"]),
        sessions=tuple(
            Session(
                s["session_id"],
                s["starts_at"],
                s["ends_at"],
                s["kind"],
                s.get("topic", ""),
                _area_from(s.get("area")),
            )
            for s in d["sessions"]
        ),
        trainee_ids=tuple(d.get("trainee_ids", ())),
        station_id=d.get("station_id", ""),
        created_by=d.get("created_by", ""),
        created_at_ms=d.get("created_at", 0),
    )


def leave_document(leave: Leave) -> Document:
    return {
        "_id": leave.leave_id,
        "cohort_id": leave.cohort_id,
        "member_id": leave.member_id,
        "from": leave.from_ms,
        "to": leave.to_ms,
        "reason": leave.reason,
        "status": leave.status,
        "note": leave.note,
        "decided_by": leave.decided_by,
    }


def leave_from(d: Document) -> Leave:
    return Leave(
        d["_id"],
        d["cohort_id"],
        d["member_id"],
        d["from"],
        d["to"],
        d.get("reason", ""),
        d["status"],
        d.get("note", ""),
        d.get("decided_by", ""),
    )


class RosterRepository:
    """Rosters and their shifts. A shift is one document; a swap is a conditional update on the
    shift's member and pending partner, so two acceptances cannot both win."""

    def __init__(self, store: DocumentStore, *, outbox: OutboxFactory) -> None:
        self.rosters: Collection = store.collection("training_rosters")
        self.shifts: Collection = store.collection("training_shifts")
        self._shifts_out = outbox(self.shifts)

    def outboxes(self) -> tuple[Outbox, ...]:
        return (self._shifts_out,)

    def ensure_indexes(self) -> None:
        self.shifts.create_index([("settled", ASCENDING), ("ends_at", ASCENDING)])
        self.shifts.create_index([("reminded", ASCENDING), ("starts_at", ASCENDING)])
        self.shifts.create_index([("member_id", ASCENDING), ("starts_at", ASCENDING)])
        self.shifts.create_index([("station_id", ASCENDING), ("starts_at", ASCENDING)])
        self.rosters.create_index([("station_id", ASCENDING), ("created_at", ASCENDING)])

    def roster_page(self, *, station_ids: list[str] | None, size: int, cursor: str) -> Page:
        """Roster documents of these stations (None: every one), newest first."""
        query = {} if station_ids is None else {"station_id": {"$in": station_ids}}
        return read_page(self.rosters, query, sort_field="created_at", size=size, cursor=cursor)

    def new_roster(self, document: Document, shifts: Sequence[Shift]) -> None:
        if shifts:
            self.shifts.insert_many([shift_document(s) for s in shifts])
        self.rosters.insert(document)

    def area_of(self, roster_id: str) -> Circle | Polygon | None:
        d = self.rosters.get(roster_id)
        return None if d is None else _area_from(d.get("area"))

    def shift(self, shift_id: str) -> Shift | None:
        d = self.shifts.get(shift_id)
        return None if d is None else shift_from(d)

    def shifts_of(self, member_ids: Sequence[str], *, from_ms: int = 0) -> list[Shift]:
        found = self.shifts.find(
            {"member_id": {"$in": list(member_ids)}, "ends_at": {"$gt": from_ms}}
        )
        return [shift_from(d) for d in found]

    def counts(self, member_ids: Sequence[str]) -> dict[str, int]:
        counted: dict[str, int] = {}
        for d in self.shifts.find({"member_id": {"$in": list(member_ids)}}):
            counted[d["member_id"]] = counted.get(d["member_id"], 0) + 1
        return counted

    def page(
        self,
        *,
        member_id: str,
        station_ids: list[str] | None,
        from_ms: int,
        to_ms: int,
        size: int,
        cursor: str,
    ) -> Page:
        """Shifts overlapping [from, to) in start order; of one member and/or these stations."""
        query: dict[str, Any] = {}
        if member_id:
            query["member_id"] = member_id
        if station_ids is not None:
            query["station_id"] = {"$in": station_ids}
        if from_ms:
            query["ends_at"] = {"$gt": from_ms}
        if to_ms:
            query["starts_at"] = {"$lt": to_ms}
        page = read_page(
            self.shifts,
            query,
            sort_field="starts_at",
            direction=ASCENDING,
            size=size,
            cursor=cursor,
        )
        return Page(items=[shift_from(d) for d in page.items], next_cursor=page.next_cursor)

    def shift_hours(
        self,
        *,
        from_ms: int,
        to_ms: int,
        station_ids: list[str] | None,
        roster_id: str,
        org_id: str,
        member_id: str,
        limit: int,
    ) -> list[ShiftHours]:
        """Shifts starting in [from, to) as the hours report reads them, at most ``limit``."""
        query: dict[str, Any] = {"starts_at": {"$gte": from_ms, "$lt": to_ms}}
        if station_ids is not None:
            query["station_id"] = {"$in": station_ids}
        narrowed = {"roster_id": roster_id, "org_id": org_id, "member_id": member_id}
        query.update({field: value for field, value in narrowed.items() if value})
        return [
            ShiftHours(
                d["org_id"],
                d["member_id"],
                (d["ends_at"] - d["starts_at"]) // 60_000,
                d.get("minutes_present") if d.get("settled") else None,
            )
            for d in self.shifts.find(query, limit=limit)
        ]

    def ended_unsettled(self, *, now_ms: int, limit: int = 100) -> list[Shift]:
        found = self.shifts.find(
            {"settled": False, "ends_at": {"$lte": now_ms}},
            sort=[("ends_at", ASCENDING)],
            limit=limit,
        )
        return [shift_from(d) for d in found]

    def settle(self, shift: Shift, *, minutes: int, events: Events) -> bool:
        """Record the ended shift's attendance once, with its event; False when another replica
        settled it first."""
        document = self.shifts.find_one_and_update(
            {"_id": shift.shift_id, "settled": False},
            with_events({"$set": {"settled": True, "minutes_present": minutes}}, events),
        )
        if document is None:
            return False
        self._shifts_out.flush(document)
        return True

    def due_reminders(self, *, until_ms: int, now_ms: int, limit: int = 100) -> list[Shift]:
        """Shifts starting between now and ``until_ms`` whose member was not reminded yet."""
        found = self.shifts.find(
            {"reminded": False, "starts_at": {"$lte": until_ms, "$gt": now_ms}},
            sort=[("starts_at", ASCENDING)],
            limit=limit,
        )
        return [shift_from(d) for d in found]

    def remind(self, shift: Shift, events: Events) -> bool:
        document = self.shifts.find_one_and_update(
            {"_id": shift.shift_id, "reminded": False},
            with_events({"$set": {"reminded": True}}, events),
        )
        if document is None:
            return False
        self._shifts_out.flush(document)
        return True

    def settled_minutes(self, shift_id: str) -> int | None:
        d = self.shifts.get(shift_id)
        return d.get("minutes_present") if d and d.get("settled") else None

    def offer_swap(self, shift: Shift, with_member_id: str) -> Shift | None:
        d = self.shifts.find_one_and_update(
            {"_id": shift.shift_id, "member_id": shift.member_id},
            {"$set": {"swap_with": with_member_id}},
        )
        return None if d is None else shift_from(d)

    def accept_swap(self, shift: Shift, member_id: str) -> Shift | None:
        """The shift is ``member_id``'s now, unless it changed hands or offers meanwhile."""
        d = self.shifts.find_one_and_update(
            {"_id": shift.shift_id, "member_id": shift.member_id, "swap_with": member_id},
            {"$set": {"member_id": member_id, "swap_with": ""}},
        )
        return None if d is None else shift_from(d)


def shift_document(shift: Shift) -> Document:
    return {
        "_id": shift.shift_id,
        "roster_id": shift.roster_id,
        "org_id": shift.org_id,
        "member_id": shift.member_id,
        "starts_at": shift.starts_at_ms,
        "ends_at": shift.ends_at_ms,
        "station_id": shift.station_id,
        "swap_with": shift.swap_with,
        "settled": False,
        "reminded": False,
    }


def shift_from(d: Document) -> Shift:
    return Shift(
        d["_id"],
        d["roster_id"],
        d["org_id"],
        d["member_id"],
        d["starts_at"],
        d["ends_at"],
        d.get("station_id", ""),
        d.get("swap_with", ""),
    )


def area_document(area: Circle | Polygon | None) -> dict[str, Any] | None:
    return _area_document(area)


def area_from(document: dict[str, Any] | None) -> Circle | Polygon | None:
    return _area_from(document)


class PatrolLogRepository:
    def __init__(self, store: DocumentStore, *, outbox: OutboxFactory) -> None:
        self.logs: Collection = store.collection("training_patrol_logs")
        self._out = outbox(self.logs)

    def outboxes(self) -> tuple[Outbox, ...]:
        return (self._out,)

    def ensure_indexes(self) -> None:
        self.logs.create_index([("station_id", ASCENDING), ("filed_at", ASCENDING)])
        self.logs.create_index([("cohort_id", ASCENDING)])

    def new_log(self, log: PatrolLog, events: Events) -> PatrolLog:
        document = {**patrol_log_document(log), **stage(events)}
        self.logs.insert(document)
        self._out.flush(document)
        return log

    def of_cohort(self, cohort_id: str) -> list[PatrolLog]:
        return [patrol_log_from(d) for d in self.logs.find({"cohort_id": cohort_id})]

    def between(
        self, *, from_ms: int, to_ms: int, station_ids: list[str] | None, org_id: str
    ) -> list[PatrolLog]:
        query: dict[str, Any] = {"filed_at": {"$gte": from_ms, "$lt": to_ms}}
        if station_ids is not None:
            query["station_id"] = {"$in": station_ids}
        if org_id:
            query["$or"] = [{"org_id": org_id}, {"station_id": org_id}]
        return [patrol_log_from(d) for d in self.logs.find(query)]


def patrol_log_document(log: PatrolLog) -> Document:
    return {
        "_id": log.log_id,
        "member_id": log.member_id,
        "org_id": log.org_id,
        "station_id": log.station_id,
        "shift_id": log.shift_id,
        "cohort_id": log.cohort_id,
        "counts": dict(log.counts),
        "note": log.note,
        "media_ids": list(log.media_ids),
        "filed_at": log.filed_at_ms,
    }


def patrol_log_from(d: Document) -> PatrolLog:
    return PatrolLog(
        d["_id"],
        d["member_id"],
        d.get("org_id", ""),
        d.get("station_id", ""),
        d.get("shift_id", ""),
        d.get("cohort_id", ""),
        dict(d.get("counts", {})),
        d.get("note", ""),
        tuple(d.get("media_ids", ())),
        d["filed_at"],
    )


class PresenceRepository:
    """Patrol presence per grid, local day and hour, counted as location updates arrive.

    ``training_presence_marks`` holds, per member and local day, the minutes already counted
    (``$addToSet``; the document before the update says which minutes are new), and
    ``training_presence`` the per grid and day counters those new minutes are added to. A
    replayed update finds its minute marked and adds nothing. Marks older than a few days are
    deleted: only a replay reaching further back than that could count a minute twice.
    """

    def __init__(self, store: DocumentStore) -> None:
        self.counters: Collection = store.collection("training_presence")
        self.marks: Collection = store.collection("training_presence_marks")

    def ensure_indexes(self) -> None:
        self.counters.create_index([("day", ASCENDING)])
        self.marks.create_index([("day", ASCENDING)])

    def mark(self, member_id: str, day: str, minutes: dict[int, str]) -> dict[int, str]:
        """Mark ``minutes`` (minute of the day -> grid) present for the member; returns those
        that were not marked before."""
        before = self.marks.find_one_and_update(
            {"_id": f"{member_id}|{day}", "day": day},
            {"$addToSet": {"minutes": {"$each": sorted(minutes)}}},
            upsert=True,
            return_new=False,
        )
        known = set(before.get("minutes", ())) if before else set()
        return {m: g for m, g in minutes.items() if m not in known}

    def add(self, day: str, grid_id: str, minutes_by_hour: dict[int, int]) -> None:
        self.counters.find_one_and_update(
            {"_id": f"{grid_id}|{day}", "day": day, "grid_id": grid_id},
            {"$inc": {f"hours.h{hour}": n for hour, n in minutes_by_hour.items()}},
            upsert=True,
        )

    def between(self, days: list[str]) -> list[tuple[str, str, int, int]]:
        """(grid_id, day, hour, minutes) of every counter of these days."""
        found = self.counters.find({"day": {"$gte": days[0], "$lte": days[-1]}})
        return [
            (d["grid_id"], d["day"], int(hour.removeprefix("h")), int(n))
            for d in found
            for hour, n in d.get("hours", {}).items()
        ]

    def forget_marks_before(self, day: str) -> int:
        return self.marks.delete_many({"day": {"$lt": day}})
