"""Due work of tasks — the next wave, expiry — kept in the store so it survives crashes and is
shared by replicas. Each task carries ``step`` and ``due_at``; whoever runs a due step first takes
the lease ``task:step:attempt`` by a unique insert. A replica killed mid-step leaves its lease to
expire, and the next replica takes ``attempt + 1`` and runs the step again: offers are unique
inserts and the wave's event id is derived from the step, so a repeated step offers nobody twice.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import replace
from datetime import datetime
from typing import Any

from services.tasks import dispatch, model, scene
from services.tasks.dispatch import WavePlan
from services.tasks.events import task_offered, task_updated, told_to_offered
from services.tasks.model import Circle, Offer, Refusal, Task
from services.tasks.ports import Ports
from shouwang.clock import to_millis
from shouwang.events import Event
from shouwang.identity.v1 import identity_pb2
from shouwang.ids import derived_id
from shouwang.location.v1 import location_pb2

log = logging.getLogger(__name__)

MAX_ATTEMPTS = 20


def tick(ports: Ports) -> int:
    """Run the due steps this replica scheduled itself, each task read by id; returns how many
    it ran. Cheap enough to run several times a second on any store."""
    now_ms = to_millis(ports.clock.now())
    ran = 0
    for task_id in ports.wakeups.pop_due(now_ms):
        task = ports.tasks.get(task_id)
        if task is None or task.due_at_ms is None:
            continue
        if task.due_at_ms > now_ms:  # rescheduled meanwhile (perhaps by another replica)
            ports.wakeups.remember(task_id, task.due_at_ms)
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


def run_due(ports: Ports, task: Task) -> bool:
    attempt = _lease(ports, task)
    if attempt is None:
        return False
    # A task's first wave on its first attempt can have no offers or claims yet: skip reading
    # them (on FerretDB each read scans the collection).
    _step(ports, task, untouched=task.wave == 0 and attempt == 0)
    # Only a step that ran to its end finishes its lease. One that raised (location, the store
    # or the broker away) leaves it to expire, and a sweep runs the step again as the next
    # attempt; finishing it anyway left the task waiting for a step nobody would run (seen in
    # tests/faults: tasks "dispatching" forever after a broker outage).
    ports.tasks.finish_lease(task.task_id, task.step, attempt)
    return True


def _lease(ports: Ports, task: Task) -> int | None:
    now_ms = to_millis(ports.clock.now())
    expires = now_ms + int(ports.lease_s * 1000)
    for attempt in range(MAX_ATTEMPTS):
        if ports.tasks.take_lease(
            task.task_id, task.step, attempt, expires_at_ms=expires, holder=ports.replica_id
        ):
            return attempt
        if not ports.tasks.lease_is_free(task.task_id, task.step, attempt, now_ms=now_ms):
            return None  # done, or someone is on it
    return None


def _step(ports: Ports, task: Task, *, untouched: bool) -> None:
    if not model.is_timed(task):
        _reschedule(ports, task, due_at=None)
    elif task.expired_at(to_millis(ports.clock.now())):
        _expire(ports, task)
    else:
        claims = [] if untouched else ports.tasks.claims_of(task)
        more_waves = task.target.mode == "nearest" and len(claims) < task.capacity
        if task.wave == 0 or more_waves:
            offers = [] if untouched else ports.tasks.all_offers_of(task.task_id)
            _send_wave(ports, task, any_claims=bool(claims), all_offers=offers)
        else:
            _reschedule(ports, task, due_at=task.expires_at_ms)


def _send_wave(ports: Ports, task: Task, *, any_claims: bool, all_offers: list[Offer]) -> None:
    now = ports.clock.now()
    wave = task.wave + 1
    offered = {o.member_id for o in all_offers}
    # A replica that died after offering this wave left its offers: finish its step with them.
    resumed = [o for o in all_offers if o.wave == wave]
    plan = WavePlan(radius_m=task.radius_m, offer_to=[]) if resumed else _plan(ports, task, offered)
    offers = resumed + _offer(ports, task, plan, wave=wave, at_ms=to_millis(now))
    unfilled, due_at = dispatch.after_wave(
        mode=task.target.mode,
        offered=bool(offers),
        claimed=any_claims,
        exhausted=plan.unfilled,
        now_ms=to_millis(now),
        timeout_ms=int(ports.timeouts.for_priority(task.priority) * 1000),
        expires_at_ms=task.expires_at_ms,
    )
    offered_ids = tuple(
        dict.fromkeys([*(task.offered_ids or ()), *(o.member_id for o in all_offers + offers)])
    )
    changes: dict[str, Any] = {
        "wave": wave,
        "radius_m": plan.radius_m,
        # Lists show this count, and events are told to these, without reading the offers.
        "offered": len(offered_ids),
        "offered_ids": offered_ids,
        **({"refused": plan.refused} if plan.refused else {}),
        **({"status": model.UNFILLED} if unfilled else {}),
    }
    events = _wave_events(task, offers, plan, wave=wave, unfilled=unfilled, at=now)
    _reschedule(ports, task, due_at=due_at, events=events, **changes)
    if offers:
        log.info("wave sent", extra={"task_id": task.task_id, "wave": wave, "offers": len(offers)})


def _offer(ports: Ports, task: Task, plan: WavePlan, *, wave: int, at_ms: int) -> list[Offer]:
    """The plan's offers, less anyone offered the task before."""
    made = (
        ports.tasks.record_offer(task, member_id, distance_m=distance, wave=wave, at_ms=at_ms)
        for member_id, distance in plan.offer_to
    )
    return [offer for offer in made if offer is not None]


def _wave_events(
    task: Task, offers: list[Offer], plan: WavePlan, *, wave: int, unfilled: bool, at: datetime
) -> list[tuple[str, Event]]:
    """``offered`` (ids derived from the step, so a repeated step announces it once), then
    ``unfilled`` when nobody is left."""
    events: list[tuple[str, Event]] = []
    if offers:
        event_id = derived_id("offered", task.task_id, str(task.step))
        events.append(
            task_offered(task, offers, wave=wave, radius_m=plan.radius_m, at=at, event_id=event_id)
        )
    if unfilled:
        after = replace(task, status=model.UNFILLED)
        event_id = derived_id("unfilled", task.task_id)
        events.append(task_updated(after, "unfilled", at=at, participants=[], event_id=event_id))
    return events


def _plan(ports: Ports, task: Task, offered: set[str]) -> WavePlan:
    """Whom the next wave offers the task to, by its target's mode."""
    mode = task.target.mode
    if mode == "nearest":
        return dispatch.plan_wave(
            count=task.target.count,
            radius_m=task.radius_m,
            max_radius_m=dispatch.MAX_SEARCH_RADIUS_M if task.widen else task.radius_m,
            search=lambda r: _candidates(
                ports,
                task,
                radius_m=r,
                exclude=offered,
                inside_area=not task.widen or r <= task.radius_m,
            ),
        )
    if mode == "area":
        everyone = _candidates(
            ports, task, radius_m=task.radius_m, exclude=offered, inside_area=True, everyone=True
        )
        return WavePlan(radius_m=task.radius_m, offer_to=everyone)
    chosen, refused = _named(ports, task)
    return WavePlan(radius_m=task.radius_m, offer_to=chosen, refused=refused)


def _candidates(
    ports: Ports,
    task: Task,
    *,
    radius_m: float,
    exclude: set[str],
    inside_area: bool,
    everyone: bool = False,
    among: Sequence[str] = (),
) -> list[tuple[str, float]]:
    request = location_pb2.NearestRequest(
        lat=task.location.lat,
        lon=task.location.lon,
        radius_m=radius_m,
        skills=task.skills,
        station_ids=task.candidate_stations,
        exclude_member_ids=sorted(exclude),
        k=10_000 if everyone else task.target.count,
        member_ids=among,
    )
    if inside_area and isinstance(task.area, Circle):
        c = task.area
        request.area.circle.CopyFrom(location_pb2.Circle(lat=c.lat, lon=c.lon, radius_m=c.radius_m))
    elif inside_area:
        request.area.polygon_geojson = task.area.geojson
    reply = ports.location.Nearest(request)
    return [(c.member_id, c.distance_m) for c in reply.candidates]


def _named(ports: Ports, task: Task) -> tuple[list[tuple[str, float]], tuple[Refusal, ...]]:
    """``members`` target: offer the named people who are eligible; report why others are not."""
    stations = set(task.candidate_stations)
    # Asked about the named alone: among everyone nearby, k would leave out the farthest of
    # them once more than k others were eligible (a city with 10,000 on duty). k stays
    # everyone's, so a location replica older than ``member_ids`` answers as it did.
    eligible_nearby = dict(
        _candidates(
            ports,
            task,
            radius_m=dispatch.MAX_SEARCH_RADIUS_M * 5,
            exclude=set(),
            inside_area=False,
            everyone=True,
            among=task.target.member_ids,
        )
    )
    chosen, refused = [], []
    for member_id in task.target.member_ids:
        verdict = ports.identity.CheckEligibility(
            identity_pb2.CheckEligibilityRequest(member_id=member_id)
        )
        if not verdict.eligible:
            refused.append(Refusal(member_id, verdict.reason or "not eligible"))
        elif stations and not _member_of(ports, member_id, stations):
            refused.append(Refusal(member_id, "not a member of the task's station"))
        elif member_id not in eligible_nearby:
            refused.append(
                Refusal(member_id, "not on duty with a fresh fix, busy, or lacks the skills")
            )
        else:
            chosen.append((member_id, eligible_nearby[member_id]))
    return chosen, tuple(refused)


def _member_of(ports: Ports, member_id: str, stations: set[str]) -> bool:
    member = ports.identity.GetMember(identity_pb2.GetMemberRequest(member_id=member_id))
    return bool(member.station_id) and member.station_id in stations


def _expire(ports: Ports, task: Task) -> None:
    now = ports.clock.now()
    expired = told_to_offered(
        ports,
        task,
        "expired",
        at=now,
        becomes=model.EXPIRED,
        event_id=derived_id("expired", task.task_id),
    )
    _reschedule(
        ports, task, due_at=None, events=[expired], status=model.EXPIRED, expired_at=to_millis(now)
    )
    scene.release(ports, task)


def _reschedule(
    ports: Ports,
    task: Task,
    *,
    due_at: int | None,
    events: list[tuple[str, Event]] | None = None,
    **changes: Any,
) -> None:
    updated = ports.tasks.reschedule(task, due_at_ms=due_at, events=events or [], **changes)
    if updated is not None and due_at is not None:
        ports.wakeups.remember(task.task_id, due_at)
