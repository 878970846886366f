"""Fix validation and the per-member rules of the live view. Pure: no I/O, no clock of its own.

A fix is refused (reported by index with a reason) when it cannot be a position: out of range,
from more than 2 minutes in the future or more than 24 hours ago. It is kept but flagged when it
is a position we must not dispatch on: accuracy worse than 1 km, a speed from the previous fix
above 300 km/h, or older than the position already shown (out of order).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np

from shouwang.geo import CRS_NAMES, haversine_m, to_wgs84

MAX_FUTURE_MS = 2 * 60 * 1000
MAX_AGE_MS = 24 * 3600 * 1000
MAX_ACCURACY_M = 1000.0
MAX_SPEED_MPS = 300 / 3.6
MAX_FIXES_PER_BATCH = 500
OFFLINE_AFTER_S = 120
UPDATE_EVERY_S = 10.0
UPDATE_EVERY_M = 50.0


@dataclass(frozen=True)
class RawFix:
    lat: float
    lon: float
    ts_ms: int
    accuracy_m: float | None = None
    speed_mps: float = 0.0
    heading_deg: float = 0.0


@dataclass(frozen=True)
class Fix:
    """A fix in WGS-84 with the flags that keep it out of the live position or dispatch."""

    lat: float
    lon: float
    ts_ms: int
    accuracy_m: float
    speed_mps: float = 0.0
    heading_deg: float = 0.0
    implausible_speed: bool = False
    inaccurate: bool = False
    out_of_order: bool = False

    @property
    def usable(self) -> bool:
        """May move the live position and be used for dispatch."""
        return not (self.implausible_speed or self.inaccurate or self.out_of_order)


@dataclass(frozen=True)
class LastFix:
    lat: float
    lon: float
    ts_ms: int


@dataclass
class Validated:
    accepted: list[Fix] = field(default_factory=list)
    rejected: list[tuple[int, str]] = field(default_factory=list)


def validate_fixes(
    raw: Sequence[RawFix], *, crs: str, previous: LastFix | None, now_ms: int
) -> Validated:
    """Check a batch in order; ``previous`` is the member's last usable fix."""
    if crs not in CRS_NAMES:
        raise ValueError(f"crs must be one of {sorted(CRS_NAMES)}")
    result = Validated()
    if not raw:
        return result
    lats, lons = to_wgs84(np.array([f.lat for f in raw]), np.array([f.lon for f in raw]), crs)
    last = previous
    for index, fix in enumerate(raw):
        reason = _refusal(fix, now_ms)
        if reason:
            result.rejected.append((index, reason))
            continue
        lat, lon = float(np.atleast_1d(lats)[index]), float(np.atleast_1d(lons)[index])
        accuracy = fix.accuracy_m if fix.accuracy_m is not None else 0.0
        out_of_order = last is not None and fix.ts_ms <= last.ts_ms
        implausible = False
        if last is not None and not out_of_order:
            seconds = (fix.ts_ms - last.ts_ms) / 1000
            implausible = float(haversine_m(last.lat, last.lon, lat, lon)) / seconds > MAX_SPEED_MPS
        checked = Fix(
            lat=lat,
            lon=lon,
            ts_ms=fix.ts_ms,
            accuracy_m=accuracy,
            speed_mps=fix.speed_mps,
            heading_deg=fix.heading_deg,
            implausible_speed=implausible,
            inaccurate=accuracy > MAX_ACCURACY_M,
            out_of_order=out_of_order,
        )
        result.accepted.append(checked)
        if checked.usable:
            last = LastFix(lat, lon, fix.ts_ms)
    return result


def _refusal(fix: RawFix, now_ms: int) -> str:
    if not all(math.isfinite(v) for v in (fix.lat, fix.lon)):
        return "lat and lon must be numbers"
    if not -90 <= fix.lat <= 90:
        return "lat must be between -90 and 90"
    if not -180 <= fix.lon <= 180:
        return "lon must be between -180 and 180"
    if fix.ts_ms > now_ms + MAX_FUTURE_MS:
        return "ts is more than 2 minutes in the future"
    if fix.ts_ms < now_ms - MAX_AGE_MS:
        return "ts is more than 24 hours old"
    if fix.accuracy_m is not None and (not math.isfinite(fix.accuracy_m) or fix.accuracy_m < 0):
        return "accuracy_m must be a non-negative number"
    return ""


def should_publish_update(
    last_published: LastFix | None,
    fix: Fix,
    *,
    every_s: float = UPDATE_EVERY_S,
    every_m: float = UPDATE_EVERY_M,
) -> bool:
    """``location.updated`` at most every 10 s or 50 m per member."""
    if last_published is None:
        return True
    if (fix.ts_ms - last_published.ts_ms) / 1000 >= every_s:
        return True
    return float(haversine_m(last_published.lat, last_published.lon, fix.lat, fix.lon)) >= every_m


# The longest span of a track one request may read.
MAX_TRACK_SPAN_MS = 24 * 3600 * 1000
