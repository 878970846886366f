"""This replica's live view: the spatial index plus each member's placement (team, station,
grid), fed by the internal topic so every replica holds the same view of every member."""

from __future__ import annotations

import threading
from dataclasses import dataclass

import numpy as np

from services.location.live_index import FLAG_SUSPECT_FIX, LiveIndex
from shouwang.events import Event
from shouwang.location.v1 import events_pb2, location_pb2

INTERNAL_TOPIC = "shouwang.location.internal.v1"
FIXES_ACCEPTED = "shouwang.location.fixes_accepted"
DUTY_CHANGED = "shouwang.location.duty_changed"
BUSY_CHANGED = "shouwang.location.busy_changed"
INTERNAL_EVENTS = {
    FIXES_ACCEPTED: events_pb2.FixBatch,
    DUTY_CHANGED: location_pb2.DutyChange,
    BUSY_CHANGED: location_pb2.BusyChange,
}


@dataclass(frozen=True)
class Placement:
    team_id: str
    station_id: str
    grid_id: str
    skills: tuple[str, ...]


class LiveView:
    def __init__(self, index: LiveIndex | None = None) -> None:
        self.index = index or LiveIndex()
        self._placements: dict[str, Placement] = {}
        self._busy: set[str] = set()
        self._lock = threading.Lock()

    def placement(self, member_id: str) -> Placement | None:
        with self._lock:
            return self._placements.get(member_id)

    def on_duty(self, member_id: str) -> bool:
        return self.placement(member_id) is not None

    def members_on_duty(self) -> dict[str, Placement]:
        with self._lock:
            return dict(self._placements)

    def go_on_duty(self, member_id: str, placement: Placement, *, busy: bool = False) -> None:
        with self._lock:
            self._placements[member_id] = placement
            if busy:
                self._busy.add(member_id)
        self.index.set_profile(
            member_id, skills=placement.skills, team=placement.team_id, grid=placement.grid_id
        )

    def go_off_duty(self, member_id: str) -> None:
        with self._lock:
            self._placements.pop(member_id, None)
            self._busy.discard(member_id)
        self.index.remove(member_id)

    def set_busy(self, member_id: str, busy: bool) -> None:
        with self._lock:
            (self._busy.add if busy else self._busy.discard)(member_id)
        self.index.set_busy(member_id, busy)

    def place(self, member_id: str, lat: float, lon: float, ts_s: float, *, suspect: bool) -> None:
        """Move a member (only if on duty and the fix is newer than the one shown)."""
        placement = self.placement(member_id)
        if placement is None:
            return
        with self._lock:
            busy = member_id in self._busy
        self.index.upsert(
            [member_id],
            [lat],
            [lon],
            [ts_s],
            busy=np.array([busy]),
            skills=[placement.skills],
            teams=[placement.team_id],
            grids=[placement.grid_id],
            flags=np.array([FLAG_SUSPECT_FIX if suspect else 0], dtype=np.uint8),
        )

    def apply(self, event: Event) -> None:
        """Handler of the internal topic, run by every replica in its own consumer group."""
        if event.type == DUTY_CHANGED:
            change: location_pb2.DutyChange = event.data  # type: ignore[assignment]
            if change.on_duty:
                self.go_on_duty(
                    change.member_id,
                    Placement(
                        change.team_id, change.station_id, change.grid_id, tuple(change.skills)
                    ),
                )
            else:
                self.go_off_duty(change.member_id)
        elif event.type == BUSY_CHANGED:
            busy: location_pb2.BusyChange = event.data  # type: ignore[assignment]
            self.set_busy(busy.member_id, busy.busy)
        elif event.type == FIXES_ACCEPTED:
            batch: events_pb2.FixBatch = event.data  # type: ignore[assignment]
            usable = [
                f
                for f in batch.fixes
                if not (f.inaccurate or f.out_of_order or f.implausible_speed)
            ]
            suspect = bool(batch.fixes) and batch.fixes[-1].implausible_speed
            if usable:
                newest = max(usable, key=lambda f: f.ts_ms)
                self.place(
                    batch.member_id, newest.lat, newest.lon, newest.ts_ms / 1000, suspect=suspect
                )
            elif suspect:  # the member moved impossibly fast: keep them off dispatch for now
                self.index.set_flags(batch.member_id, FLAG_SUSPECT_FIX)
