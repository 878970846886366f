"""Roster use cases: generate a roster's shifts fairly from its units' members, read shifts, and
swap a shift between two members with the other's acceptance."""

from __future__ import annotations

from datetime import date, datetime, time
from typing import Any

from services.training import events, hours, model, patrol_windows
from services.training.handlers import Caller, area_from_proto
from services.training.model import Shift, Window
from services.training.ports import Ports
from services.training.repository import area_document
from shouwang.clock import to_millis
from shouwang.errors import Conflict, FieldError, Forbidden, InvalidArgument, NotFound
from shouwang.identity.v1 import identity_pb2
from shouwang.ids import new_id
from shouwang.location.v1 import location_pb2
from shouwang.store.paging import Page

MAX_MEMBERS_PER_ORG = 2000


def create_roster(ports: Ports, caller: Caller, request: Any) -> tuple[dict[str, Any], list]:
    """``request`` is a CreateRosterRequest; returns the stored roster and its unfilled windows."""
    if not caller.is_officer:
        raise Forbidden(detail="only officers may make a roster")
    hotspot = None
    if request.HasField("from_hotspots"):
        hotspot = patrol_windows.window_for_roster(
            caller=caller,
            recommendation_id=request.from_hotspots.recommendation_id,
            grid_id=request.from_hotspots.grid_id,
            tasks=ports.tasks,
            presence=ports.presence,
            grids=ports.grids,
            clock=ports.clock,
        )
        weekdays = tuple(request.from_hotspots.weekdays) or tuple(range(1, 8))
        window = Window(weekdays, _hhmm(hotspot.start, "shifts"), _hhmm(hotspot.end, "shifts"))
    else:
        window = Window(
            tuple(request.shifts.weekdays),
            _hhmm(getattr(request.shifts, "from"), "shifts.from"),
            _hhmm(request.shifts.to, "shifts.to"),
        )
    org_ids = list(dict.fromkeys(request.org_ids))
    months = request.months or 1
    model.validate_roster(request.name, org_ids, window, request.per_org_per_month, months)
    if hotspot is not None and request.area.WhichOneof("shape") is None:
        area: model.Area = model.Polygon(hotspot.grid.geometry_json)  # the grid is the area
    else:
        area = _roster_area(request.area)
    first = _day(request.starts_on) if request.starts_on else ports.clock.now().date()
    members = {org: _verified_members(ports, caller, org) for org in org_ids}
    everyone = sorted({m for people in members.values() for m in people})
    slots = window.slots(first, model.months_of(first, months)[-1][1])
    start_ms = slots[0][0] if slots else 0
    assignments, unfilled = model.generate_shifts(
        members,
        window,
        first=first,
        months=months,
        per_org_per_month=request.per_org_per_month,
        busy=_busy(ports, everyone, from_ms=start_ms),
        done=ports.rosters.counts(everyone),
    )
    roster_id = new_id()
    shifts = [
        Shift(new_id(), roster_id, a.org_id, a.member_id, a.starts_at_ms, a.ends_at_ms,
              caller.station_id)
        for a in assignments
    ]  # fmt: skip
    document = {
        "_id": roster_id,
        "name": request.name,
        "org_ids": org_ids,
        "area": area_document(area),
        "weekdays": list(window.weekdays),
        "from": window.start.strftime("%H:%M"),
        "to": window.end.strftime("%H:%M"),
        "per_org_per_month": request.per_org_per_month,
        "starts_on": first.isoformat(),
        "months": months,
        "station_id": caller.station_id,
        "created_by": caller.member_id,
        "created_at": to_millis(ports.clock.now()),
        "grid_id": hotspot.grid.grid_id if hotspot else "",
        "shift_count": len(shifts),
    }
    ports.rosters.new_roster(document, shifts)
    return {**document, "shifts": shifts}, unfilled


def _roster_area(message: Any) -> model.Area:
    if message.WhichOneof("shape") is None:
        raise InvalidArgument(
            detail="a roster patrols an area", errors=[FieldError("area", "required")]
        )
    area = area_from_proto(message)
    if isinstance(area, model.Polygon) and (problem := model.polygon_problem(area.geojson)):
        raise InvalidArgument(detail="the area is not valid", errors=[FieldError("area", problem)])
    return area


def _verified_members(ports: Ports, caller: Caller, org_id: str) -> list[str]:
    actor = identity_pb2.Actor(
        member_id=caller.member_id, roles=sorted(caller.roles), org_id=caller.org_id
    )
    found: list[str] = []
    token = ""
    while len(found) < MAX_MEMBERS_PER_ORG:
        page = ports.identity.ListMembers(
            identity_pb2.ListMembersRequest(
                actor=actor, status="verified", team_id=org_id, page_size=200, page_token=token
            )
        )
        found += [m.member_id for m in page.members]
        token = page.next_page_token
        if not token:
            break
    return found


def _busy(ports: Ports, member_ids: list[str], *, from_ms: int) -> model.Busy:
    """When each member is not free: approved leave, their classes' sessions, shifts they hold."""
    busy: model.Busy = {}
    for leave in ports.cohorts.approved_leave_of(member_ids):
        busy.setdefault(leave.member_id, []).append((leave.from_ms, leave.to_ms))
    wanted = set(member_ids)
    for cohort in ports.cohorts.cohorts_of(member_ids):
        for member_id in wanted.intersection(cohort.trainee_ids):
            busy.setdefault(member_id, []).extend(
                (s.starts_at_ms, s.ends_at_ms) for s in cohort.sessions
            )
    for shift in ports.rosters.shifts_of(member_ids, from_ms=from_ms):
        busy.setdefault(shift.member_id, []).append((shift.starts_at_ms, shift.ends_at_ms))
    return busy


def list_rosters(ports: Ports, caller: Caller, *, size: int, cursor: str) -> Page:
    """Roster documents of the officer's scope, newest first."""
    if not caller.is_officer:
        raise Forbidden(detail="only officers list rosters")
    stations = None if caller.city_wide else sorted(caller.scope_org_ids)
    return ports.rosters.roster_page(station_ids=stations, size=size, cursor=cursor)


def list_shifts(
    ports: Ports,
    caller: Caller,
    *,
    member_id: str,
    from_ms: int,
    to_ms: int,
    size: int,
    cursor: str,
) -> Page:
    if not caller.is_officer:
        if member_id and member_id != caller.member_id:
            raise Forbidden(detail="members read their own shifts")
        return ports.rosters.page(
            member_id=caller.member_id,
            station_ids=None,
            from_ms=from_ms,
            to_ms=to_ms,
            size=size,
            cursor=cursor,
        )
    stations = None if caller.city_wide else sorted(caller.scope_org_ids)
    return ports.rosters.page(
        member_id=member_id,
        station_ids=stations,
        from_ms=from_ms,
        to_ms=to_ms,
        size=size,
        cursor=cursor,
    )


MAX_REPORT_SHIFTS = 100_000


def roster_hours(
    ports: Ports,
    caller: Caller,
    *,
    from_ms: int,
    to_ms: int,
    roster_id: str,
    org_id: str,
    member_id: str,
) -> hours.HoursReport:
    """Duty hours per unit and member over shifts starting in [from, to): a member's own, an
    officer's scope. Without a range, the current month so far and what is scheduled in it."""
    if not caller.is_officer:
        if member_id and member_id != caller.member_id:
            raise Forbidden(detail="members read their own hours")
        member_id = caller.member_id
    if not from_ms or not to_ms:
        first = ports.clock.now().astimezone(model.LOCAL_TZ).date().replace(day=1)
        month = model.months_of(first, 1)[0]
        from_ms = from_ms or _day_start_ms(month[0])
        to_ms = to_ms or _day_start_ms(month[1]) + 24 * 3_600_000
    if not 0 < to_ms - from_ms <= hours.MAX_HOURS_SPAN_MS:
        raise InvalidArgument(
            detail="an hours report covers at most a year",
            errors=[FieldError("to", "after from, within 366 days")],
        )
    shifts = ports.rosters.shift_hours(
        from_ms=from_ms,
        to_ms=to_ms,
        station_ids=sorted(caller.scope_org_ids) if _scoped(caller) else None,
        roster_id=roster_id,
        org_id=org_id,
        member_id=member_id,
        limit=MAX_REPORT_SHIFTS + 1,
    )
    if len(shifts) > MAX_REPORT_SHIFTS:
        raise InvalidArgument(
            detail=f"more than {MAX_REPORT_SHIFTS} shifts: narrow the range, roster or unit",
            errors=[FieldError("from", "too wide for one report")],
        )
    return hours.sum_hours(shifts)


def _scoped(caller: Caller) -> bool:
    """Officers read their stations' shifts; members (own only) and administrators need no scope."""
    return caller.is_officer and not caller.city_wide


def _day_start_ms(day: date) -> int:
    return to_millis(datetime.combine(day, time(), model.LOCAL_TZ))


def offer_swap(ports: Ports, caller: Caller, shift_id: str, with_member_id: str) -> Shift:
    shift = _own_or_offered(ports, caller, shift_id)
    model.swap_refusal(shift, caller.member_id, with_member_id)
    found = ports.identity.GetMembers(identity_pb2.GetMembersRequest(member_ids=[with_member_id]))
    if not any(m.status == "verified" for m in found.members):
        raise InvalidArgument(
            detail="a swap is with a verified member",
            errors=[FieldError("with_member_id", "not a verified member")],
        )
    offered = ports.rosters.offer_swap(shift, with_member_id)
    if offered is None:
        raise Conflict(detail="the shift changed hands meanwhile")
    return offered


def accept_swap(ports: Ports, caller: Caller, shift_id: str) -> Shift:
    shift = _own_or_offered(ports, caller, shift_id)
    if shift.swap_with != caller.member_id:
        raise Conflict(detail="the shift is not offered to the caller")
    held = _busy(ports, [caller.member_id], from_ms=shift.starts_at_ms).get(caller.member_id, [])
    if any(s < shift.ends_at_ms and shift.starts_at_ms < e for s, e in held):
        raise Conflict(detail="the caller is busy then (another shift, a class or leave)")
    taken = ports.rosters.accept_swap(shift, caller.member_id)
    if taken is None:
        raise Conflict(detail="the shift changed hands meanwhile")
    return taken


def _own_or_offered(ports: Ports, caller: Caller, shift_id: str) -> Shift:
    shift = ports.rosters.shift(shift_id)
    if shift is None or caller.member_id not in (shift.member_id, shift.swap_with):
        raise NotFound(detail="no such shift")
    return shift


def _hhmm(text: str, field: str) -> time:
    try:
        hours, minutes = text.split(":")
        return time(int(hours), int(minutes))
    except ValueError:
        raise InvalidArgument(
            detail="a time of day is HH:MM", errors=[FieldError(field, "HH:MM")]
        ) from None


def _day(text: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise InvalidArgument(
            detail="a date is YYYY-MM-DD", errors=[FieldError("starts_on", "YYYY-MM-DD")]
        ) from None


REMIND_BEFORE_MS = 60 * 60_000


def send_reminders(ports: Ports) -> int:
    """``shouwang.shift.reminder`` once for each shift starting within the hour; how many."""
    now = ports.clock.now()
    now_ms = to_millis(now)
    sent = 0
    for shift in ports.rosters.due_reminders(until_ms=now_ms + REMIND_BEFORE_MS, now_ms=now_ms):
        sent += ports.rosters.remind(shift, [events.shift_reminder(shift, at=now)])
    return sent


def settle_ended(ports: Ports) -> int:
    """Give every ended shift its attendance and ``shouwang.shift.attended``, once; how many."""
    settled = 0
    areas: dict[str, model.Area | None] = {}
    now = ports.clock.now()
    for shift in ports.rosters.ended_unsettled(now_ms=to_millis(now)):
        minutes = minutes_present(ports, shift, areas) or 0
        if ports.rosters.settle(
            shift, minutes=minutes, events=[events.shift_attended(shift, minutes, at=now)]
        ):
            settled += 1
    return settled


def minutes_present(ports: Ports, shift: Shift, areas: dict[str, model.Area | None]) -> int | None:
    """The shift's attendance so far from the member's fixes (None before it starts); ``areas``
    caches the rosters' areas over a page."""
    now_ms = to_millis(ports.clock.now())
    if shift.starts_at_ms > now_ms:
        return None
    settled = ports.rosters.settled_minutes(shift.shift_id)
    if settled is not None:
        return settled
    if shift.roster_id not in areas:
        areas[shift.roster_id] = ports.rosters.area_of(shift.roster_id)
    area = areas[shift.roster_id]
    if area is None:
        return 0
    until = min(shift.ends_at_ms, now_ms)
    track = ports.location.GetTrack(
        location_pb2.GetTrackRequest(
            member_id=shift.member_id, from_ms=shift.starts_at_ms, to_ms=until
        )
    )
    fixes = [
        (f.lat, f.lon, f.ts_ms) for f in track.fixes if not (f.implausible_speed or f.inaccurate)
    ]
    return model.minutes_present(fixes, area, starts_at_ms=shift.starts_at_ms, ends_at_ms=until)
