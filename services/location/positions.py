"""Each member's latest position in the store, written once per checkpoint interval rather than
once per batch (issue #19): with 10,000 on duty the track keeper's write per member per batch
(26–29 ms each on FerretDB/PostgreSQL under that load) let it keep up with a quarter of the
fixes, so tracks, ``location.updated``, arrivals on scene and ``came_online`` trailed the phones
by minutes. The stored position is a cache for a starting replica's live view; who is online is
decided by the live views (``presence``), which take every batch.

The first write is the keeper's only read of the duty too (its before-image: on duty? online?
which grid?). After it the keeper goes by the duty as it stood after that write, and a periodic
job (``save_due``, not the keeper's thread) writes each member's newest position once per
interval, on condition that the duty is still the one the keeper goes by (else the checkpoint
ends). That holds in between while nothing else changes the duty:
- a start or end of duty reaches the keeper as a ``duty_changed`` event on the member's own
  partition, in order with the batches, and the keeper forgets the member (``forget``): its next
  batch reads the store again. A batch that came before the end's event is stored as taken on
  duty, and the end's event then removes its fixes stamped after the end from the track
  (``TrackKeeper``). Where the replica's live view knows the duty by another version than the
  checkpoint's (the end applied at once on the replica that made it, a partition moved here
  from a keeper that saw changes this one did not), the checkpoint does not stand either. What
  is left: an end made on another replica whose event has reached neither this view nor this
  keeper (the outbox delayed, the broker away) — a batch then may still derive
  ``location.updated`` or a geofence crossing from fixes stamped after the end, until the
  periodic write finds the end: one interval while the writes keep up (a member each per
  interval: ~33 a second with 10,000 on duty by arithmetic, sharing ``location_duty``'s lock
  with the keeper's reads on FerretDB), longer behind a backlog (the track is cleaned when the
  event comes);
- the presence sweep's flip to offline comes the same way (``went_offline`` on the internal
  topic): the keeper writes the member's position not yet written and forgets them, and their
  next batch finds them offline in the store and derives ``came_online``.

What a crash can lose: the positions of the last interval not yet written (each member's
``lat``/``lon``/``last_seen`` in the store), never a fix: the fixes are in the track before the
batch is acknowledged to the bus. A member who stops sending has their latest position written
once they have been silent as long as the sweep waits before marking them offline;
``save_all`` writes every one on a clean stop, and each position after it is written as it
comes. These writes do not put an older position over a newer one (a condition of the write;
on FerretDB read and written in two statements, so two keepers' writes at the same instant, one
after a partition moved, may still cross); a keeper's first write is
made whatever is stored (it needs the before-image), and a redelivered older batch may then set
the position back until the next interval (the first write after anything ends a checkpoint:
a change of duty, a flip to offline, a quiet spell, a partition moved here).
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass

from services.location import model
from services.location.repository import DutyRepository
from shouwang.clock import Clock
from shouwang.store import Document

# Longer than the gap between a phone's batches (10 s in the app, 100 s in bench.dispatch), so
# that most batches write nothing; short enough for a starting replica's view and for the
# window left open above.
CHECKPOINT_S = 300.0
QUIET_AFTER_S = float(model.OFFLINE_AFTER_S)  # no batch for this long: the member stopped
_SAVED_PER_CALL = 1000  # the periodic job's writes per call at most (the rest at its next)


@dataclass
class _Checkpoint:
    duty: Document  # as stored after the write
    written_at: float  # monotonic
    written_ts_ms: int
    seen_at: float  # monotonic, the member's latest batch
    unsaved: tuple[float, float, int] | None = None  # a newer position, not yet written


class PositionCheckpoints:
    def __init__(
        self, duty: DutyRepository, clock: Clock, *, duty_version: Callable[[str], int] | None
    ) -> None:
        """``duty_version``: the member's duty version as this replica's live view knows it;
        None where no view is kept and this keeper is the only one (the all-in-one's process)."""
        self.duty = duty
        self.clock = clock
        self.duty_version = duty_version
        self._kept: dict[str, _Checkpoint] = {}
        self._lock = threading.Lock()  # save_due runs on the scheduler's thread
        self._stopping = False

    def record(self, member_id: str, *, lat: float, lon: float, ts_ms: int) -> Document | None:
        """The member's duty as it stood before this position (None: no such member); the
        position is written, and the member marked online, unless a checkpoint stands (then
        ``save_due`` writes it later)."""
        with self._lock:
            now = self.clock.monotonic()
            kept = self._kept.get(member_id)
            if kept is not None and self._stands(member_id, kept):
                kept.seen_at = now
                if ts_ms > (kept.unsaved[2] if kept.unsaved else kept.written_ts_ms):
                    kept.unsaved = (lat, lon, ts_ms)
                return kept.duty
            before = self.duty.record_position(member_id, lat=lat, lon=lon, ts_ms=ts_ms)
            if before is not None and before.get("on_duty") and not self._stopping:
                after = {**before, "lat": lat, "lon": lon, "last_seen": ts_ms, "online": True}
                self._kept[member_id] = _Checkpoint(after, now, ts_ms, seen_at=now)
            else:
                self._kept.pop(member_id, None)
            return before

    def forget(self, member_id: str) -> None:
        """The member's duty changed: the next position reads (and writes) the store. What is
        not written yet stays so: the change is stored before its event comes, so a write
        conditional on the checkpoint's duty would be refused anyway."""
        with self._lock:
            self._kept.pop(member_id, None)

    def went_offline(self, member_id: str) -> None:
        """The sweep marked the member offline (their checkpoint says online): their position
        not yet written is written, and the next batch reads the store and comes back."""
        with self._lock:
            kept = self._kept.pop(member_id, None)
            if kept is not None and kept.unsaved is not None:
                self._write(member_id, kept, kept.unsaved)

    def save_due(self) -> int:
        """The periodic job, off the keeper's path: write the newest position of each member
        last written an interval ago (the longest ago first), and of each who has sent nothing
        for ``QUIET_AFTER_S`` (then forgotten). The write is conditional on the duty the
        checkpoint holds (on, same version); where it is not made (an end on another replica
        whose event has not come, a newer position stored), and where no newer position came
        in an interval, the checkpoint ends: the member's next batch reads the store. Returns
        how many were written."""
        with self._lock:
            now = self.clock.monotonic()
            due = sorted(
                (
                    (member_id, kept)
                    for member_id, kept in self._kept.items()
                    if now - kept.written_at >= CHECKPOINT_S or now - kept.seen_at >= QUIET_AFTER_S
                ),
                key=lambda item: item[1].written_at,
            )[:_SAVED_PER_CALL]
        written = 0
        for member_id, kept in due:
            with self._lock:
                position = kept.unsaved
            # Unlocked: the keeper's batches go on meanwhile (a write takes 26–29 ms under load).
            made = position is not None and self._write(member_id, kept, position) is not None
            written += made
            with self._lock:
                if self._kept.get(member_id) is not kept:
                    continue  # forgotten or read again meanwhile
                if position is None and kept.unsaved is not None:
                    continue  # a batch came meanwhile: its position goes at the next call
                quiet = self.clock.monotonic() - kept.seen_at >= QUIET_AFTER_S
                if not made or quiet:
                    del self._kept[member_id]
                    continue
                kept.written_at, kept.written_ts_ms = now, position[2]  # type: ignore[index]
                if kept.unsaved == position:
                    kept.unsaved = None
        return written

    def save_all(self) -> int:
        """On a clean stop: every position not yet written, and each one after this as it
        comes (the bus may still hand over a run while it closes)."""
        with self._lock:
            self._stopping = True
            return self._save(list(self._kept))

    def _stands(self, member_id: str, kept: _Checkpoint) -> bool:
        return self.duty_version is None or self.duty_version(member_id) == kept.duty.get(
            "duty_version", 0
        )

    def _write(
        self, member_id: str, kept: _Checkpoint, position: tuple[float, float, int]
    ) -> Document | None:
        lat, lon, ts_ms = position
        return self.duty.save_position(
            member_id,
            lat=lat,
            lon=lon,
            ts_ms=ts_ms,
            duty_version=kept.duty.get("duty_version", 0),
        )

    def _save(self, member_ids: list[str]) -> int:
        """Under the lock, on a clean stop."""
        saved = 0
        for member_id in member_ids:
            kept = self._kept.pop(member_id)
            if kept.unsaved is not None:
                self._write(member_id, kept, kept.unsaved)
                saved += 1
        return saved
