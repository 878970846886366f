"""The live view of on-duty members (last position and dispatch state) and its spatial queries.

Layout, chosen by measurement (`python -m bench.location`, 100k members, 2 cores):
- Struct-of-arrays: one numpy array per field, a member is a slot (id -> slot dict, free list for
  removed slots). A batch of fixes is a handful of vectorised numpy operations, no object per fix:
  ~600k fixes/s at batch 100.
- Spatial access is a fixed lat/lon cell grid kept as a sorted array of cell keys (key = row *
  columns + column, so one latitude row of a box is one contiguous key range: a box query is two
  `searchsorted` calls per row). Re-sorting on every batch would cost O(n log n) per write, so a
  member whose cell changed (or a new or removed slot) is marked stale: queries skip stale entries
  of the sorted array and scan the short stale list directly, and the sorted array is rebuilt once
  the stale list outgrows 1/16 of the members. Writes stay O(batch); reads stay O(cells hit).
- Exact answers always come from the arrays themselves: great-circle metres for circles and
  nearest, `shapely.contains_xy` on the prefiltered candidates for polygons.
Measured against it: haversine over every member costs ~7 ms per K-NN query, a numpy bbox mask
over every member ~0.5 ms, the grid ~0.2 ms (p50). Cells of 0.0025°, 0.005° and 0.01° gave K-NN
p50 within 30% of each other; 0.0025° halved ingest (more cell changes, more rebuilds), 0.01°
was slowest on queries, so 0.005°. H3 was not tried: it needs a C call per fix to index and a
polygon cover per query, and the plain grid already beats Tile38's R-tree on every query.
Concurrency: one writer (the fix consumer) and many readers (gRPC threads). Every public method
holds one lock; queries are sub-millisecond and their work is numpy under the GIL, so a
readers-writer lock would buy nothing. A sorted-array rebuild (a few ms at 100k) runs under it too.
"""

from __future__ import annotations

import math
import sys
import threading
from collections.abc import Iterable, Sequence
from typing import Literal, NamedTuple

import numpy as np
import numpy.typing as npt
import shapely
from shapely.geometry.base import BaseGeometry

from shouwang.geo import EARTH_RADIUS_M, circle_bounds, split_lon_interval

# Status flags (uint8 bit set). A flagged member stays visible on the map but is not dispatched.
FLAG_SUSPECT_FIX = 1  # the last fix failed the speed check (> 300 km/h from the previous one)
FLAG_NOT_DISPATCHABLE = 2  # e.g. unverified or suspended; set by the service from identity events
DISPATCH_EXCLUDED_FLAGS = FLAG_SUSPECT_FIX | FLAG_NOT_DISPATCHABLE

MAX_SKILLS = 64  # one uint64 bitmask per member

# 0.005° is ~550 m of latitude (~480 m of longitude at 30°N): measured best for K=10 in a city
# with hotspots, see the module docstring.
DEFAULT_CELL_DEG = 0.005
# The first K-NN ring; it grows by _KNN_GROWTH until k eligible members lie inside it.
_KNN_FIRST_RADIUS_M = 600.0
_KNN_GROWTH = 3.0
# Rebuild the sorted cell array once this share of the members is stale (and at least _MIN_STALE).
_STALE_SHARE = 1 / 16
_MIN_STALE = 512

_NO_CODE = -1
_FREE_CELL = -1
_RADIANS = math.pi / 180.0


class LivePosition(NamedTuple):
    member_id: str
    lat: float
    lon: float
    last_seen: float
    busy: bool


class UnknownField(ValueError):
    """`counts_by` was asked for a field it does not count."""


class TooManySkills(ValueError):
    """More than MAX_SKILLS distinct skill names were registered."""


class _Codes:
    """Names <-> small integer codes (teams, grids)."""

    def __init__(self) -> None:
        self._code: dict[str, int] = {}
        self.names: list[str] = []

    def code(self, name: str | None) -> int:
        if name is None:
            return _NO_CODE
        code = self._code.get(name)
        if code is None:
            code = self._code[name] = len(self.names)
            self.names.append(name)
        return code


class LiveIndex:
    """Last position and state of every on-duty member, with nearest/within/bbox queries."""

    _FIELDS: tuple[tuple[str, npt.DTypeLike, float | int | bool], ...] = (
        ("_lat", np.float64, 0.0),
        ("_lon", np.float64, 0.0),
        ("_coslat", np.float64, 1.0),
        ("_seen", np.float64, -math.inf),
        ("_busy", np.bool_, False),
        ("_skills", np.uint64, 0),
        ("_team", np.int32, _NO_CODE),
        ("_grid", np.int32, _NO_CODE),
        ("_flags", np.uint8, 0),
        ("_cell", np.int64, _FREE_CELL),
        ("_stale", np.bool_, False),
        ("_stale_slots", np.int64, 0),
    )

    def __init__(
        self,
        *,
        cell_deg: float = DEFAULT_CELL_DEG,
        capacity: int = 1024,
        rebuild_min_stale: int = _MIN_STALE,
    ) -> None:
        self._cell_deg = cell_deg
        self._rebuild_min_stale = rebuild_min_stale
        self._rows = math.ceil(180.0 / cell_deg) + 1
        self._cols = math.ceil(360.0 / cell_deg) + 1
        self._lock = threading.Lock()
        self._slot_of: dict[str, int] = {}
        self._id_of: list[str | None] = []
        self._free: list[int] = []
        self._size = 0  # slots ever handed out (high-water mark)
        self._capacity = 0
        self._stale_count = 0
        self._sorted_cells = np.empty(0, dtype=np.int64)
        self._sorted_slots = np.empty(0, dtype=np.int64)
        self._skill_bit: dict[str, int] = {}
        self._teams = _Codes()
        self._grids = _Codes()
        self._grow(max(capacity, 16))

    # ----------------------------------------------------------------------------------- writes

    def upsert(
        self,
        member_ids: Sequence[str],
        lats: npt.ArrayLike,
        lons: npt.ArrayLike,
        ts: npt.ArrayLike,
        *,
        busy: npt.ArrayLike | None = None,
        skills: Sequence[Iterable[str]] | None = None,
        teams: Sequence[str | None] | None = None,
        grids: Sequence[str | None] | None = None,
        flags: npt.ArrayLike | None = None,
    ) -> npt.NDArray[np.bool_]:
        """Apply a batch of fixes (WGS-84 degrees, epoch seconds); returns which were applied.

        A fix older than the member's current one is not applied (out of order: it may go to the
        track, it must not move the live position); within a batch the newest fix per member wins.
        The optional columns set state with the fix; when omitted a member keeps what it had.
        """
        ids = list(member_ids)
        n = len(ids)
        lat = _column(lats, n, np.float64, "lats")
        lon = _column(lons, n, np.float64, "lons")
        t = _column(ts, n, np.float64, "ts")
        if not (np.all(np.abs(lat) <= 90.0) and np.all(np.abs(lon) <= 180.0)):
            raise ValueError("latitude must be within ±90 and longitude within ±180 degrees")
        if not np.all(np.isfinite(t)):
            raise ValueError("timestamps must be finite")
        with self._lock:
            slots = self._slots_for(ids)
            applied = t >= self._seen[slots]
            if len(set(ids)) != n:
                applied &= _newest_per_slot(slots, t)
            if not applied.all():
                keep = np.flatnonzero(applied)
                slots, lat, lon, t = slots[keep], lat[keep], lon[keep], t[keep]
            else:
                keep = None
            self._place(slots, lat, lon)
            self._seen[slots] = t
            self._set_optional(slots, keep, busy, skills, teams, grids, flags)
            self._rebuild_if_stale()
        return applied

    def remove(self, member_id: str) -> bool:
        """Drop a member (off duty); their slot is reused. False if they were not indexed."""
        with self._lock:
            slot = self._slot_of.pop(member_id, None)
            if slot is None:
                return False
            self._id_of[slot] = None
            self._mark_stale(np.array([slot], dtype=np.int64))
            for name, _dtype, default in self._FIELDS:
                if name not in ("_stale", "_stale_slots"):
                    getattr(self, name)[slot] = default
            self._free.append(slot)
            self._rebuild_if_stale()
            return True

    def set_busy(self, member_id: str, busy: bool) -> bool:
        """Mark a member busy (on a task) or free. False if they are not indexed."""
        with self._lock:
            slot = self._slot_of.get(member_id)
            if slot is None:
                return False
            self._busy[slot] = busy
            return True

    def set_flags(self, member_id: str, flags: int) -> bool:
        """Replace a member's status flags (FLAG_*). False if they are not indexed."""
        with self._lock:
            slot = self._slot_of.get(member_id)
            if slot is None:
                return False
            self._flags[slot] = flags
            return True

    def set_profile(
        self,
        member_id: str,
        *,
        skills: Iterable[str] | None = None,
        team: str | None = None,
        grid: str | None = None,
    ) -> bool:
        """Set the slowly changing attributes; None leaves one as it is. False if not indexed."""
        with self._lock:
            slot = self._slot_of.get(member_id)
            if slot is None:
                return False
            if skills is not None:
                self._skills[slot] = self._skill_mask(skills, register=True)
            if team is not None:
                self._team[slot] = self._teams.code(team)
            if grid is not None:
                self._grid[slot] = self._grids.code(grid)
            return True

    # ------------------------------------------------------------------------------------ reads

    def __len__(self) -> int:
        return len(self._slot_of)

    def __contains__(self, member_id: object) -> bool:
        return member_id in self._slot_of

    def get(self, member_id: str) -> LivePosition | None:
        with self._lock:
            slot = self._slot_of.get(member_id)
            return None if slot is None else self._position(slot)

    def nearest(
        self,
        lat: float,
        lon: float,
        *,
        k: int,
        radius_m: float,
        now: float,
        max_age_s: float = 120.0,
        required_skills: Iterable[str] = (),
        exclude_busy: bool = True,
        exclude_flags: int = DISPATCH_EXCLUDED_FLAGS,
    ) -> list[tuple[str, float]]:
        """The k nearest eligible members within radius_m, as (member_id, metres), nearest first.

        Eligible: a fix no older than max_age_s at `now`, every required skill, not busy (unless
        exclude_busy is False) and none of exclude_flags set.
        """
        if k <= 0 or radius_m < 0:
            return []
        with self._lock:
            mask = self._skill_mask(required_skills, register=False)
            if mask is None:
                return []  # a skill nobody has ever had
            radius = min(radius_m, _KNN_FIRST_RADIUS_M)
            while True:
                slots = self._candidates_in_circle(lat, lon, radius)
                ok = self._seen[slots] >= now - max_age_s
                if mask:
                    ok &= (self._skills[slots] & np.uint64(mask)) == np.uint64(mask)
                if exclude_busy:
                    ok &= ~self._busy[slots]
                if exclude_flags:
                    ok &= (self._flags[slots] & np.uint8(exclude_flags)) == 0
                slots = slots[ok]
                dist = self._distances(slots, lat, lon)
                inside = dist <= radius
                # Everything within `radius` is among the candidates, so k inside is the answer.
                if radius >= radius_m or np.count_nonzero(inside) >= k:
                    break
                radius = min(radius_m, radius * _KNN_GROWTH)
            slots, dist = slots[inside], dist[inside]
            if len(dist) > k:
                best = np.argpartition(dist, k - 1)[:k]
                slots, dist = slots[best], dist[best]
            order = np.argsort(dist, kind="stable")
            id_of = self._id_of
            return [
                (id_of[s], d)
                for s, d in zip(slots[order].tolist(), dist[order].tolist(), strict=True)
            ]

    def within_circle(self, lat: float, lon: float, radius_m: float) -> list[str]:
        """Every indexed member within radius_m great-circle metres of the point."""
        with self._lock:
            slots = self._candidates_in_circle(lat, lon, radius_m)
            slots = slots[self._distances(slots, lat, lon) <= radius_m]
            return self._ids(slots)

    def within_polygon(self, polygon: BaseGeometry) -> list[str]:
        """Every indexed member strictly inside a (multi)polygon given in lon/lat (x=lon, y=lat).

        The polygon is prepared in place (shapely.prepare) so repeated queries reuse it.
        """
        if polygon.is_empty:
            return []
        min_lon, min_lat, max_lon, max_lat = polygon.bounds
        shapely.prepare(polygon)
        with self._lock:
            slots = self._in_box(min_lat, max_lat, [(min_lon, max_lon)])
            inside = shapely.contains_xy(polygon, self._lon[slots], self._lat[slots])
            return self._ids(slots[inside])

    def bbox(
        self, min_lon: float, min_lat: float, max_lon: float, max_lat: float
    ) -> list[LivePosition]:
        """Members inside the box (edges included); min_lon > max_lon wraps the antimeridian."""
        east = max_lon if min_lon <= max_lon else max_lon + 360.0
        with self._lock:
            slots = self._in_box(min_lat, max_lat, split_lon_interval(min_lon, east))
            return [self._position(s) for s in slots.tolist()]

    def counts_by(self, field: Literal["team", "grid"]) -> dict[str | None, int]:
        """Number of indexed members per team or grid name (None: members without one)."""
        if field not in ("team", "grid"):
            raise UnknownField(f"cannot count by {field!r}: expected 'team' or 'grid'")
        with self._lock:
            codes = (self._team if field == "team" else self._grid)[: self._size]
            codes = codes[self._cell[: self._size] != _FREE_CELL]
            names = (self._teams if field == "team" else self._grids).names
            counts = np.bincount(codes + 1, minlength=len(names) + 1)
            result: dict[str | None, int] = {
                names[i]: int(c) for i, c in enumerate(counts[1:].tolist()) if c
            }
            if counts[0]:
                result[None] = int(counts[0])
            return result

    def memory_bytes(self) -> int:
        """Bytes held: the arrays (at capacity), the sorted cell array and the id maps."""
        with self._lock:
            arrays = sum(getattr(self, name).nbytes for name, _d, _v in self._FIELDS)
            arrays += self._sorted_cells.nbytes + self._sorted_slots.nbytes
            ids = sum(sys.getsizeof(i) for i in self._slot_of)
            slot_ints = len(self._slot_of) * 28  # slots >= 256 are separate int objects
            maps = sys.getsizeof(self._slot_of) + sys.getsizeof(self._id_of)
            return arrays + ids + slot_ints + maps + sys.getsizeof(self._free)

    # ------------------------------------------------------------------------------- internals

    def _slots_for(self, ids: list[str]) -> npt.NDArray[np.int64]:
        slot_of = self._slot_of
        slots = [slot_of.get(i, -1) for i in ids]
        if -1 in slots:
            for n, member_id in enumerate(ids):
                if slots[n] == -1:
                    slots[n] = slot_of.get(member_id, -1)
                    if slots[n] == -1:
                        slots[n] = self._allocate(member_id)
        return np.array(slots, dtype=np.int64)

    def _allocate(self, member_id: str) -> int:
        if self._free:
            slot = self._free.pop()
        else:
            if self._size == self._capacity:
                self._grow(self._capacity * 2)
            slot = self._size
            self._size += 1
            self._id_of.append(None)
        self._slot_of[member_id] = slot
        self._id_of[slot] = member_id
        return slot

    def _grow(self, capacity: int) -> None:
        for name, dtype, default in self._FIELDS:
            grown = np.full(capacity, default, dtype=dtype)
            if self._capacity:
                grown[: self._capacity] = getattr(self, name)
            setattr(self, name, grown)
        self._capacity = capacity

    def _place(
        self,
        slots: npt.NDArray[np.int64],
        lat: npt.NDArray[np.float64],
        lon: npt.NDArray[np.float64],
    ) -> None:
        cells = self._cell_keys(lat, lon)
        moved = cells != self._cell[slots]
        if moved.any():
            self._mark_stale(slots[moved])
            self._cell[slots] = cells
        self._lat[slots] = lat
        self._lon[slots] = lon
        self._coslat[slots] = np.cos(lat * _RADIANS)

    def _set_optional(
        self,
        slots: npt.NDArray[np.int64],
        keep: npt.NDArray[np.intp] | None,
        busy: npt.ArrayLike | None,
        skills: Sequence[Iterable[str]] | None,
        teams: Sequence[str | None] | None,
        grids: Sequence[str | None] | None,
        flags: npt.ArrayLike | None,
    ) -> None:
        def pick(values: Sequence[object]) -> list[object]:
            values = list(values)
            return values if keep is None else [values[i] for i in keep.tolist()]

        if busy is not None:
            column = np.asarray(busy, dtype=np.bool_)
            self._busy[slots] = column if keep is None else column[keep]
        if flags is not None:
            column = np.asarray(flags, dtype=np.uint8)
            self._flags[slots] = column if keep is None else column[keep]
        if skills is not None:
            masks = [self._skill_mask(s, register=True) for s in pick(skills)]  # type: ignore[arg-type]
            self._skills[slots] = np.array(masks, dtype=np.uint64)
        if teams is not None:
            self._team[slots] = [self._teams.code(t) for t in pick(teams)]  # type: ignore[arg-type]
        if grids is not None:
            self._grid[slots] = [self._grids.code(g) for g in pick(grids)]  # type: ignore[arg-type]

    def _cell_keys(
        self, lat: npt.NDArray[np.float64], lon: npt.NDArray[np.float64]
    ) -> npt.NDArray[np.int64]:
        rows = ((lat + 90.0) / self._cell_deg).astype(np.int64)
        cols = ((lon + 180.0) / self._cell_deg).astype(np.int64)
        return rows * self._cols + cols

    def _mark_stale(self, slots: npt.NDArray[np.int64]) -> None:
        fresh = np.unique(slots[~self._stale[slots]])
        if len(fresh):
            self._stale[fresh] = True
            self._stale_slots[self._stale_count : self._stale_count + len(fresh)] = fresh
            self._stale_count += len(fresh)

    def _rebuild_if_stale(self) -> None:
        if self._stale_count > max(self._rebuild_min_stale, len(self._slot_of) * _STALE_SHARE):
            self._rebuild()

    def _rebuild(self) -> None:
        cells = self._cell[: self._size]
        order = np.argsort(cells)
        first_live = int(np.searchsorted(cells[order], 0))
        self._sorted_slots = order[first_live:].astype(np.int64)
        self._sorted_cells = cells[self._sorted_slots]
        self._stale[: self._size] = False
        self._stale_count = 0

    def _candidates_in_circle(
        self, lat: float, lon: float, radius_m: float
    ) -> npt.NDArray[np.int64]:
        min_lat, max_lat, lon_ranges = circle_bounds(lat, lon, radius_m)
        return self._in_box(min_lat, max_lat, lon_ranges)

    def _in_box(
        self, min_lat: float, max_lat: float, lon_ranges: list[tuple[float, float]]
    ) -> npt.NDArray[np.int64]:
        """Live slots whose position is inside the box (edges included)."""
        min_lat, max_lat = max(min_lat, -90.0), min(max_lat, 90.0)
        if min_lat > max_lat:
            return np.empty(0, dtype=np.int64)
        parts = [self._sorted_in_box(min_lat, max_lat, lon_ranges)]
        if self._stale_count:
            stale = self._stale_slots[: self._stale_count]
            parts.append(stale[self._cell[stale] != _FREE_CELL])
        slots = np.concatenate(parts) if len(parts) > 1 else parts[0]
        lat, lon = self._lat[slots], self._lon[slots]
        inside = (lat >= min_lat) & (lat <= max_lat)
        in_lon = np.zeros(len(slots), dtype=np.bool_)
        for west, east in lon_ranges:
            in_lon |= (lon >= west) & (lon <= east)
        return slots[inside & in_lon]

    def _sorted_in_box(
        self, min_lat: float, max_lat: float, lon_ranges: list[tuple[float, float]]
    ) -> npt.NDArray[np.int64]:
        """Non-stale slots of the sorted array in the cells covering the box (a superset)."""
        if not len(self._sorted_cells):
            return np.empty(0, dtype=np.int64)
        d = self._cell_deg
        rows = np.arange(int((min_lat + 90.0) / d), int((max_lat + 90.0) / d) + 1, dtype=np.int64)
        bases = rows * self._cols
        lows, highs = [], []
        for west, east in lon_ranges:
            lows.append(bases + int((west + 180.0) / d))
            highs.append(bases + int((east + 180.0) / d) + 1)
        starts = np.searchsorted(self._sorted_cells, np.concatenate(lows))
        ends = np.searchsorted(self._sorted_cells, np.concatenate(highs))
        slots = self._sorted_slots[_ranges(starts, ends)]
        return slots[~self._stale[slots]]

    def _distances(
        self, slots: npt.NDArray[np.int64], lat: float, lon: float
    ) -> npt.NDArray[np.float64]:
        # Haversine with each member's cos(lat) cached at write time.
        half_dlat = (self._lat[slots] - lat) * (_RADIANS / 2)
        half_dlon = (self._lon[slots] - lon) * (_RADIANS / 2)
        a = (
            np.sin(half_dlat) ** 2
            + (math.cos(lat * _RADIANS) * self._coslat[slots]) * np.sin(half_dlon) ** 2
        )
        return (2.0 * EARTH_RADIUS_M) * np.arcsin(np.sqrt(np.minimum(a, 1.0)))

    def _skill_mask(self, names: Iterable[str], *, register: bool) -> int | None:
        mask = 0
        for name in names:
            bit = self._skill_bit.get(name)
            if bit is None:
                if not register:
                    return None
                if len(self._skill_bit) >= MAX_SKILLS:
                    raise TooManySkills(f"at most {MAX_SKILLS} distinct skills can be indexed")
                bit = self._skill_bit[name] = len(self._skill_bit)
            mask |= 1 << bit
        return mask

    def _ids(self, slots: npt.NDArray[np.int64]) -> list[str]:
        id_of = self._id_of
        return [id_of[s] for s in slots.tolist()]  # type: ignore[misc]

    def _position(self, slot: int) -> LivePosition:
        return LivePosition(
            self._id_of[slot],  # type: ignore[arg-type]
            float(self._lat[slot]),
            float(self._lon[slot]),
            float(self._seen[slot]),
            bool(self._busy[slot]),
        )


def _column(values: npt.ArrayLike, n: int, dtype: npt.DTypeLike, name: str) -> np.ndarray:
    column = np.asarray(values, dtype=dtype)
    if column.ndim == 0:
        return np.full(n, column, dtype=dtype)
    if column.shape != (n,):
        raise ValueError(f"{name} has shape {column.shape}, expected ({n},)")
    return column


def _newest_per_slot(slots: npt.NDArray[np.int64], ts: npt.NDArray[np.float64]) -> np.ndarray:
    """True for the one fix per slot to apply: the newest, the later in the batch on a tie."""
    order = np.lexsort((np.arange(len(slots)), ts, slots))
    last_of_group = np.ones(len(slots), dtype=np.bool_)
    last_of_group[:-1] = slots[order][1:] != slots[order][:-1]
    chosen = np.zeros(len(slots), dtype=np.bool_)
    chosen[order[last_of_group]] = True
    return chosen


def _ranges(starts: npt.NDArray[np.intp], ends: npt.NDArray[np.intp]) -> npt.NDArray[np.intp]:
    """Concatenation of arange(s, e) for each pair, without a Python loop."""
    lengths = ends - starts
    total = int(lengths.sum())
    if total == 0:
        return np.empty(0, dtype=np.intp)
    nonempty = lengths > 0
    starts, lengths = starts[nonempty], lengths[nonempty]
    offsets = np.cumsum(lengths) - lengths
    return np.repeat(starts - offsets, lengths) + np.arange(total)
