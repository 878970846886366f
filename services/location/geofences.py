"""Geofences with hysteresis, so GPS jitter at the edge does not flap enter/exit.

A member enters a fence once a usable fix lies inside it by at least ``margin_m`` — or inside at
all for ``dwell_s`` — and exits once fixes lie outside by more than ``margin_m`` for ``dwell_s``.
Pure: the caller feeds fixes per member in time order and publishes the transitions returned.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import shapely
from shapely.geometry import Point
from shapely.geometry.base import BaseGeometry

from shouwang.geo import EARTH_RADIUS_M, haversine_m

DEFAULT_MARGIN_M = 15.0
DEFAULT_DWELL_S = 10.0


@dataclass
class Fence:
    fence_id: str
    ref: str
    shape: BaseGeometry  # lon/lat polygon, or a point for a circle
    radius_m: float = 0.0  # > 0 for circles
    member_ids: frozenset[str] = frozenset()
    margin_m: float = DEFAULT_MARGIN_M
    dwell_s: float = DEFAULT_DWELL_S
    # member id -> (inside?, ms since the fixes started disagreeing with that state, or None)
    state: dict[str, tuple[bool, int | None]] = field(default_factory=dict)

    def watches(self, member_id: str) -> bool:
        return not self.member_ids or member_id in self.member_ids

    def signed_distance_m(self, lat: float, lon: float) -> float:
        """Negative inside (metres from the edge), positive outside."""
        if self.radius_m > 0:
            centre = self.shape
            return float(haversine_m(centre.y, centre.x, lat, lon)) - self.radius_m
        point = Point(lon, lat)
        # Degrees to metres at this latitude is accurate enough for a margin of metres.
        metres_per_degree = EARTH_RADIUS_M * 3.141592653589793 / 180
        if shapely.contains_xy(self.shape, lon, lat):
            return -self.shape.exterior.distance(point) * metres_per_degree
        return self.shape.distance(point) * metres_per_degree

    def observe(self, member_id: str, lat: float, lon: float, ts_ms: int) -> str | None:
        """Feed one usable fix; returns "entered", "exited" or None."""
        inside, since = self.state.get(member_id, (False, None))
        distance = self.signed_distance_m(lat, lon)
        disagrees = distance < 0 if not inside else distance > self.margin_m
        if not disagrees:
            self.state[member_id] = (inside, None)
            return None
        decisive = not inside and distance <= -self.margin_m
        started = ts_ms if since is None else since
        if decisive or (ts_ms - started) / 1000 >= self.dwell_s:
            self.state[member_id] = (not inside, None)
            return "exited" if inside else "entered"
        self.state[member_id] = (inside, started)
        return None
