"""What happens once per accepted batch, on the one replica that owns the member's partition
(shared consumer group ``location-tracks``): the track is stored, the latest position is saved
for rebuilds (at checkpoints: ``positions``), presence comes back online, and the public events
are derived — throttled ``location.updated`` and geofence crossings. Derived events get ids
computed from the fixes, so a redelivered batch republishes the same events and consumers drop
the repeats. The member's duty changes come on the same partition, in order with the batches.
"""

from __future__ import annotations

import json
import logging
import threading
from collections import defaultdict

import numpy as np
import shapely
from shapely.geometry import Point, shape

from services.location import model
from services.location.geofences import Fence
from services.location.handlers import PRESENCE_TOPIC, SOURCE
from services.location.live_view import DUTY_CHANGED, WENT_OFFLINE, batch_columns
from services.location.ports import Ports
from services.location.positions import PositionCheckpoints
from services.location.repository import track_buckets
from shouwang.clock import from_millis, timestamp_of_millis, to_millis
from shouwang.events import Event
from shouwang.ids import derived_id
from shouwang.location.v1 import events_pb2, location_pb2
from shouwang.store import Document

log = logging.getLogger(__name__)

LOCATION_TOPIC = "shouwang.location.v1"
FENCE_REFRESH_S = 1.0  # a fence registered at a claim is watched within a second
_NEVER_MS = 2**62


class TrackKeeper:
    def __init__(self, ports: Ports, *, only_keeper: bool = False) -> None:
        """``only_keeper``: no other keeper takes the group's partitions and this process keeps
        no live view (the all-in-one's keeper process): the duty changes it takes are all."""
        self.ports = ports
        self._published: dict[str, model.LastFix] = {}
        self._fences: dict[str, Fence] = {}
        self._fences_loaded_at = float("-inf")
        self._lock = threading.Lock()
        self.positions = PositionCheckpoints(
            ports.duty, ports.clock, duty_version=None if only_keeper else ports.view.duty_version
        )

    def on_batch(self, event: Event) -> None:
        self.on_batches([event])

    def on_batches(self, events: list[Event]) -> None:
        """A run of consecutive batches, duty changes and the sweep's flips, taken in order."""
        batches: list[Event] = []
        for event in events:
            if event.type == DUTY_CHANGED:
                self._keep(batches)
                batches = []
                self._on_duty_change(event.data)  # type: ignore[arg-type]
            elif event.type == WENT_OFFLINE:
                self._keep(batches)
                batches = []
                self.positions.went_offline(event.subject)
            else:
                batches.append(event)
        self._keep(batches)

    def _on_duty_change(self, change: location_pb2.DutyChange) -> None:
        """Forget the member's checkpoint; after an end, remove from the track any fix stamped
        after it, from a batch taken on a checkpoint before this event came (up to the next
        start, should that be stored already)."""
        self.positions.forget(change.member_id)
        if change.on_duty:
            return
        ended_ms = change.at.ToMilliseconds()
        # A later period (on duty now or ended since: its start stays stored) keeps its fixes.
        restarted_ms = (self.ports.duty.get(change.member_id) or {}).get("started_at", 0)
        self.ports.tracks.forget_between(
            change.member_id,
            after_ms=ended_ms,
            before_ms=restarted_ms if restarted_ms > ended_ms else _NEVER_MS,
        )

    def _keep(self, events: list[Event]) -> None:
        """Consecutive batches: one position per member, then their buckets in one store write
        and the derived events in one publish per topic. A replica may take a batch sent after
        an end of duty it has not seen yet (handlers._on_duty): its fixes taken after the end
        (by the phone's clock) are not kept (PIPL), nor derived from."""
        if not events:
            return
        by_member: dict[str, list[tuple[model.FixColumns, np.ndarray]]] = defaultdict(list)
        for event in events:
            batch: events_pb2.FixBatch = event.data  # type: ignore[assignment]
            fixes, flags = batch_columns(batch)
            if len(fixes):
                by_member[batch.member_id].append((fixes, flags))
        buckets: list[Document] = []
        derived: list[tuple[str, Event]] = []
        for member_id, parts in by_member.items():
            usable = [f.take(np.flatnonzero(fl == 0)) for f, fl in parts if np.any(fl == 0)]
            ordered = _in_time_order(usable) if usable else None
            # The position write's before-image is the duty as it was: no read of its own; a
            # run with every fix flagged (rare) asks.
            duty = (
                self._record_position(member_id, ordered)
                if ordered is not None
                else self.ports.duty.get(member_id)
            )
            for fixes, flags in _taken_on_duty(parts, duty):
                buckets += track_buckets(member_id, fixes, flags)
            if ordered is not None and duty is not None and duty.get("on_duty"):
                derived += self._derive(member_id, duty, ordered)
        if buckets:
            self.ports.tracks.add_buckets(buckets)
        for topic in dict.fromkeys(topic for topic, _ in derived):
            self.ports.bus.publish(topic, [e for t, e in derived if t == topic])

    def _record_position(self, member_id: str, ordered: model.FixColumns) -> Document | None:
        """Save the newest usable fix as the member's position; the duty as it was before."""
        return self.positions.record(
            member_id,
            lat=float(ordered.lat[-1]),
            lon=float(ordered.lon[-1]),
            ts_ms=int(ordered.ts_ms[-1]),
        )

    def _derive(
        self, member_id: str, before: Document, usable: model.FixColumns
    ) -> list[tuple[str, Event]]:
        """Events of a member on duty: back online, throttled updates, geofence crossings."""
        derived: list[tuple[str, Event]] = []
        if not before.get("online"):
            derived.append((PRESENCE_TOPIC, self._came_online(member_id, int(usable.ts_ms[-1]))))
        derived += self._location_updates(member_id, before, usable)
        derived += self._crossings(member_id, usable)
        return derived

    def refresh_fences(self, *, force: bool = False) -> None:
        now = self.ports.clock.monotonic()
        with self._lock:
            if not force and now - self._fences_loaded_at < FENCE_REFRESH_S:
                return
            active = self.ports.fences.active(now_ms=to_millis(self.ports.clock.now()))
            fences = {}
            for document in active:
                fence = self._fences.get(document["_id"]) or _fence(document)
                fences[fence.fence_id] = fence
            self._fences, self._fences_loaded_at = fences, now

    def _came_online(self, member_id: str, ts_ms: int) -> Event:
        return Event(
            type="shouwang.member.came_online",
            source=SOURCE,
            subject=member_id,
            time=from_millis(ts_ms),
            id=derived_id("came_online", member_id, str(ts_ms)),
            data=events_pb2.PresenceChanged(
                member_id=member_id,
                at=timestamp_of_millis(ts_ms),
                last_seen=timestamp_of_millis(ts_ms),
            ),
        )

    def _location_updates(
        self, member_id: str, duty: Document, usable: model.FixColumns
    ) -> list[tuple[str, Event]]:
        chosen = model.updates_to_publish(
            self._published.get(member_id), usable.lat, usable.lon, usable.ts_ms
        )
        updates = []
        for i in chosen:
            lat, lon, ts_ms = float(usable.lat[i]), float(usable.lon[i]), int(usable.ts_ms[i])
            self._published[member_id] = model.LastFix(lat, lon, ts_ms)
            updates.append(
                (
                    LOCATION_TOPIC,
                    Event(
                        type="shouwang.location.updated",
                        source=SOURCE,
                        subject=member_id,
                        time=from_millis(ts_ms),
                        id=derived_id("updated", member_id, str(ts_ms)),
                        data=events_pb2.LocationUpdated(
                            member_id=member_id,
                            lat=round(lat, 3),
                            lon=round(lon, 3),
                            grid_id=duty.get("grid_id", ""),
                            team_id=duty.get("team_id", ""),
                            at=timestamp_of_millis(ts_ms),
                        ),
                    ),
                )
            )
        return updates

    def _crossings(self, member_id: str, usable: model.FixColumns) -> list[tuple[str, Event]]:
        self.refresh_fences()
        crossings = []
        with self._lock:
            fences = [f for f in self._fences.values() if f.watches(member_id)]
        for fence in fences:
            for lat, lon, ts_ms in zip(
                usable.lat.tolist(), usable.lon.tolist(), usable.ts_ms.tolist(), strict=True
            ):
                change = fence.observe(member_id, lat, lon, ts_ms)
                if change is None:
                    continue
                crossings.append(
                    (
                        LOCATION_TOPIC,
                        Event(
                            type=f"shouwang.geofence.{change}",
                            source=SOURCE,
                            subject=member_id,
                            time=from_millis(ts_ms),
                            id=derived_id(change, fence.fence_id, member_id, str(ts_ms)),
                            data=events_pb2.GeofenceCrossed(
                                fence_id=fence.fence_id,
                                member_id=member_id,
                                ref=fence.ref,
                                at=timestamp_of_millis(ts_ms),
                            ),
                        ),
                    )
                )
        return crossings


def _taken_on_duty(
    parts: list[tuple[model.FixColumns, np.ndarray]], duty: Document | None
) -> list[tuple[model.FixColumns, np.ndarray]]:
    """The fixes to keep in the track: all while the member is on duty; after an end, those
    taken before it (a batch that reached the keeper late); none of a member never on duty."""
    if duty is None:
        return []
    if duty.get("on_duty"):
        return parts
    ended_ms = duty.get("ended_at")
    if ended_ms is None:
        return []
    kept = []
    for fixes, flags in parts:
        before_end = np.flatnonzero(fixes.ts_ms <= ended_ms)
        if len(before_end):
            kept.append((fixes.take(before_end), flags[before_end]))
    return kept


def _in_time_order(parts: list[model.FixColumns]) -> model.FixColumns:
    if len(parts) == 1 and np.all(np.diff(parts[0].ts_ms) >= 0):
        return parts[0]
    joined = model.FixColumns(
        *(np.concatenate([getattr(p, name) for p in parts]) for name in _COLUMNS)
    )
    return joined.take(np.argsort(joined.ts_ms, kind="stable"))


_COLUMNS = ("lat", "lon", "ts_ms", "accuracy_m", "speed_mps", "heading_deg")


def _fence(document: Document) -> Fence:
    area = document["area"]
    if "circle" in area:
        circle = area["circle"]
        return Fence(
            document["_id"],
            document["ref"],
            Point(circle["lon"], circle["lat"]),
            radius_m=circle["radius_m"],
            member_ids=frozenset(document["member_ids"]),
        )
    polygon = shape(json.loads(area["polygon_geojson"]))
    shapely.prepare(polygon)
    return Fence(
        document["_id"], document["ref"], polygon, member_ids=frozenset(document["member_ids"])
    )
