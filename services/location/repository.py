"""Location's documents: the only place that knows its collections' layout.

``duty`` holds one document per member who ever went on duty: duty state, placement (team,
station, grid, skills), busy, and the latest usable position — the snapshot a restarting replica
rebuilds its live view from. ``tracks`` holds fixes in buckets (one document per member per batch
and time window, so a batch is one ``insert_many``); a bucket's fixes are one packed string (the
base64 of a ``FixColumns`` message), not a list of sub-documents: storing and encoding 50
sub-documents of 9 fields cost more than the rest of a batch's ingestion together (issue #19),
and nothing queries inside a bucket. Buckets written before hold ``fixes`` as sub-documents and
read the same. ``geofences`` holds the active fences.
"""

from __future__ import annotations

import base64
import contextlib
import threading
from typing import Any

import numpy as np
import numpy.typing as npt

from services.location import model
from services.location.live_view import batch_columns
from shouwang.events import Event
from shouwang.ids import derived_id
from shouwang.location.v1 import events_pb2
from shouwang.outbox import with_events
from shouwang.store import ASCENDING, Collection, Document, DocumentStore, DuplicateKey

TRACK_WINDOW_MS = 10 * 60 * 1000


class DutyRepository:
    def __init__(self, store: DocumentStore, *, sole_writer: bool = False) -> None:
        """``sole_writer``: no other replica starts or ends duty (the all-in-one). Then who is on
        duty as this one wrote it is the store's own answer, kept beside it so that an upload's
        duty check need not read the store: a read per batch cost the all-in-one 8–17 % of its
        CPU per fix (README "Benchmarks")."""
        self.duty: Collection = store.collection("location_duty")
        self.sole_writer = sole_writer
        self._written_on_duty: set[str] | None = set() if sole_writer else None
        # A duty change holds this across its write and the set's update, so the set follows the
        # order the store's writes took however the threads interleave.
        self._writing = threading.Lock() if sole_writer else contextlib.nullcontext()

    def ensure_indexes(self) -> None:
        self.duty.create_index([("on_duty", ASCENDING), ("online", ASCENDING)])

    def get(self, member_id: str) -> Document | None:
        return self.duty.get(member_id)

    def start(
        self, member_id: str, fields: dict[str, Any], events: list[tuple[str, Event]]
    ) -> Document:
        with self._writing:
            document = self.duty.find_one_and_update(
                {"_id": member_id},
                with_events({"$set": fields, "$setOnInsert": {"busy": False}}, events),
                upsert=True,
            )
            if self._written_on_duty is not None:  # counted once written (not if that failed)
                self._written_on_duty.add(member_id)
        assert document is not None
        return document

    def end(
        self,
        member_id: str,
        fields: dict[str, Any],
        events: list[tuple[str, Event]],
        *,
        version_read: int = 0,
    ) -> Document | None:
        """End the duty if it is on and (``version_read``, when given) still the one read."""
        still = {"duty_version": version_read} if version_read else {}
        with self._writing:
            if self._written_on_duty is not None:  # uncounted first: a failed end asks the store
                self._written_on_duty.discard(member_id)
            return self.duty.find_one_and_update(
                {"_id": member_id, "on_duty": True, **still}, with_events({"$set": fields}, events)
            )

    def is_on_duty(self, member_id: str) -> bool:
        """As the sole writer counted it (no read), else (or if not counted) as stored."""
        if self._written_on_duty is not None and member_id in self._written_on_duty:
            return True
        document = self.get(member_id)
        return document is not None and bool(document.get("on_duty"))

    def on_duty(self) -> list[Document]:
        return self.duty.find({"on_duty": True})

    def snapshot(self) -> list[Document]:
        """Every member's duty as stored, on duty or not, for a replica starting (one read: the
        view needs the versions of all and the places of those on duty); the sole writer counts
        those on duty, read under its lock so that no start or end falls between read and count."""
        with self._writing:
            found = self.duty.find({})
            if self._written_on_duty is not None:
                self._written_on_duty = {duty["_id"] for duty in found if duty.get("on_duty")}
            return found

    def set_busy(self, member_id: str, busy: bool) -> None:
        self.duty.find_one_and_update({"_id": member_id}, {"$set": {"busy": busy}})

    def record_position(
        self, member_id: str, *, lat: float, lon: float, ts_ms: int
    ) -> Document | None:
        """Store the latest usable position, marking the member online; returns the document
        as it was before (None: no such member). Filtered by _id alone, which FerretDB 1.x does
        in one statement (a richer filter costs it a read and a write, and this runs on every
        batch that ends a checkpoint). A batch that raced the end of duty is undone at once
        (only then a second statement): a fix after an end does not stay in the document."""
        position = {"lat": lat, "lon": lon, "last_seen": ts_ms, "online": True}
        before = self.duty.find_one_and_update(
            {"_id": member_id}, {"$set": position}, return_new=False
        )
        if before is not None and not before.get("on_duty"):
            kept = {field: before[field] for field in position if field in before}
            gone = {field: "" for field in position if field not in before}
            undo = {"$set": kept} if kept else {}
            self.duty.find_one_and_update(
                {"_id": member_id, "on_duty": False},  # not over a start made meanwhile
                {**undo, **({"$unset": gone} if gone else {})},
            )
        return before

    def save_position(
        self, member_id: str, *, lat: float, lon: float, ts_ms: int, duty_version: int
    ) -> Document | None:
        """A member's newest position, left unwritten by the checkpoints (``positions``): only
        while the duty is still on at ``duty_version`` (a fix after an end stays out of the
        document) and the stored position older. The document before (None: not written). The
        presence flag is the sweep's and the next batch's to set."""
        return self.duty.find_one_and_update(
            {
                "_id": member_id,
                "on_duty": True,
                "duty_version": duty_version,
                "last_seen": {"$lt": ts_ms},
            },
            {"$set": {"lat": lat, "lon": lon, "last_seen": ts_ms}},
            return_new=False,
        )

    def mark_offline(
        self, member_id: str, *, seen_before_ms: int, events: list[tuple[str, Event]]
    ) -> Document | None:
        """Offline, if on duty, online and the stored position older than ``seen_before_ms``;
        the document after, its ``events`` staged for the outbox (None: not flipped)."""
        return self.duty.find_one_and_update(
            {
                "_id": member_id,
                "on_duty": True,
                "online": True,
                "last_seen": {"$lt": seen_before_ms},
            },
            with_events({"$set": {"online": False}}, events),
        )


class DutySessionRepository:
    """``location_duty_sessions``: one document per finished period on duty (``member:started``),
    kept for statistics."""

    def __init__(self, store: DocumentStore) -> None:
        self.sessions: Collection = store.collection("location_duty_sessions")

    def ensure_indexes(self) -> None:
        self.sessions.create_index([("ended_at", ASCENDING)])
        self.sessions.create_index([("station_id", ASCENDING), ("ended_at", ASCENDING)])

    def record(self, document: Document) -> None:
        """Store a session; a redelivered event finds it stored already."""
        with contextlib.suppress(DuplicateKey):
            self.sessions.insert(document)

    def overlapping(
        self, *, station_ids: list[str] | None, from_ms: int, to_ms: int
    ) -> list[Document]:
        """Sessions of these stations' members (None: everyone) overlapping [from_ms, to_ms)."""
        query: dict[str, Any] = {"ended_at": {"$gt": from_ms}, "started_at": {"$lt": to_ms}}
        if station_ids is not None:
            query["station_id"] = {"$in": station_ids}
        return self.sessions.find(query)

    def delete_ended_before(self, cutoff_ms: int) -> int:
        return self.sessions.delete_many({"ended_at": {"$lt": cutoff_ms}})


class TrackRepository:
    def __init__(self, store: DocumentStore) -> None:
        self.tracks: Collection = store.collection("location_tracks")

    def ensure_indexes(self) -> None:
        self.tracks.create_index([("member_id", ASCENDING), ("window", ASCENDING)])
        self.tracks.create_index([("window", ASCENDING)])

    def add_buckets(self, buckets: list[Document]) -> None:
        """Insert a batch's buckets; ids are derived from the fixes, so a redelivered batch
        inserts nothing twice."""
        try:
            self.tracks.insert_many(buckets)
        except DuplicateKey:
            for bucket in buckets:
                try:
                    self.tracks.insert(bucket)
                except DuplicateKey:
                    continue

    def between(self, member_id: str, *, from_ms: int, to_ms: int) -> list[Document]:
        first_window = from_ms - from_ms % TRACK_WINDOW_MS
        return self.tracks.find(
            {"member_id": member_id, "window": {"$gte": first_window, "$lte": to_ms}},
            sort=[("window", ASCENDING), ("first_ts", ASCENDING)],
        )

    def delete_before(self, cutoff_ms: int) -> int:
        return self.tracks.delete_many({"window": {"$lt": cutoff_ms - TRACK_WINDOW_MS}})

    def forget_between(self, member_id: str, *, after_ms: int, before_ms: int) -> int:
        """Remove the member's fixes stamped strictly between the two times (taken off duty:
        PIPL); returns how many. A bucket holding some is written again without them, the new
        one first: a crash between the two writes leaves fixes twice, never lost, and the same
        call again (a redelivered event) finishes the job."""
        removed = 0
        for bucket in self.between(member_id, from_ms=after_ms, to_ms=before_ms):
            fixes, flags = batch_columns(events_pb2.FixBatch(fixes=bucket_fixes(bucket)))
            off_duty = (fixes.ts_ms > after_ms) & (fixes.ts_ms < before_ms)
            if not off_duty.any():
                continue
            kept = np.flatnonzero(~off_duty)
            if len(kept):
                self.add_buckets(track_buckets(member_id, fixes.take(kept), flags[kept]))
            self.tracks.delete(bucket["_id"])
            removed += int(off_duty.sum())
        return removed


def track_buckets(
    member_id: str, fixes: model.FixColumns, flags: npt.NDArray[np.uint8]
) -> list[Document]:
    """A batch's fixes (in time order) as one bucket per time window they fall in; ids derive
    from the fixes, so a redelivered batch makes the same buckets."""
    if (np.diff(fixes.ts_ms) < 0).any():
        order = np.argsort(fixes.ts_ms, kind="stable")
        fixes, flags = fixes.take(order), flags[order]
    windows = fixes.ts_ms - fixes.ts_ms % TRACK_WINDOW_MS
    if windows[0] == windows[-1]:  # the usual batch: one window
        starts, ends = [0], [len(windows)]
    else:
        cuts = np.flatnonzero(windows[1:] != windows[:-1]) + 1
        starts, ends = [0, *cuts.tolist()], [*cuts.tolist(), len(windows)]
    buckets = []
    for start, end in zip(starts, ends, strict=True):
        part = slice(start, end)
        columns = fixes.take(part)
        first_ts, window = int(columns.ts_ms[0]), int(windows[start])
        packed = events_pb2.FixColumns(
            lat=columns.lat.tolist(),
            lon=columns.lon.tolist(),
            ts_ms=columns.ts_ms.tolist(),
            accuracy_m=columns.accuracy_m.tolist(),
            speed_mps=columns.speed_mps.tolist(),
            heading_deg=columns.heading_deg.tolist(),
            flags=flags[part].tolist(),
        ).SerializeToString()
        buckets.append(
            {
                "_id": derived_id("track", member_id, str(window), str(first_ts), str(end - start)),
                "member_id": member_id,
                "window": window,
                "first_ts": first_ts,
                "count": end - start,
                "packed": base64.b64encode(packed).decode(),
            }
        )
    return buckets


def bucket_fixes(bucket: Document) -> list[events_pb2.Fix]:
    """The fixes of a bucket, packed or (written before) as sub-documents."""
    if "packed" not in bucket:
        return [events_pb2.Fix(**fix) for fix in bucket["fixes"]]
    columns = events_pb2.FixColumns.FromString(base64.b64decode(bucket["packed"]))
    return [
        events_pb2.Fix(
            lat=lat,
            lon=lon,
            ts_ms=ts_ms,
            accuracy_m=accuracy_m,
            speed_mps=speed_mps,
            heading_deg=heading_deg,
            implausible_speed=bool(flags & model.FLAG_IMPLAUSIBLE_SPEED),
            inaccurate=bool(flags & model.FLAG_INACCURATE),
            out_of_order=bool(flags & model.FLAG_OUT_OF_ORDER),
        )
        for lat, lon, ts_ms, accuracy_m, speed_mps, heading_deg, flags in zip(
            columns.lat,
            columns.lon,
            columns.ts_ms,
            columns.accuracy_m,
            columns.speed_mps,
            columns.heading_deg,
            columns.flags,
            strict=True,
        )
    ]


class GeofenceRepository:
    def __init__(self, store: DocumentStore) -> None:
        self.fences: Collection = store.collection("location_geofences")

    def ensure_indexes(self) -> None:
        self.fences.create_index([("expires_at", ASCENDING)])

    def save(self, document: Document) -> None:
        self.fences.find_one_and_update(
            {"_id": document["_id"]},
            {"$set": {k: v for k, v in document.items() if k != "_id"}},
            upsert=True,
        )

    def remove(self, fence_id: str) -> bool:
        return self.fences.delete(fence_id)

    def active(self, *, now_ms: int) -> list[Document]:
        return self.fences.find({"expires_at": {"$gt": now_ms}})
