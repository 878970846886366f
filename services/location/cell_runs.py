"""Morton-ordered runs of (key, slot, generation) entries: the spatial part of the live index.

A position is quantised to BITS bits per axis on a grid of square degree cells (360° / 2^BITS,
~0.6 m) and its two coordinates interleaved into one Morton (Z-order) key. Every cell of every
coarser level ℓ (a square of 360° / 2^ℓ) is then one contiguous key range, so one sorted key
array answers box covers at whatever cell size suits the query: a K-NN in a dense hotspot looks
at 3×3 cells of a few metres, in the suburbs of a few hundred, with the same array.

Entries are kept in three runs, like a small log-structured merge tree, so that writes never
re-sort everything:
- a buffer of the latest entries, unsorted and scanned directly (at most `buffer_size`);
- a sorted delta that the buffer is merged into when it fills (O(delta) per merge);
- the sorted main run that the delta is merged into once it holds ~sqrt(members * buffer)
  entries (a linear merge, O(members), not a sort).
A member that moves gets a new entry with its slot's next generation; entries whose generation
is not the slot's current one are dead and skipped by reads, and dropped by the merges. So a
read is: searchsorted the covering ranges in the two sorted runs, test the buffer's keys against
the same ranges, and keep the live entries.
"""

from __future__ import annotations

import math

import numpy as np
import numpy.typing as npt

BITS = 26  # per axis: cells of 360° / 2^26 ≈ 5.4e-6° (0.6 m) at the finest level
_SIDE = 1 << BITS
_SCALE = _SIDE / 360.0
_MAX_X = _SIDE - 1
_SMALL = 16
_LOCAL_SEARCH = 4096  # runs at least this long are searched in two steps (see _search)

IntArray = npt.NDArray[np.int64]
FloatArray = npt.NDArray[np.float64]


def _spread_table() -> list[int]:
    table = []
    for v in range(1 << 16):
        s = 0
        for bit in range(16):
            s |= ((v >> bit) & 1) << (2 * bit)
        table.append(s)
    return table


_SPREAD: list[int] = _spread_table()
_SPREAD_NP = np.array(_SPREAD, dtype=np.int64)


def spread(v: int) -> int:
    """The bits of v (< 2^32) moved to the even bit positions."""
    return _SPREAD[v & 0xFFFF] | (_SPREAD[v >> 16] << 32)


def quantise(lat: float, lon: float) -> tuple[int, int]:
    """(x, y) grid coordinates of a point at the finest level (the same rounding as `keys`)."""
    return min(int((lon + 180.0) * _SCALE), _MAX_X), int((lat + 90.0) * _SCALE)


def keys(lat: FloatArray, lon: FloatArray) -> IntArray:
    """Morton keys of points (degrees; latitude within ±90, longitude within ±180)."""
    if len(lat) <= _SMALL:  # a few fixes: Python ints beat a dozen numpy calls
        return np.array(
            [key(a, b) for a, b in zip(lat.tolist(), lon.tolist(), strict=True)], dtype=np.int64
        )
    x = ((lon + 180.0) * _SCALE).astype(np.int64)
    np.minimum(x, _MAX_X, out=x)
    y = ((lat + 90.0) * _SCALE).astype(np.int64)
    sx = _SPREAD_NP[x & 0xFFFF] | (_SPREAD_NP[x >> 16] << 32)
    sy = _SPREAD_NP[y & 0xFFFF] | (_SPREAD_NP[y >> 16] << 32)
    return sx | (sy << 1)


def key(lat: float, lon: float) -> int:
    """The Morton key of one point (the same as `keys`)."""
    x = min(int((lon + 180.0) * _SCALE), _MAX_X)
    y = int((lat + 90.0) * _SCALE)
    return (
        _SPREAD[x & 0xFFFF]
        | (_SPREAD[x >> 16] << 32)
        | (_SPREAD[y & 0xFFFF] << 1)
        | (_SPREAD[y >> 16] << 33)
    )


def cell_deg(level: int) -> float:
    return 360.0 / (1 << level)


def level_for(extent_deg: float, cells: int) -> int:
    """The finest level whose cells are at least extent_deg / cells wide."""
    if extent_deg * _SIDE <= 360.0 * cells:
        return BITS
    level = math.floor(math.log2(360.0 * cells / extent_deg))
    return max(0, min(BITS, level))


def cover_cells(level: int, x0: int, x1: int, y0: int, y1: int) -> IntArray:
    """Sorted, merged [low, high) key bounds, interleaved, of the level's cells x0..x1, y0..y1.

    x wraps around the antimeridian; y outside the grid is skipped. Adjacent ranges are merged,
    so the bounds are strictly increasing and a key k lies in a range exactly when
    searchsorted(bounds, k, 'right') is odd.
    """
    side = 1 << level
    xs = range(side) if x1 - x0 + 1 >= side else [x % side for x in range(x0, x1 + 1)]
    ys = range(max(y0, 0), min(y1, side - 1) + 1)
    shift = 2 * (BITS - level)
    sx = [spread(x) for x in xs]
    prefixes = sorted(s | (spread(y) << 1) for y in ys for s in sx)
    bounds: list[int] = []
    for p in prefixes:
        low = p << shift
        if bounds and bounds[-1] == low:
            bounds[-1] = (p + 1) << shift
        else:
            bounds.append(low)
            bounds.append((p + 1) << shift)
    return np.array(bounds, dtype=np.int64)


def cover_box(
    min_lat: float, max_lat: float, lon_ranges: list[tuple[float, float]], *, cells: int = 8
) -> IntArray:
    """Key bounds (as cover_cells) of cells holding every point of the box, at most ~cells+1
    cells a side per longitude interval."""
    extent = max(max_lat - min_lat, *(east - west for west, east in lon_ranges))
    level = level_for(extent, cells)
    shift = BITS - level
    y0 = int((max(min_lat, -90.0) + 90.0) * _SCALE) >> shift
    y1 = int((min(max_lat, 90.0) + 90.0) * _SCALE) >> shift
    parts = []
    for west, east in lon_ranges:
        x0 = min(int((west + 180.0) * _SCALE), _MAX_X) >> shift
        x1 = min(int((east + 180.0) * _SCALE), _MAX_X) >> shift
        parts.append(cover_cells(level, x0, x1, y0, y1))
    if len(parts) == 1:
        return parts[0]
    return _union(parts)


def _union(parts: list[IntArray]) -> IntArray:
    pairs = sorted((int(b[i]), int(b[i + 1])) for b in parts for i in range(0, len(b), 2))
    bounds: list[int] = []
    for low, high in pairs:
        if bounds and low <= bounds[-1]:
            bounds[-1] = max(bounds[-1], high)
        else:
            bounds += [low, high]
    return np.array(bounds, dtype=np.int64)


Run = tuple[IntArray, IntArray, npt.NDArray[np.uint32]]  # keys, slots, generations


class CellRuns:
    """The three runs of entries; see the module docstring. Not thread-safe (the index locks)."""

    def __init__(self, *, buffer_size: int = 1024, min_delta: int = 4096) -> None:
        self._buffer_size = max(buffer_size, 1)
        self._min_delta = min_delta
        self._main: Run = _empty_run()
        self._delta: Run = _empty_run()
        self._bk = np.empty(self._buffer_size, dtype=np.int64)
        self._bs = np.empty(self._buffer_size, dtype=np.int64)
        self._bg = np.empty(self._buffer_size, dtype=np.uint32)
        self._bn = 0

    def __len__(self) -> int:
        """Entries held, dead ones included."""
        return len(self._main[0]) + len(self._delta[0]) + self._bn

    @property
    def nbytes(self) -> int:
        runs = (*self._main, *self._delta, self._bk, self._bs, self._bg)
        return sum(a.nbytes for a in runs)

    def add(
        self,
        keys_: IntArray,
        slots: IntArray,
        gens: npt.NDArray[np.uint32],
        slot_gen: npt.NDArray[np.uint32],
        live: int,
    ) -> None:
        """New entries (the slots' current generations); merges when the buffer is full."""
        n, bn = len(keys_), self._bn
        if bn + n <= self._buffer_size:
            self._bk[bn : bn + n] = keys_
            self._bs[bn : bn + n] = slots
            self._bg[bn : bn + n] = gens
            self._bn = bn + n
            return
        batch = (
            np.concatenate([self._bk[:bn], keys_]),
            np.concatenate([self._bs[:bn], slots]),
            np.concatenate([self._bg[:bn], gens]),
        )
        self._bn = 0
        self._flush(batch, slot_gen, live)

    def flush(self, slot_gen: npt.NDArray[np.uint32], live: int) -> None:
        """Merge the buffer now (it is merged anyway once full)."""
        bn = self._bn
        if bn:
            batch = (self._bk[:bn].copy(), self._bs[:bn].copy(), self._bg[:bn].copy())
            self._bn = 0
            self._flush(batch, slot_gen, live)

    def _flush(self, batch: Run, slot_gen: npt.NDArray[np.uint32], live: int) -> None:
        # Dead entries stay in the delta (reads skip them) until it is merged into the main run:
        # a flush costs O(delta), a merge O(members), so the delta grows to ~sqrt(members *
        # buffer) before it is merged, which minimises their sum per entry.
        keys_, slots, gens = _alive(batch, slot_gen)
        order = np.argsort(keys_, kind="stable")
        delta = _merge(self._delta, (keys_[order], slots[order], gens[order]))
        if len(delta[0]) > max(self._min_delta, math.isqrt(live * self._buffer_size)):
            self._main = _merge(_alive(self._main, slot_gen), _alive(delta, slot_gen))
            self._delta = _empty_run()
        else:
            self._delta = delta

    def locate(self, bounds: IntArray) -> tuple[list[int], list[int]]:
        """Positions of the bounds in the main and delta runs (for count and gather)."""
        return _search(self._main[0], bounds), _search(self._delta[0], bounds)

    @staticmethod
    def count(located: tuple[list[int], list[int]]) -> int:
        """Entries of the sorted runs in the ranges (dead ones included: an estimate)."""
        total = 0
        for pos in located:
            for i in range(0, len(pos), 2):
                total += pos[i + 1] - pos[i]
        return total

    def gather(
        self,
        bounds: IntArray,
        located: tuple[list[int], list[int]],
        slot_gen: npt.NDArray[np.uint32],
    ) -> IntArray:
        """Slots of the live entries whose keys lie in the ranges (each live slot once)."""
        slots_parts, gens_parts = [], []
        for (_keys, slots, gens), pos in zip((self._main, self._delta), located, strict=True):
            for i in range(0, len(pos), 2):
                start, end = pos[i], pos[i + 1]
                if end > start:
                    slots_parts.append(slots[start:end])
                    gens_parts.append(gens[start:end])
        bn = self._bn
        if bn:
            hit = np.flatnonzero(np.searchsorted(bounds, self._bk[:bn], side="right") & 1)
            if len(hit):
                slots_parts.append(self._bs[hit])
                gens_parts.append(self._bg[hit])
        if not slots_parts:
            return np.empty(0, dtype=np.int64)
        if len(slots_parts) == 1:
            slots, gens = slots_parts[0], gens_parts[0]
        else:
            slots, gens = np.concatenate(slots_parts), np.concatenate(gens_parts)
        return slots[gens == slot_gen[slots]]


def _empty_run() -> Run:
    return np.empty(0, dtype=np.int64), np.empty(0, dtype=np.int64), np.empty(0, dtype=np.uint32)


def _alive(run: Run, slot_gen: npt.NDArray[np.uint32]) -> Run:
    keys_, slots, gens = run
    keep = gens == slot_gen[slots]
    if keep.all():
        return run
    return keys_[keep], slots[keep], gens[keep]


def _merge(a: Run, b: Run) -> Run:
    """Two key-sorted runs as one, in linear time."""
    if not len(a[0]):
        return b
    if not len(b[0]):
        return a
    at = np.searchsorted(a[0], b[0], side="right") + np.arange(len(b[0]))
    from_a = np.ones(len(a[0]) + len(b[0]), dtype=np.bool_)
    from_a[at] = False
    merged = []
    for x, y in zip(a, b, strict=True):
        out = np.empty(len(from_a), dtype=x.dtype)
        out[at] = y
        out[from_a] = x
        merged.append(out)
    return merged[0], merged[1], merged[2]


def _search(keys: IntArray, bounds: IntArray) -> list[int]:
    """keys.searchsorted(bounds) as a list. Bounds close together (a K-NN block) are found in
    two steps: the first and last in the whole run, the rest in the slice between them, so most
    of the binary search stays within a few cache lines instead of missing on every step."""
    if len(keys) < _LOCAL_SEARCH or len(bounds) <= 2:
        return keys.searchsorted(bounds).tolist()
    first, last = keys.searchsorted(bounds[:: len(bounds) - 1]).tolist()
    if last - first > len(keys) // 8:
        return keys.searchsorted(bounds).tolist()
    return (keys[first:last].searchsorted(bounds) + first).tolist()
