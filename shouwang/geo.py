"""Geometry helpers: great-circle distances and the Chinese map datums (GCJ-02, BD-09) to WGS-84.

Every function takes scalars or numpy arrays (broadcast together) and returns the same shape:
floats for scalar input, arrays otherwise. Coordinates are degrees, distances metres.
"""

from __future__ import annotations

import math
from typing import Literal

import numpy as np
import numpy.typing as npt

Crs = Literal["wgs84", "gcj02", "bd09"]
CRS_NAMES: frozenset[str] = frozenset({"wgs84", "gcj02", "bd09"})

# Mean radius (2a + b) / 3 of the WGS-84 ellipsoid, the usual sphere for great-circle distance.
EARTH_RADIUS_M = 6_371_008.8

# GCJ-02 is WGS-84 plus an obfuscating offset computed on the Krasovsky 1940 ellipsoid.
_KRASOVSKY_A = 6378245.0
_KRASOVSKY_EE = 0.00669342162296594323
# BD-09 is GCJ-02 re-projected by Baidu with this constant.
_X_PI = math.pi * 3000.0 / 180.0

# The inverse of GCJ-02 has no closed form; fixed-point iteration converges to ~1e-7 m in 3-5
# steps inside China. Stop well below the 0.5 m budget (1e-9 degrees is about 0.1 mm).
_INVERSE_TOLERANCE_DEG = 1e-9
_INVERSE_MAX_STEPS = 20

FloatArray = npt.NDArray[np.float64]
Coordinate = float | FloatArray


def haversine_m(
    lat1: npt.ArrayLike, lon1: npt.ArrayLike, lat2: npt.ArrayLike, lon2: npt.ArrayLike
) -> Coordinate:
    """Great-circle distance in metres on the mean-radius sphere."""
    p1 = np.radians(lat1)
    p2 = np.radians(lat2)
    half_dlat = (p2 - p1) * 0.5
    half_dlon = np.radians(np.subtract(lon2, lon1)) * 0.5
    a = np.sin(half_dlat) ** 2 + np.cos(p1) * np.cos(p2) * np.sin(half_dlon) ** 2
    # clip: rounding can push `a` a hair above 1 for antipodal points.
    return _out(2.0 * EARTH_RADIUS_M * np.arcsin(np.sqrt(np.clip(a, 0.0, 1.0))))


def outside_china(lat: npt.ArrayLike, lon: npt.ArrayLike) -> bool | npt.NDArray[np.bool_]:
    """True where no GCJ-02 offset applies.

    This is the usual rough rectangle from the published conversion code (eviltransform,
    coordtransform): it treats all of the box as China, so parts of neighbouring countries get
    offset too, and Hong Kong, Macau and Taiwan (which the rectangle contains) are offset although
    their maps are WGS-84. Good enough for a mainland deployment; a polygon test would be exact.
    """
    lat = np.asarray(lat, dtype=np.float64)
    lon = np.asarray(lon, dtype=np.float64)
    result = (lon < 72.004) | (lon > 137.8347) | (lat < 0.8293) | (lat > 55.8271)
    return bool(result) if result.ndim == 0 else result


def wgs84_to_gcj02(lat: npt.ArrayLike, lon: npt.ArrayLike) -> tuple[Coordinate, Coordinate]:
    """WGS-84 to GCJ-02 (the forward transform, exact by definition)."""
    lat = np.asarray(lat, dtype=np.float64)
    lon = np.asarray(lon, dtype=np.float64)
    dlat, dlon = _gcj02_offset(lat, lon)
    outside = outside_china(lat, lon)
    return _out(np.where(outside, lat, lat + dlat)), _out(np.where(outside, lon, lon + dlon))


def gcj02_to_wgs84(lat: npt.ArrayLike, lon: npt.ArrayLike) -> tuple[Coordinate, Coordinate]:
    """GCJ-02 to WGS-84 by fixed-point iteration of the forward transform (error under 1 cm)."""
    g_lat = np.asarray(lat, dtype=np.float64)
    g_lon = np.asarray(lon, dtype=np.float64)
    outside = outside_china(g_lat, g_lon)
    w_lat, w_lon = g_lat.copy(), g_lon.copy()
    for _ in range(_INVERSE_MAX_STEPS):
        dlat, dlon = _gcj02_offset(w_lat, w_lon)
        err_lat = w_lat + dlat - g_lat
        err_lon = w_lon + dlon - g_lon
        w_lat = w_lat - err_lat
        w_lon = w_lon - err_lon
        if max(np.max(np.abs(err_lat)), np.max(np.abs(err_lon))) < _INVERSE_TOLERANCE_DEG:
            break
    return _out(np.where(outside, g_lat, w_lat)), _out(np.where(outside, g_lon, w_lon))


def gcj02_to_bd09(lat: npt.ArrayLike, lon: npt.ArrayLike) -> tuple[Coordinate, Coordinate]:
    """GCJ-02 to BD-09 (Baidu's published formula)."""
    x = np.asarray(lon, dtype=np.float64)
    y = np.asarray(lat, dtype=np.float64)
    z = np.sqrt(x * x + y * y) + 0.00002 * np.sin(y * _X_PI)
    theta = np.arctan2(y, x) + 0.000003 * np.cos(x * _X_PI)
    return _out(z * np.sin(theta) + 0.006), _out(z * np.cos(theta) + 0.0065)


def bd09_to_gcj02(lat: npt.ArrayLike, lon: npt.ArrayLike) -> tuple[Coordinate, Coordinate]:
    """BD-09 to GCJ-02 (the published approximate inverse; its error is a few millimetres)."""
    x = np.asarray(lon, dtype=np.float64) - 0.0065
    y = np.asarray(lat, dtype=np.float64) - 0.006
    z = np.sqrt(x * x + y * y) - 0.00002 * np.sin(y * _X_PI)
    theta = np.arctan2(y, x) - 0.000003 * np.cos(x * _X_PI)
    return _out(z * np.sin(theta)), _out(z * np.cos(theta))


def wgs84_to_bd09(lat: npt.ArrayLike, lon: npt.ArrayLike) -> tuple[Coordinate, Coordinate]:
    """WGS-84 to BD-09; outside China the point is returned unchanged (see `outside_china`)."""
    lat = np.asarray(lat, dtype=np.float64)
    lon = np.asarray(lon, dtype=np.float64)
    b_lat, b_lon = gcj02_to_bd09(*wgs84_to_gcj02(lat, lon))
    outside = outside_china(lat, lon)
    return _out(np.where(outside, lat, b_lat)), _out(np.where(outside, lon, b_lon))


def bd09_to_wgs84(lat: npt.ArrayLike, lon: npt.ArrayLike) -> tuple[Coordinate, Coordinate]:
    """BD-09 to WGS-84; outside China the point is returned unchanged (see `outside_china`)."""
    lat = np.asarray(lat, dtype=np.float64)
    lon = np.asarray(lon, dtype=np.float64)
    w_lat, w_lon = gcj02_to_wgs84(*bd09_to_gcj02(lat, lon))
    outside = outside_china(lat, lon)
    return _out(np.where(outside, lat, w_lat)), _out(np.where(outside, lon, w_lon))


def to_wgs84(lat: npt.ArrayLike, lon: npt.ArrayLike, crs: str) -> tuple[Coordinate, Coordinate]:
    """Convert coordinates given in `crs` ("wgs84", "gcj02" or "bd09") to WGS-84."""
    if crs == "wgs84":
        return _out(np.asarray(lat, dtype=np.float64)), _out(np.asarray(lon, dtype=np.float64))
    if crs == "gcj02":
        return gcj02_to_wgs84(lat, lon)
    if crs == "bd09":
        return bd09_to_wgs84(lat, lon)
    raise ValueError(f"unknown crs {crs!r}: expected one of {sorted(CRS_NAMES)}")


def from_wgs84(lat: npt.ArrayLike, lon: npt.ArrayLike, crs: str) -> tuple[Coordinate, Coordinate]:
    """Convert WGS-84 coordinates to `crs`, e.g. for Chinese tile layers on the console."""
    if crs == "wgs84":
        return _out(np.asarray(lat, dtype=np.float64)), _out(np.asarray(lon, dtype=np.float64))
    if crs == "gcj02":
        return wgs84_to_gcj02(lat, lon)
    if crs == "bd09":
        return wgs84_to_bd09(lat, lon)
    raise ValueError(f"unknown crs {crs!r}: expected one of {sorted(CRS_NAMES)}")


def circle_bounds(
    lat: float, lon: float, radius_m: float
) -> tuple[float, float, list[tuple[float, float]]]:
    """The lat/lon box holding a great circle's disc: (min_lat, max_lat, lon intervals).

    Longitude comes as one interval, two when the disc crosses the antimeridian, or the whole
    range when it reaches a pole.
    """
    angular = radius_m / EARTH_RADIUS_M
    delta_lat = math.degrees(angular)
    min_lat, max_lat = lat - delta_lat, lat + delta_lat
    if min_lat <= -90.0 or max_lat >= 90.0 or angular >= math.pi / 2:
        return max(min_lat, -90.0), min(max_lat, 90.0), [(-180.0, 180.0)]
    # The widest point of a spherical cap is not at its centre latitude: asin(sin d / cos lat).
    delta_lon = math.degrees(math.asin(min(1.0, math.sin(angular) / math.cos(math.radians(lat)))))
    return min_lat, max_lat, split_lon_interval(lon - delta_lon, lon + delta_lon)


def split_lon_interval(west: float, east: float) -> list[tuple[float, float]]:
    """Longitude interval [west, east] (east may pass 180, west -180) as intervals within ±180."""
    if east - west >= 360.0:
        return [(-180.0, 180.0)]
    if west < -180.0:
        return [(west + 360.0, 180.0), (-180.0, east)]
    if east > 180.0:
        return [(west, 180.0), (-180.0, east - 360.0)]
    return [(west, east)]


def _gcj02_offset(lat: FloatArray, lon: FloatArray) -> tuple[FloatArray, FloatArray]:
    x = lon - 105.0
    y = lat - 35.0
    # Terms shared by both polynomials.
    common = (20.0 * np.sin(6.0 * x * np.pi) + 20.0 * np.sin(2.0 * x * np.pi)) * 2.0 / 3.0
    dlat = -100.0 + 2.0 * x + 3.0 * y + 0.2 * y * y + 0.1 * x * y + 0.2 * np.sqrt(np.abs(x))
    dlat = dlat + common
    dlat = dlat + (20.0 * np.sin(y * np.pi) + 40.0 * np.sin(y / 3.0 * np.pi)) * 2.0 / 3.0
    dlat = dlat + (160.0 * np.sin(y / 12.0 * np.pi) + 320.0 * np.sin(y * np.pi / 30.0)) * 2.0 / 3.0
    dlon = 300.0 + x + 2.0 * y + 0.1 * x * x + 0.1 * x * y + 0.1 * np.sqrt(np.abs(x))
    dlon = dlon + common
    dlon = dlon + (20.0 * np.sin(x * np.pi) + 40.0 * np.sin(x / 3.0 * np.pi)) * 2.0 / 3.0
    dlon = dlon + (150.0 * np.sin(x / 12.0 * np.pi) + 300.0 * np.sin(x / 30.0 * np.pi)) * 2.0 / 3.0

    rad_lat = np.radians(lat)
    magic = 1.0 - _KRASOVSKY_EE * np.sin(rad_lat) ** 2
    sqrt_magic = np.sqrt(magic)
    dlat = (dlat * 180.0) / ((_KRASOVSKY_A * (1.0 - _KRASOVSKY_EE)) / (magic * sqrt_magic) * np.pi)
    dlon = (dlon * 180.0) / (_KRASOVSKY_A / sqrt_magic * np.cos(rad_lat) * np.pi)
    return dlat, dlon


def _out(value: npt.ArrayLike) -> Coordinate:
    array = np.asarray(value, dtype=np.float64)
    return float(array) if array.ndim == 0 else array
