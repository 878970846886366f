"""Training's use cases: create a cohort, enrol trainees, open a roll call, check in from a fresh
fix, request and decide leave, and the class report."""

from __future__ import annotations

from datetime import UTC
from typing import Any

from services.training import events, model
from services.training.model import Checkin, Cohort, Leave, Rollcall, Session, Site
from services.training.ports import Ports
from shouwang.clock import to_millis
from shouwang.errors import Conflict, FieldError, Forbidden, InvalidArgument, NotFound
from shouwang.identity.v1 import identity_pb2
from shouwang.ids import new_id
from shouwang.location.v1 import location_pb2
from shouwang.scope import Caller
from shouwang.store.paging import Page

# Cohorts --------------------------------------------------------------------------------------


def create_cohort(ports: Ports, caller: Caller, request: Any) -> Cohort:
    """``request`` is a CreateCohortRequest; the cohort belongs to the officer's station."""
    if not caller.is_officer:
        raise Forbidden(detail="only officers may create a cohort")
    sessions = tuple(
        Session(
            session_id=new_id(),
            starts_at_ms=to_millis(s.starts_at.ToDatetime(tzinfo=UTC)),
            ends_at_ms=to_millis(s.ends_at.ToDatetime(tzinfo=UTC)),
            kind=s.kind,
            topic=s.topic,
            area=area_from_proto(s.area) if s.has_area else None,
        )
        for s in request.sessions
    )
    site = request.site
    cohort = Cohort(
        cohort_id=new_id(),
        name=request.name,
        site=Site(site.name, model.Point(site.location.lat, site.location.lon), site.radius_m),
        starts_on=request.starts_on,
        ends_on=request.ends_on,
        instructor_ids=tuple(dict.fromkeys(request.instructor_ids)),
        sessions=sessions,
        trainee_ids=(),
        station_id=caller.station_id,
        created_by=caller.member_id,
        created_at_ms=to_millis(ports.clock.now()),
    )
    model.validate_cohort(cohort)
    _verified(ports, cohort.instructor_ids, "instructor_ids")
    return ports.cohorts.new_cohort(cohort, [events.cohort_created(cohort, at=ports.clock.now())])


def visible_cohort(ports: Ports, caller: Caller, cohort_id: str) -> Cohort:
    cohort = _cohort(ports, cohort_id)
    if not (
        caller.covers(cohort.station_id)
        or caller.member_id in cohort.instructor_ids
        or caller.member_id in cohort.trainee_ids
    ):
        raise NotFound(detail="no such cohort")
    return cohort


def list_cohorts(ports: Ports, caller: Caller, *, size: int, cursor: str) -> Page:
    """Classes of the officer's scope, newest first."""
    if not caller.is_officer:
        raise Forbidden(detail="only officers list classes")
    stations = None if caller.city_wide else sorted(caller.scope_org_ids)
    return ports.cohorts.page(station_ids=stations, size=size, cursor=cursor)


def enrol(ports: Ports, caller: Caller, cohort_id: str, member_ids: list[str]) -> Cohort:
    cohort = _cohort(ports, cohort_id)
    if not caller.covers(cohort.station_id):
        raise Forbidden(detail="only officers of the cohort's station may enrol trainees")
    wanted = list(dict.fromkeys(member_ids))
    if not wanted or len(set(wanted) | set(cohort.trainee_ids)) > model.MAX_TRAINEES:
        raise InvalidArgument(
            detail="the trainees do not fit",
            errors=[FieldError("member_ids", f"1 to {model.MAX_TRAINEES} trainees in a cohort")],
        )
    _verified(ports, wanted, "member_ids")
    # Told only who is new (an enrolment repeated, or retried, tells nobody again); the cohort's
    # groups in comms take them in.
    new = [m for m in wanted if m not in cohort.trainee_ids]
    told = [events.cohort_enrolled(cohort, new, at=ports.clock.now())] if new else []
    enrolled = ports.cohorts.enrol(cohort_id, wanted, told)
    if enrolled is None:
        raise NotFound(detail="no such cohort")
    return enrolled


def _verified(ports: Ports, member_ids: tuple[str, ...] | list[str], field: str) -> None:
    found = ports.identity.GetMembers(identity_pb2.GetMembersRequest(member_ids=list(member_ids)))
    verified = {m.member_id for m in found.members if m.status == "verified"}
    errors = [
        FieldError(f"{field}[{i}]", "not a verified member")
        for i, member_id in enumerate(member_ids)
        if member_id not in verified
    ]
    if errors:
        raise InvalidArgument(detail="only verified members may take part", errors=errors)


# Roll calls -----------------------------------------------------------------------------------


def open_rollcall(
    ports: Ports, caller: Caller, cohort_id: str, session_id: str, minutes: int
) -> Rollcall:
    cohort = visible_cohort(ports, caller, cohort_id)
    model.may_call_roll(cohort, caller.member_id)
    session = cohort.session(session_id)
    length = model.rollcall_minutes(minutes)
    now = ports.clock.now()
    now_ms = to_millis(now)
    rollcall = Rollcall(
        rollcall_id=new_id(),
        cohort_id=cohort.cohort_id,
        session_id=session.session_id,
        opened_by=caller.member_id,
        opened_at_ms=now_ms,
        closes_at_ms=now_ms + length * 60_000,
    )
    return ports.cohorts.new_rollcall(rollcall, [events.rollcall_opened(cohort, rollcall, at=now)])


def check_in(ports: Ports, caller: Caller, rollcall_id: str) -> Checkin:
    rollcall = ports.cohorts.rollcall(rollcall_id)
    cohort = None if rollcall is None else ports.cohorts.get(rollcall.cohort_id)
    if rollcall is None or cohort is None or caller.member_id not in cohort.trainee_ids:
        raise NotFound(detail="no such roll call for this trainee")
    already = ports.cohorts.checkin_of(rollcall_id, caller.member_id)
    if already is not None:
        return already  # a retried check-in answers as the first did
    now = ports.clock.now()
    now_ms = to_millis(now)
    status, distance = model.checkin_status(
        rollcall,
        now_ms=now_ms,
        area=cohort.where(cohort.session(rollcall.session_id)),
        fix=_latest_fix(ports, caller.member_id, now_ms),
    )
    checkin = Checkin(rollcall_id, caller.member_id, status, now_ms, round(distance, 1))
    if not ports.cohorts.check_in(
        rollcall, checkin, [events.trainee_checked_in(cohort, rollcall, checkin, at=now)]
    ):
        found = ports.cohorts.checkin_of(rollcall_id, caller.member_id)
        if found is None:
            raise Conflict(detail="already checked in")
        return found
    return checkin


def _latest_fix(
    ports: Ports, member_id: str, now_ms: int
) -> tuple[float, float, float, int] | None:
    """The member's latest plausible fix of the freshness window, from the location service."""
    track = ports.location.GetTrack(
        location_pb2.GetTrackRequest(
            member_id=member_id, from_ms=now_ms - model.FRESH_FIX_S * 1000, to_ms=now_ms
        )
    )
    usable = [f for f in track.fixes if not (f.implausible_speed or f.inaccurate)]
    if not usable:
        return None
    latest = max(usable, key=lambda f: f.ts_ms)
    return latest.lat, latest.lon, latest.accuracy_m, latest.ts_ms


# Leave ----------------------------------------------------------------------------------------


def request_leave(ports: Ports, caller: Caller, cohort_id: str, request: Any) -> Leave:
    cohort = visible_cohort(ports, caller, cohort_id)
    if caller.member_id not in cohort.trainee_ids:
        raise Forbidden(detail="only the cohort's trainees may ask for leave")
    leave = Leave(
        leave_id=new_id(),
        cohort_id=cohort.cohort_id,
        member_id=caller.member_id,
        from_ms=to_millis(getattr(request, "from").ToDatetime(tzinfo=UTC)),
        to_ms=to_millis(request.to.ToDatetime(tzinfo=UTC)),
        reason=request.reason,
    )
    model.validate_leave(leave)
    return ports.cohorts.new_leave(leave)


def decide_leave(ports: Ports, caller: Caller, leave_id: str, *, approve: bool, note: str) -> Leave:
    leave = ports.cohorts.leave(leave_id)
    cohort = None if leave is None else ports.cohorts.get(leave.cohort_id)
    if leave is None or cohort is None:
        raise NotFound(detail="no such leave request")
    if caller.member_id not in cohort.instructor_ids and not caller.covers(cohort.station_id):
        raise Forbidden(detail="only the cohort's instructors may decide leave")
    if len(note) > model.MAX_REASON_LENGTH:
        raise InvalidArgument(
            detail="the note is too long",
            errors=[FieldError("note", f"at most {model.MAX_REASON_LENGTH} characters")],
        )
    model.decidable(leave)
    now = ports.clock.now()
    status = model.APPROVED if approve else model.REJECTED
    decided = ports.cohorts.decide(
        leave,
        status=status,
        note=note,
        by=caller.member_id,
        at_ms=to_millis(now),
        events=[events.leave_decided(cohort, leave, approved=approve, at=now)],
    )
    if decided is None:
        raise Conflict(detail="the leave request was decided meanwhile")
    return decided


# Report ---------------------------------------------------------------------------------------


def report(
    ports: Ports, caller: Caller, cohort_id: str
) -> tuple[Cohort, list[model.TraineeAttendance]]:
    cohort = _cohort(ports, cohort_id)
    if not (caller.covers(cohort.station_id) or caller.member_id in cohort.instructor_ids):
        raise NotFound(detail="no such cohort")
    return cohort, _attendance(ports, cohort)


def _attendance(ports: Ports, cohort: Cohort) -> list[model.TraineeAttendance]:
    best: dict[tuple[str, str], str] = {}
    for member_id, session_id, status in ports.cohorts.checkins_of(cohort.cohort_id):
        key = (member_id, session_id)
        best[key] = model.better(best.get(key), status)
    return model.attendance(
        cohort,
        called=ports.cohorts.called_sessions(cohort.cohort_id),
        checkins=best,
        leaves=ports.cohorts.leaves_of(cohort.cohort_id),
    )


def _cohort(ports: Ports, cohort_id: str) -> Cohort:
    cohort = ports.cohorts.get(cohort_id)
    if cohort is None:
        raise NotFound(detail="no such cohort")
    return cohort


def area_from_proto(area: Any) -> model.Area:
    if area.WhichOneof("shape") == "circle":
        c = area.circle
        return model.Circle(c.center.lat, c.center.lon, c.radius_m)
    return model.Polygon(area.polygon_geojson)


def certificate(
    ports: Ports, caller: Caller, cohort_id: str, member_id: str
) -> tuple[Cohort, model.TraineeAttendance, int]:
    """A completed trainee's row of the report, for their certificate: the trainee's own, or any
    trainee's for the cohort's instructors and officers of its station. Refused (409) until the
    trainee has completed the class."""
    cohort = visible_cohort(ports, caller, cohort_id)
    member_id = member_id or caller.member_id
    staff = caller.covers(cohort.station_id) or caller.member_id in cohort.instructor_ids
    if member_id not in cohort.trainee_ids or (member_id != caller.member_id and not staff):
        raise NotFound(detail="no such trainee in this cohort")
    row = next(r for r in _attendance(ports, cohort) if r.member_id == member_id)
    if not row.completed:
        raise Conflict(detail="the trainee has not completed the class")
    return cohort, row, len(ports.cohorts.called_sessions(cohort_id))


def settle_ended_cohorts(ports: Ports) -> int:
    """Each class whose last session has ended: ``shouwang.cohort.completed`` once, with who
    completed it; how many were settled."""
    now = ports.clock.now()
    settled = 0
    for cohort in ports.cohorts.ended_unsettled(now_ms=to_millis(now)):
        rows = _attendance(ports, cohort)
        event = events.cohort_completed(cohort, [r for r in rows if r.completed], at=now)
        settled += ports.cohorts.settle(cohort, [event])
    return settled
