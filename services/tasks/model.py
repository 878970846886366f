"""The task: what a valid one is, its defaults, how its status may move and who may claim it.
Pure (no gRPC, no store)."""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from shapely.geometry import shape
from shapely.validation import explain_validity

from shouwang.errors import Conflict, DomainError, FieldError, Gone, InvalidArgument
from shouwang.geo import haversine_m

DISPATCHING, CLAIMED, ON_SCENE, RESOLVED, CLOSED = (
    "dispatching",
    "claimed",
    "on_scene",
    "resolved",
    "closed",
)
CANCELLED, EXPIRED, UNFILLED = "cancelled", "expired", "unfilled"
OPEN = (DISPATCHING, CLAIMED, ON_SCENE)  # claims and arrivals are still possible
FINISHED = (CLOSED, CANCELLED, EXPIRED, UNFILLED)
# Every move a task's status may make, and nothing else: commands, the timer and arrivals all
# ask this table (a claim and an arrival move it only forward, and only from where they expect).
TRANSITIONS: dict[str, frozenset[str]] = {
    DISPATCHING: frozenset({CLAIMED, CANCELLED, EXPIRED, UNFILLED}),
    CLAIMED: frozenset({ON_SCENE, RESOLVED, CANCELLED, EXPIRED}),
    ON_SCENE: frozenset({RESOLVED, CANCELLED, EXPIRED}),
    RESOLVED: frozenset({CLOSED, CANCELLED}),
    CLOSED: frozenset(),
    CANCELLED: frozenset(),
    EXPIRED: frozenset(),
    UNFILLED: frozenset(),
}
MODES = ("nearest", "area", "members")
DEFAULT_RADIUS_M = 3000.0
MIN_RADIUS_M, MAX_RADIUS_M = 50.0, 20_000.0
MIN_EXPIRY_S, MAX_EXPIRY_S, DEFAULT_EXPIRY_S = 60, 24 * 3600, 30 * 60
MAX_CAPACITY = 50
DEFAULT_POINTS = {1: 30, 2: 20, 3: 10}
MAX_POLYGON_VERTICES = 10_000
# Bounds a gRPC caller meets as an HTTP one does (the gateway's models hold the same or tighter).
MAX_KIND_LENGTH, MAX_SKILLS = 40, 20
MAX_NOTE_LENGTH, MAX_PHOTOS = 2000, 9
REPORT_CATEGORIES = ("crime_clue", "safety_hazard", "traffic", "fire", "dispute", "other")
PENDING, APPROVED, REJECTED = "pending", "approved", "rejected"
MAX_REVIEW_POINTS, MAX_REVIEW_NOTE_LENGTH = 200, 4000
# Arrival is entering the scene: a circle around the incident, not the whole dispatch area
# (members start inside a 3 km dispatch circle; that is not "on scene"). Each task may set its own.
SCENE_RADIUS_M = 150.0
MIN_SCENE_RADIUS_M, MAX_SCENE_RADIUS_M = 10.0, 2000.0


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


@dataclass(frozen=True)
class Target:
    mode: str  # one of MODES
    count: int = 0
    member_ids: tuple[str, ...] = ()


@dataclass(frozen=True)
class Refusal:
    """A named member the task could not be offered to, and why."""

    member_id: str
    reason: str


@dataclass(frozen=True)
class Task:
    task_id: str
    status: str
    title: str
    description: str
    kind: str
    priority: int
    location: Point
    area: Circle | Polygon
    target: Target
    capacity: int
    skills: tuple[str, ...]
    points: int  # what closing it earns each claimant
    station_id: str
    # Whose members may be offered it; empty: the whole city (an admin's task). An officer must
    # not reach, or learn the distance of, another station's people.
    candidate_stations: tuple[str, ...]
    created_by: str
    created_at_ms: int
    expires_at_ms: int
    report_id: str
    wave: int  # waves sent so far
    radius_m: float  # of the last wave's search
    widen: bool  # nearest: may search beyond the area once nobody is left inside
    scene_radius_m: float
    offered: int | None  # members offered so far (None: a task from before it was counted)
    refused: tuple[Refusal, ...]
    step: int  # of the timer (see ``timers``); a step is run once, under a lease
    due_at_ms: int | None  # when the timer's next step is due; None: nothing left to time
    note: str = ""
    media_ids: tuple[str, ...] = ()
    # Who was offered it, in the order of the waves (None: a task from before they were kept):
    # its events' participants, read with the task instead of from its offers.
    offered_ids: tuple[str, ...] | None = ()

    def expired_at(self, now_ms: int) -> bool:
        return now_ms >= self.expires_at_ms


@dataclass(frozen=True)
class Offer:
    member_id: str
    distance_m: float
    wave: int
    offered_at_ms: int
    declined_at_ms: int | None = None


@dataclass(frozen=True)
class Claim:
    member_id: str
    slot: int
    claimed_at_ms: int
    offered_at_ms: int
    offer_to_claim_s: float
    arrived_at_ms: int | None = None
    claim_to_arrival_s: float | None = None


@dataclass(frozen=True)
class Hold:
    """A member's mark on the one task whose claim they hold or are taking: one at a time, so a
    member busy with a task cannot claim another, nor claim one twice at once."""

    task_id: str
    at_ms: int


# A claim goes from its hold to its slot in milliseconds; a hold without a claim this old was
# left by a replica that died between the two.
HOLD_GRACE_MS = 30_000


@dataclass(frozen=True)
class WaveTimeouts:
    """How long a wave of offers waits for claims before the next one (priority 1 is urgent)."""

    urgent_s: float = 15.0
    normal_s: float = 30.0

    def for_priority(self, priority: int) -> float:
        return self.urgent_s if priority == 1 else self.normal_s


@dataclass(frozen=True)
class Report:
    """A member's tip or hazard report, reviewed once by an officer of their station."""

    report_id: str
    status: str  # pending, approved or rejected
    category: str
    description: str
    location: Point
    media_ids: tuple[str, ...]
    member_id: str
    station_id: str
    created_at_ms: int
    points: int = 0
    review_note: str = ""
    task_id: str = ""  # dispatched on approval, if the officer asked
    reviewed_by: str = ""


def validate_task(request: Any) -> list[FieldError]:
    """Every problem with a CreateTaskRequest, each naming its field."""
    errors: list[FieldError] = []
    if not 1 <= len(request.title.strip()) <= 100:
        errors.append(FieldError("title", "must be 1 to 100 characters"))
    if len(request.description) > 2000:
        errors.append(FieldError("description", "at most 2000 characters"))
    if len(request.kind) > MAX_KIND_LENGTH:
        errors.append(FieldError("kind", f"at most {MAX_KIND_LENGTH} characters"))
    if len(request.skills) > MAX_SKILLS:
        errors.append(FieldError("skills", f"at most {MAX_SKILLS} skills"))
    if request.priority not in (1, 2, 3):
        errors.append(FieldError("priority", "must be 1, 2 or 3"))
    location = request.location
    if not request.HasField("location") or not (
        -90 <= location.lat <= 90 and -180 <= location.lon <= 180
    ):
        errors.append(FieldError("location", "must be a WGS-84 {lat, lon}"))
    if request.HasField("area"):
        errors += _area_errors(request.area)
    mode = request.target.mode
    if mode not in MODES:
        errors.append(FieldError("target.mode", "must be nearest, area or members"))
    if mode == "nearest" and not 1 <= request.target.count <= MAX_CAPACITY:
        errors.append(FieldError("target.count", f"must be 1 to {MAX_CAPACITY}"))
    if mode == "members" and not 1 <= len(request.target.member_ids) <= 200:
        errors.append(FieldError("target.member_ids", "name 1 to 200 members"))
    if request.capacity and not 1 <= request.capacity <= MAX_CAPACITY:
        errors.append(FieldError("capacity", f"must be 1 to {MAX_CAPACITY}"))
    if request.expires_in_s and not MIN_EXPIRY_S <= request.expires_in_s <= MAX_EXPIRY_S:
        errors.append(FieldError("expires_in_s", "must be 60 to 86400 seconds"))
    if request.has_points and not 0 <= request.points <= 1000:
        errors.append(FieldError("points", "must be 0 to 1000"))
    if request.scene_radius_m and not (
        MIN_SCENE_RADIUS_M <= request.scene_radius_m <= MAX_SCENE_RADIUS_M
    ):
        errors.append(FieldError("scene_radius_m", "must be 10 m to 2 km"))
    return errors


def widens(request: Any) -> bool:
    """Whether ``nearest`` may offer beyond the area: only when the task asks, which it does by
    default when no area was drawn (the 3 km circle is ours, not the officer's)."""
    if request.HasField("widen"):
        return request.widen
    return not request.HasField("area")


def _area_errors(area: Any) -> list[FieldError]:
    if area.HasField("circle"):
        circle = area.circle
        errors = []
        if not (-90 <= circle.center.lat <= 90 and -180 <= circle.center.lon <= 180):
            errors.append(FieldError("area.center", "must be a WGS-84 {lat, lon}"))
        if not MIN_RADIUS_M <= circle.radius_m <= MAX_RADIUS_M:
            errors.append(FieldError("area.radius_m", "must be 50 m to 20 km"))
        return errors
    try:
        geometry = json.loads(area.polygon_geojson)
        polygon = shape(geometry)
    except (ValueError, KeyError, TypeError, AttributeError):
        return [FieldError("area", "must be a GeoJSON Polygon or {center, radius_m}")]
    if geometry.get("type") != "Polygon":
        return [FieldError("area", "must be a GeoJSON Polygon or {center, radius_m}")]
    rings = geometry.get("coordinates") or []
    if sum(len(ring) for ring in rings) > MAX_POLYGON_VERTICES:
        return [FieldError("area", f"at most {MAX_POLYGON_VERTICES} vertices")]
    if any(ring[0] != ring[-1] for ring in rings if ring):
        return [FieldError("area", "rings must be closed")]
    minx, miny, maxx, maxy = polygon.bounds
    if not (-180 <= minx <= maxx <= 180 and -90 <= miny <= maxy <= 90):
        return [FieldError("area", "coordinates must be WGS-84 [lon, lat]")]
    if not polygon.is_valid:
        return [FieldError("area", f"invalid polygon: {explain_validity(polygon)}")]
    return []


def default_points(priority: int) -> int:
    return DEFAULT_POINTS.get(priority, 10)


def new_task(
    request: Any,
    *,
    task_id: str,
    station_id: str,
    city_wide: bool,
    created_by: str,
    now_ms: int,
    first_due_ms: int,
) -> Task:
    """The task a valid CreateTaskRequest asks for, its defaults filled in. In proto3 an unset
    number reads 0, so 0 means "the default" here; callers over HTTP cannot send 0 (refused)."""
    location = Point(lat=request.location.lat, lon=request.location.lon)
    area = _area(request, location)
    return Task(
        task_id=task_id,
        status=DISPATCHING,
        title=request.title.strip(),
        description=request.description,
        kind=request.kind or "general",
        priority=request.priority,
        location=location,
        area=area,
        target=Target(
            mode=request.target.mode,
            count=request.target.count,
            member_ids=tuple(dict.fromkeys(request.target.member_ids)),
        ),
        capacity=request.capacity or 1,
        skills=tuple(sorted(set(request.skills))),
        points=request.points if request.has_points else default_points(request.priority),
        station_id=station_id,
        candidate_stations=() if city_wide else (station_id,),
        created_by=created_by,
        created_at_ms=now_ms,
        expires_at_ms=now_ms + 1000 * (request.expires_in_s or DEFAULT_EXPIRY_S),
        report_id=request.report_id,
        wave=0,
        radius_m=initial_radius(area, location),
        widen=widens(request),
        scene_radius_m=request.scene_radius_m or SCENE_RADIUS_M,
        offered=0,
        refused=(),
        step=0,
        due_at_ms=first_due_ms,
    )


def _area(request: Any, location: Point) -> Circle | Polygon:
    if request.HasField("area") and request.area.HasField("polygon_geojson"):
        return Polygon(geojson=request.area.polygon_geojson)
    if request.HasField("area"):
        circle = request.area.circle
        return Circle(lat=circle.center.lat, lon=circle.center.lon, radius_m=circle.radius_m)
    return Circle(lat=location.lat, lon=location.lon, radius_m=DEFAULT_RADIUS_M)


def initial_radius(area: Circle | Polygon, location: Point) -> float:
    """Search radius of the first wave: the circle's, or reaching the polygon's farthest corner."""
    if isinstance(area, Circle):
        return float(area.radius_m)
    minx, miny, maxx, maxy = shape(json.loads(area.geojson)).bounds
    return max(
        float(haversine_m(location.lat, location.lon, lat, lon))
        for lat in (miny, maxy)
        for lon in (minx, maxx)
    )


def transition_refusal(task: Task, to: str) -> DomainError | None:
    """Why the task's status may not become ``to`` (None: it may)."""
    if to in TRANSITIONS[task.status]:
        return None
    if task.status == EXPIRED:
        return Gone(detail="the task expired")
    return Conflict(detail=f"the task is {task.status}; it cannot become {to}")


def claim_refusal(
    task: Task,
    *,
    member_id: str,
    now_ms: int,
    offered: bool,
    claims: Sequence[Claim],
) -> DomainError | None:
    """Why ``member_id`` may not claim the task now (None: they may, or hold a claim already —
    a retried claim, answered with the task as it is), decided from the task and its claims.
    Whether they declined their offer (``declined_refusal``) and whether they hold another
    task's claim (``busy_refusal``) are asked by the caller only of a claim a free slot awaits:
    each costs a read that the losers of a race then never make (a full task refuses one who
    declined too, as fully claimed)."""
    if task.status in (CANCELLED, EXPIRED) or task.expired_at(now_ms):
        return Gone(detail="the task has expired or was cancelled")
    if task.status not in OPEN:
        return Conflict(detail=f"the task is {task.status}")
    if not offered:
        return Conflict(detail="this task was not offered to you")
    if any(claim.member_id == member_id for claim in claims):
        return None
    if len(claims) >= task.capacity:  # decided without a write: slots are never freed
        return Conflict(detail="the task is already fully claimed")
    return None


def declined_refusal(offer: Offer) -> Conflict | None:
    return None if offer.declined_at_ms is None else Conflict(detail="you declined this task")


def busy_refusal() -> Conflict:
    """A member holding another task's claim finishes it first."""
    return Conflict(detail="finish your current task first")


def wave_answered(task: Task, offers: list[Offer], claims: list[Claim]) -> bool:
    """Everyone offered in the current wave declined or claimed: the next wave need not wait
    for the timeout."""
    claimants = {claim.member_id for claim in claims}
    pending = [
        offer
        for offer in offers
        if offer.wave == task.wave
        and offer.declined_at_ms is None
        and offer.member_id not in claimants
    ]
    return not pending and task.status in (DISPATCHING, CLAIMED)


def is_timed(task: Task) -> bool:
    """Whether the timer has work left on the task (its waves and its expiry)."""
    return EXPIRED in TRANSITIONS[task.status]


def validate_report(request: Any) -> list[FieldError]:
    """Every problem with a SubmitReportRequest, each naming its field."""
    errors = []
    if request.category not in REPORT_CATEGORIES:
        errors.append(FieldError("category", f"must be one of {', '.join(REPORT_CATEGORIES)}"))
    if not 1 <= len(request.description.strip()) <= 2000:
        errors.append(FieldError("description", "must be 1 to 2000 characters"))
    if not request.HasField("location") or not (
        -90 <= request.location.lat <= 90 and -180 <= request.location.lon <= 180
    ):
        errors.append(FieldError("location", "must be a WGS-84 {lat, lon}"))
    if len(request.media_ids) > MAX_PHOTOS:
        errors.append(FieldError("media_ids", "at most 9 photos"))
    return errors


def review_refusal(request: Any) -> InvalidArgument | None:
    """What is wrong with a ReviewReportRequest's decision, note or points (None: nothing)."""
    if request.decision not in ("approve", "reject"):
        return InvalidArgument(
            detail="decision is approve or reject",
            errors=[FieldError("decision", "must be approve or reject")],
        )
    if len(request.note) > MAX_REVIEW_NOTE_LENGTH:
        return InvalidArgument(
            detail="the note is too long",
            errors=[FieldError("note", f"at most {MAX_REVIEW_NOTE_LENGTH} characters")],
        )
    if not 0 <= request.points <= MAX_REVIEW_POINTS:
        return InvalidArgument(
            detail="points out of range",
            errors=[FieldError("points", f"must be 0 to {MAX_REVIEW_POINTS}")],
        )
    return None
