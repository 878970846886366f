"""Brute-force truth for every answer: numpy haversine / shapely over all members."""

from __future__ import annotations

import numpy as np
import numpy.typing as npt
import shapely
from shapely.geometry import Polygon

from bench.location.workload import City
from shouwang.geo import EARTH_RADIUS_M, haversine_m

# Redis stores positions as 52-bit geohashes (~0.6 m) and uses its own Earth radius
# (6372797.56 m, +0.03%); Tile38 uses 6371000 m. Differences within this tolerance are rounding,
# not wrong answers: they are counted apart as "edge" differences.
_ABS_TOL_M = 1.0
_REL_TOL = 5e-4
_M_PER_DEG = EARTH_RADIUS_M * np.pi / 180.0


def _tol(distance_m: float | npt.NDArray[np.float64]) -> float | npt.NDArray[np.float64]:
    return _ABS_TOL_M + _REL_TOL * distance_m


class Truth:
    def __init__(self, city: City) -> None:
        self.lats = city.lats.copy()
        self.lons = city.lons.copy()
        self.index_of = {member: i for i, member in enumerate(city.ids)}

    def knn_distances(self, lat: float, lon: float) -> npt.NDArray[np.float64]:
        return np.asarray(haversine_m(lat, lon, self.lats, self.lons))

    def knn_is_wrong(
        self, answer: list[str], distances: npt.NDArray[np.float64], *, k: int, radius_m: float
    ) -> bool:
        """Compares distances, not ids: members at equal distance may come in either order."""
        if len(set(answer)) != len(answer) or len(answer) > k:
            return True
        within = np.sort(distances[distances <= radius_m])[:k]
        got = distances[[self.index_of[m] for m in answer]]
        if np.any(np.diff(got) < -_tol(got[1:])):
            return True  # not nearest first
        got = np.sort(got)
        n = min(len(got), len(within))
        if np.any(np.abs(got[:n] - within[:n]) > _tol(within[:n])):
            return True
        # A length difference is only excusable at the radius edge.
        if len(got) < len(within) and np.any(within[n:] < radius_m - _tol(radius_m)):
            return True
        return bool(len(got) > len(within) and np.any(got[n:] > radius_m + _tol(radius_m)))

    def polygon_members(self, polygon: Polygon) -> set[str]:
        shapely.prepare(polygon)
        inside = np.flatnonzero(shapely.contains_xy(polygon, self.lons, self.lats))
        return {f"member-{i:06d}" for i in inside.tolist()}

    def polygon_differences(
        self, polygon: Polygon, answer: list[str], truth: set[str]
    ) -> tuple[int, int]:
        """(members wrongly in or out, members within tolerance of the edge that differ)."""
        differ = truth.symmetric_difference(answer)
        if len(answer) != len(set(answer)):
            return len(answer) - len(set(answer)) + len(differ), 0
        if not differ:
            return 0, 0
        idx = np.array([self.index_of[m] for m in differ])
        points = shapely.points(self.lons[idx], self.lats[idx])
        # Degrees of longitude are the shorter ones here, so this underestimates metres.
        metres = (
            shapely.distance(polygon.boundary, points)
            * _M_PER_DEG
            * np.cos(np.radians(self.lats[idx]))
        )
        edge = int(np.count_nonzero(metres <= _ABS_TOL_M))
        return len(differ) - edge, edge
