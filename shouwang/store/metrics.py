"""What the cluster's document store costs each service: every command the Mongo adapter sends,
by command and collection, timed from pymongo's own command monitoring (so the reads and writes
GridFS and index creation send count too).

Labels are command and collection names only, both fixed by the code: never filters or values.
"""

from __future__ import annotations

import threading

from prometheus_client import Histogram
from pymongo import monitoring

store_command_seconds = Histogram(
    "shouwang_store_command_seconds",
    "Round trip of one command to the document store (MongoDB wire), failed ones included, by "
    "command (find, insert, update, findAndModify, ...) and collection.",
    ["command", "collection"],
    buckets=(0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5),
)
# Commands that name no collection of ours (handshakes, pings).
_NOT_A_COLLECTION = "-"


class StoreCommandTimer(monitoring.CommandListener):
    """Registered per client (``MongoClient(event_listeners=[...])``). A command's collection is
    in its started event only; the outcome events carry the request id it is kept under."""

    def __init__(self) -> None:
        self._collections: dict[int, str] = {}
        self._lock = threading.Lock()

    def started(self, event: monitoring.CommandStartedEvent) -> None:
        # A cursor's next batch names its cursor first and its collection after.
        name = "collection" if event.command_name == "getMore" else event.command_name
        target = event.command.get(name)
        collection = target if isinstance(target, str) else _NOT_A_COLLECTION
        with self._lock:
            self._collections[event.request_id] = collection

    def succeeded(self, event: monitoring.CommandSucceededEvent) -> None:
        self._observe(event)

    def failed(self, event: monitoring.CommandFailedEvent) -> None:
        self._observe(event)

    def _observe(
        self, event: monitoring.CommandSucceededEvent | monitoring.CommandFailedEvent
    ) -> None:
        with self._lock:
            collection = self._collections.pop(event.request_id, _NOT_A_COLLECTION)
        store_command_seconds.labels(event.command_name, collection).observe(
            event.duration_micros / 1e6
        )
