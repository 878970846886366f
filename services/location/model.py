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
import numpy.typing as npt

from shouwang.geo import CRS_NAMES, EARTH_RADIUS_M, haversine_m, to_wgs84

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


# Bits of a fix's flags (FixColumns.flags): kept in the track, not used for the live position.
FLAG_IMPLAUSIBLE_SPEED = 1
FLAG_INACCURATE = 2
FLAG_OUT_OF_ORDER = 4


@dataclass(frozen=True)
class FixColumns:
    """A batch as numpy columns, one entry per fix (NaN accuracy: not reported)."""

    lat: npt.NDArray[np.float64]
    lon: npt.NDArray[np.float64]
    ts_ms: npt.NDArray[np.int64]
    accuracy_m: npt.NDArray[np.float64]
    speed_mps: npt.NDArray[np.float64]
    heading_deg: npt.NDArray[np.float64]

    @classmethod
    def of(cls, raw: Sequence[RawFix]) -> FixColumns:
        return cls(
            lat=np.array([f.lat for f in raw], dtype=np.float64),
            lon=np.array([f.lon for f in raw], dtype=np.float64),
            ts_ms=np.array([f.ts_ms for f in raw], dtype=np.int64),
            accuracy_m=np.array(
                [math.nan if f.accuracy_m is None else f.accuracy_m for f in raw], dtype=np.float64
            ),
            speed_mps=np.array([f.speed_mps for f in raw], dtype=np.float64),
            heading_deg=np.array([f.heading_deg for f in raw], dtype=np.float64),
        )

    def __len__(self) -> int:
        return len(self.ts_ms)

    def take(self, index: npt.NDArray[np.intp] | slice) -> FixColumns:
        return FixColumns(
            self.lat[index],
            self.lon[index],
            self.ts_ms[index],
            self.accuracy_m[index],
            self.speed_mps[index],
            self.heading_deg[index],
        )


@dataclass(frozen=True)
class CheckedBatch:
    """The accepted fixes of a batch (WGS-84, in the request's order) with their flags, and the
    refused ones by index with a reason."""

    accepted: FixColumns
    flags: npt.NDArray[np.uint8]
    rejected: list[tuple[int, str]]

    def fixes(self) -> list[Fix]:
        """One ``Fix`` per accepted fix (for tests and small callers; ingestion stays columnar)."""
        a = self.accepted
        return [
            Fix(
                lat=float(a.lat[i]),
                lon=float(a.lon[i]),
                ts_ms=int(a.ts_ms[i]),
                accuracy_m=float(a.accuracy_m[i]),
                speed_mps=float(a.speed_mps[i]),
                heading_deg=float(a.heading_deg[i]),
                implausible_speed=bool(self.flags[i] & FLAG_IMPLAUSIBLE_SPEED),
                inaccurate=bool(self.flags[i] & FLAG_INACCURATE),
                out_of_order=bool(self.flags[i] & FLAG_OUT_OF_ORDER),
            )
            for i in range(len(a))
        ]


def validate_fixes(
    raw: Sequence[RawFix], *, crs: str, previous: LastFix | None, now_ms: int
) -> Validated:
    """Check a batch in order; ``previous`` is the member's last usable fix."""
    checked = check_batch(FixColumns.of(raw), crs=crs, previous=previous, now_ms=now_ms)
    return Validated(accepted=checked.fixes(), rejected=checked.rejected)


_REFUSALS = (
    "lat and lon must be numbers",
    "lat must be between -90 and 90",
    "lon must be between -180 and 180",
    "ts is more than 2 minutes in the future",
    "ts is more than 24 hours old",
    "accuracy_m must be a non-negative number",
)


def check_batch(
    batch: FixColumns, *, crs: str, previous: LastFix | None, now_ms: int
) -> CheckedBatch:
    """``validate_fixes`` over columns: numpy over the whole batch, with a fix-by-fix pass only
    when the batch holds a fix flagged too fast or out of order (rare: each such fix changes
    which fix the next ones are measured from)."""
    if crs not in CRS_NAMES:
        raise ValueError(f"crs must be one of {sorted(CRS_NAMES)}")
    refused = _refusals(batch, now_ms)
    rejected = [(int(i), _REFUSALS[refused[i] - 1]) for i in np.flatnonzero(refused)]
    kept = np.flatnonzero(refused == 0)
    accepted = batch.take(kept) if len(rejected) else batch
    if len(accepted) == 0:
        return CheckedBatch(accepted, np.zeros(0, dtype=np.uint8), rejected)
    lats, lons = to_wgs84(accepted.lat, accepted.lon, crs)
    accuracy = np.nan_to_num(accepted.accuracy_m, nan=0.0)
    accepted = FixColumns(
        np.atleast_1d(lats),
        np.atleast_1d(lons),
        accepted.ts_ms,
        accuracy,
        accepted.speed_mps,
        accepted.heading_deg,
    )
    inaccurate = accuracy > MAX_ACCURACY_M
    flags = _movement_flags(accepted, inaccurate, previous)
    if flags is None:
        flags = _movement_flags_in_order(accepted, inaccurate, previous)
    flags |= np.where(inaccurate, FLAG_INACCURATE, 0).astype(np.uint8)
    return CheckedBatch(accepted, flags, rejected)


def _refusals(batch: FixColumns, now_ms: int) -> npt.NDArray[np.int8]:
    """Per fix, 0 or 1 + the index of the first reason in _REFUSALS that applies."""
    with np.errstate(invalid="ignore"):
        # One pass for the usual batch, where every fix is fine (NaN fails every comparison).
        fine = (
            (np.abs(batch.lat) <= 90)
            & (np.abs(batch.lon) <= 180)
            & (batch.ts_ms <= now_ms + MAX_FUTURE_MS)
            & (batch.ts_ms >= now_ms - MAX_AGE_MS)
            & ~(batch.accuracy_m < 0)
            & (batch.accuracy_m != math.inf)
        )
    if fine.all():
        return np.zeros(len(batch), dtype=np.int8)
    with np.errstate(invalid="ignore"):
        conditions = [
            ~(np.isfinite(batch.lat) & np.isfinite(batch.lon)),
            ~((batch.lat >= -90) & (batch.lat <= 90)),
            ~((batch.lon >= -180) & (batch.lon <= 180)),
            batch.ts_ms > now_ms + MAX_FUTURE_MS,
            batch.ts_ms < now_ms - MAX_AGE_MS,
            ~np.isnan(batch.accuracy_m)
            & ~(np.isfinite(batch.accuracy_m) & (batch.accuracy_m >= 0)),
        ]
    return np.select(conditions, np.arange(1, len(conditions) + 1, dtype=np.int8), 0).astype(
        np.int8
    )


def _movement_flags(
    fixes: FixColumns, inaccurate: npt.NDArray[np.bool_], previous: LastFix | None
) -> npt.NDArray[np.uint8] | None:
    """Flags if every accurate fix turns out usable (then each fix is measured from the accurate
    fix before it, or ``previous``); None when one does not, and the order matters."""
    n = len(fixes)
    if inaccurate.any():
        usable = np.flatnonzero(~inaccurate)
        # For each fix, the last usable fix before it (-1: none in the batch).
        anchor = np.searchsorted(usable, np.arange(n), side="left") - 1
        anchor = np.where(anchor >= 0, usable[np.maximum(anchor, 0)] if len(usable) else -1, -1)
    else:
        anchor = np.arange(-1, n - 1)  # the usual batch: each fix from the one before it
    has_last = anchor >= 0
    source = np.maximum(anchor, 0)
    lat0, lon0, ts0 = fixes.lat[source], fixes.lon[source], fixes.ts_ms[source]
    if previous is not None:
        first = ~has_last
        lat0[first], lon0[first], ts0[first] = previous.lat, previous.lon, previous.ts_ms
        has_last[:] = True
    out_of_order = has_last & (fixes.ts_ms <= ts0)
    moving = has_last & ~out_of_order
    seconds = np.where(moving, fixes.ts_ms - ts0, 1) / 1000
    metres = haversine_m(lat0, lon0, fixes.lat, fixes.lon)
    implausible = moving & (metres / seconds > MAX_SPEED_MPS)
    if ((out_of_order | implausible) & ~inaccurate).any():
        return None
    flags = out_of_order * np.uint8(FLAG_OUT_OF_ORDER) | implausible * np.uint8(
        FLAG_IMPLAUSIBLE_SPEED
    )
    return flags.astype(np.uint8)


def _movement_flags_in_order(
    fixes: FixColumns, inaccurate: npt.NDArray[np.bool_], previous: LastFix | None
) -> npt.NDArray[np.uint8]:
    flags = np.zeros(len(fixes), dtype=np.uint8)
    last = previous
    for i in range(len(fixes)):
        lat, lon, ts_ms = float(fixes.lat[i]), float(fixes.lon[i]), int(fixes.ts_ms[i])
        if last is not None and ts_ms <= last.ts_ms:
            flags[i] = FLAG_OUT_OF_ORDER
        elif last is not None:
            seconds = (ts_ms - last.ts_ms) / 1000
            if great_circle_m(last.lat, last.lon, lat, lon) / seconds > MAX_SPEED_MPS:
                flags[i] = FLAG_IMPLAUSIBLE_SPEED
        if flags[i] == 0 and not inaccurate[i]:
            last = LastFix(lat, lon, ts_ms)
    return flags


def great_circle_m(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    """``haversine_m`` for one pair of plain floats, without numpy's per-call cost."""
    p1, p2 = math.radians(lat1), math.radians(lat2)
    half_dlat = (p2 - p1) * 0.5
    half_dlon = math.radians(lon2 - lon1) * 0.5
    a = math.sin(half_dlat) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(half_dlon) ** 2
    return 2.0 * EARTH_RADIUS_M * math.asin(math.sqrt(min(1.0, max(0.0, a))))


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
    return great_circle_m(last_published.lat, last_published.lon, fix.lat, fix.lon) >= every_m


def updates_to_publish(
    last_published: LastFix | None,
    lat: npt.NDArray[np.float64],
    lon: npt.NDArray[np.float64],
    ts_ms: npt.NDArray[np.int64],
    *,
    every_s: float = UPDATE_EVERY_S,
    every_m: float = UPDATE_EVERY_M,
) -> list[int]:
    """``should_publish_update`` over a member's usable fixes in time order: the indexes that
    become ``location.updated``, each measured from the one published before it. One numpy pass
    per update published (a few per batch), not one call per fix."""
    chosen: list[int] = []
    start = 0
    last = last_published
    while start < len(ts_ms):
        if last is None:
            due = np.array([0])
        else:
            rest_lat, rest_lon, rest_ts = lat[start:], lon[start:], ts_ms[start:]
            due = np.flatnonzero(
                ((rest_ts - last.ts_ms) / 1000 >= every_s)
                | (haversine_m(last.lat, last.lon, rest_lat, rest_lon) >= every_m)
            )
        if len(due) == 0:
            break
        index = start + int(due[0])
        chosen.append(index)
        last = LastFix(float(lat[index]), float(lon[index]), int(ts_ms[index]))
        start = index + 1
    return chosen


# The longest span of a track one request may read.
MAX_TRACK_SPAN_MS = 24 * 3600 * 1000
