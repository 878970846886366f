"""Questions the live view answers: nearest eligible members, members inside an area, the map
and the counts. Eligible for dispatch: on duty, a usable fix in the last 2 minutes, not busy,
having the skills asked; inside the area when one is given."""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Callable, Iterable, Sequence

from shapely.geometry import shape
from shapely.geometry.base import BaseGeometry

from services.location import model
from services.location.live_index import LivePosition
from services.location.live_view import LiveView
from shouwang.errors import FieldError, InvalidArgument
from shouwang.geo import haversine_m
from shouwang.location.v1 import location_pb2

MAX_RADIUS_M = 50_000.0


def nearest(
    view: LiveView, request: location_pb2.NearestRequest, *, now_s: float
) -> list[tuple[str, float]]:
    radius = request.radius_m or MAX_RADIUS_M
    excluded = set(request.exclude_member_ids)
    stations = set(request.station_ids)
    max_age = request.max_age_s or model.OFFLINE_AFTER_S
    inside = _area_test(view, request.area) if request.HasField("area") else None
    # The index's K-NN ranks eligible members nearest first; the area (a few km, checked on the
    # ranked candidates only), the exclusions and the stations filter them after ranking. When
    # fewer than k are left, the K-NN asks for more until it has k or nobody more is within the
    # radius. (Asking for everyone within the radius whenever an area was given, and listing
    # the area's members first, cost ~3 ms a query at 10,000 on duty against 0.06 ms.)
    wanted = request.k + len(excluded)
    while True:
        ranked = view.index.nearest(
            request.lat,
            request.lon,
            k=max(wanted, 1),
            radius_m=radius,
            now=now_s,
            max_age_s=max_age,
            required_skills=list(request.skills),
            among=list(request.member_ids) or None,
        )
        kept = [
            (member, distance)
            for member, distance in ranked
            if member not in excluded and _in_stations(view, member, stations)
        ]
        if inside is not None and kept:
            kept = [c for c, ok in zip(kept, inside([m for m, _ in kept]), strict=True) if ok]
        if len(kept) >= request.k or len(ranked) < wanted or wanted >= len(view.index):
            return kept[: request.k]
        wanted *= 4


def within(
    view: LiveView, request: location_pb2.WithinRequest, *, now_s: float
) -> list[tuple[str, float]]:
    members = _members_in(view, request.area)
    if request.eligible_only:
        centre = _area_centre(request.area)
        eligible = {
            m
            for m, _ in view.index.nearest(
                centre[0],
                centre[1],
                k=max(len(view.index), 1),
                radius_m=MAX_RADIUS_M * 4,
                now=now_s,
                required_skills=list(request.skills),
            )
        }
        members &= eligible
    lat, lon = (
        (request.lat, request.lon) if request.lat or request.lon else _area_centre(request.area)
    )
    positions = [p for p in (view.index.get(m) for m in members) if p is not None]
    ranked = [(p.member_id, float(haversine_m(lat, lon, p.lat, p.lon))) for p in positions]
    return sorted(ranked, key=lambda pair: (pair[1], pair[0]))


def live_members(view: LiveView, request: location_pb2.LiveMembersRequest) -> list[LivePosition]:
    positions = view.index.bbox(request.min_lon, request.min_lat, request.max_lon, request.max_lat)
    stations = set(request.station_ids)
    return [p for p in positions if _in_stations(view, p.member_id, stations)]


def summary(
    view: LiveView, station_ids: Iterable[str], *, now_s: float
) -> location_pb2.SummaryResponse:
    stations = set(station_ids)
    on_duty = {
        m: p for m, p in view.members_on_duty().items() if not stations or p.station_id in stations
    }
    online = 0
    for member_id in on_duty:
        position = view.index.get(member_id)
        if position is not None and position.last_seen >= now_s - model.OFFLINE_AFTER_S:
            online += 1
    by_team = Counter(p.team_id or "none" for p in on_duty.values())
    by_grid = Counter(p.grid_id or "none" for p in on_duty.values())
    return location_pb2.SummaryResponse(
        online=online, on_duty=len(on_duty), by_team=by_team, by_grid=by_grid
    )


def area_geometry(area: location_pb2.Area) -> dict:  # type: ignore[type-arg]
    """The area as stored with a geofence: {"circle": {...}} or {"polygon_geojson": "..."}."""
    if area.HasField("circle"):
        c = area.circle
        _check_circle(c)
        return {"circle": {"lat": c.lat, "lon": c.lon, "radius_m": c.radius_m}}
    if area.HasField("polygon_geojson"):
        _polygon(area.polygon_geojson)
        return {"polygon_geojson": area.polygon_geojson}
    raise InvalidArgument(
        detail="an area is a polygon or a circle",
        errors=[FieldError("area", "give polygon_geojson or circle")],
    )


def _area_test(view: LiveView, area: location_pb2.Area) -> Callable[[Sequence[str]], list[bool]]:
    """Whether given members are inside the area, counted as ``_members_in`` counts them."""
    if area.HasField("circle"):
        c = area.circle
        _check_circle(c)
        return lambda members: view.index.in_circle(members, c.lat, c.lon, c.radius_m)
    polygon = _polygon(area.polygon_geojson)
    return lambda members: view.index.in_polygon(members, polygon)


def _members_in(view: LiveView, area: location_pb2.Area) -> set[str]:
    if area.HasField("circle"):
        c = area.circle
        _check_circle(c)
        return set(view.index.within_circle(c.lat, c.lon, c.radius_m))
    return set(view.index.within_polygon(_polygon(area.polygon_geojson)))


def _area_centre(area: location_pb2.Area) -> tuple[float, float]:
    if area.HasField("circle"):
        return area.circle.lat, area.circle.lon
    centroid = _polygon(area.polygon_geojson).centroid
    return centroid.y, centroid.x


def _polygon(geojson: str) -> BaseGeometry:
    try:
        polygon = shape(json.loads(geojson))
    except (ValueError, KeyError, TypeError, AttributeError):
        raise InvalidArgument(
            detail="the area is not a GeoJSON polygon",
            errors=[FieldError("area", "must be a GeoJSON Polygon")],
        ) from None
    if polygon.geom_type != "Polygon" or not polygon.is_valid:
        raise InvalidArgument(
            detail="the area is not a valid polygon",
            errors=[FieldError("area", "must be a valid GeoJSON Polygon")],
        )
    return polygon


def _check_circle(circle: location_pb2.Circle) -> None:
    if not (-90 <= circle.lat <= 90 and -180 <= circle.lon <= 180 and circle.radius_m > 0):
        raise InvalidArgument(
            detail="bad circle",
            errors=[FieldError("area", "a circle needs a WGS-84 centre and a positive radius")],
        )


def _in_stations(view: LiveView, member_id: str, stations: set[str]) -> bool:
    """Whether the member is placed in one of ``stations`` (empty: the whole city); a member of
    no station is in none."""
    if not stations:
        return True
    placement = view.placement(member_id)
    return placement is not None and bool(placement.station_id) and placement.station_id in stations
