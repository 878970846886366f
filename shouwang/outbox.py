"""Transactional outbox without transactions: an aggregate's document carries the events its
change produced, written in the same single-document write, so a crash between saving and
publishing loses nothing. ``flush`` publishes and removes them; ``recover`` (at start-up and on a
timer) republishes whatever a crashed process left behind. Consumers are idempotent, so the rare
double publish is harmless.
"""

from __future__ import annotations

import base64
import logging
import math
import threading
import time
from collections.abc import Sequence
from typing import Any

from google.protobuf import descriptor_pool, message_factory

from shouwang.bus import EventBus
from shouwang.clock import Clock, from_millis, to_millis
from shouwang.events import Event
from shouwang.store import Collection, Document

log = logging.getLogger(__name__)

# Staged events live in a sub-document keyed by event id, so one can be removed by path
# ($unset) without comparing whole sub-documents; the count makes "has pending" a simple filter.
OUTBOX = "_outbox"
OUTBOX_COUNT = "_outbox_count"
RECOVERY_AGE_S = 5.0  # younger events are still being flushed by the request that staged them
# The recovery reads every document of its collection that has events staged — on FerretDB 1.x
# a scan of the whole collection (its offers, its members on duty: 0.1-1 s each on a busy
# store). Every RECOVERY_EVERY_S while this process's publishing is in trouble (a flush failed
# within WELL_AFTER_S, or the last scan published something); else every WELL_AFTER_S, for
# another replica's crash leftovers (a replica that restarts publishes its own at start-up).
RECOVERY_EVERY_S = 5.0
WELL_AFTER_S = 60.0


def stage(events: Sequence[tuple[str, Event]]) -> dict[str, Any]:
    """Fields to merge into the document being written, holding (topic, event) pairs until
    published."""
    return {
        OUTBOX: {event.id: _entry(topic, event) for topic, event in events},
        OUTBOX_COUNT: len(events),
    }


def stage_update(events: Sequence[tuple[str, Event]]) -> dict[str, Any]:
    """Update operators that add (topic, event) pairs to an existing document's outbox."""
    return {
        "$set": {f"{OUTBOX}.{event.id}": _entry(topic, event) for topic, event in events},
        "$inc": {OUTBOX_COUNT: len(events)},
    }


def with_events(update: dict[str, Any], events: Sequence[tuple[str, Event]]) -> dict[str, Any]:
    """``update`` (Mongo operators) plus the operators that stage ``events`` in the outbox."""
    staged = stage_update(events)
    merged = {operator: dict(fields) for operator, fields in update.items()}
    for operator, fields in staged.items():
        target = merged.setdefault(operator, {})
        for path, value in fields.items():
            target[path] = target.get(path, 0) + value if operator == "$inc" else value
    return merged


class _Trouble:
    """When a flush in this process last failed. Shared by its outboxes: a failure in one may
    leave another's events staged (a write whose own flush was never reached)."""

    def __init__(self) -> None:
        self._at = -math.inf

    def mark(self) -> None:
        self._at = time.monotonic()

    def within(self, seconds: float) -> bool:
        return time.monotonic() - self._at < seconds


_trouble = _Trouble()


class Outbox:
    def __init__(self, bus: EventBus, collection: Collection, clock: Clock) -> None:
        self.bus = bus
        self.collection = collection
        self.clock = clock
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def flush(self, document: Document, *, older_than_ms: int | None = None) -> int:
        """Publish the staged events of ``document`` and remove them from it; how many were
        published."""
        due = {
            event_id: entry
            for event_id, entry in document.get(OUTBOX, {}).items()
            if older_than_ms is None or entry["time"] <= older_than_ms
        }
        if not due:
            return 0
        try:
            self._publish_and_remove(document["_id"], due)
        except Exception:
            _trouble.mark()
            raise
        return len(due)

    def _publish_and_remove(self, document_id: str, due: dict[str, Any]) -> None:
        for topic in dict.fromkeys(entry["topic"] for entry in due.values()):
            self.bus.publish(topic, [_event(e) for e in due.values() if e["topic"] == topic])
        # Both writes filter by _id alone: FerretDB 1.x looks that up by index but scans the
        # collection for any richer filter. The first write's before-image says which entries
        # this call removed (a racing flush of the same document counts its own); counting
        # down second means a crash in between leaves the count too high — recovery then looks
        # at a document with nothing to publish, which costs a read, never an event.
        before = self.collection.find_one_and_update(
            {"_id": document_id},
            {"$unset": {f"{OUTBOX}.{event_id}": "" for event_id in due}},
            return_new=False,
        )
        removed = sum(event_id in (before or {}).get(OUTBOX, {}) for event_id in due)
        if removed:
            self.collection.find_one_and_update(
                {"_id": document_id}, {"$inc": {OUTBOX_COUNT: -removed}}
            )

    def recover(self) -> int:
        """Publish events left behind by a crash; returns how many were published."""
        pending = self.collection.find({OUTBOX_COUNT: {"$gt": 0}}, limit=500)
        cutoff = to_millis(self.clock.now()) - int(RECOVERY_AGE_S * 1000)
        return sum(self.flush(document, older_than_ms=cutoff) for document in pending)

    def start_recovery(
        self, interval_s: float = RECOVERY_EVERY_S, well_after_s: float = WELL_AFTER_S
    ) -> None:
        """Retry unpublished events in the background (e.g. after the broker was away): every
        ``interval_s`` while publishing is in trouble, else every ``well_after_s``."""

        def loop() -> None:
            published, last = 0, time.monotonic()  # the caller recovered at start-up
            while not self._stop.wait(interval_s):
                well = not published and not _trouble.within(well_after_s)
                if well and time.monotonic() - last < well_after_s:
                    continue
                last = time.monotonic()
                try:
                    published = self.recover()
                except Exception:  # the store or the broker away: look again soon
                    published = 0
                    _trouble.mark()
                    log.exception(
                        "outbox recovery failed", extra={"collection": self.collection.name}
                    )

        self._thread = threading.Thread(
            target=loop, daemon=True, name=f"outbox-{self.collection.name}"
        )
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()


def _entry(topic: str, event: Event) -> dict[str, Any]:
    return {
        "topic": topic,
        "id": event.id,
        "type": event.type,
        "source": event.source,
        "subject": event.subject,
        "time": to_millis(event.time),
        "schema": event.data.DESCRIPTOR.full_name,
        "data": base64.b64encode(event.data.SerializeToString()).decode(),
    }


def _event(entry: dict[str, Any]) -> Event:
    descriptor = descriptor_pool.Default().FindMessageTypeByName(entry["schema"])
    payload = message_factory.GetMessageClass(descriptor).FromString(
        base64.b64decode(entry["data"])
    )
    return Event(
        type=entry["type"],
        source=entry["source"],
        subject=entry["subject"],
        data=payload,
        time=from_millis(entry["time"]),
        id=entry["id"],
    )
