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
from shouwang.clock import from_millis, to_millis
from shouwang.events import Event
from shouwang.store import Collection, Document

log = logging.getLogger(__name__)

OUTBOX = "_outbox"
OUTBOX_COUNT = "_outbox_count"  # a number, because "non-empty array" filters differ per store


def stage(topic: str, events: Sequence[Event]) -> dict[str, Any]:
    """Fields to merge into the document being written, holding ``events`` until published."""
    return {OUTBOX: [_entry(topic, event) for event in events], OUTBOX_COUNT: len(events)}


def stage_update(topic: str, events: Sequence[Event]) -> dict[str, Any]:
    """Update operators that add ``events`` to an existing document's outbox."""
    return {
        "$push": {OUTBOX: {"$each": [_entry(topic, event) for event in events]}},
        "$inc": {OUTBOX_COUNT: len(events)},
    }


class Outbox:
    def __init__(self, bus: EventBus, collection: Collection) -> None:
        self.bus = bus
        self.collection = collection
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def flush(self, document: Document) -> None:
        """Publish the staged events of ``document`` and remove them from it."""
        for entry in document.get(OUTBOX, []):
            self.bus.publish(entry["topic"], [_event(entry)])
            self.collection.find_one_and_update(
                {"_id": document["_id"]},
                {"$pull": {OUTBOX: entry}, "$inc": {OUTBOX_COUNT: -1}},
            )

    def recover(self) -> int:
        """Publish events left behind by a crash; returns how many documents had some."""
        pending = self.collection.find({OUTBOX_COUNT: {"$gt": 0}}, limit=500)
        for document in pending:
            self.flush(document)
        return len(pending)

    def start_recovery(self, interval_s: float = 5.0) -> None:
        """Retry unpublished events in the background (e.g. after the broker was away)."""

        def loop() -> None:
            while not self._stop.wait(interval_s):
                try:
                    self.recover()
                except Exception:
                    log.exception("outbox recovery failed", extra={"collection": self.collection.name})

        self._thread = threading.Thread(target=loop, daemon=True, name=f"outbox-{self.collection.name}")
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
    payload = message_factory.GetMessageClass(descriptor).FromString(base64.b64decode(entry["data"]))
    return Event(
        type=entry["type"],
        source=entry["source"],
        subject=entry["subject"],
        data=payload,
        time=from_millis(entry["time"]),
        id=entry["id"],
    )
