"""Comms' values and rules: bulletins and their audiences, quizzes and their scoring. Frozen
values, pure functions; times are epoch milliseconds."""

from __future__ import annotations

import json
import math
from dataclasses import dataclass
from typing import Any

from shapely.geometry import Point as ShapelyPoint
from shapely.geometry import shape
from shapely.geometry.base import BaseGeometry
from shapely.validation import explain_validity

from shouwang.errors import FieldError

KINDS = ("alert", "news", "wanted", "case_notice", "knowledge")
MAX_TITLE = 120
MAX_BODY = 20_000
MAX_MEDIA = 9
MAX_AUDIENCE_IDS = 100
MAX_POLYGON_VERTICES = 1000
MIN_RADIUS_M, MAX_RADIUS_M = 10.0, 50_000.0
MAX_QUESTIONS = 50
MAX_CHOICES = 8
MAX_TEXT = 500
MAX_POINTS_PER_CORRECT = 100
METRES_PER_DEGREE = 111_195.0


@dataclass(frozen=True)
class Circle:
    lat: float
    lon: float
    radius_m: float


@dataclass(frozen=True)
class Polygon:
    geojson: str


@dataclass(frozen=True)
class Audience:
    area: Circle | Polygon | None = None
    grid_ids: tuple[str, ...] = ()
    org_ids: tuple[str, ...] = ()
    everyone: bool = False


@dataclass(frozen=True)
class Bulletin:
    bulletin_id: str
    kind: str
    title: str
    body: str
    media_ids: tuple[str, ...]
    audience: Audience
    published_at_ms: int
    expires_at_ms: int  # 0: never
    station_id: str
    published_by: str
    recipient_count: int = 0
    read_count: int = 0
    sms: bool = False

    def expired(self, now_ms: int) -> bool:
        return bool(self.expires_at_ms) and now_ms >= self.expires_at_ms


@dataclass(frozen=True)
class Question:
    text: str
    choices: tuple[str, ...]
    answer: int


@dataclass(frozen=True)
class Quiz:
    quiz_id: str
    title: str
    questions: tuple[Question, ...]
    opens_at_ms: int
    closes_at_ms: int  # 0: never
    points_per_correct: int
    station_id: str
    created_by: str
    created_at_ms: int

    def is_open(self, now_ms: int) -> bool:
        return self.opens_at_ms <= now_ms and not (
            self.closes_at_ms and now_ms >= self.closes_at_ms
        )


@dataclass(frozen=True)
class Score:
    correct: int
    total: int
    points: int


# Bulletins -------------------------------------------------------------------------------------


def validate_bulletin(request: Any, *, now_ms: int) -> list[FieldError]:
    errors = []
    if request.kind not in KINDS:
        errors.append(FieldError("kind", f"must be one of {', '.join(KINDS)}"))
    if not request.title.strip() or len(request.title) > MAX_TITLE:
        errors.append(FieldError("title", f"is required, at most {MAX_TITLE} characters"))
    if not request.body.strip() or len(request.body) > MAX_BODY:
        errors.append(FieldError("body", f"is required, at most {MAX_BODY} characters"))
    if len(request.media_ids) > MAX_MEDIA:
        errors.append(FieldError("media_ids", f"at most {MAX_MEDIA}"))
    audience = request.audience
    has_area = audience.HasField("area") and audience.area.WhichOneof("shape") is not None
    if not (has_area or audience.grid_ids or audience.org_ids or audience.everyone):
        errors.append(FieldError("audience", "name an area, grids, orgs or everyone"))
    if has_area:
        errors += area_errors(audience.area)
    for name in ("grid_ids", "org_ids"):
        if len(getattr(audience, name)) > MAX_AUDIENCE_IDS:
            errors.append(FieldError(f"audience.{name}", f"at most {MAX_AUDIENCE_IDS}"))
    if request.HasField("expires_at") and request.expires_at.ToMilliseconds() <= now_ms:
        errors.append(FieldError("expires_at", "must be in the future"))
    return errors


def area_errors(area: Any) -> list[FieldError]:
    if area.HasField("circle"):
        circle = area.circle
        errors = []
        if not (-90 <= circle.center.lat <= 90 and -180 <= circle.center.lon <= 180):
            errors.append(FieldError("audience.area.center", "must be a WGS-84 {lat, lon}"))
        if not MIN_RADIUS_M <= circle.radius_m <= MAX_RADIUS_M:
            errors.append(FieldError("audience.area.radius_m", "must be 10 m to 50 km"))
        return errors
    invalid = [FieldError("audience.area", "must be a GeoJSON Polygon or {center, radius_m}")]
    try:
        geometry = json.loads(area.polygon_geojson)
        polygon = shape(geometry)
    except (ValueError, KeyError, TypeError, AttributeError, IndexError):
        return invalid
    if not isinstance(geometry, dict) or geometry.get("type") != "Polygon":
        return invalid
    rings = geometry.get("coordinates") or []
    if sum(len(ring) for ring in rings) > MAX_POLYGON_VERTICES:
        return [FieldError("audience.area", f"at most {MAX_POLYGON_VERTICES} vertices")]
    minx, miny, maxx, maxy = polygon.bounds
    if not (-180 <= minx <= maxx <= 180 and -90 <= miny <= maxy <= 90):
        return [FieldError("audience.area", "coordinates must be WGS-84 [lon, lat]")]
    if not polygon.is_valid:
        return [FieldError("audience.area", f"invalid polygon: {explain_validity(polygon)}")]
    return []


def audience_from(message: Any) -> Audience:
    area: Circle | Polygon | None = None
    if message.HasField("area"):
        if message.area.HasField("circle"):
            c = message.area.circle
            area = Circle(lat=c.center.lat, lon=c.center.lon, radius_m=c.radius_m)
        elif message.area.HasField("polygon_geojson"):
            area = Polygon(geojson=message.area.polygon_geojson)
    return Audience(
        area=area,
        grid_ids=tuple(dict.fromkeys(message.grid_ids)),
        org_ids=tuple(dict.fromkeys(message.org_ids)),
        everyone=message.everyone,
    )


def area_geometry(area: Circle | Polygon) -> BaseGeometry:
    """The area as a shapely geometry in [lon, lat] degrees (a circle as a polygon scaled to
    the latitude; close enough to decide which grids it covers)."""
    if isinstance(area, Polygon):
        return shape(json.loads(area.geojson))
    dlat = area.radius_m / METRES_PER_DEGREE
    dlon = dlat / max(math.cos(math.radians(area.lat)), 1e-6)
    unit = ShapelyPoint(0, 0).buffer(1.0, 64)
    from shapely import affinity

    return affinity.translate(affinity.scale(unit, dlon, dlat, origin=(0, 0)), area.lon, area.lat)


def covers(area: BaseGeometry, grid_geojson: str) -> bool:
    """Whether the area covers a grid (the whole of it: a grid the area only touches is not
    addressed through its residents, only its members on duty inside the area are)."""
    try:
        grid = shape(json.loads(grid_geojson))
    except (ValueError, KeyError, TypeError, AttributeError, IndexError):
        return False
    return bool(area.covers(grid))


def new_bulletin(
    request: Any,
    *,
    bulletin_id: str,
    station_id: str,
    published_by: str,
    now_ms: int,
) -> Bulletin:
    return Bulletin(
        bulletin_id=bulletin_id,
        kind=request.kind,
        title=request.title.strip(),
        body=request.body,
        media_ids=tuple(dict.fromkeys(request.media_ids)),
        audience=audience_from(request.audience),
        published_at_ms=now_ms,
        expires_at_ms=request.expires_at.ToMilliseconds() if request.HasField("expires_at") else 0,
        station_id=station_id,
        published_by=published_by,
        sms=request.sms,
    )


# Quizzes ---------------------------------------------------------------------------------------


def validate_quiz(request: Any, *, now_ms: int) -> list[FieldError]:
    errors = []
    if not request.title.strip() or len(request.title) > MAX_TITLE:
        errors.append(FieldError("title", f"is required, at most {MAX_TITLE} characters"))
    if not 1 <= len(request.questions) <= MAX_QUESTIONS:
        errors.append(FieldError("questions", f"1 to {MAX_QUESTIONS} questions"))
    for i, question in enumerate(request.questions):
        if not question.text.strip() or len(question.text) > MAX_TEXT:
            errors.append(FieldError(f"questions[{i}].text", "is required"))
        if not 2 <= len(question.choices) <= MAX_CHOICES:
            errors.append(FieldError(f"questions[{i}].choices", f"2 to {MAX_CHOICES} choices"))
        elif any(not c.strip() or len(c) > MAX_TEXT for c in question.choices):
            errors.append(FieldError(f"questions[{i}].choices", "choices must not be empty"))
        if not 0 <= question.answer < len(question.choices):
            errors.append(FieldError(f"questions[{i}].answer", "must index one of the choices"))
    if not 0 <= request.points_per_correct <= MAX_POINTS_PER_CORRECT:
        errors.append(FieldError("points_per_correct", f"0 to {MAX_POINTS_PER_CORRECT}"))
    opens = request.opens_at.ToMilliseconds() if request.HasField("opens_at") else now_ms
    if request.HasField("closes_at") and request.closes_at.ToMilliseconds() <= max(opens, now_ms):
        errors.append(FieldError("closes_at", "must be after opens_at and in the future"))
    return errors


DEFAULT_POINTS_PER_CORRECT = 1


def new_quiz(request: Any, *, quiz_id: str, station_id: str, created_by: str, now_ms: int) -> Quiz:
    return Quiz(
        quiz_id=quiz_id,
        title=request.title.strip(),
        questions=tuple(
            Question(text=q.text, choices=tuple(q.choices), answer=q.answer)
            for q in request.questions
        ),
        opens_at_ms=request.opens_at.ToMilliseconds() if request.HasField("opens_at") else now_ms,
        closes_at_ms=request.closes_at.ToMilliseconds() if request.HasField("closes_at") else 0,
        points_per_correct=request.points_per_correct or DEFAULT_POINTS_PER_CORRECT,
        station_id=station_id,
        created_by=created_by,
        created_at_ms=now_ms,
    )


def answer_errors(quiz: Quiz, answers: list[int]) -> list[FieldError]:
    if len(answers) != len(quiz.questions):
        return [FieldError("answers", f"one answer per question ({len(quiz.questions)})")]
    return [
        FieldError(f"answers[{i}]", "must index one of the question's choices")
        for i, (answer, question) in enumerate(zip(answers, quiz.questions, strict=True))
        if not 0 <= answer < len(question.choices)
    ]


def score(quiz: Quiz, answers: list[int]) -> Score:
    correct = sum(
        answer == question.answer for answer, question in zip(answers, quiz.questions, strict=True)
    )
    return Score(
        correct=correct, total=len(quiz.questions), points=correct * quiz.points_per_correct
    )


# Groups ----------------------------------------------------------------------------------------

MAX_GROUP_NAME = 60
MAX_GROUP_MEMBERS = 500
MAX_MESSAGE_TEXT = 2000
MAX_LABEL = 60
GROUP_CREATORS = frozenset({"officer", "admin", "team_leader"})
DRAWN_GEOMETRIES = ("Point", "LineString", "Polygon")
MAX_DRAWING_VERTICES = 1000


@dataclass(frozen=True)
class Group:
    group_id: str
    name: str
    member_ids: tuple[str, ...]
    task_id: str
    created_at_ms: int
    expires_at_ms: int  # 0: never
    station_id: str
    created_by: str
    cohort_id: str = ""

    def ended(self, now_ms: int) -> bool:
        return bool(self.expires_at_ms) and now_ms >= self.expires_at_ms

    @property
    def everyone(self) -> tuple[str, ...]:
        """Who receives its messages: its members and its creator."""
        return tuple(m for m in dict.fromkeys((self.created_by, *self.member_ids)) if m)


@dataclass(frozen=True)
class Location:
    lat: float
    lon: float


@dataclass(frozen=True)
class Message:
    message_id: str
    group_id: str
    sender_id: str
    text: str
    media_ids: tuple[str, ...]
    location: Location | None
    sent_at_ms: int
    recipient_ids: tuple[str, ...]
    station_id: str
    voice_media_id: str = ""
    voice_duration_ms: int = 0


@dataclass(frozen=True)
class Drawing:
    drawing_id: str
    group_id: str
    feature_geojson: str
    created_by: str
    created_at_ms: int
    deleted: bool = False


def validate_group(request: Any, *, now_ms: int) -> list[FieldError]:
    errors = []
    if not request.name.strip() or len(request.name) > MAX_GROUP_NAME:
        errors.append(FieldError("name", f"is required, at most {MAX_GROUP_NAME} characters"))
    if len(request.member_ids) > MAX_GROUP_MEMBERS:
        errors.append(FieldError("member_ids", f"at most {MAX_GROUP_MEMBERS}"))
    if request.HasField("expires_at") and request.expires_at.ToMilliseconds() <= now_ms:
        errors.append(FieldError("expires_at", "must be in the future"))
    return errors


def new_group(
    request: Any,
    *,
    group_id: str,
    station_id: str,
    created_by: str,
    now_ms: int,
    cohort_member_ids: tuple[str, ...] = (),
) -> Group:
    """``cohort_member_ids``: a cohort group's trainees and instructors, as training told."""
    members = (*request.member_ids, *cohort_member_ids)
    return Group(
        group_id=group_id,
        name=request.name.strip(),
        member_ids=tuple(dict.fromkeys(m for m in members if m != created_by)),
        task_id=request.task_id,
        created_at_ms=now_ms,
        expires_at_ms=request.expires_at.ToMilliseconds() if request.HasField("expires_at") else 0,
        station_id=station_id,
        created_by=created_by,
        cohort_id=request.cohort_id,
    )


MAX_VOICE_MS = 60_000


def validate_message(request: Any) -> list[FieldError]:
    errors = []
    has_location = request.HasField("location")
    if not (request.text.strip() or request.media_ids or has_location or request.voice_media_id):
        errors.append(FieldError("text", "a message needs text, media, a location or a voice clip"))
    if request.voice_media_id and not 0 < request.voice_duration_ms <= MAX_VOICE_MS:
        errors.append(FieldError("voice_media_id", "a voice clip lasts up to 60 s"))
    if len(request.text) > MAX_MESSAGE_TEXT:
        errors.append(FieldError("text", f"at most {MAX_MESSAGE_TEXT} characters"))
    if len(request.media_ids) > MAX_MEDIA:
        errors.append(FieldError("media_ids", f"at most {MAX_MEDIA}"))
    if has_location and not (
        -90 <= request.location.lat <= 90 and -180 <= request.location.lon <= 180
    ):
        errors.append(FieldError("location", "must be a WGS-84 {lat, lon}"))
    return errors


def drawing_errors(feature_geojson: str) -> list[FieldError]:
    """A GeoJSON Feature with a valid Point, LineString or Polygon geometry and properties
    {label?, color?} only."""
    invalid = [FieldError("feature", "must be a GeoJSON Feature (Point, LineString, Polygon)")]
    try:
        feature = json.loads(feature_geojson)
    except ValueError:
        return invalid
    if not isinstance(feature, dict) or feature.get("type") != "Feature":
        return invalid
    geometry = feature.get("geometry")
    if not isinstance(geometry, dict) or geometry.get("type") not in DRAWN_GEOMETRIES:
        return invalid
    try:
        drawn = shape(geometry)
    except (ValueError, KeyError, TypeError, AttributeError, IndexError):
        return invalid
    if drawn.is_empty or len(getattr(drawn, "exterior", drawn).coords) > MAX_DRAWING_VERTICES:
        return [FieldError("feature.geometry", f"1 to {MAX_DRAWING_VERTICES} positions")]
    minx, miny, maxx, maxy = drawn.bounds
    if not (-180 <= minx <= maxx <= 180 and -90 <= miny <= maxy <= 90):
        return [FieldError("feature.geometry", "coordinates must be WGS-84 [lon, lat]")]
    if not drawn.is_valid:
        return [FieldError("feature.geometry", f"invalid: {explain_validity(drawn)}")]
    properties = feature.get("properties") or {}
    if not isinstance(properties, dict) or set(properties) - {"label", "color"}:
        return [FieldError("feature.properties", "only label and color")]
    for name in ("label", "color"):
        value = properties.get(name)
        if value is not None and (not isinstance(value, str) or len(value) > MAX_LABEL):
            return [FieldError(f"feature.properties.{name}", f"text, at most {MAX_LABEL}")]
    return []


def canonical_feature(feature_geojson: str) -> str:
    feature = json.loads(feature_geojson)
    return json.dumps(
        {
            "type": "Feature",
            "geometry": feature["geometry"],
            "properties": feature.get("properties") or {},
        },
        ensure_ascii=False,
        separators=(",", ":"),
    )


def task_group_id(task_id: str) -> str:
    """A task's group has an id derived from the task: every claim lands in the same one."""
    return f"task-{task_id}"
