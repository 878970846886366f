"""What happens once per accepted batch, on the one replica that owns the member's partition
(shared consumer group ``location-tracks``): the track is stored, the latest position is saved
for rebuilds, presence comes back online, and the public events are derived — throttled
``location.updated`` and geofence crossings. Derived events get ids computed from the fixes, so a
redelivered batch republishes the same events and consumers drop the repeats.
"""

from __future__ import annotations

import json
import logging
import threading
from collections import defaultdict

import shapely
from shapely.geometry import Point, shape

from services.location import model
from services.location.geofences import Fence
from services.location.ports import Ports
from services.location.repository import TRACK_WINDOW_MS
from shouwang.clock import from_millis, to_millis, to_timestamp
from shouwang.events import Event
from shouwang.ids import derived_id
from shouwang.location.v1 import events_pb2
from shouwang.store import Document

log = logging.getLogger(__name__)

LOCATION_TOPIC = "shouwang.location.v1"
PRESENCE_TOPIC = "shouwang.presence.v1"
SOURCE = "/shouwang/location"
FENCE_REFRESH_S = 1.0  # a fence registered at a claim is watched within a second


class TrackKeeper:
    def __init__(self, ports: Ports) -> None:
        self.ports = ports
        self._published: dict[str, model.LastFix] = {}
        self._fences: dict[str, Fence] = {}
        self._fences_loaded_at = float("-inf")
        self._lock = threading.Lock()

    def on_batch(self, event: Event) -> None:
        batch: events_pb2.FixBatch = event.data  # type: ignore[assignment]
        member_id = batch.member_id
        fixes = sorted(batch.fixes, key=lambda f: f.ts_ms)
        if not fixes:
            return
        self.ports.tracks.add_buckets(_buckets(member_id, fixes))
        usable = [f for f in fixes if not (f.inaccurate or f.out_of_order or f.implausible_speed)]
        if not usable:
            return
        newest = usable[-1]
        before = self.ports.duty.record_position(
            member_id, lat=newest.lat, lon=newest.lon, ts_ms=newest.ts_ms
        )
        if before is None or not before.get("on_duty"):
            return  # the batch raced the end of duty: nothing is derived off duty
        derived: list[tuple[str, Event]] = []
        if not before.get("online"):
            derived.append((PRESENCE_TOPIC, self._came_online(member_id, newest.ts_ms)))
        derived += self._location_updates(member_id, before, usable)
        derived += self._crossings(member_id, usable)
        for topic in {topic for topic, _ in derived}:
            self.ports.bus.publish(topic, [e for t, e in derived if t == topic])

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
                at=to_timestamp(from_millis(ts_ms)),
                last_seen=to_timestamp(from_millis(ts_ms)),
            ),
        )

    def _location_updates(
        self, member_id: str, duty: Document | None, usable: list[events_pb2.Fix]
    ) -> list[tuple[str, Event]]:
        updates = []
        for fix in usable:
            last = self._published.get(member_id)
            candidate = model.Fix(
                lat=fix.lat, lon=fix.lon, ts_ms=fix.ts_ms, accuracy_m=fix.accuracy_m
            )
            if not model.should_publish_update(last, candidate):
                continue
            self._published[member_id] = model.LastFix(fix.lat, fix.lon, fix.ts_ms)
            updates.append(
                (
                    LOCATION_TOPIC,
                    Event(
                        type="shouwang.location.updated",
                        source=SOURCE,
                        subject=member_id,
                        time=from_millis(fix.ts_ms),
                        id=derived_id("updated", member_id, str(fix.ts_ms)),
                        data=events_pb2.LocationUpdated(
                            member_id=member_id,
                            lat=round(fix.lat, 3),
                            lon=round(fix.lon, 3),
                            grid_id=(duty or {}).get("grid_id", ""),
                            team_id=(duty or {}).get("team_id", ""),
                            at=to_timestamp(from_millis(fix.ts_ms)),
                        ),
                    ),
                )
            )
        return updates

    def _crossings(self, member_id: str, usable: list[events_pb2.Fix]) -> list[tuple[str, Event]]:
        self.refresh_fences()
        crossings = []
        with self._lock:
            fences = [f for f in self._fences.values() if f.watches(member_id)]
        for fence in fences:
            for fix in usable:
                change = fence.observe(member_id, fix.lat, fix.lon, fix.ts_ms)
                if change is None:
                    continue
                crossings.append(
                    (
                        LOCATION_TOPIC,
                        Event(
                            type=f"shouwang.geofence.{change}",
                            source=SOURCE,
                            subject=member_id,
                            time=from_millis(fix.ts_ms),
                            id=derived_id(change, fence.fence_id, member_id, str(fix.ts_ms)),
                            data=events_pb2.GeofenceCrossed(
                                fence_id=fence.fence_id,
                                member_id=member_id,
                                ref=fence.ref,
                                at=to_timestamp(from_millis(fix.ts_ms)),
                            ),
                        ),
                    )
                )
        return crossings


def _buckets(member_id: str, fixes: list[events_pb2.Fix]) -> list[Document]:
    by_window: dict[int, list[events_pb2.Fix]] = defaultdict(list)
    for fix in fixes:
        by_window[fix.ts_ms - fix.ts_ms % TRACK_WINDOW_MS].append(fix)
    return [
        {
            "_id": derived_id(
                "track", member_id, str(window), str(group[0].ts_ms), str(len(group))
            ),
            "member_id": member_id,
            "window": window,
            "first_ts": group[0].ts_ms,
            "fixes": [
                {
                    "lat": f.lat,
                    "lon": f.lon,
                    "accuracy_m": f.accuracy_m,
                    "ts_ms": f.ts_ms,
                    "speed_mps": f.speed_mps,
                    "heading_deg": f.heading_deg,
                    "implausible_speed": f.implausible_speed,
                    "inaccurate": f.inaccurate,
                    "out_of_order": f.out_of_order,
                }
                for f in group
            ],
        }
        for window, group in by_window.items()
    ]


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
