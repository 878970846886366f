"""The synthetic city: members clustered around hotspots walking at 1-15 m/s, and the queries."""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt
import shapely
from shapely.geometry import Polygon

from shouwang.geo import EARTH_RADIUS_M

CENTRE_LAT, CENTRE_LON = 27.8, 120.65  # Wenzhou
CITY_SIDE_M = 30_000.0
HOTSPOTS = 20
FIX_INTERVAL_S = 5.0
KNN_K = 10
KNN_RADIUS_M = 3_000.0
POLYGON_AREAS_KM2 = (0.5, 5.0, 50.0)

_M_PER_DEG_LAT = EARTH_RADIUS_M * math.pi / 180.0
_M_PER_DEG_LON = _M_PER_DEG_LAT * math.cos(math.radians(CENTRE_LAT))
_HALF_LAT = CITY_SIDE_M / 2 / _M_PER_DEG_LAT
_HALF_LON = CITY_SIDE_M / 2 / _M_PER_DEG_LON

FloatArray = npt.NDArray[np.float64]


@dataclass
class FixBatch:
    """Fixes in stream order (member index, position, time)."""

    members: npt.NDArray[np.int64]
    lats: FloatArray
    lons: FloatArray
    ts: FloatArray

    def __len__(self) -> int:
        return len(self.members)

    def slice(self, start: int, stop: int) -> FixBatch:
        return FixBatch(
            self.members[start:stop],
            self.lats[start:stop],
            self.lons[start:stop],
            self.ts[start:stop],
        )


@dataclass
class City:
    members: int
    ids: list[str]
    lats: FloatArray  # latest position of each member: the truth every answer is checked against
    lons: FloatArray
    hotspots: FloatArray  # (HOTSPOTS, 2) lat, lon
    rng: np.random.Generator
    _heading: FloatArray
    _speed: FloatArray
    _clock: float = 1_767_225_600.0  # 2026-01-01

    @classmethod
    def build(cls, members: int, *, seed: int) -> City:
        rng = np.random.default_rng(seed)
        hotspots = np.column_stack(
            [
                CENTRE_LAT + rng.uniform(-0.8, 0.8, HOTSPOTS) * _HALF_LAT,
                CENTRE_LON + rng.uniform(-0.8, 0.8, HOTSPOTS) * _HALF_LON,
            ]
        )
        # Hotspots differ in pull (a market draws more patrollers than a park) and spread.
        weights = rng.pareto(1.5, HOTSPOTS) + 1.0
        home = rng.choice(HOTSPOTS, size=members, p=weights / weights.sum())
        spread_m = rng.uniform(300.0, 1_500.0, HOTSPOTS)[home]
        lats = hotspots[home, 0] + rng.normal(0, 1, members) * spread_m / _M_PER_DEG_LAT
        lons = hotspots[home, 1] + rng.normal(0, 1, members) * spread_m / _M_PER_DEG_LON
        # One in ten walks anywhere in the city.
        roaming = rng.random(members) < 0.1
        lats[roaming] = CENTRE_LAT + rng.uniform(-1, 1, roaming.sum()) * _HALF_LAT
        lons[roaming] = CENTRE_LON + rng.uniform(-1, 1, roaming.sum()) * _HALF_LON
        return cls(
            members=members,
            ids=[f"member-{i:06d}" for i in range(members)],
            lats=_clip_lat(lats),
            lons=_clip_lon(lons),
            hotspots=hotspots,
            rng=rng,
            _heading=rng.uniform(0, 2 * math.pi, members),
            _speed=rng.uniform(1.0, 15.0, members),
        )

    def initial_fixes(self) -> FixBatch:
        order = np.arange(self.members)
        return FixBatch(
            order, self.lats.copy(), self.lons.copy(), np.full(self.members, self._clock)
        )

    def tick(self) -> FixBatch:
        """Every member walks FIX_INTERVAL_S and reports, in random order; updates the truth."""
        rng = self.rng
        self._clock += FIX_INTERVAL_S
        self._heading += rng.normal(0, 0.5, self.members)
        self._speed = np.clip(self._speed + rng.normal(0, 1, self.members), 1.0, 15.0)
        step = self._speed * FIX_INTERVAL_S
        self.lats = _clip_lat(self.lats + np.cos(self._heading) * step / _M_PER_DEG_LAT)
        self.lons = _clip_lon(self.lons + np.sin(self._heading) * step / _M_PER_DEG_LON)
        order = rng.permutation(self.members)
        jitter = rng.uniform(0, FIX_INTERVAL_S, self.members)
        ts = self._clock + np.sort(jitter)  # the stream is in time order
        return FixBatch(order, self.lats[order], self.lons[order], ts)

    @property
    def now(self) -> float:
        return self._clock + FIX_INTERVAL_S

    def query_points(self, count: int) -> FloatArray:
        """Dispatch points: mostly near hotspots (where incidents are), some anywhere."""
        rng = self.rng
        near = rng.random(count) < 0.8
        spot = self.hotspots[rng.integers(0, HOTSPOTS, count)]
        lat = spot[:, 0] + rng.normal(0, 1, count) * 1_000.0 / _M_PER_DEG_LAT
        lon = spot[:, 1] + rng.normal(0, 1, count) * 1_000.0 / _M_PER_DEG_LON
        lat[~near] = CENTRE_LAT + rng.uniform(-1, 1, (~near).sum()) * _HALF_LAT
        lon[~near] = CENTRE_LON + rng.uniform(-1, 1, (~near).sum()) * _HALF_LON
        return np.column_stack([lat, lon])

    def polygons(self, area_km2: float, count: int) -> list[Polygon]:
        """Star-shaped polygons of 20-200 vertices and the given area, centred near hotspots."""
        rng = self.rng
        shapes = []
        for centre in self.query_points(count):
            vertices = int(rng.integers(20, 201))
            angles = np.sort(rng.uniform(0, 2 * math.pi, vertices))
            radii = rng.uniform(0.6, 1.0, vertices)
            x, y = np.cos(angles) * radii, np.sin(angles) * radii
            unit_area = shapely.area(Polygon(np.column_stack([x, y])))
            scale = math.sqrt(area_km2 * 1e6 / unit_area)
            lats = centre[0] + y * scale / _M_PER_DEG_LAT
            lons = centre[1] + x * scale / _M_PER_DEG_LON
            shapes.append(Polygon(np.column_stack([lons, lats])))
        return shapes


def _clip_lat(lat: FloatArray) -> FloatArray:
    return np.clip(lat, CENTRE_LAT - _HALF_LAT, CENTRE_LAT + _HALF_LAT)


def _clip_lon(lon: FloatArray) -> FloatArray:
    return np.clip(lon, CENTRE_LON - _HALF_LON, CENTRE_LON + _HALF_LON)
