"""Transactional outbox without transactions: an aggregate's document carries the events its
change produced, written in the same single-document write, so a crash between saving and
publishing loses nothing. ``flush`` publishes and removes them; ``recover`` (at start-up and on a
timer) republishes whatever a crashed process left behind. Consumers are idempotent, so the rare
double publish is harmless.
"""

from __future__ import annotations

import base64
import logging
import threading
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


class Outbox:
    def __init__(self, bus: EventBus, collection: Collection, clock: Clock) -> None:
        self.bus = bus
        self.collection = collection
        self.clock = clock
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def flush(self, document: Document, *, older_than_ms: int | None = None) -> None:
        """Publish the staged events of ``document`` and remove them from it."""
        due = {
            event_id: entry
            for event_id, entry in document.get(OUTBOX, {}).items()
            if older_than_ms is None or entry["time"] <= older_than_ms
        }
        if not due:
            return
        for topic in dict.fromkeys(entry["topic"] for entry in due.values()):
            self.bus.publish(topic, [_event(e) for e in due.values() if e["topic"] == topic])
        # Both writes filter by _id alone: FerretDB 1.x looks that up by index but scans the
        # collection for any richer filter. The first write's before-image says which entries
        # this call removed (a racing flush of the same document counts its own); counting
        # down second means a crash in between leaves the count too high — recovery then looks
        # at a document with nothing to publish, which costs a read, never an event.
        before = self.collection.find_one_and_update(
            {"_id": document["_id"]},
            {"$unset": {f"{OUTBOX}.{event_id}": "" for event_id in due}},
            return_new=False,
        )
        removed = sum(event_id in (before or {}).get(OUTBOX, {}) for event_id in due)
        if removed:
            self.collection.find_one_and_update(
                {"_id": document["_id"]}, {"$inc": {OUTBOX_COUNT: -removed}}
            )

    def recover(self) -> int:
        """Publish events left behind by a crash; returns how many documents had some."""
        pending = self.collection.find({OUTBOX_COUNT: {"$gt": 0}}, limit=500)
        cutoff = to_millis(self.clock.now()) - int(RECOVERY_AGE_S * 1000)
        for document in pending:
            self.flush(document, older_than_ms=cutoff)
        return len(pending)

    def start_recovery(self, interval_s: float = 5.0) -> None:
        """Retry unpublished events in the background (e.g. after the broker was away)."""

        def loop() -> None:
            while not self._stop.wait(interval_s):
                try:
                    self.recover()
                except Exception:
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
