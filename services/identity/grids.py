"""Grids (网格): polygons in three levels, validated with shapely, and point-in-grid lookup."""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import shapely
from shapely.geometry import Polygon, shape
from shapely.validation import explain_validity

from shouwang.errors import FieldError

LEVELS = (1, 2, 3)
MAX_VERTICES = 10_000


@dataclass(frozen=True)
class GridShape:
    grid_id: str
    level: int
    polygon: Polygon


def validate_geometry(geometry: Any) -> tuple[dict[str, Any] | None, list[FieldError]]:
    """A GeoJSON Polygon in WGS-84: closed rings, in range, at most 10,000 vertices, valid."""
    field = "geometry"
    if not isinstance(geometry, dict) or geometry.get("type") != "Polygon":
        return None, [FieldError(field, "must be a GeoJSON Polygon")]
    rings = geometry.get("coordinates")
    if not isinstance(rings, list) or not rings:
        return None, [FieldError(field, "coordinates must be a list of linear rings")]
    vertices = 0
    for index, ring in enumerate(rings):
        where = f"{field}.coordinates[{index}]"
        if not isinstance(ring, list) or len(ring) < 4:
            return None, [FieldError(where, "a ring needs at least 4 positions")]
        for position in ring:
            if (
                not isinstance(position, list)
                or len(position) < 2
                or not all(
                    isinstance(v, int | float) and not isinstance(v, bool) for v in position[:2]
                )
            ):
                return None, [FieldError(where, "positions must be [lon, lat] numbers")]
            lon, lat = position[0], position[1]
            if not (-180 <= lon <= 180 and -90 <= lat <= 90):
                return None, [FieldError(where, "positions must be WGS-84 [lon, lat] in range")]
        if ring[0][:2] != ring[-1][:2]:
            return None, [FieldError(where, "a ring must be closed (last position = first)")]
        vertices += len(ring)
    if vertices > MAX_VERTICES:
        return None, [FieldError(field, f"at most {MAX_VERTICES} vertices")]
    polygon = shape(geometry)
    if not polygon.is_valid:
        return None, [FieldError(field, f"invalid polygon: {explain_validity(polygon)}")]
    clean = {"type": "Polygon", "coordinates": [[list(p[:2]) for p in r] for r in rings]}
    return clean, []


def polygon_of(geometry: dict[str, Any]) -> Polygon:
    polygon = shape(geometry)
    shapely.prepare(polygon)
    return polygon


def deepest_grid_containing(lat: float, lon: float, grids: Sequence[GridShape]) -> str:
    """The id of the most detailed grid containing the point, or "" outside every grid."""
    best: GridShape | None = None
    for grid in grids:
        if (best is None or grid.level > best.level) and shapely.contains_xy(
            grid.polygon, lon, lat
        ):
            best = grid
    return best.grid_id if best else ""


def geometry_json(geometry: dict[str, Any]) -> str:
    return json.dumps(geometry, separators=(",", ":"))
