"""This replica's live view: the spatial index plus each member's placement (team, station,
grid), fed by the internal topic so every replica holds the same view of every member."""

from __future__ import annotations

import threading
from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from services.location import model
from services.location.live_index import FLAG_SUSPECT_FIX, LiveIndex
from shouwang.events import Event
from shouwang.location.v1 import events_pb2, location_pb2

INTERNAL_TOPIC = "shouwang.location.internal.v1"
FIXES_ACCEPTED = "shouwang.location.fixes_accepted"
DUTY_CHANGED = "shouwang.location.duty_changed"
BUSY_CHANGED = "shouwang.location.busy_changed"
# The presence sweep marked a member offline (``presence``): for the track keeper, not the view.
WENT_OFFLINE = "shouwang.location.went_offline"
INTERNAL_EVENTS = {
    FIXES_ACCEPTED: events_pb2.FixBatch,
    DUTY_CHANGED: location_pb2.DutyChange,
    BUSY_CHANGED: location_pb2.BusyChange,
    WENT_OFFLINE: events_pb2.PresenceChanged,
}


def batch_columns(
    batch: events_pb2.FixBatch,
) -> tuple[model.FixColumns, npt.NDArray[np.uint8]]:
    """A fix batch's fixes and flags as numpy columns, whichever way it was written."""
    if batch.columns.ts_ms:
        c = batch.columns
        columns = model.FixColumns(
            np.array(c.lat, dtype=np.float64),
            np.array(c.lon, dtype=np.float64),
            np.array(c.ts_ms, dtype=np.int64),
            np.array(c.accuracy_m, dtype=np.float64),
            np.array(c.speed_mps, dtype=np.float64),
            np.array(c.heading_deg, dtype=np.float64),
        )
        return columns, np.array(c.flags, dtype=np.uint8)
    fixes = batch.fixes
    columns = model.FixColumns(
        np.array([f.lat for f in fixes], dtype=np.float64),
        np.array([f.lon for f in fixes], dtype=np.float64),
        np.array([f.ts_ms for f in fixes], dtype=np.int64),
        np.array([f.accuracy_m for f in fixes], dtype=np.float64),
        np.array([f.speed_mps for f in fixes], dtype=np.float64),
        np.array([f.heading_deg for f in fixes], dtype=np.float64),
    )
    flags = np.array(
        [
            (model.FLAG_IMPLAUSIBLE_SPEED if f.implausible_speed else 0)
            | (model.FLAG_INACCURATE if f.inaccurate else 0)
            | (model.FLAG_OUT_OF_ORDER if f.out_of_order else 0)
            for f in fixes
        ],
        dtype=np.uint8,
    )
    return columns, flags


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
        # Each member's latest duty version applied (DutyChange.duty_version): an older change
        # arriving after it (a start's event published again after the end) is ignored.
        self._duty_versions: dict[str, int] = {}
        self._lock = threading.Lock()

    def placement(self, member_id: str) -> Placement | None:
        with self._lock:
            return self._placements.get(member_id)

    def on_duty(self, member_id: str) -> bool:
        return self.placement(member_id) is not None

    def members_on_duty(self) -> dict[str, Placement]:
        with self._lock:
            return dict(self._placements)

    def go_on_duty(
        self, member_id: str, placement: Placement, *, busy: bool = False, version: int = 0
    ) -> None:
        with self._lock:
            if not self._is_latest(member_id, version):
                return
            self._placements[member_id] = placement
            if busy:
                self._busy.add(member_id)
        self.index.set_profile(
            member_id, skills=placement.skills, team=placement.team_id, grid=placement.grid_id
        )

    def go_off_duty(self, member_id: str, *, version: int = 0) -> None:
        with self._lock:
            if not self._is_latest(member_id, version):
                return
            self._placements.pop(member_id, None)
            self._busy.discard(member_id)
        self.index.remove(member_id)

    def duty_version(self, member_id: str) -> int:
        """The version of the member's latest duty change this view applied (0: none)."""
        with self._lock:
            return self._duty_versions.get(member_id, 0)

    def remember_versions(self, versions: Mapping[str, int]) -> None:
        """The stored duty versions, on duty or not, for a replica starting: events older than
        them, replayed from the topic while it catches up, change nothing."""
        with self._lock:
            for member_id, version in versions.items():
                if version > self._duty_versions.get(member_id, 0):
                    self._duty_versions[member_id] = version

    def _is_latest(self, member_id: str, version: int) -> bool:
        """Whether a duty change of this version is to be applied (under the lock): not older
        than the member's last one; one without a version (0, from before versions) only where
        none is known."""
        last = self._duty_versions.get(member_id, 0)
        if version == 0:
            return last == 0
        if version < last:
            return False
        self._duty_versions[member_id] = version
        return True

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
        self.apply_many([event])

    def apply_many(self, events: list[Event]) -> None:
        """A run of the internal topic's events in order: the moves of consecutive fix batches
        go to the index in one call."""
        moves = _Moves()
        for event in events:
            if event.type == FIXES_ACCEPTED:
                moves.add(event.data)  # type: ignore[arg-type]
                continue
            self._place_all(moves)  # duty and busy changes apply after the moves before them
            moves = _Moves()
            if event.type == DUTY_CHANGED:
                change: location_pb2.DutyChange = event.data  # type: ignore[assignment]
                if change.on_duty:
                    self.go_on_duty(
                        change.member_id,
                        Placement(
                            change.team_id, change.station_id, change.grid_id, tuple(change.skills)
                        ),
                        version=change.duty_version,
                    )
                else:
                    self.go_off_duty(change.member_id, version=change.duty_version)
            elif event.type == BUSY_CHANGED:
                busy: location_pb2.BusyChange = event.data  # type: ignore[assignment]
                self.set_busy(busy.member_id, busy.busy)
        self._place_all(moves)

    def _place_all(self, moves: _Moves) -> None:
        for member_id in moves.suspects_only:
            if self.on_duty(member_id):  # moved impossibly fast: off dispatch for now
                self.index.set_flags(member_id, FLAG_SUSPECT_FIX)
        with self._lock:
            on_duty = [i for i, m in enumerate(moves.member_ids) if m in self._placements]
        if not on_duty:
            return
        known = [i for i in on_duty if moves.member_ids[i] in self.index]
        for i in on_duty:
            if moves.member_ids[i] not in self.index:  # first fix since going on duty
                self.place(
                    moves.member_ids[i],
                    moves.lats[i],
                    moves.lons[i],
                    moves.ts_s[i],
                    suspect=moves.suspect[i],
                )
        if known:
            self.index.upsert(
                [moves.member_ids[i] for i in known],
                [moves.lats[i] for i in known],
                [moves.lons[i] for i in known],
                [moves.ts_s[i] for i in known],
                flags=np.array(
                    [FLAG_SUSPECT_FIX if moves.suspect[i] else 0 for i in known], dtype=np.uint8
                ),
            )


class _Moves:
    """Each batch's newest usable fix, as columns for one ``LiveIndex.upsert``."""

    def __init__(self) -> None:
        self.member_ids: list[str] = []
        self.lats: list[float] = []
        self.lons: list[float] = []
        self.ts_s: list[float] = []
        self.suspect: list[bool] = []
        self.suspects_only: list[str] = []

    def add(self, batch: events_pb2.FixBatch) -> None:
        fixes, flags = batch_columns(batch)
        if not len(fixes):
            return
        # The batch's last fix (in the order sent) decides whether the member looks suspect.
        suspect = bool(flags[-1] & model.FLAG_IMPLAUSIBLE_SPEED)
        usable = np.flatnonzero(flags == 0)
        if not len(usable):
            if suspect and batch.member_id in self.member_ids:  # flags the move before it
                self.suspect[
                    len(self.member_ids) - 1 - self.member_ids[::-1].index(batch.member_id)
                ] = True
            elif suspect:
                self.suspects_only.append(batch.member_id)
            return
        newest = usable[int(np.argmax(fixes.ts_ms[usable]))]
        self.member_ids.append(batch.member_id)
        self.lats.append(float(fixes.lat[newest]))
        self.lons.append(float(fixes.lon[newest]))
        self.ts_s.append(int(fixes.ts_ms[newest]) / 1000)
        self.suspect.append(suspect)
