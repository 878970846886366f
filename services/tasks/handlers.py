"""Tasks' commands: create, claim, decline, arrive, complete, confirm, cancel, and scoped reads.

Claims are decided by unique inserts (see ``repository``): a member first reserves
``task:member`` (one claim each), then takes the first free of the task's ``capacity`` numbered
slots, so with capacity N exactly N of any number of concurrent claims win, on every replica.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from prometheus_client import Histogram

from services.tasks import model, scene, timers
from services.tasks.events import SOURCE, TASKS_TOPIC, task_updated
from services.tasks.ports import Ports
from shouwang import outbox
from shouwang.clock import to_millis, to_timestamp
from shouwang.errors import Conflict, Forbidden, Gone, InvalidArgument, NotFound
from shouwang.events import Event
from shouwang.ids import new_id
from shouwang.location.v1 import location_pb2
from shouwang.store import Document
from shouwang.store.paging import Page
from shouwang.tasks.v1 import events_pb2

log = logging.getLogger(__name__)

RESPONSE_BUCKETS = (5, 10, 20, 30, 60, 90, 120, 180, 300, 600, 1200)
OFFER_TO_CLAIM = Histogram(
    "shouwang_task_offer_to_claim_seconds",
    "Seconds from a member's offer to their claim.",
    buckets=RESPONSE_BUCKETS,
)
CLAIM_TO_ARRIVAL = Histogram(
    "shouwang_task_claim_to_arrival_seconds",
    "Seconds from a claim to arrival on scene (the 1-3-5 minutes).",
    buckets=RESPONSE_BUCKETS,
)


@dataclass(frozen=True)
class Caller:
    member_id: str
    roles: frozenset[str]
    scope_org_ids: frozenset[str]
    city_wide: bool
    station_id: str

    @property
    def is_officer(self) -> bool:
        return bool(self.roles & {"officer", "admin"})

    def covers(self, station_id: str) -> bool:
        return self.is_officer and (self.city_wide or station_id in self.scope_org_ids)


def create_task(ports: Ports, caller: Caller, request: Any) -> Document:
    if not caller.is_officer:
        raise Forbidden(detail="only officers dispatch tasks")
    errors = model.validate_task(request)
    if errors:
        raise InvalidArgument(detail="the task has invalid fields", errors=errors)
    now = ports.clock.now()
    location = {"lat": request.location.lat, "lon": request.location.lon}
    if request.HasField("area") and request.area.HasField("polygon_geojson"):
        area: dict[str, Any] = {"polygon_geojson": request.area.polygon_geojson}
    elif request.HasField("area"):
        circle = request.area.circle
        area = {
            "circle": {
                "lat": circle.center.lat,
                "lon": circle.center.lon,
                "radius_m": circle.radius_m,
            }
        }
    else:
        area = {"circle": {**location, "radius_m": model.DEFAULT_RADIUS_M}}
    target = {
        "mode": request.target.mode,
        "count": request.target.count,
        "member_ids": list(dict.fromkeys(request.target.member_ids)),
    }
    capacity = request.capacity or 1
    task: Document = {
        "_id": new_id(),
        "title": request.title.strip(),
        "description": request.description,
        "kind": request.kind or "general",
        "priority": request.priority,
        "location": location,
        "area": area,
        "target": target,
        "capacity": capacity,
        "skills": sorted(set(request.skills)),
        "points": request.points if request.has_points else model.default_points(request.priority),
        "status": model.DISPATCHING,
        "station_id": caller.station_id,
        # Who may be offered it: a station's task goes to that station's members only (an
        # officer must not reach, or learn the distance of, another station's people).
        "candidate_stations": [] if caller.city_wide else [caller.station_id],
        "created_by": caller.member_id,
        "created_at": to_millis(now),
        "expires_at": to_millis(
            now + timedelta(seconds=request.expires_in_s or model.DEFAULT_EXPIRY_S)
        ),
        "report_id": request.report_id,
        "wave": 0,
        "radius_m": timers.initial_radius(area, location),
        "widen": model.widens(request),
        "scene_radius_m": request.scene_radius_m or model.SCENE_RADIUS_M,
        "offered": 0,
        "refused": [],
        "step": 0,
        # The first wave goes out in this request, below; other replicas step in only if this
        # one dies before it has, once a lease would have expired.
        "due_at": to_millis(now) + int(ports.lease_s * 1000),
    }
    task.update(outbox.stage([task_updated(task, "created", at=now, participants=[])]))
    ports.tasks.add(task)
    ports.wakeups.remember(task["_id"], task["due_at"])
    # "Within a second": the first wave goes out now, and its flush publishes the staged
    # `created` first, then `offered` (one store write fewer before the offer than flushing
    # `created` alone); the timer takes over after the first wave.
    timers.run_due(ports, task)
    created = ports.tasks.get(task["_id"]) or task
    ports.outboxes.tasks.flush(created)  # the first wave did not run (no lease): flush alone
    log.info("task created", extra={"task_id": task["_id"], "mode": target["mode"]})
    return created


def claim_task(ports: Ports, caller: Caller, task_id: str) -> Document:
    task = _existing_task(ports, task_id)
    now = ports.clock.now()
    if task["status"] in (model.CANCELLED, model.EXPIRED) or to_millis(now) >= task["expires_at"]:
        raise Gone(detail="the task has expired or was cancelled")
    if task["status"] not in model.OPEN:
        raise Conflict(detail=f"the task is {task['status']}")
    offer = ports.tasks.offer(task_id, caller.member_id)
    if offer is None:
        raise Conflict(detail="this task was not offered to you")
    claims = ports.tasks.claims_of(task)
    if any(c["member_id"] == caller.member_id for c in claims):
        return task  # a retried claim: the member holds a slot already
    if offer.get("declined_at"):
        raise Conflict(detail="you declined this task")
    if len(claims) >= task["capacity"]:  # decided without a write: slots are never freed
        raise Conflict(detail="the task is already fully claimed")
    if ports.tasks.active_claims_of(caller.member_id):
        raise Conflict(detail="finish your current task first")
    if not ports.tasks.reserve_claimant(task_id, caller.member_id, at_ms=to_millis(now)):
        raise Conflict(detail="your claim is being processed")
    waited = (to_millis(now) - offer["offered_at"]) / 1000
    participants = [*_participants(ports, task_id), caller.member_id]
    claimed_event = task_updated(
        {**task, "status": model.CLAIMED},
        "claimed",
        at=now,
        participants=participants,
        member_id=caller.member_id,
        seconds=waited,
    )
    claim = {
        "member_id": caller.member_id,
        "claimed_at": to_millis(now),
        "offered_at": offer["offered_at"],
        "offer_to_claim_s": waited,
        "arrived_at": None,
        "claim_to_arrival_s": None,
        "active": True,
        **outbox.stage([claimed_event]),
    }
    for slot in range(len(claims), task["capacity"]):
        if ports.tasks.take_slot(task_id, slot, claim):
            break
    else:
        ports.tasks.release_claimant(task_id, caller.member_id)
        raise Conflict(detail="the task is already fully claimed")
    OFFER_TO_CLAIM.observe(waited)
    ports.outboxes.claims.flush({"_id": f"{task_id}:slot:{slot}", **claim})
    ports.tasks.update(task_id, {"status": model.DISPATCHING}, {"$set": {"status": model.CLAIMED}})
    ports.location.SetBusy(location_pb2.SetBusyRequest(member_id=caller.member_id, busy=True))
    scene.watch(ports, task)
    log.info("task claimed", extra={"task_id": task_id, "member_id": caller.member_id})
    return ports.tasks.get(task_id) or task


def decline_task(ports: Ports, caller: Caller, task_id: str) -> Document:
    task = _existing_task(ports, task_id)
    if ports.tasks.claim(task, caller.member_id) is not None:
        raise Conflict(detail="you claimed this task; ask the dispatcher to release you")
    now = ports.clock.now()
    event = task_updated(
        task,
        "declined",
        at=now,
        participants=_participants(ports, task_id),
        member_id=caller.member_id,
    )
    offer = _decline(ports, task_id, caller.member_id, now_ms=to_millis(now), event=event)
    if offer is None:
        raise Conflict(detail="this task is not offered to you, or you declined it already")
    # Everyone of this wave said no: the next wave need not wait for the timeout.
    claimants = {c["member_id"] for c in ports.tasks.claims_of(task)}
    pending = [
        o
        for o in ports.tasks.offers_of(task_id)
        if o["wave"] == task["wave"]
        and not o.get("declined_at")
        and o["member_id"] not in claimants
    ]
    if not pending and task["status"] in (model.DISPATCHING, model.CLAIMED):
        ports.tasks.update(task_id, {"step": task["step"]}, {"$set": {"due_at": to_millis(now)}})
        ports.wakeups.remember(task_id, to_millis(now))
    return ports.tasks.get(task_id) or task


def arrive(ports: Ports, task_id: str, member_id: str) -> Document | None:
    """Mark a claimant on scene (manual, or their fixes entered the scene geofence)."""
    task = ports.tasks.get(task_id)
    claim = None if task is None else ports.tasks.claim(task, member_id)
    if claim is None or task is None or claim.get("arrived_at"):
        return task
    now = ports.clock.now()
    seconds = (to_millis(now) - claim["claimed_at"]) / 1000
    event = task_updated(
        {**task, "status": model.ON_SCENE},
        "arrived",
        at=now,
        participants=_participants(ports, task_id),
        member_id=member_id,
        seconds=seconds,
    )
    arrived = ports.tasks.mark_arrived(
        claim["_id"], at_ms=to_millis(now), seconds=seconds, events=[event]
    )
    if arrived is None:
        return task
    CLAIM_TO_ARRIVAL.observe(seconds)
    ports.outboxes.claims.flush(arrived)
    ports.tasks.update(task_id, {"status": model.CLAIMED}, {"$set": {"status": model.ON_SCENE}})
    return ports.tasks.get(task_id)


def arrive_manually(ports: Ports, caller: Caller, task_id: str) -> Document:
    task = _existing_task(ports, task_id)
    if ports.tasks.claim(task, caller.member_id) is None:
        raise Conflict(detail="only a claimant can arrive")
    if task["status"] not in model.OPEN:
        raise Conflict(detail=f"the task is {task['status']}")
    return arrive(ports, task_id, caller.member_id) or task


def complete_task(
    ports: Ports, caller: Caller, task_id: str, *, note: str, media_ids: list[str]
) -> Document:
    task = _existing_task(ports, task_id)
    if ports.tasks.claim(task, caller.member_id) is None:
        raise Conflict(detail="only a claimant can complete the task")
    if len(note) > 2000 or len(media_ids) > 9:
        raise InvalidArgument(detail="a note of at most 2000 characters and up to 9 photos")
    return _transition(
        ports,
        task,
        to=model.RESOLVED,
        allowed=(model.CLAIMED, model.ON_SCENE),
        change="resolved",
        member_id=caller.member_id,
        extra={"note": note, "media_ids": media_ids, "resolved_by": caller.member_id},
    )


def confirm_task(ports: Ports, caller: Caller, task_id: str) -> Document:
    task = _task_for_officer(ports, caller, task_id)
    closed = _transition(
        ports,
        task,
        to=model.CLOSED,
        allowed=(model.RESOLVED,),
        change=None,
        extra={"closed_by": caller.member_id},
        event=_closed_event(ports, task, officer_id=caller.member_id),
    )
    scene.release(ports, task)
    return closed


def cancel_task(ports: Ports, caller: Caller, task_id: str) -> Document:
    task = _task_for_officer(ports, caller, task_id)
    cancelled = _transition(
        ports,
        task,
        to=model.CANCELLED,
        allowed=(*model.OPEN, model.RESOLVED),
        change="cancelled",
        extra={"cancelled_by": caller.member_id, "due_at": None},
    )
    scene.release(ports, task)
    return cancelled


def visible_task(ports: Ports, caller: Caller, task_id: str) -> Document:
    task = ports.tasks.get(task_id)
    if task is None:
        raise NotFound(detail="no such task")
    if caller.covers(task["station_id"]) or ports.tasks.offer(task_id, caller.member_id):
        return task
    raise NotFound(detail="no such task")


def list_tasks(ports: Ports, caller: Caller, *, status: str, size: int, cursor: str) -> Page:
    """A page of the officer's scope's tasks, or of those offered to the member."""
    if not caller.is_officer:
        return _tasks_offered_to(ports, caller.member_id, status=status, size=size, cursor=cursor)
    query: dict[str, Any] = (
        {} if caller.city_wide else {"station_id": {"$in": sorted(caller.scope_org_ids)}}
    )
    if status:
        query["status"] = status
    return ports.tasks.page(query, size=size, cursor=cursor)


def _tasks_offered_to(ports: Ports, member_id: str, *, status: str, size: int, cursor: str) -> Page:
    """A member's tasks page by their offers (newest offer first), each task read by id; with a
    status asked a page may hold fewer than ``size`` tasks and still have a next one."""
    offers = ports.tasks.offers_to(member_id, size=size, cursor=cursor)
    found = (ports.tasks.get(offer["task_id"]) for offer in offers.items)
    tasks = [t for t in found if t is not None and (not status or t["status"] == status)]
    return Page(items=tasks, next_cursor=offers.next_cursor)


def _decline(
    ports: Ports, task_id: str, member_id: str, *, now_ms: int, event: tuple[str, Event]
) -> Document | None:
    declined = ports.tasks.decline(task_id, member_id, at_ms=now_ms, events=[event])
    if declined is not None:
        ports.outboxes.offers.flush(declined)
    return declined


def _transition(
    ports: Ports,
    task: Document,
    *,
    to: str,
    allowed: tuple[str, ...],
    change: str | None,
    member_id: str = "",
    extra: dict[str, Any] | None = None,
    event: Any = None,
) -> Document:
    if task["status"] not in allowed:
        if task["status"] == model.EXPIRED:
            raise Gone(detail="the task expired")
        raise Conflict(detail=f"the task is {task['status']}; it cannot become {to}")
    now = ports.clock.now()
    after = {**task, "status": to}
    events = (
        [event]
        if event
        else [
            task_updated(
                after,
                change or to,
                at=now,
                participants=_participants(ports, task["_id"]),
                member_id=member_id,
            )
        ]
    )
    updated = ports.tasks.update(
        task["_id"],
        {"status": task["status"]},
        outbox.with_events(
            {"$set": {"status": to, f"{to}_at": to_millis(now), **(extra or {})}}, events
        ),
    )
    if updated is None:
        raise Conflict(detail="the task changed meanwhile; reload it")
    ports.outboxes.tasks.flush(updated)
    return updated


def _closed_event(ports: Ports, task: Document, *, officer_id: str) -> tuple[str, Event]:
    now = ports.clock.now()
    claimants = [
        events_pb2.Claimant(
            member_id=c["member_id"],
            arrived=bool(c.get("arrived_at")),
            arrival_seconds=int(c.get("claim_to_arrival_s") or 0),
        )
        for c in ports.tasks.claims_of(task)
    ]
    return TASKS_TOPIC, Event(
        type="shouwang.task.closed",
        source=SOURCE,
        subject=task["_id"],
        time=now,
        data=events_pb2.TaskClosed(
            task_id=task["_id"],
            priority=task["priority"],
            points=task["points"],
            claimants=claimants,
            closed_at=to_timestamp(now),
            station_id=task["station_id"],
            officer_id=officer_id,
        ),
    )


def _existing_task(ports: Ports, task_id: str) -> Document:
    task = ports.tasks.get(task_id)
    if task is None:
        raise NotFound(detail="no such task")
    return task


def _task_for_officer(ports: Ports, caller: Caller, task_id: str) -> Document:
    task = ports.tasks.get(task_id)
    if task is None or not caller.covers(task["station_id"]):
        if not caller.is_officer:
            raise Forbidden(detail="only officers do this")
        raise NotFound(detail="no such task")
    return task


def _participants(ports: Ports, task_id: str) -> list[str]:
    return [o["member_id"] for o in ports.tasks.offers_of(task_id)]
