"""Patrol windows from the incident pattern: presence counted from location updates as they
arrive, incidents read from the tasks service, the hotspot table and its recommended windows, and
the window a roster takes from a recommendation. The rules are in ``hotspots.py``."""

from __future__ import annotations

import logging
import threading
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from services.training import hotspots
from services.training.hotspots import Grid, GridIndex, Recommendation, Table
from services.training.model import LOCAL_TZ
from services.training.repository import PresenceRepository
from shouwang.clock import Clock, to_millis
from shouwang.errors import (
    DomainError,
    FieldError,
    Forbidden,
    InvalidArgument,
    NotFound,
    Unavailable,
)
from shouwang.events import Event
from shouwang.identity.v1 import identity_pb2, identity_pb2_grpc
from shouwang.location.v1 import events_pb2 as location_events
from shouwang.scope import Caller
from shouwang.tasks.v1 import tasks_pb2, tasks_pb2_grpc

log = logging.getLogger(__name__)

LOCATION_TOPIC = "shouwang.location.v1"
LOCATION_EVENTS = {"shouwang.location.updated": location_events.LocationUpdated}
CONSUMER_GROUP = "training-presence"
GRIDS_FRESH_S = 300.0  # a grid drawn now counts presence within five minutes
GRIDS_RETRY_S = 60.0
KEEP_MARKS_DAYS = 3
# Grids are the city's map, the same for every officer; the service reads them as one.
SERVICE_ACTOR = identity_pb2.Actor(member_id="service:training", roles=["officer"])


class Grids:
    """The city's grids from identity, re-read every ``GRIDS_FRESH_S``."""

    def __init__(self, identity: identity_pb2_grpc.IdentityServiceStub) -> None:
        self._identity = identity
        self._index = GridIndex(())
        self._read_at = float("-inf")
        self._lock = threading.Lock()

    def index(self) -> GridIndex:
        """The grids, re-read when older than ``GRIDS_FRESH_S``; while identity cannot be reached
        the grids read before serve (a location update is not refused for it)."""
        with self._lock:
            if time.monotonic() - self._read_at >= GRIDS_FRESH_S:
                try:
                    self._index = GridIndex(self._read_all())
                    self._read_at = time.monotonic()
                except DomainError:
                    log.warning("grids could not be read from identity; trying again in a minute")
                    self._read_at = time.monotonic() - GRIDS_FRESH_S + GRIDS_RETRY_S
            return self._index

    def refresh(self) -> None:
        with self._lock:
            self._read_at = float("-inf")

    def _read_all(self) -> list[Grid]:
        grids: list[Grid] = []
        token = ""
        while True:
            page = self._identity.ListGrids(
                identity_pb2.ListGridsRequest(actor=SERVICE_ACTOR, page_size=200, page_token=token)
            )
            grids += [Grid(g.grid_id, g.name, g.level, g.geometry_json) for g in page.grids]
            token = page.next_page_token
            if not token:
                return grids


@dataclass
class PresenceCounter:
    """Consumes ``shouwang.location.updated``. A member's updates arrive in order on one
    consumer (the topic is keyed by member), so their previous update is kept in memory for the
    gap rule; it is only a hint (a restart forgets it and fills no gap), the marks are the truth."""

    presence: PresenceRepository
    grids: Grids
    previous: dict[str, tuple[int, str]] = field(default_factory=dict)

    def on_location_updated(self, event: Event) -> None:
        update: location_events.LocationUpdated = event.data  # type: ignore[assignment]
        at = update.at.ToDatetime(tzinfo=UTC) if update.at.seconds else event.time
        minute = hotspots.epoch_minute(to_millis(at))
        grid = self.grids.index().grid_at(update.lat, update.lon)
        last = self.previous.get(update.member_id)
        if last is not None and minute < last[0]:
            return  # older than an update already counted
        if last is not None and minute == last[0] and (last[1] or not grid):
            return  # this minute is counted already
        self.previous[update.member_id] = (minute, grid)
        marks = hotspots.presence_marks(last, (minute, grid))
        if marks:
            self.count(update.member_id, marks)

    def count(self, member_id: str, marks: list[tuple[int, str]]) -> None:
        by_day: dict[str, dict[int, str]] = {}
        for minute, grid in marks:
            day, of_day = hotspots.local_minute(minute * 60_000)
            by_day.setdefault(day, {})[of_day] = grid
        for day, minutes in by_day.items():
            fresh = self.presence.mark(member_id, day, minutes)
            per_grid: dict[str, dict[int, int]] = {}
            for of_day, grid in fresh.items():
                hours = per_grid.setdefault(grid, {})
                hours[of_day // 60] = hours.get(of_day // 60, 0) + 1
            for grid, hours in per_grid.items():
                self.presence.add(day, grid, hours)

    def forget_old_marks(self, clock: Clock) -> int:
        oldest = (clock.now().astimezone(LOCAL_TZ) - timedelta(days=KEEP_MARKS_DAYS)).date()
        return self.presence.forget_marks_before(oldest.isoformat())


# The table ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class HotspotReport:
    from_ms: int
    to_ms: int
    table: Table
    windows: list[Recommendation]
    grids: dict[str, Grid]
    incidents_outside: int


def hotspot_report(
    *,
    caller: Caller,
    tasks: tasks_pb2_grpc.TasksServiceStub | None,
    presence: PresenceRepository,
    grids: Grids,
    clock: Clock,
    from_ms: int,
    to_ms: int,
    top: int = hotspots.TOP_WINDOWS,
) -> HotspotReport:
    """The officer's hotspot table over [from, to): incidents of their scope (tasks created and
    approved reports not already turned into a task) against presence in each grid."""
    if not caller.is_officer:
        raise Forbidden(detail="only officers read hotspots")
    if tasks is None:
        raise Unavailable(detail="hotspots need the tasks service (TASKS_ADDR)")
    from_ms, to_ms = hotspots.bounded_range(from_ms, to_ms, now_ms=to_millis(clock.now()))
    index = grids.index()
    incidents: list[tuple[str, int]] = []
    outside = 0
    for lat, lon, at_ms in _incidents(tasks, caller, from_ms=from_ms, to_ms=to_ms):
        grid = index.grid_at(lat, lon)
        if not grid:
            outside += 1
            continue
        incidents.append((grid, datetime.fromtimestamp(at_ms / 1000, LOCAL_TZ).hour))
    presence_rows = [
        (grid, hour, minutes)
        for grid, day, hour, minutes in presence.between(hotspots.days_between(from_ms, to_ms))
        if from_ms <= hotspots.hour_starts_ms(day, hour) < to_ms and grid in index.by_id
    ]
    table = hotspots.table_of(incidents, presence_rows)
    return HotspotReport(
        from_ms, to_ms, table, hotspots.recommend(table, top=top), index.by_id, outside
    )


def _incidents(
    tasks: tasks_pb2_grpc.TasksServiceStub, caller: Caller, *, from_ms: int, to_ms: int
) -> list[tuple[float, float, int]]:
    """(lat, lon, at_ms) of the scope's tasks created and reports approved in [from, to). Both
    lists page newest first, so reading stops at the first item older than ``from``."""
    who = tasks_pb2.Caller(
        member_id=caller.member_id,
        roles=sorted(caller.roles),
        scope_org_ids=sorted(caller.scope_org_ids),
        city_wide=caller.city_wide,
        station_id=caller.station_id,
    )
    found: list[tuple[float, float, int]] = []

    def read(list_call: Any, request_type: Any, items: str, **extra: str) -> None:
        token = ""
        while True:
            page = list_call(request_type(caller=who, page_size=200, page_token=token, **extra))
            for item in getattr(page, items):
                at_ms = to_millis(item.created_at.ToDatetime(tzinfo=UTC))
                if at_ms < from_ms:
                    return
                if at_ms >= to_ms or (items == "reports" and item.task_id):
                    continue  # later than the range, or a report counted as its task
                found.append((item.location.lat, item.location.lon, at_ms))
            token = page.next_page_token
            if not token:
                return

    read(tasks.ListTasks, tasks_pb2.ListTasksRequest, "tasks")
    read(tasks.ListReports, tasks_pb2.ListReportsRequest, "reports", status="approved")
    return found


# A roster's window from a recommendation --------------------------------------------------------


@dataclass(frozen=True)
class HotspotWindow:
    grid: Grid
    start: str  # HH:MM
    end: str


def window_for_roster(
    *,
    caller: Caller,
    recommendation_id: str,
    grid_id: str,
    tasks: tasks_pb2_grpc.TasksServiceStub | None,
    presence: PresenceRepository,
    grids: Grids,
    clock: Clock,
) -> HotspotWindow:
    """The hours (and grid) a roster takes from ``recommendation_id``, or from the best window
    recommended for ``grid_id`` over the last 28 days."""
    if recommendation_id:
        grid_id, first, length = hotspots.decode_recommendation(recommendation_id)
        hours = [(first + n) % 24 for n in range(length)]
    else:
        report = hotspot_report(
            caller=caller, tasks=tasks, presence=presence, grids=grids, clock=clock,
            from_ms=0, to_ms=0, top=24 * 200,
        )  # fmt: skip
        best = next((w for w in report.windows if w.grid_id == grid_id), None)
        if best is None:
            raise InvalidArgument(
                detail="no patrol window is recommended for this grid in the last 28 days",
                errors=[FieldError("shifts.from_hotspots.grid_id", "no recommended window")],
            )
        hours = list(best.hours)
    grid = grids.index().by_id.get(grid_id)
    if grid is None:
        raise NotFound(detail="no such grid")
    return HotspotWindow(grid, f"{hours[0]:02d}:00", f"{(hours[-1] + 1) % 24:02d}:00")
