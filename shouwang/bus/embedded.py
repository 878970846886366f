"""The embedded event bus: a Kafka-shaped append-only log in one SQLite file on local disk.

Messages are stored exactly as Kafka would carry them (key, ``ce_*`` headers, protobuf value) in
one table ordered by ``seq``; each consumer group keeps the last ``seq`` it finished per topic. A
process that dies before committing sees the message again on restart, as with Kafka.

Unlike Kafka there are no partitions: one thread per subscription reads a topic in ``seq`` order,
so a (group, topic) pair must have one consumer at a time (one process in embedded mode).
"""

from __future__ import annotations

import base64
import json
import logging
import sqlite3
import threading
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path

from google.protobuf.message import Message

from shouwang.bus import Handler, RetryPolicy, dead_letter_topic
from shouwang.bus.delivery import Outcome, Subscription, deliver, start_consumers
from shouwang.bus.metrics import events_published
from shouwang.events import Event, WireMessage, encode

log = logging.getLogger(__name__)

_SCHEMA = """
CREATE TABLE IF NOT EXISTS messages (
    seq INTEGER PRIMARY KEY AUTOINCREMENT,
    topic TEXT NOT NULL,
    key BLOB NOT NULL,
    headers TEXT NOT NULL,  -- JSON object: header name -> base64 of the value bytes
    value BLOB NOT NULL
);
CREATE INDEX IF NOT EXISTS messages_by_topic ON messages (topic, seq);
CREATE TABLE IF NOT EXISTS group_offsets (
    group_id TEXT NOT NULL,
    topic TEXT NOT NULL,
    last_seq INTEGER NOT NULL,  -- the last message the group is done with
    PRIMARY KEY (group_id, topic)
);
"""

_BATCH = 100
_BUSY_TIMEOUT_MS = 10_000
_ERROR_BACKOFF_S = 1.0


class SqliteEventBus:
    """An ``EventBus`` on a local SQLite file, shared safely by threads and processes."""

    def __init__(
        self,
        path: Path,
        *,
        retry: RetryPolicy = RetryPolicy(),  # noqa: B008 - frozen dataclass, safe as a default
        poll_interval_s: float = 0.02,
    ) -> None:
        self._path = path
        self._retry = retry
        self._poll_interval_s = poll_interval_s
        self._subscriptions: list[Subscription] = []
        self._threads: list[threading.Thread] = []
        self._stopping = threading.Event()
        # Bumped on every publish in this process so consumers wake at once; writers in other
        # processes are noticed by polling every poll_interval_s.
        self._published = threading.Condition()
        self._generation = 0
        self._write_lock = threading.Lock()
        self._writer = self._connect(synchronous="FULL")
        self._writer.executescript(_SCHEMA)
        self._closed = False

    def publish(self, topic: str, events: Sequence[Event]) -> None:
        self.publish_wire(topic, [encode(event) for event in events])

    def publish_wire(self, topic: str, messages: Sequence[WireMessage]) -> None:
        """Append already-encoded messages (dead letters, replays); durable when this returns."""
        rows = [(topic, m.key, _headers_to_json(m.headers), m.value) for m in messages]
        # SQLite runs one write transaction at a time, even across processes, so a reader never
        # sees a seq before every smaller seq is committed: reading in seq order misses nothing.
        with self._write_lock, self._writer:  # one transaction: all or none of the batch
            self._writer.executemany(
                "INSERT INTO messages (topic, key, headers, value) VALUES (?, ?, ?, ?)", rows
            )
        events_published.labels(topic).inc(len(rows))
        with self._published:
            self._generation += 1
            self._published.notify_all()

    def subscribe(
        self,
        topic: str,
        *,
        group: str,
        handler: Handler,
        payload_types: Mapping[str, type[Message]],
        from_latest: bool = False,
    ) -> None:
        if self._threads:
            raise RuntimeError("subscribe before start()")
        if any(s.topic == topic and s.group == group for s in self._subscriptions):
            raise ValueError(f"group {group!r} already consumes {topic!r} on this bus")
        self._subscriptions.append(
            Subscription(topic, group, handler, dict(payload_types), from_latest)
        )

    def start(self) -> None:
        self._threads += start_consumers(self._subscriptions, self._consume)

    def close(self) -> None:
        if self._closed:
            return
        self._closed = True
        self._stopping.set()
        with self._published:
            self._published.notify_all()
        for thread in self._threads:
            thread.join()
        with self._write_lock:
            self._writer.close()

    def _connect(self, *, synchronous: str) -> sqlite3.Connection:
        connection = sqlite3.connect(
            self._path, timeout=_BUSY_TIMEOUT_MS / 1000, check_same_thread=False
        )
        connection.execute("PRAGMA journal_mode=WAL")
        connection.execute(f"PRAGMA synchronous={synchronous}")
        return connection

    def _consume(self, subscription: Subscription) -> None:
        # Offsets are written with synchronous=NORMAL: a power cut may lose the last commits
        # (redelivery, which idempotent handlers absorb) but never a published message.
        connection = self._connect(synchronous="NORMAL")
        try:
            while not self._stopping.is_set():
                try:
                    self._consume_until_stopped(connection, subscription)
                except Exception:
                    log.exception(
                        "consumer %s on %s failed; resuming from its last commit",
                        subscription.group,
                        subscription.topic,
                    )
                    self._stopping.wait(_ERROR_BACKOFF_S)
        finally:
            connection.close()

    def _consume_until_stopped(
        self, connection: sqlite3.Connection, subscription: Subscription
    ) -> None:
        last_seq = _committed(connection, subscription)
        while not self._stopping.is_set():
            with self._published:
                generation = self._generation
            rows = connection.execute(
                "SELECT seq, key, headers, value FROM messages"
                " WHERE topic = ? AND seq > ? ORDER BY seq LIMIT ?",
                (subscription.topic, last_seq, _BATCH),
            ).fetchall()
            if not rows:
                self._wait_for_publish(after=generation)
                continue
            for seq, key, headers, value in rows:
                message = WireMessage(key=key, headers=_headers_from_json(headers), value=value)
                outcome = deliver(
                    message,
                    subscription,
                    retry=self._retry,
                    stopping=self._stopping,
                    dead_letter=self._dead_letter_to(subscription.topic),
                )
                if outcome is Outcome.INTERRUPTED:
                    return
                _commit(connection, subscription, seq)
                last_seq = seq
                if self._stopping.is_set():
                    return

    def _wait_for_publish(self, *, after: int) -> None:
        with self._published:
            self._published.wait_for(
                lambda: self._generation != after or self._stopping.is_set(),
                timeout=self._poll_interval_s,
            )

    def _dead_letter_to(self, topic: str) -> Callable[[WireMessage], None]:
        return lambda message: self.publish_wire(dead_letter_topic(topic), [message])


def _committed(connection: sqlite3.Connection, subscription: Subscription) -> int:
    row = connection.execute(
        "SELECT last_seq FROM group_offsets WHERE group_id = ? AND topic = ?",
        (subscription.group, subscription.topic),
    ).fetchone()
    if row:
        return row[0]
    if not subscription.from_latest:
        return 0
    (end,) = connection.execute(
        "SELECT COALESCE(MAX(seq), 0) FROM messages WHERE topic = ?", (subscription.topic,)
    ).fetchone()
    return end


def _commit(connection: sqlite3.Connection, subscription: Subscription, seq: int) -> None:
    with connection:
        connection.execute(
            "INSERT INTO group_offsets (group_id, topic, last_seq) VALUES (?, ?, ?)"
            " ON CONFLICT (group_id, topic) DO UPDATE SET last_seq = excluded.last_seq",
            (subscription.group, subscription.topic, seq),
        )


def _headers_to_json(headers: Mapping[str, bytes]) -> str:
    return json.dumps({name: base64.b64encode(value).decode() for name, value in headers.items()})


def _headers_from_json(text: str) -> dict[str, bytes]:
    return {name: base64.b64decode(value) for name, value in json.loads(text).items()}
