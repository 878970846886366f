"""Task rules: what a valid task is, its defaults, and how its status may move. Pure."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from shapely.geometry import shape
from shapely.validation import explain_validity

from shouwang.errors import FieldError

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
MODES = ("nearest", "area", "members")
DEFAULT_RADIUS_M = 3000.0
MIN_RADIUS_M, MAX_RADIUS_M = 50.0, 20_000.0
MIN_EXPIRY_S, MAX_EXPIRY_S, DEFAULT_EXPIRY_S = 60, 24 * 3600, 30 * 60
MAX_CAPACITY = 50
DEFAULT_POINTS = {1: 30, 2: 20, 3: 10}
MAX_POLYGON_VERTICES = 10_000
# Bounds a gRPC caller meets as an HTTP one does (the gateway's models hold the same or tighter).
MAX_KIND_LENGTH, MAX_SKILLS = 40, 20
# Arrival is entering the scene: a circle around the incident, not the whole dispatch area
# (members start inside a 3 km dispatch circle; that is not "on scene"). Each task may set its own.
SCENE_RADIUS_M = 150.0
MIN_SCENE_RADIUS_M, MAX_SCENE_RADIUS_M = 10.0, 2000.0


@dataclass(frozen=True)
class WaveTimeouts:
    """How long a wave of offers waits for claims before the next one (priority 1 is urgent)."""

    urgent_s: float = 15.0
    normal_s: float = 30.0

    def for_priority(self, priority: int) -> float:
        return self.urgent_s if priority == 1 else self.normal_s


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
