"""Due work of tasks — the next wave, expiry — kept in the store so it survives crashes and is
shared by replicas. Each task carries ``step`` and ``due_at``; whoever runs a due step first takes
the lease ``task:step:attempt`` by a unique insert. A replica killed mid-step leaves its lease to
expire, and the next replica takes ``attempt + 1`` and runs the step again: offers are unique
inserts and the wave's event id is derived from the step, so a repeated step offers nobody twice.
"""

from __future__ import annotations

import json
import logging
from typing import Any

from shapely.geometry import shape

from services.tasks import dispatch, model, scene
from services.tasks.events import SOURCE, TASKS_TOPIC, task_updated
from services.tasks.ports import Ports
from shouwang import outbox
from shouwang.clock import from_millis, to_millis, to_timestamp
from shouwang.events import Event
from shouwang.geo import haversine_m
from shouwang.identity.v1 import identity_pb2
from shouwang.ids import derived_id
from shouwang.location.v1 import location_pb2
from shouwang.store import Document
from shouwang.tasks.v1 import events_pb2

log = logging.getLogger(__name__)

MAX_ATTEMPTS = 20


def tick(ports: Ports) -> int:
    """Run the due steps this replica scheduled itself, each task read by id; returns how many
    it ran. Cheap enough to run several times a second on any store."""
    now_ms = to_millis(ports.clock.now())
    ran = 0
    for task_id in ports.wakeups.pop_due(now_ms):
        task = ports.tasks.get(task_id)
        if task is None or task["due_at"] is None:
            continue
        if task["due_at"] > now_ms:  # rescheduled meanwhile (perhaps by another replica)
            ports.wakeups.remember(task_id, task["due_at"])
        elif run_due(ports, task):
            ran += 1
    return ran


def sweep(ports: Ports) -> int:
    """Run every due step in the store that this replica can lease — those of a replica that
    died, or that this one forgot in a restart; returns how many it ran."""
    ran = 0
    for task in ports.tasks.due(now_ms=to_millis(ports.clock.now())):
        if run_due(ports, task):
            ran += 1
    return ran


def run_due(ports: Ports, task: Document) -> bool:
    attempt = _lease(ports, task)
    if attempt is None:
        return False
    try:
        # A task's first wave on its first attempt can have no offers or claims yet: skip
        # reading them (on FerretDB each read scans the collection).
        _step(ports, task, untouched=task["wave"] == 0 and attempt == 0)
    finally:
        ports.tasks.finish_lease(task["_id"], task["step"], attempt)
    return True


def initial_radius(area: dict[str, Any], location: dict[str, float]) -> float:
    """Search radius of the first wave: the circle's, or reaching the polygon's farthest corner."""
    if "circle" in area:
        return float(area["circle"]["radius_m"])
    minx, miny, maxx, maxy = shape(json.loads(area["polygon_geojson"])).bounds
    return max(
        float(haversine_m(location["lat"], location["lon"], lat, lon))
        for lat in (miny, maxy)
        for lon in (minx, maxx)
    )


def _lease(ports: Ports, task: Document) -> int | None:
    now_ms = to_millis(ports.clock.now())
    expires = now_ms + int(ports.lease_s * 1000)
    for attempt in range(MAX_ATTEMPTS):
        if ports.tasks.take_lease(
            task["_id"], task["step"], attempt, expires_at_ms=expires, holder=ports.replica_id
        ):
            return attempt
        held = ports.tasks.lease(task["_id"], task["step"], attempt)
        if held is None or held["done"] or held["expires_at"] > now_ms:
            return None  # done, or someone is on it
    return None


def _step(ports: Ports, task: Document, *, untouched: bool) -> None:
    now = ports.clock.now()
    now_ms = to_millis(now)
    if task["status"] in model.FINISHED or task["status"] == model.RESOLVED:
        _schedule(ports, task, due_at=None)
        return
    if now_ms >= task["expires_at"]:
        _expire(ports, task)
        return
    claims = [] if untouched else ports.tasks.claims_of(task)
    mode = task["target"]["mode"]
    more_waves = mode == "nearest" and len(claims) < task["capacity"]
    if task["wave"] == 0 or more_waves:
        _send_wave(ports, task, claims, [] if untouched else ports.tasks.offers_of(task["_id"]))
    else:
        _schedule(ports, task, due_at=task["expires_at"])


def _send_wave(
    ports: Ports, task: Document, claims: list[Document], all_offers: list[Document]
) -> None:
    now = ports.clock.now()
    mode = task["target"]["mode"]
    wave = task["wave"] + 1
    offered = {o["member_id"] for o in all_offers}
    # A replica that died after offering this wave left its offers: finish its step with them.
    resumed = [o for o in all_offers if o["wave"] == wave]
    refused: list[dict[str, str]] = []
    radius = task["radius_m"]
    unfilled = False
    if resumed:
        offer_to = []
    elif mode == "nearest":
        # Tasks from before `widen` existed widened, as all did then.
        widen = task.get("widen", True)
        plan = dispatch.plan_wave(
            count=task["target"]["count"],
            radius_m=radius,
            max_radius_m=dispatch.MAX_SEARCH_RADIUS_M if widen else radius,
            search=lambda r: _candidates(
                ports,
                task,
                radius_m=r,
                exclude=offered,
                inside_area=not widen or r <= task["radius_m"],
            ),
        )
        offer_to, radius, unfilled = plan.offer_to, plan.radius_m, plan.unfilled
    elif mode == "area":
        offer_to = _candidates(
            ports, task, radius_m=radius, exclude=offered, inside_area=True, everyone=True
        )
    else:
        offer_to, refused = _named(ports, task)
    offers = list(resumed)
    for member_id, distance in offer_to:
        offer = {
            "_id": f"{task['_id']}:{member_id}",
            "task_id": task["_id"],
            "member_id": member_id,
            "distance_m": round(distance, 1),
            "wave": wave,
            "offered_at": to_millis(now),
            "declined_at": None,
        }
        if ports.tasks.add_offer(offer):
            offers.append(offer)
    events: list[tuple[str, Event]] = []
    if offers:
        events.append(
            (
                TASKS_TOPIC,
                Event(
                    type="shouwang.task.offered",
                    source=SOURCE,
                    subject=task["_id"],
                    time=now,
                    id=derived_id("offered", task["_id"], str(task["step"])),
                    data=events_pb2.TaskOffered(
                        task_id=task["_id"],
                        wave=wave,
                        radius_m=radius,
                        station_id=task["station_id"],
                        title=task["title"],
                        priority=task["priority"],
                        lat=task["location"]["lat"],
                        lon=task["location"]["lon"],
                        expires_at=to_timestamp(from_millis(task["expires_at"])),
                        offers=[
                            events_pb2.Offer(
                                member_id=o["member_id"], distance_m=o["distance_m"], wave=wave
                            )
                            for o in offers
                        ],
                    ),
                ),
            )
        )
    # Lists show this count without reading the offers.
    changes: dict[str, Any] = {
        "wave": wave,
        "radius_m": radius,
        "offered": len(offered | {o["member_id"] for o in offers}),
    }
    if refused:
        changes["refused"] = refused
    if not offers and not claims and (unfilled or mode != "nearest"):
        changes["status"] = model.UNFILLED
        events.append(
            task_updated(
                {**task, "status": model.UNFILLED},
                "unfilled",
                at=now,
                participants=[],
                event_id=derived_id("unfilled", task["_id"]),
            )
        )
        due_at = None
    elif mode == "nearest" and not unfilled:
        timeout_ms = int(ports.timeouts.for_priority(task["priority"]) * 1000)
        due_at = min(to_millis(now) + timeout_ms, task["expires_at"])
    else:
        due_at = task["expires_at"]
    _schedule(ports, task, due_at=due_at, changes=changes, events=events)
    if offers:
        log.info("wave sent", extra={"task_id": task["_id"], "wave": wave, "offers": len(offers)})


def _candidates(
    ports: Ports,
    task: Document,
    *,
    radius_m: float,
    exclude: set[str],
    inside_area: bool,
    everyone: bool = False,
) -> list[tuple[str, float]]:
    location = task["location"]
    request = location_pb2.NearestRequest(
        lat=location["lat"],
        lon=location["lon"],
        radius_m=radius_m,
        skills=task["skills"],
        station_ids=candidate_stations(task),
        exclude_member_ids=sorted(exclude),
        k=10_000 if everyone else task["target"]["count"],
    )
    if inside_area:
        area = task["area"]
        if "circle" in area:
            c = area["circle"]
            request.area.circle.CopyFrom(
                location_pb2.Circle(lat=c["lat"], lon=c["lon"], radius_m=c["radius_m"])
            )
        else:
            request.area.polygon_geojson = area["polygon_geojson"]
    reply = ports.location.Nearest(request)
    return [(c.member_id, c.distance_m) for c in reply.candidates]


def candidate_stations(task: Document) -> list[str]:
    """The stations whose members may be offered the task; empty: the whole city (an admin's).
    Tasks from before this was stored are their station's alone."""
    if "candidate_stations" in task:
        return list(task["candidate_stations"])
    return [task["station_id"]] if task["station_id"] else []


def _named(ports: Ports, task: Document) -> tuple[list[tuple[str, float]], list[dict[str, str]]]:
    """``members`` target: offer the named people who are eligible; report why others are not."""
    named = task["target"]["member_ids"]
    stations = set(candidate_stations(task))
    eligible_nearby = dict(
        _candidates(
            ports,
            task,
            radius_m=dispatch.MAX_SEARCH_RADIUS_M * 5,
            exclude=set(),
            inside_area=False,
            everyone=True,
        )
    )
    chosen, refused = [], []
    for member_id in named:
        verdict = ports.identity.CheckEligibility(
            identity_pb2.CheckEligibilityRequest(member_id=member_id)
        )
        if not verdict.eligible:
            refused.append({"member_id": member_id, "reason": verdict.reason or "not eligible"})
        elif stations and not _member_of(ports, member_id, stations):
            refused.append({"member_id": member_id, "reason": "not a member of the task's station"})
        elif member_id not in eligible_nearby:
            refused.append(
                {
                    "member_id": member_id,
                    "reason": "not on duty with a fresh fix, busy, or lacks the skills",
                }
            )
        else:
            chosen.append((member_id, eligible_nearby[member_id]))
    return chosen, refused


def _member_of(ports: Ports, member_id: str, stations: set[str]) -> bool:
    member = ports.identity.GetMember(identity_pb2.GetMemberRequest(member_id=member_id))
    return bool(member.station_id) and member.station_id in stations


def _expire(ports: Ports, task: Document) -> None:
    now = ports.clock.now()
    event = task_updated(
        {**task, "status": model.EXPIRED},
        "expired",
        at=now,
        participants=[o["member_id"] for o in ports.tasks.offers_of(task["_id"])],
        event_id=derived_id("expired", task["_id"]),
    )
    _schedule(
        ports,
        task,
        due_at=None,
        changes={"status": model.EXPIRED, "expired_at": to_millis(now)},
        events=[event],
    )
    scene.release(ports, task)


def _schedule(
    ports: Ports,
    task: Document,
    *,
    due_at: int | None,
    changes: dict[str, Any] | None = None,
    events: list[tuple[str, Event]] | None = None,
) -> None:
    updated = ports.tasks.update(
        task["_id"],
        {"step": task["step"]},
        outbox.with_events(
            {"$set": {**(changes or {}), "due_at": due_at}, "$inc": {"step": 1}}, events or []
        ),
    )
    if updated is not None:
        if due_at is not None:
            ports.wakeups.remember(task["_id"], due_at)
        ports.outboxes.tasks.flush(updated)
