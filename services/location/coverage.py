"""Coverage (DESIGN.md "Coverage", the 1-3-5 minutes): square cells laid over an area, each with
the time the nearest free on-duty member would take to reach its centre — great-circle metres
times a detour factor over the mode's speed — answered by the live index's public nearest query
(one per cell), and per grid the share of its cells reached within the minutes asked.

Cells are squares of BASE_CELL_M; an area that would need more than the bound gets cells twice
as coarse until it fits, and the reply says how large they came out."""

from __future__ import annotations

import json
import math
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass

import numpy as np
import shapely
from shapely.geometry import shape
from shapely.geometry.base import BaseGeometry

from services.location.live_view import LiveView
from services.location.model import OFFLINE_AFTER_S
from shouwang.errors import FieldError, InvalidArgument
from shouwang.geo import EARTH_RADIUS_M

SPEEDS_MPS = {"walk": 1.4, "ebike": 4.5}
DETOUR = 1.3  # streets are not straight lines: a typical urban circuity factor
MINUTES = (1, 3, 5)
BASE_CELL_M = 100.0
MAX_CELLS = 2500
# Beyond this nobody "reaches" a cell: the nearest query's radius, and what the map calls none.
SEARCH_LIMIT_S = 600.0
# Before the area's cells are tested against its polygons, their box is coarsened to at most
# this many times the bound (a city-sized box of 100 m cells would be millions of points).
_BOX_SLACK = 16
_METRES_PER_DEG_LAT = math.pi * EARTH_RADIUS_M / 180.0

# (lat, lon, radius_m, k) -> [(member_id, metres)], nearest first: the live index's query
# with the eligibility it applies for dispatch (on duty, fresh fix, not busy, not flagged).
NearestQuery = Callable[[float, float, float, int], list[tuple[str, float]]]


@dataclass(frozen=True)
class GridArea:
    grid_id: str
    level: int
    polygon: BaseGeometry


@dataclass(frozen=True)
class Cell:
    south: float
    west: float
    north: float
    east: float
    reach_s: float | None  # None: nobody within SEARCH_LIMIT_S
    grid_id: str  # the most detailed grid containing the centre ("" outside every grid)

    @property
    def centre(self) -> tuple[float, float]:
        return (self.south + self.north) / 2, (self.west + self.east) / 2


@dataclass(frozen=True)
class Coverage:
    cells: tuple[Cell, ...]
    cell_m: float
    search_limit_s: float
    covered_share: dict[str, float]  # grid id -> share of its cells reached within `minutes`


def reach_seconds(distance_m: float, mode: str) -> float:
    return distance_m * DETOUR / SPEEDS_MPS[mode]


def search_radius_m(mode: str) -> float:
    return SEARCH_LIMIT_S * SPEEDS_MPS[mode] / DETOUR


def check_request(mode: str, minutes: int) -> None:
    errors = []
    if mode not in SPEEDS_MPS:
        errors.append(FieldError("mode", "must be walk or ebike"))
    if minutes not in MINUTES:
        errors.append(FieldError("minutes", "must be 1, 3 or 5"))
    if errors:
        raise InvalidArgument(detail="unknown coverage mode or minutes", errors=errors)


def grid_areas(grids: Iterable[tuple[str, int, str]]) -> list[GridArea]:
    """(grid_id, level, GeoJSON) as prepared polygons; a geometry that is not a valid polygon is
    an error naming its grid."""
    areas = []
    for grid_id, level, geometry_json in grids:
        try:
            polygon = shape(json.loads(geometry_json))
        except (ValueError, KeyError, TypeError, AttributeError):
            polygon = None
        if polygon is None or polygon.geom_type != "Polygon" or not polygon.is_valid:
            raise InvalidArgument(
                detail="a grid's geometry is not a valid polygon",
                errors=[FieldError("grids", f"grid {grid_id}: not a valid GeoJSON Polygon")],
            )
        shapely.prepare(polygon)
        areas.append(GridArea(grid_id=grid_id, level=level, polygon=polygon))
    return areas


def lay_cells(
    bounds: tuple[float, float, float, float],
    inside: Callable[[np.ndarray, np.ndarray], np.ndarray],
    *,
    max_cells: int = MAX_CELLS,
) -> tuple[float, np.ndarray, np.ndarray, float, float]:
    """Square cells over ``bounds`` (min_lon, min_lat, max_lon, max_lat) whose centres are
    ``inside``: (cell_m, centre lats, centre lons, lat step, lon step), BASE_CELL_M or coarser so
    that at most ``max_cells`` are kept."""
    min_lon, min_lat, max_lon, max_lat = bounds
    coslat = max(math.cos(math.radians((min_lat + max_lat) / 2)), 0.01)
    cell_m = BASE_CELL_M
    while True:
        lat_step = cell_m / _METRES_PER_DEG_LAT
        lon_step = lat_step / coslat
        rows = max(1, math.ceil((max_lat - min_lat) / lat_step))
        cols = max(1, math.ceil((max_lon - min_lon) / lon_step))
        if rows * cols > _BOX_SLACK * max_cells:
            cell_m *= 2
            continue
        lats = min_lat + (np.arange(rows) + 0.5) * lat_step
        lons = min_lon + (np.arange(cols) + 0.5) * lon_step
        grid_lat, grid_lon = (a.ravel() for a in np.meshgrid(lats, lons, indexing="ij"))
        keep = inside(grid_lon, grid_lat)
        if np.count_nonzero(keep) <= max_cells:
            return cell_m, grid_lat[keep], grid_lon[keep], lat_step, lon_step
        cell_m *= 2


def nearest_reach_s(
    nearest: NearestQuery, lat: float, lon: float, *, mode: str, counts: Callable[[str], bool]
) -> float | None:
    """Seconds for the nearest free member that ``counts`` (in the caller's scope) to reach the
    point; None when nobody is within the search limit."""
    radius = search_radius_m(mode)
    k = 8
    while True:
        ranked = nearest(lat, lon, radius, k)
        for member_id, distance in ranked:
            if counts(member_id):
                return reach_seconds(distance, mode)
        if len(ranked) < k:
            return None
        k *= 4


def coverage(
    grids: Sequence[GridArea],
    *,
    nearest: NearestQuery,
    counts: Callable[[str], bool],
    mode: str,
    minutes: int,
    fallback_bounds: tuple[float, float, float, float] | None = None,
    max_cells: int = MAX_CELLS,
) -> Coverage:
    """Cells over the union of ``grids`` (without grids: over ``fallback_bounds``, if any)."""
    check_request(mode, minutes)
    limit_s = SEARCH_LIMIT_S
    if grids:
        union = shapely.union_all([g.polygon for g in grids])
        shapely.prepare(union)
        bounds = union.bounds

        def inside(lons: np.ndarray, lats: np.ndarray) -> np.ndarray:
            return shapely.contains_xy(union, lons, lats)

    elif fallback_bounds is not None:
        bounds = fallback_bounds

        def inside(lons: np.ndarray, lats: np.ndarray) -> np.ndarray:
            return np.ones(len(lons), dtype=bool)

    else:
        return Coverage(cells=(), cell_m=BASE_CELL_M, search_limit_s=limit_s, covered_share={})
    cell_m, lats, lons, lat_step, lon_step = lay_cells(bounds, inside, max_cells=max_cells)
    owner = _deepest_grids(grids, lons, lats)
    cells = []
    for lat, lon, grid_id in zip(lats.tolist(), lons.tolist(), owner, strict=True):
        cells.append(
            Cell(
                south=lat - lat_step / 2,
                west=lon - lon_step / 2,
                north=lat + lat_step / 2,
                east=lon + lon_step / 2,
                reach_s=nearest_reach_s(nearest, lat, lon, mode=mode, counts=counts),
                grid_id=grid_id,
            )
        )
    shares = _covered_shares(
        grids,
        cells,
        lons,
        lats,
        minutes=minutes,
        reach=lambda y, x: nearest_reach_s(nearest, y, x, mode=mode, counts=counts),
    )
    return Coverage(cells=tuple(cells), cell_m=cell_m, search_limit_s=limit_s, covered_share=shares)


def of_live_view(
    view: LiveView,
    grids: Sequence[GridArea],
    *,
    station_ids: Iterable[str],
    mode: str,
    minutes: int,
    now_s: float,
    max_cells: int = MAX_CELLS,
) -> Coverage:
    """Coverage by the free members of ``station_ids`` (empty: the whole city) in the view."""
    check_request(mode, minutes)
    stations = set(station_ids)
    scope = {
        member_id
        for member_id, placement in view.members_on_duty().items()
        if not stations or placement.station_id in stations
    }

    def nearest(lat: float, lon: float, radius_m: float, k: int) -> list[tuple[str, float]]:
        return view.index.nearest(
            lat, lon, k=k, radius_m=radius_m, now=now_s, max_age_s=OFFLINE_AFTER_S
        )

    return coverage(
        grids,
        nearest=nearest,
        counts=scope.__contains__,
        mode=mode,
        minutes=minutes,
        fallback_bounds=None if grids else _around(view, scope, search_radius_m(mode)),
        max_cells=max_cells,
    )


def _around(
    view: LiveView, members: Iterable[str], margin_m: float
) -> tuple[float, float, float, float] | None:
    """The box of the members' positions, widened by ``margin_m`` (None: nobody placed)."""
    positions = [p for p in (view.index.get(m) for m in members) if p is not None]
    if not positions:
        return None
    lats = [p.lat for p in positions]
    lons = [p.lon for p in positions]
    dlat = margin_m / _METRES_PER_DEG_LAT
    dlon = dlat / max(math.cos(math.radians(sum(lats) / len(lats))), 0.01)
    return min(lons) - dlon, min(lats) - dlat, max(lons) + dlon, max(lats) + dlat


def _deepest_grids(grids: Sequence[GridArea], lons: np.ndarray, lats: np.ndarray) -> list[str]:
    owner = [""] * len(lons)
    level = np.full(len(lons), -1)
    for grid in sorted(grids, key=lambda g: g.level):
        hit = shapely.contains_xy(grid.polygon, lons, lats) & (level <= grid.level)
        for index in np.flatnonzero(hit).tolist():
            owner[index] = grid.grid_id
        level[hit] = grid.level
    return owner


def _covered_shares(
    grids: Sequence[GridArea],
    cells: Sequence[Cell],
    lons: np.ndarray,
    lats: np.ndarray,
    *,
    minutes: int,
    reach: Callable[[float, float], float | None],
) -> dict[str, float]:
    """Per grid, the share of the cells whose centre it contains that are reached within
    ``minutes``; a grid smaller than a cell is judged at a point inside it."""
    limit = minutes * 60.0
    covered = np.array([c.reach_s is not None and c.reach_s <= limit for c in cells], dtype=bool)
    shares: dict[str, float] = {}
    for grid in grids:
        mask = shapely.contains_xy(grid.polygon, lons, lats)
        total = int(np.count_nonzero(mask))
        if total:
            shares[grid.grid_id] = float(np.count_nonzero(covered & mask)) / total
        else:
            point = grid.polygon.representative_point()
            seconds = reach(point.y, point.x)
            shares[grid.grid_id] = 1.0 if seconds is not None and seconds <= limit else 0.0
    return shares
