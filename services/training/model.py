"""Cohorts (期), their sessions, roll calls and leave: what a valid one is, where a trainee must be
to be present, when they are late, and how attendance and completion are counted.
Pure (no gRPC, no store)."""

from __future__ import annotations

import json
import math
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import shapely
from shapely.geometry import Point as ShapelyPoint
from shapely.geometry import shape

from shouwang.clock import to_millis
from shouwang.errors import Conflict, FieldError, Forbidden, Gone, InvalidArgument
from shouwang.geo import haversine_m

TRAINING, PATROL = "training", "patrol"
SESSION_KINDS = (TRAINING, PATROL)
PRESENT, LATE, EXCUSED, ABSENT, NOT_CALLED = "present", "late", "excused", "absent", "not_called"
PENDING, APPROVED, REJECTED = "pending", "approved", "rejected"

DEFAULT_ROLLCALL_MINUTES, MAX_ROLLCALL_MINUTES = 30, 180
# A check-in after this many seconds of an open roll call is late (still counted as attended).
LATE_AFTER_S = 10 * 60
# A fix older than this does not say where the trainee is now.
FRESH_FIX_S = 120
# A fix's accuracy is not held against the trainee up to this many metres (GPS in a courtyard).
MAX_TOLERANCE_M = 50.0
# A trainee completes the class having attended this share of the sessions called (excused ones
# are left out of the count: an approved absence is not a missed session).
COMPLETION_SHARE = 0.8
MIN_RADIUS_M, MAX_RADIUS_M = 10.0, 5000.0
MAX_SESSIONS, MAX_INSTRUCTORS, MAX_TRAINEES = 200, 20, 500
MAX_COHORT_DAYS = 62
MAX_NAME_LENGTH, MAX_TOPIC_LENGTH, MAX_REASON_LENGTH = 100, 100, 500
METRES_PER_DEGREE = 111_195.0


@dataclass(frozen=True)
class Point:
    lat: float
    lon: float


@dataclass(frozen=True)
class Circle:
    lat: float
    lon: float
    radius_m: float


@dataclass(frozen=True)
class Polygon:
    geojson: str


Area = Circle | Polygon


@dataclass(frozen=True)
class Site:
    name: str
    location: Point
    radius_m: float

    @property
    def area(self) -> Circle:
        return Circle(self.location.lat, self.location.lon, self.radius_m)


@dataclass(frozen=True)
class Session:
    session_id: str
    starts_at_ms: int
    ends_at_ms: int
    kind: str
    topic: str = ""
    area: Area | None = None

    @property
    def hours(self) -> float:
        return (self.ends_at_ms - self.starts_at_ms) / 3_600_000


@dataclass(frozen=True)
class Cohort:
    cohort_id: str
    name: str
    site: Site
    starts_on: str
    ends_on: str
    instructor_ids: tuple[str, ...]
    sessions: tuple[Session, ...]
    trainee_ids: tuple[str, ...]
    station_id: str
    created_by: str
    created_at_ms: int

    def session(self, session_id: str) -> Session:
        for session in self.sessions:
            if session.session_id == session_id:
                return session
        raise InvalidArgument(
            detail="no such session in this cohort",
            errors=[FieldError("session_id", "not a session of this cohort")],
        )

    def where(self, session: Session) -> Area:
        """Where a trainee must be at ``session``: its patrol area, else the site."""
        return session.area or self.site.area


@dataclass(frozen=True)
class Rollcall:
    rollcall_id: str
    cohort_id: str
    session_id: str
    opened_by: str
    opened_at_ms: int
    closes_at_ms: int


@dataclass(frozen=True)
class Checkin:
    rollcall_id: str
    member_id: str
    status: str  # PRESENT or LATE
    at_ms: int
    distance_m: float


@dataclass(frozen=True)
class Leave:
    leave_id: str
    cohort_id: str
    member_id: str
    from_ms: int
    to_ms: int
    reason: str
    status: str = PENDING
    note: str = ""
    decided_by: str = ""

    def covers(self, session: Session) -> bool:
        """An approved leave that overlaps the session excuses it."""
        return (
            self.status == APPROVED
            and self.from_ms < session.ends_at_ms
            and session.starts_at_ms < self.to_ms
        )


# Validation -----------------------------------------------------------------------------------


def validate_cohort(cohort: Cohort) -> None:
    errors: list[FieldError] = []
    if not cohort.name.strip() or len(cohort.name) > MAX_NAME_LENGTH:
        errors.append(FieldError("name", f"1 to {MAX_NAME_LENGTH} characters"))
    if not MIN_RADIUS_M <= cohort.site.radius_m <= MAX_RADIUS_M:
        errors.append(FieldError("site.radius_m", f"between {MIN_RADIUS_M} and {MAX_RADIUS_M}"))
    if not -90 <= cohort.site.location.lat <= 90 or not -180 <= cohort.site.location.lon <= 180:
        errors.append(FieldError("site.location", "not a WGS-84 position"))
    starts, ends = (
        _date(cohort.starts_on, "starts_on", errors),
        _date(cohort.ends_on, "ends_on", errors),
    )
    if starts and ends and not 0 <= (ends - starts).days <= MAX_COHORT_DAYS:
        errors.append(
            FieldError("ends_on", f"on or after starts_on, within {MAX_COHORT_DAYS} days")
        )
    if not cohort.instructor_ids:
        errors.append(FieldError("instructor_ids", "at least one instructor"))
    if len(cohort.instructor_ids) > MAX_INSTRUCTORS:
        errors.append(FieldError("instructor_ids", f"at most {MAX_INSTRUCTORS}"))
    if not cohort.sessions or len(cohort.sessions) > MAX_SESSIONS:
        errors.append(FieldError("sessions", f"1 to {MAX_SESSIONS} sessions"))
    for i, session in enumerate(cohort.sessions):
        if session.kind not in SESSION_KINDS:
            errors.append(FieldError(f"sessions[{i}].kind", "training or patrol"))
        if session.ends_at_ms <= session.starts_at_ms:
            errors.append(FieldError(f"sessions[{i}].ends_at", "after starts_at"))
        if len(session.topic) > MAX_TOPIC_LENGTH:
            errors.append(FieldError(f"sessions[{i}].topic", f"at most {MAX_TOPIC_LENGTH}"))
        if isinstance(session.area, Polygon):
            problem = polygon_problem(session.area.geojson)
            if problem:
                errors.append(FieldError(f"sessions[{i}].area", problem))
        elif isinstance(session.area, Circle) and not (
            MIN_RADIUS_M <= session.area.radius_m <= MAX_RADIUS_M
        ):
            errors.append(
                FieldError(
                    f"sessions[{i}].area.radius_m", f"between {MIN_RADIUS_M} and {MAX_RADIUS_M}"
                )
            )
    if errors:
        raise InvalidArgument(detail="the cohort is not valid", errors=errors)


def validate_leave(leave: Leave) -> None:
    errors = []
    if leave.to_ms <= leave.from_ms:
        errors.append(FieldError("to", "after from"))
    if len(leave.reason) > MAX_REASON_LENGTH:
        errors.append(FieldError("reason", f"at most {MAX_REASON_LENGTH} characters"))
    if errors:
        raise InvalidArgument(detail="the leave request is not valid", errors=errors)


def polygon_problem(geojson: str) -> str:
    try:
        geometry = shape(json.loads(geojson))
    except (ValueError, TypeError, KeyError, AttributeError):
        return "not a GeoJSON polygon"
    if geometry.geom_type != "Polygon" or not geometry.is_valid:
        return "not a valid polygon"
    return ""


def _date(text: str, field: str, errors: list[FieldError]) -> date | None:
    try:
        return date.fromisoformat(text)
    except ValueError:
        errors.append(FieldError(field, "a date, YYYY-MM-DD"))
        return None


# Roll-call rules ------------------------------------------------------------------------------


def rollcall_minutes(requested: int) -> int:
    minutes = requested or DEFAULT_ROLLCALL_MINUTES
    if not 1 <= minutes <= MAX_ROLLCALL_MINUTES:
        raise InvalidArgument(
            detail="the roll call's length is out of range",
            errors=[FieldError("minutes", f"1 to {MAX_ROLLCALL_MINUTES}")],
        )
    return minutes


def may_call_roll(cohort: Cohort, member_id: str) -> None:
    if member_id not in cohort.instructor_ids:
        raise Forbidden(detail="only the cohort's instructors may do this")


def distance_outside_m(area: Area, lat: float, lon: float) -> float:
    """How far (metres) a position is outside ``area``; 0 inside or on its edge."""
    if isinstance(area, Circle):
        return max(0.0, haversine_m(lat, lon, area.lat, area.lon) - area.radius_m)
    polygon = shape(json.loads(area.geojson))
    # A local equirectangular projection around the position: metres on both axes, exact enough
    # for a district-sized polygon (a relative error well under 1% within tens of kilometres).
    cos_lat = math.cos(math.radians(lat))

    scale = (METRES_PER_DEGREE * cos_lat, METRES_PER_DEGREE)
    local = shapely.transform(polygon, lambda xy: (xy - (lon, lat)) * scale)
    return float(local.distance(ShapelyPoint(0.0, 0.0)))


def checkin_status(
    rollcall: Rollcall,
    *,
    now_ms: int,
    area: Area,
    fix: tuple[float, float, float, int] | None,
) -> tuple[str, float]:
    """PRESENT or LATE with the distance from the area (0 inside), for a trainee whose latest fix
    is ``fix`` = (lat, lon, accuracy_m, ts_ms); raises when the roll call is closed, the fix is
    missing or stale, or the trainee is outside the area (the error says how far)."""
    if now_ms > rollcall.closes_at_ms:
        raise Gone(detail="the roll call is closed")
    if fix is None or now_ms - fix[3] > FRESH_FIX_S * 1000:
        raise InvalidArgument(
            detail=f"no position from the last {FRESH_FIX_S} seconds: report one and try again",
            errors=[FieldError("fix", "no fresh position")],
        )
    lat, lon, accuracy_m, _ = fix
    outside = distance_outside_m(area, lat, lon)
    if outside > min(max(accuracy_m, 0.0), MAX_TOLERANCE_M):
        metres = round(outside)
        raise InvalidArgument(
            detail=f"{metres} m outside the roll call's place",
            errors=[FieldError("distance_m", str(metres))],
        )
    late = now_ms - rollcall.opened_at_ms > LATE_AFTER_S * 1000
    return (LATE if late else PRESENT), outside


def decidable(leave: Leave) -> None:
    if leave.status != PENDING:
        raise Conflict(detail=f"the leave request is already {leave.status}")


# Attendance -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class TraineeAttendance:
    member_id: str
    sessions: tuple[tuple[str, str], ...]  # (session_id, status)
    attended: int
    excused: int
    missed: int
    patrol_hours: float
    completed: bool


def attendance(
    cohort: Cohort,
    *,
    called: set[str],
    checkins: dict[tuple[str, str], str],
    leaves: list[Leave],
) -> list[TraineeAttendance]:
    """Each trainee's status at each session: ``called`` holds the sessions a roll call was held
    for, ``checkins`` the best status per (member, session)."""
    rows = []
    for member_id in cohort.trainee_ids:
        own = [leave for leave in leaves if leave.member_id == member_id]
        statuses = []
        attended = excused = missed = 0
        patrol_hours = 0.0
        for session in cohort.sessions:
            status = checkins.get((member_id, session.session_id))
            if status is None:
                if any(leave.covers(session) for leave in own):
                    status = EXCUSED
                elif session.session_id in called:
                    status = ABSENT
                else:
                    status = NOT_CALLED
            if status in (PRESENT, LATE):
                attended += 1
                if session.kind == PATROL:
                    patrol_hours += session.hours
            excused += status == EXCUSED
            missed += status == ABSENT
            statuses.append((session.session_id, status))
        counted = attended + missed
        completed = attended > 0 and attended / counted >= COMPLETION_SHARE
        rows.append(
            TraineeAttendance(
                member_id,
                tuple(statuses),
                attended,
                excused,
                missed,
                round(patrol_hours, 2),
                completed,
            )
        )
    return rows


def better(current: str | None, new: str) -> str:
    """A trainee's status at a session over several roll calls: present beats late."""
    return PRESENT if PRESENT in (current, new) else new


# Rosters --------------------------------------------------------------------------------------
# A roster over member units (orgs: shops, hotels, companies) and an area, with weekly patrol
# windows, and "N persons per unit per month" (Tangxia: each of 91 units sends one a month).

LOCAL_TZ = ZoneInfo("Asia/Shanghai")  # windows are wall-clock times where the patrol happens
MAX_ROSTER_MONTHS, MAX_ROSTER_ORGS, MAX_PER_ORG_PER_MONTH = 12, 200, 10
SHIFT_SWAP_PENDING = "pending"


@dataclass(frozen=True)
class Window:
    """Patrol days (ISO weekdays, 1 = Monday) and hours; ``end`` at or before ``start`` runs over
    midnight."""

    weekdays: tuple[int, ...]
    start: time
    end: time

    def slots(self, first: date, last: date) -> list[tuple[int, int]]:
        """(start_ms, end_ms) of every window starting on a day from ``first`` to ``last``."""
        found = []
        day = first
        while day <= last:
            if day.isoweekday() in self.weekdays:
                begins = datetime.combine(day, self.start, LOCAL_TZ)
                ends = datetime.combine(day, self.end, LOCAL_TZ)
                if ends <= begins:
                    ends += timedelta(days=1)
                found.append((to_millis(begins), to_millis(ends)))
            day += timedelta(days=1)
        return found


@dataclass(frozen=True)
class Shift:
    shift_id: str
    roster_id: str
    org_id: str
    member_id: str
    starts_at_ms: int
    ends_at_ms: int
    station_id: str = ""
    swap_with: str = ""  # a member asked to take it over, until they accept

    def overlaps(self, starts_at_ms: int, ends_at_ms: int) -> bool:
        return self.starts_at_ms < ends_at_ms and starts_at_ms < self.ends_at_ms


@dataclass(frozen=True)
class Assignment:
    org_id: str
    member_id: str
    starts_at_ms: int
    ends_at_ms: int


Busy = dict[str, list[tuple[int, int]]]


def months_of(first: date, months: int) -> list[tuple[date, date]]:
    """The first and last day of each of ``months`` calendar months from ``first``'s month on."""
    spans = []
    year, month = first.year, first.month
    for _ in range(months):
        start = date(year, month, 1)
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)
        spans.append((start, date(year, month, 1) - timedelta(days=1)))
    return spans


def generate_shifts(
    members: dict[str, list[str]],
    window: Window,
    *,
    first: date,
    months: int,
    per_org_per_month: int,
    busy: Busy | None = None,
    done: dict[str, int] | None = None,
) -> tuple[list[Assignment], list[tuple[str, int]]]:
    """Shifts for each org's members, month by month: each month every org sends
    ``per_org_per_month`` persons, spread evenly over the month's patrol windows. The person is
    the org's member with the fewest shifts so far (``done`` counts earlier ones), ties broken by
    the org's rotation order, who is free then: not ``busy`` (approved leave, classes, other
    shifts) and not already given an overlapping shift. Returns the assignments and the
    (org_id, start_ms) of windows no member of the org was free for."""
    busy_of = {m: list(spans) for m, spans in (busy or {}).items()}
    counts = dict(done or {})
    assigned: list[Assignment] = []
    unfilled: list[tuple[str, int]] = []
    orgs = sorted(members)
    rotation = {org: sorted(dict.fromkeys(members[org])) for org in orgs}
    place = {org: {m: i for i, m in enumerate(people)} for org, people in rotation.items()}
    demand = len(orgs) * per_org_per_month
    for month_first, month_last in months_of(first, months):
        slots = window.slots(max(first, month_first), month_last)
        if not slots:
            continue
        for k, org in enumerate(orgs):
            for j in range(per_org_per_month):
                starts, ends = slots[(k * per_org_per_month + j) * len(slots) // demand]
                free = [
                    m
                    for m in rotation[org]
                    if not any(s < ends and starts < e for s, e in busy_of.get(m, ()))
                ]
                if not free:
                    unfilled.append((org, starts))
                    continue
                turn = place[org]
                chosen = min(free, key=lambda m: (counts.get(m, 0), turn[m]))
                counts[chosen] = counts.get(chosen, 0) + 1
                busy_of.setdefault(chosen, []).append((starts, ends))
                assigned.append(Assignment(org, chosen, starts, ends))
    return assigned, unfilled


def validate_roster(
    name: str, org_ids: list[str], window: Window, per_org_per_month: int, months: int
) -> None:
    errors = []
    if not name.strip() or len(name) > MAX_NAME_LENGTH:
        errors.append(FieldError("name", f"1 to {MAX_NAME_LENGTH} characters"))
    if not org_ids or len(org_ids) > MAX_ROSTER_ORGS:
        errors.append(FieldError("org_ids", f"1 to {MAX_ROSTER_ORGS} units"))
    if not window.weekdays or not set(window.weekdays) <= set(range(1, 8)):
        errors.append(FieldError("shifts.weekdays", "ISO weekdays, 1 (Monday) to 7"))
    if window.start == window.end:
        errors.append(FieldError("shifts.to", "differs from shifts.from"))
    if not 1 <= per_org_per_month <= MAX_PER_ORG_PER_MONTH:
        errors.append(FieldError("per_org_per_month", f"1 to {MAX_PER_ORG_PER_MONTH}"))
    if not 1 <= months <= MAX_ROSTER_MONTHS:
        errors.append(FieldError("months", f"1 to {MAX_ROSTER_MONTHS}"))
    if errors:
        raise InvalidArgument(detail="the roster is not valid", errors=errors)


def swap_refusal(shift: Shift, caller_id: str, with_member_id: str) -> None:
    if shift.member_id != caller_id:
        raise Forbidden(detail="only the member on the shift may offer it")
    if with_member_id == caller_id:
        raise InvalidArgument(
            detail="a swap is with another member",
            errors=[FieldError("with_member_id", "another member")],
        )


# Patrol logs ----------------------------------------------------------------------------------

COUNT_FIELDS = (
    "people_checked",
    "vehicles_checked",
    "rooms_inspected",
    "migrants_registered",
    "hazards_found",
    "offenders_caught",
)
MAX_COUNT = 100_000  # a night's patrol, not a year's
MAX_NOTE_LENGTH, MAX_PHOTOS = 2000, 9
PERIODS = ("day", "week", "month")


@dataclass(frozen=True)
class PatrolLog:
    log_id: str
    member_id: str
    org_id: str
    station_id: str
    shift_id: str
    cohort_id: str
    counts: dict[str, int]
    note: str
    media_ids: tuple[str, ...]
    filed_at_ms: int


def validate_patrol_log(log: PatrolLog) -> None:
    errors = [
        FieldError(f"counts.{name}", f"0 to {MAX_COUNT}")
        for name in COUNT_FIELDS
        if not 0 <= log.counts.get(name, 0) <= MAX_COUNT
    ]
    if not log.shift_id and not log.cohort_id:
        errors.append(FieldError("shift_id", "a shift or a cohort the patrol was part of"))
    if len(log.note) > MAX_NOTE_LENGTH:
        errors.append(FieldError("note", f"at most {MAX_NOTE_LENGTH} characters"))
    if len(log.media_ids) > MAX_PHOTOS:
        errors.append(FieldError("media_ids", f"at most {MAX_PHOTOS}"))
    if errors:
        raise InvalidArgument(detail="the patrol log is not valid", errors=errors)


def period_start(filed_at_ms: int, period: str) -> date:
    """The first day of the period (Asia/Shanghai) a log filed at ``filed_at_ms`` counts in."""
    day = datetime.fromtimestamp(filed_at_ms / 1000, LOCAL_TZ).date()
    if period == "day":
        return day
    if period == "week":
        return day - timedelta(days=day.weekday())
    return day.replace(day=1)


def sum_outcomes(
    logs: list[PatrolLog], *, period: str
) -> tuple[dict[tuple[str, date], tuple[dict[str, int], int]], dict[str, int]]:
    """Counts summed by (org, period start) with the number of logs, and the grand total."""
    if period not in PERIODS:
        raise InvalidArgument(
            detail="no such period", errors=[FieldError("period", "day, week or month")]
        )
    rows: dict[tuple[str, date], tuple[dict[str, int], int]] = {}
    total = dict.fromkeys(COUNT_FIELDS, 0)
    for log in logs:
        key = (log.org_id, period_start(log.filed_at_ms, period))
        counts, n = rows.get(key, (dict.fromkeys(COUNT_FIELDS, 0), 0))
        for name in COUNT_FIELDS:
            counts[name] += log.counts.get(name, 0)
            total[name] += log.counts.get(name, 0)
        rows[key] = (counts, n + 1)
    return dict(sorted(rows.items())), total


# Attendance of a shift ------------------------------------------------------------------------

# A fix inside the area counts the time until the next fix, but never more than this: a phone
# that stopped reporting is not presumed to be still on patrol.
MAX_FIX_GAP_S = 300


def minutes_present(
    fixes: list[tuple[float, float, int]],
    area: Area,
    *,
    starts_at_ms: int,
    ends_at_ms: int,
    max_gap_s: int = MAX_FIX_GAP_S,
) -> int:
    """Whole minutes of [starts_at, ends_at) the member was inside ``area``, from their fixes
    (lat, lon, ts_ms): each fix inside counts until the next fix or ``max_gap_s``, whichever comes
    first; a fix outside counts nothing. Nobody ticks a box."""
    ordered = sorted((f for f in fixes if starts_at_ms <= f[2] < ends_at_ms), key=lambda f: f[2])
    present_ms = 0
    for i, (lat, lon, ts) in enumerate(ordered):
        if distance_outside_m(area, lat, lon) > 0:
            continue
        until = ordered[i + 1][2] if i + 1 < len(ordered) else ends_at_ms
        present_ms += min(until, ts + max_gap_s * 1000, ends_at_ms) - ts
    return present_ms // 60_000
