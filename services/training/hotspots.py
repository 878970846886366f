"""Hotspots: incidents against patrol presence per grid and hour of day, and the patrol windows
they recommend. Pure (no gRPC, no store).

Presence is counted as events arrive (``shouwang.location.updated``, at most every 10 s per member
on duty): each update marks the member present in the grid containing its position for that
minute, and a gap of up to ``MAX_GAP_MINUTES`` since the member's previous update is filled with
the previous grid (as shift attendance counts each fix until the next, 5 minutes at most). A
(member, minute) is marked once, so redelivered or replayed updates count nothing twice.

The recommendation rule: for each grid and hour of day, ``score = incident share - presence
share``, each share taken over the whole table (an hour holding 10 % of the incidents and 2 % of
the patrol minutes scores 0.08). Hours with at least one incident and a positive score are
candidates; a grid's neighbouring candidate hours (23 h and 0 h are neighbours) merge into one
window whose score is the sum of its hours'; the best ``TOP_WINDOWS`` windows are recommended,
highest score first.
"""

from __future__ import annotations

import base64
import json
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, timedelta

import shapely
from shapely.geometry import Point as ShapelyPoint
from shapely.geometry import shape

from services.training.model import LOCAL_TZ
from shouwang.errors import FieldError, InvalidArgument

MAX_GAP_MINUTES = 5
TOP_WINDOWS = 5
MAX_RANGE_DAYS = 92
DEFAULT_RANGE_DAYS = 28
HOURS = range(24)


# Time -----------------------------------------------------------------------------------------


def local_minute(ts_ms: int) -> tuple[str, int]:
    """(local day ISO, minute of that day) of an instant, Asia/Shanghai."""
    moment = datetime.fromtimestamp(ts_ms / 1000, LOCAL_TZ)
    return moment.date().isoformat(), moment.hour * 60 + moment.minute


def epoch_minute(ts_ms: int) -> int:
    return ts_ms // 60_000


def hour_starts_ms(day: str, hour: int) -> int:
    start = datetime.combine(date.fromisoformat(day), datetime.min.time(), LOCAL_TZ)
    return int((start + timedelta(hours=hour)).timestamp() * 1000)


def days_between(from_ms: int, to_ms: int) -> list[str]:
    """Local days touched by [from, to)."""
    first = datetime.fromtimestamp(from_ms / 1000, LOCAL_TZ).date()
    last = datetime.fromtimestamp(max(from_ms, to_ms - 1) / 1000, LOCAL_TZ).date()
    return [(first + timedelta(days=n)).isoformat() for n in range((last - first).days + 1)]


def bounded_range(from_ms: int, to_ms: int, *, now_ms: int) -> tuple[int, int]:
    """The range asked, defaulted (the last 28 days up to now) and bounded (92 days)."""
    to_ms = to_ms or now_ms
    from_ms = from_ms or to_ms - DEFAULT_RANGE_DAYS * 86_400_000
    if to_ms <= from_ms:
        raise InvalidArgument(
            detail="the range ends before it starts", errors=[FieldError("to", "after from")]
        )
    if to_ms - from_ms > MAX_RANGE_DAYS * 86_400_000:
        raise InvalidArgument(
            detail=f"a hotspot range is at most {MAX_RANGE_DAYS} days",
            errors=[FieldError("from", f"within {MAX_RANGE_DAYS} days of to")],
        )
    return from_ms, to_ms


# Grids ----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Grid:
    grid_id: str
    name: str
    level: int
    geometry_json: str


class GridIndex:
    """Which grid a position lies in: the most detailed (highest level, then smallest) grid
    containing it, so each incident and minute counts in exactly one grid."""

    def __init__(self, grids: Iterable[Grid]) -> None:
        self.grids: list[Grid] = []
        shapes = []
        for grid in grids:
            try:
                geometry = shape(json.loads(grid.geometry_json))
            except (ValueError, TypeError, KeyError, AttributeError):
                continue  # identity validates grids; an unreadable one is skipped, not fatal
            self.grids.append(grid)
            shapes.append(geometry)
        self._shapes = shapes
        self._tree = shapely.STRtree(shapes) if shapes else None
        self.by_id = {g.grid_id: g for g in self.grids}

    def grid_at(self, lat: float, lon: float) -> str:
        if self._tree is None:
            return ""
        hits = self._tree.query(ShapelyPoint(lon, lat), predicate="intersects")
        if len(hits) == 0:
            return ""
        best = max(hits, key=lambda i: (self.grids[i].level, -self._shapes[i].area))
        return self.grids[int(best)].grid_id


# Presence marks -------------------------------------------------------------------------------


def presence_marks(
    previous: tuple[int, str] | None, current: tuple[int, str]
) -> list[tuple[int, str]]:
    """(epoch minute, grid) a member is present for, given their previous update's (minute, grid)
    and this one's: this minute in this grid, and the minutes since the previous update (up to
    ``MAX_GAP_MINUTES``) in the previous grid. Minutes outside every grid ("") are not marked."""
    minute, grid = current
    marks = [(minute, grid)]
    if previous is not None:
        last_minute, last_grid = previous
        if 1 < minute - last_minute <= MAX_GAP_MINUTES:
            marks += [(m, last_grid) for m in range(last_minute + 1, minute)]
    return [(m, g) for m, g in marks if g]


# The table and its recommendation -------------------------------------------------------------


@dataclass(frozen=True)
class Cell:
    incidents: int = 0
    presence_minutes: int = 0


Table = dict[tuple[str, int], Cell]  # (grid_id, hour of day) -> cell


def table_of(
    incidents: Iterable[tuple[str, int]], presence: Iterable[tuple[str, int, int]]
) -> Table:
    """``incidents``: (grid, hour) each; ``presence``: (grid, hour, minutes)."""
    counts: dict[tuple[str, int], list[int]] = {}
    for grid, hour in incidents:
        counts.setdefault((grid, hour), [0, 0])[0] += 1
    for grid, hour, minutes in presence:
        counts.setdefault((grid, hour), [0, 0])[1] += minutes
    return {key: Cell(i, p) for key, (i, p) in sorted(counts.items())}


@dataclass(frozen=True)
class Recommendation:
    grid_id: str
    hours: tuple[int, ...]  # in order, possibly over midnight (22, 23, 0)
    incidents: int
    presence_minutes: int
    score: float

    @property
    def start(self) -> str:
        return f"{self.hours[0]:02d}:00"

    @property
    def end(self) -> str:
        return f"{(self.hours[-1] + 1) % 24:02d}:00"

    @property
    def recommendation_id(self) -> str:
        return encode_recommendation(self.grid_id, self.hours[0], len(self.hours))


def scores(table: Table) -> dict[tuple[str, int], float]:
    incidents = sum(c.incidents for c in table.values())
    presence = sum(c.presence_minutes for c in table.values())
    return {
        key: (cell.incidents / incidents if incidents else 0.0)
        - (cell.presence_minutes / presence if presence else 0.0)
        for key, cell in table.items()
    }


def recommend(table: Table, *, top: int = TOP_WINDOWS) -> list[Recommendation]:
    """The recommended patrol windows (see the module's docstring for the rule)."""
    score = scores(table)
    candidates: dict[str, set[int]] = {}
    for (grid, hour), cell in table.items():
        if cell.incidents > 0 and score[(grid, hour)] > 0:
            candidates.setdefault(grid, set()).add(hour)
    windows = []
    for grid, hours in candidates.items():
        for run in _runs(hours):
            run = run[:23]  # a window of all 24 hours has no start or end to roster
            cells = [table[(grid, h)] for h in run]
            windows.append(
                Recommendation(
                    grid,
                    tuple(run),
                    sum(c.incidents for c in cells),
                    sum(c.presence_minutes for c in cells),
                    round(sum(score[(grid, h)] for h in run), 4),
                )
            )
    windows.sort(key=lambda w: (-w.score, -w.incidents, w.grid_id, w.hours[0]))
    return windows[:top]


def _runs(hours: set[int]) -> list[list[int]]:
    """Maximal runs of consecutive hours, 23 -> 0 continuing a run."""
    if len(hours) == 24:
        return [list(HOURS)]
    runs: list[list[int]] = []
    for hour in sorted(hours):
        if runs and runs[-1][-1] == hour - 1:
            runs[-1].append(hour)
        else:
            runs.append([hour])
    if len(runs) > 1 and runs[0][0] == 0 and runs[-1][-1] == 23:
        runs[0] = runs.pop() + runs[0]
    return runs


def encode_recommendation(grid_id: str, first_hour: int, length: int) -> str:
    raw = json.dumps([grid_id, first_hour, length], separators=(",", ":")).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode_recommendation(recommendation_id: str) -> tuple[str, int, int]:
    """(grid id, first hour, number of hours); InvalidArgument when it is not one of ours."""
    try:
        padded = recommendation_id + "=" * (-len(recommendation_id) % 4)
        grid_id, first, length = json.loads(base64.urlsafe_b64decode(padded))
        if isinstance(grid_id, str) and grid_id and 0 <= first < 24 and 1 <= length <= 23:
            return grid_id, int(first), int(length)
    except (ValueError, TypeError):
        pass
    raise InvalidArgument(
        detail="not a hotspot recommendation",
        errors=[FieldError("shifts.from_hotspots.recommendation_id", "not a recommendation")],
    )
