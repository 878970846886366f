"""The live view of on-duty members (last position and dispatch state) and its spatial queries.

Layout, chosen by measurement (`python -m bench.location`, 100k and 1M members, 2 cores):
- Struct-of-arrays: one numpy array per field, a member is a slot (id -> slot dict, free list for
  removed slots). A batch of fixes is a handful of vectorised numpy operations, no object per fix.
- Spatial access is `cell_runs`: Morton keys of the positions (0.6 m cells) in sorted runs, so
  every cell of every coarser level is one contiguous key range. Writes append an entry for a
  member whose key changed to a small buffer, merged into a sorted delta, merged linearly into
  the main run; nothing is ever re-sorted whole. Reads searchsorted the ranges of the cells
  they cover.
- K-NN adapts the cell size to the density around the query point: it probes the 3×3 cells
  around it, one level finer or coarser at a time, until they hold a few times k members (a
  few metres in a crowd, kilometres in the suburbs), ranks those, and stops when the k-th
  nearest eligible member lies within the distance that provably holds nobody outside the
  block. Otherwise the k-th eligible distance found (or a guess grown by density) is a radius
  whose covering cells are searched once more. The level found is the next query's start.
- Exact answers always come from the arrays themselves: great-circle metres for circles and
  nearest (ranked on the haversine term, metres only for the answer), `shapely.contains_xy` on
  the prefiltered candidates for polygons.
Measured before (a fixed 0.005° grid as one sorted array plus a stale list scanned by every
read, re-sorted whole past 1/16 stale): K=10 p50 150 µs / p99 4.2 ms at 100k, its first ring
holding thousands of members in hotspots and its stale list hundreds more. Tried and dropped:
entries carrying each fix (position, time) beside the key, for contiguous reads: numpy's
structured-array views made K-NN ~30% slower and batch ingest ~2x slower in CPU time, at 100k
and 1M. Block sizes of 2-12 k: 4-8 k is flat, smaller needs the circle search more often.
Concurrency: one writer (the fix consumer) and many readers (gRPC threads). Every public method
holds one lock; queries are sub-millisecond and their work is numpy under the GIL, so a
readers-writer lock would buy nothing. The largest merge (delta into main, O(members)) takes a
few ms at 1M members and happens once per ~sqrt(members * 1024) moves.
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

from services.location import cell_runs
from services.location.cell_runs import BITS, CellRuns
from shouwang.geo import EARTH_RADIUS_M, circle_bounds, split_lon_interval

# Status flags (uint8 bit set). A flagged member stays visible on the map but is not dispatched.
FLAG_SUSPECT_FIX = 1  # the last fix failed the speed check (> 300 km/h from the previous one)
FLAG_NOT_DISPATCHABLE = 2  # e.g. unverified or suspended; set by the service from identity events
DISPATCH_EXCLUDED_FLAGS = FLAG_SUSPECT_FIX | FLAG_NOT_DISPATCHABLE

MAX_SKILLS = 64  # one uint64 bitmask per member

# Kept for callers that pass it: the first K-NN probe starts at the level of this cell size.
DEFAULT_CELL_DEG = 0.005
# K-NN probes look for a 3x3 block of cells holding between these multiples of k members: fewer
# and the k-th nearest is rarely inside the block, more and ranking them costs more than a probe.
_KNN_BLOCK_MIN = 8
_KNN_BLOCK_MAX = 32
# Searched radius growth when a block or circle holds fewer than k eligible members.
_KNN_GROWTH = 2.0
# Box queries (circles, polygons, bboxes) cover their box with cells this many to a side; a
# K-NN's circle with fewer (each cell is two binary searches per run).
_BOX_CELLS = 12
_KNN_CIRCLE_CELLS = 4
# The level where the last K-NN's block ended is remembered per cell of this level (~1.2 km), as
# the next K-NN's first probe there: density changes across a city, less within a cell of it.
_HINT_LEVEL = 15
_MAX_HINTS = 1 << 16
# The delta run is merged into the main run once it holds this many entries (and more: see
# cell_runs); the newest entries wait unsorted in a buffer of _BUFFER.
_MIN_STALE = 4096
_BUFFER = 1024

_NO_CODE = -1
_FREE_KEY = -1
_BUSY = 0x100  # in _state, above the 8 flag bits
_RADIANS = math.pi / 180.0
_M_PER_DEG = EARTH_RADIUS_M * _RADIANS
_HALF_CIRCUMFERENCE_M = math.pi * EARTH_RADIUS_M
_DIAMETER_M = 2.0 * EARTH_RADIUS_M


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
        ("_state", np.uint16, 0),  # flags (low 8 bits) | _BUSY
        ("_skills", np.uint64, 0),
        ("_team", np.int32, _NO_CODE),
        ("_grid", np.int32, _NO_CODE),
        ("_key", np.int64, _FREE_KEY),
        ("_gen", np.uint32, 0),  # never reset: a slot's entries in the runs are live at this one
    )

    def __init__(
        self,
        *,
        cell_deg: float = DEFAULT_CELL_DEG,
        capacity: int = 1024,
        rebuild_min_stale: int = _MIN_STALE,
        buffer_size: int = _BUFFER,
    ) -> None:
        """cell_deg: where the first K-NN probe starts (later ones start where the last ended);
        rebuild_min_stale: entries the delta run holds at least before it is merged into the main
        run; buffer_size: unsorted newest entries before they are merged into the delta."""
        self._lock = threading.Lock()
        self._slot_of: dict[str, int] = {}
        self._id_of: list[str | None] = []
        self._free: list[int] = []
        self._size = 0  # slots ever handed out (high-water mark)
        self._capacity = 0
        self._runs = CellRuns(buffer_size=buffer_size, min_delta=rebuild_min_stale)
        self._knn_level = cell_runs.level_for(cell_deg, 1)
        self._knn_hints: dict[int, int] = {}
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
            if n > 1 and len(set(ids)) != n:
                applied &= _newest_per_slot(slots, t)
            if not applied.all():
                keep = np.flatnonzero(applied)
                slots, lat, lon, t = slots[keep], lat[keep], lon[keep], t[keep]
            else:
                keep = None
            self._place(slots, lat, lon, t)
            self._set_optional(slots, keep, busy, skills, teams, grids, flags)
        return applied

    def remove(self, member_id: str) -> bool:
        """Drop a member (off duty); their slot is reused. False if they were not indexed."""
        with self._lock:
            slot = self._slot_of.pop(member_id, None)
            if slot is None:
                return False
            self._id_of[slot] = None
            self._gen[slot] += np.uint32(1)  # its entry in the runs is dead from now on
            for name, _dtype, default in self._FIELDS:
                if name != "_gen":
                    getattr(self, name)[slot] = default
            self._free.append(slot)
            return True

    def set_busy(self, member_id: str, busy: bool) -> bool:
        """Mark a member busy (on a task) or free. False if they are not indexed."""
        with self._lock:
            slot = self._slot_of.get(member_id)
            if slot is None:
                return False
            self._state[slot] = (int(self._state[slot]) & ~_BUSY) | (_BUSY if busy else 0)
            return True

    def set_flags(self, member_id: str, flags: int) -> bool:
        """Replace a member's status flags (FLAG_*, 8 bits). False if they are not indexed."""
        with self._lock:
            slot = self._slot_of.get(member_id)
            if slot is None:
                return False
            self._state[slot] = (int(self._state[slot]) & _BUSY) | (flags & 0xFF)
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
        among: Sequence[str] | None = None,
    ) -> list[tuple[str, float]]:
        """The k nearest eligible members within radius_m, as (member_id, metres), nearest first.

        Eligible: a fix no older than max_age_s at `now`, every required skill, not busy (unless
        exclude_busy is False) and none of exclude_flags set. ``among``: of these members only
        (a task naming its people asks about them alone, whoever else is nearer).
        """
        if k <= 0 or radius_m < 0:
            return []
        with self._lock:
            if not self._slot_of:
                return []
            mask = self._skill_mask(required_skills, register=False)
            if mask is None:
                return []  # a skill nobody has ever had
            test = (now - max_age_s, mask, (exclude_flags & 0xFF) | (_BUSY if exclude_busy else 0))
            coslat = math.cos(lat * _RADIANS)
            if among is not None:
                slots = self._known_slots(list(dict.fromkeys(among)))
                slots = self._eligible(slots[slots >= 0], *test)
                return self._ranked(slots, self._haversine_a(slots, lat, lon, coslat), k, radius_m)
            qx, qy = cell_runs.quantise(lat, lon)

            # The 3x3 cells around the point at the level where they hold a few times k members.
            level, bounds, located = self._knn_block(qx, qy, k)
            slots = self._eligible(self._runs.gather(bounds, located, self._gen), *test)
            a = self._haversine_a(slots, lat, lon, coslat)
            clear_m = _block_clearance_m(lat, lon, qx, qy, level, coslat)
            if clear_m >= radius_m or np.count_nonzero(a <= _a_of(clear_m)) >= k:
                return self._ranked(slots, a, k, radius_m)  # nobody nearer is outside the block

            # A circle that holds the k-th nearest: the k-th found, else a density guess.
            if len(a) >= k:
                radius = _metres_of(float(np.partition(a, k - 1)[k - 1])) * (1 + 1e-9) + 1e-3
            else:
                block_m = 1.5 * cell_runs.cell_deg(level) * _M_PER_DEG
                radius = block_m * max(_KNN_GROWTH, 1.5 * math.sqrt(k / max(len(a), 1)))
            while True:
                radius = min(radius, radius_m)
                min_lat, max_lat, lon_ranges = circle_bounds(lat, lon, radius)
                bounds = cell_runs.cover_box(min_lat, max_lat, lon_ranges, cells=_KNN_CIRCLE_CELLS)
                located = self._runs.locate(bounds)
                slots = self._eligible(self._runs.gather(bounds, located, self._gen), *test)
                a = self._haversine_a(slots, lat, lon, coslat)
                inside = np.count_nonzero(a <= _a_of(radius))
                if radius >= radius_m or radius >= _HALF_CIRCUMFERENCE_M or inside >= k:
                    return self._ranked(slots, a, k, radius_m)
                radius *= max(_KNN_GROWTH, 1.2 * math.sqrt(k / max(inside, 1)))

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

    def in_circle(
        self, member_ids: Sequence[str], lat: float, lon: float, radius_m: float
    ) -> list[bool]:
        """Whether each member is within radius_m great-circle metres of the point, as
        ``within_circle`` counts it (a member not indexed: False)."""
        with self._lock:
            slots = self._known_slots(member_ids)
            inside = np.zeros(len(slots), dtype=np.bool_)
            known = slots >= 0
            inside[known] = self._distances(slots[known], lat, lon) <= radius_m
            return inside.tolist()  # type: ignore[no-any-return]

    def in_polygon(self, member_ids: Sequence[str], polygon: BaseGeometry) -> list[bool]:
        """Whether each member is strictly inside the (multi)polygon, as ``within_polygon``
        counts it (a member not indexed: False)."""
        if polygon.is_empty:
            return [False] * len(member_ids)
        shapely.prepare(polygon)
        with self._lock:
            slots = self._known_slots(member_ids)
            inside = np.zeros(len(slots), dtype=np.bool_)
            known = slots >= 0
            inside[known] = shapely.contains_xy(
                polygon, self._lon[slots[known]], self._lat[slots[known]]
            )
            return inside.tolist()  # type: ignore[no-any-return]

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
            codes = codes[self._key[: self._size] != _FREE_KEY]
            names = (self._teams if field == "team" else self._grids).names
            counts = np.bincount(codes + 1, minlength=len(names) + 1)
            result: dict[str | None, int] = {
                names[i]: int(c) for i, c in enumerate(counts[1:].tolist()) if c
            }
            if counts[0]:
                result[None] = int(counts[0])
            return result

    def seen_before(self, ts: float) -> dict[str, float]:
        """Members whose latest fix is older than ``ts`` (epoch seconds), with its time."""
        with self._lock:
            seen = self._seen[: self._size]
            slots = np.flatnonzero((seen < ts) & (self._key[: self._size] != _FREE_KEY))
            return dict(zip(self._ids(slots), seen[slots].tolist(), strict=True))

    def memory_bytes(self) -> int:
        """Bytes held: the arrays (at capacity), the runs and the id maps."""
        with self._lock:
            arrays = sum(getattr(self, name).nbytes for name, _d, _v in self._FIELDS)
            arrays += self._runs.nbytes
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

    def _known_slots(self, ids: Sequence[str]) -> npt.NDArray[np.int64]:
        """The slots of ``ids``, -1 for those not indexed (nothing allocated)."""
        slot_of = self._slot_of
        return np.array([slot_of.get(i, -1) for i in ids], dtype=np.int64)

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
        t: npt.NDArray[np.float64],
    ) -> None:
        keys = cell_runs.keys(lat, lon)
        moved = keys != self._key[slots]
        n_moved = int(np.count_nonzero(moved))
        if n_moved:
            # A new entry of the slot's next generation for each member whose key changed: the
            # previous one is dead from now on.
            if n_moved < len(slots):
                slots_moved, keys = slots[moved], keys[moved]
            else:
                slots_moved = slots
            self._key[slots_moved] = keys
            gens = self._gen[slots_moved] + np.uint32(1)
            self._gen[slots_moved] = gens
            self._runs.add(keys, slots_moved, gens, self._gen, len(self._slot_of))
        self._lat[slots] = lat
        self._lon[slots] = lon
        self._coslat[slots] = np.cos(lat * _RADIANS)
        self._seen[slots] = t

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
            column = column if keep is None else column[keep]
            state = self._state[slots] & np.uint16(0xFF)
            self._state[slots] = state | np.where(column, np.uint16(_BUSY), np.uint16(0))
        if flags is not None:
            column = np.asarray(flags, dtype=np.uint8).astype(np.uint16)
            column = column if keep is None else column[keep]
            self._state[slots] = (self._state[slots] & np.uint16(_BUSY)) | column
        if skills is not None:
            masks = [self._skill_mask(s, register=True) for s in pick(skills)]  # type: ignore[arg-type]
            self._skills[slots] = np.array(masks, dtype=np.uint64)
        if teams is not None:
            self._team[slots] = [self._teams.code(t) for t in pick(teams)]  # type: ignore[arg-type]
        if grids is not None:
            self._grid[slots] = [self._grids.code(g) for g in pick(grids)]  # type: ignore[arg-type]

    def _knn_block(
        self, qx: int, qy: int, k: int
    ) -> tuple[int, npt.NDArray[np.int64], tuple[list[int], list[int]]]:
        """(level, bounds, located) of the 3x3 cells around the point at the finest level where
        they hold at least _KNN_BLOCK_MIN * k entries (stopping early under _KNN_BLOCK_MAX * k)."""
        low, high = _KNN_BLOCK_MIN * k, _KNN_BLOCK_MAX * k
        runs = self._runs

        def probe(level: int) -> tuple[npt.NDArray[np.int64], tuple[list[int], list[int]], int]:
            shift = BITS - level
            cx, cy = qx >> shift, qy >> shift
            bounds = cell_runs.cover_cells(level, cx - 1, cx + 1, cy - 1, cy + 1)
            located = runs.locate(bounds)
            return bounds, located, runs.count(located)

        hint_shift = BITS - _HINT_LEVEL
        hint_key = ((qx >> hint_shift) << 32) | (qy >> hint_shift)
        hints = self._knn_hints
        level = 0 if len(runs) <= low else hints.get(hint_key, self._knn_level)
        bounds, located, count = probe(level)
        if count >= low:
            while count > high and level < BITS:
                finer = probe(level + 1)
                if finer[2] < low:
                    break
                level += 1
                bounds, located, count = finer
        else:
            while count < low and level > 0:
                level -= 1
                bounds, located, count = probe(level)
        if len(hints) >= _MAX_HINTS:
            hints.clear()
        hints[hint_key] = self._knn_level = level
        return level, bounds, located

    def _eligible(
        self, slots: npt.NDArray[np.int64], seen_after: float, skills: int, excluded: int
    ) -> npt.NDArray[np.int64]:
        ok = self._seen[slots] >= seen_after
        if excluded:
            ok &= (self._state[slots] & np.uint16(excluded)) == 0
        if skills:
            ok &= (self._skills[slots] & np.uint64(skills)) == np.uint64(skills)
        return slots[ok]

    def _haversine_a(
        self, slots: npt.NDArray[np.int64], lat: float, lon: float, coslat: float
    ) -> npt.NDArray[np.float64]:
        """The haversine term sin²(d/2R): monotonic in the distance d, cheaper than metres."""
        s_lat = np.sin((self._lat[slots] - lat) * (_RADIANS / 2))
        s_lon = np.sin((self._lon[slots] - lon) * (_RADIANS / 2))
        return s_lat * s_lat + (coslat * self._coslat[slots]) * (s_lon * s_lon)

    def _ranked(
        self, slots: npt.NDArray[np.int64], a: npt.NDArray[np.float64], k: int, radius_m: float
    ) -> list[tuple[str, float]]:
        """The k smallest of a as (member_id, metres), nearest first, those within radius_m."""
        if len(a) > k:
            best = np.argpartition(a, k - 1)[:k]
            slots, a = slots[best], a[best]
        order = np.argsort(a, kind="stable")
        id_of = self._id_of
        ranked = []
        for s, h in zip(slots[order].tolist(), a[order].tolist(), strict=True):
            metres = _DIAMETER_M * math.asin(math.sqrt(min(h, 1.0)))
            if metres > radius_m:
                break
            ranked.append((id_of[s], metres))
        return ranked  # type: ignore[return-value]

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
        bounds = cell_runs.cover_box(min_lat, max_lat, lon_ranges, cells=_BOX_CELLS)
        slots = self._runs.gather(bounds, self._runs.locate(bounds), self._gen)
        lat, lon = self._lat[slots], self._lon[slots]
        inside = (lat >= min_lat) & (lat <= max_lat)
        in_lon = np.zeros(len(slots), dtype=np.bool_)
        for west, east in lon_ranges:
            in_lon |= (lon >= west) & (lon <= east)
        return slots[inside & in_lon]

    def _distances(
        self, slots: npt.NDArray[np.int64], lat: float, lon: float
    ) -> npt.NDArray[np.float64]:
        a = self._haversine_a(slots, lat, lon, math.cos(lat * _RADIANS))
        return _DIAMETER_M * np.arcsin(np.sqrt(np.minimum(a, 1.0)))

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
            bool(self._state[slot] & _BUSY),
        )


def _a_of(metres: float) -> float:
    """The haversine term of a distance (1.0 and more: the whole sphere)."""
    if metres >= _HALF_CIRCUMFERENCE_M:
        return math.inf
    return math.sin(metres / (2.0 * EARTH_RADIUS_M)) ** 2


def _metres_of(a: float) -> float:
    return 2.0 * EARTH_RADIUS_M * math.asin(math.sqrt(min(max(a, 0.0), 1.0)))


def _block_clearance_m(
    lat: float, lon: float, qx: int, qy: int, level: int, coslat: float
) -> float:
    """A lower bound of the distance from the point to anything outside the 3x3 cells around it.

    Leaving the block means crossing one of its parallels (at least the latitude difference) or
    one of its meridians (at least asin(cos φ · sin Δλ) ≥ cos φ · sin Δλ, or reaching a pole when
    Δλ ≥ 90°); the side at a pole, or all longitudes, cannot be crossed.
    """
    shift = BITS - level
    cx, cy = qx >> shift, qy >> shift
    side = cell_runs.cell_deg(level)
    clear = math.inf
    if cy - 1 > 0:
        clear = min(clear, (lat - ((cy - 1) * side - 90.0)) * _RADIANS)
    north = (cy + 2) * side - 90.0
    if north < 90.0:
        clear = min(clear, (north - lat) * _RADIANS)
    if (1 << level) > 3:
        dlon = min(lon - ((cx - 1) * side - 180.0), (cx + 2) * side - 180.0 - lon)
        clear = min(clear, coslat * math.sin(min(dlon, 90.0) * _RADIANS))
    if clear == math.inf:
        return math.inf
    return max(0.0, clear * EARTH_RADIUS_M * (1 - 1e-9) - 1e-3)


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
