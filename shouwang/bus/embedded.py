"""The embedded event bus: a Kafka-shaped append-only log in one SQLite file on local disk.

Messages are stored exactly as Kafka would carry them (key, ``ce_*`` headers, protobuf value) in
one table ordered by ``seq``; each consumer group keeps the last ``seq`` it finished per topic. A
process that dies before committing sees the message again on restart, as with Kafka.

Unlike Kafka there are no partitions: one thread per subscription reads a topic in ``seq`` order,
so a (group, topic) pair must have one consumer at a time (one process in embedded mode).

Durability: WAL with ``synchronous=FULL`` for appends, so a message is on disk (fsynced) when
``publish`` returns — it survives a process kill and a power cut. Appends of concurrent
publishers are group-committed: whoever finds no commit running writes everything queued so far
in one transaction (one fsync for all), and each publisher returns once the transaction holding
its messages committed. A consumer commits its offset once what it handled has gone uncommitted
for a tenth of a second — after a later run, or while it waits for more — without waiting behind
an append of this process unless that has lasted a second, with ``synchronous=NORMAL``: a crash
hands out again at most that much, and a power cut may lose the last offset commits, which means
redelivery too (handlers are idempotent).
"""

from __future__ import annotations

import base64
import contextlib
import json
import logging
import sqlite3
import threading
import time
from collections.abc import Callable, Collection, Mapping, Sequence
from pathlib import Path
from typing import Any

from google.protobuf.message import Message

from shouwang.bus import BatchHandler, Handler, RetryPolicy, dead_letter_topic
from shouwang.bus.delivery import Subscription, deliver_run, group_caught_up, start_consumers
from shouwang.bus.metrics import events_published
from shouwang.events import Event, LogPosition, WireMessage, encode
from shouwang.foreground import Foreground

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
_COMMIT_EVERY = 10  # messages handled one by one per run (a crash mid-run redelivers the run)
# What a consumer handled goes uncommitted this long at most while it keeps up: an offset commit
# is a write transaction on the shared file, and one per run of a busy topic (hundreds a second
# per consumer under a city's fixes) cost the process more than the redelivery it saves.
_COMMIT_AFTER_S = 0.1
# A consumer that keeps finding this process's append under way leaves its commits for later,
# but not for longer than this: what a crash would hand out again stays bounded.
_COMMIT_AT_LEAST_EVERY_S = 1.0
_BUSY_TIMEOUT_MS = 10_000
POLL_INTERVAL_S = 0.02  # while a topic's messages keep coming (and, by default, when it is quiet)
_ERROR_BACKOFF_S = 1.0


class SqliteEventBus:
    """An ``EventBus`` on a local SQLite file, shared safely by threads and processes."""

    def __init__(
        self,
        path: Path,
        *,
        retry: RetryPolicy = RetryPolicy(),  # noqa: B008 - frozen dataclass, safe as a default
        poll_interval_s: float = POLL_INTERVAL_S,
        idle_poll_interval_s: float = POLL_INTERVAL_S,
        foreground: Foreground | None = None,
    ) -> None:
        self._path = path
        self._foreground = foreground
        self._retry = retry
        self._poll_interval_s = poll_interval_s
        self._idle_poll_interval_s = max(idle_poll_interval_s, poll_interval_s)
        self._subscriptions: list[Subscription] = []
        self._threads: list[threading.Thread] = []
        self._stopping = threading.Event()
        # One signal per consumed topic, bumped on every publish to it in this process so its
        # consumers wake at once (and only they); writers in other processes are noticed by
        # polling: every poll_interval_s while messages keep coming, backing off to
        # idle_poll_interval_s on a quiet topic. Each poll of each idle consumer costs the whole
        # process a GIL hand-over or two (~18 % of its CPU per fix under full load, measured),
        # but on a VM whose idle CPUs halt, twenty consumers polling keep them awake for the
        # chain of wake-ups a claim is: a trade each deployment makes (SHOUWANG_BUS_IDLE_POLL_S).
        self._signals: dict[str, _TopicSignal] = {}
        # This process's writes to the file go one at a time through this lock, so they never
        # meet SQLite's busy handler, which sleeps in steps of up to 100 ms while a lock is held.
        self._write_lock = threading.Lock()
        self._writer = self._connect(synchronous="FULL")
        self._writer.executescript(_SCHEMA)
        self._appends = _GroupCommit(self._append_rows)
        self._closed = False

    def publish(self, topic: str, events: Sequence[Event]) -> None:
        self.publish_wire(topic, [encode(event) for event in events])

    def publish_wire(self, topic: str, messages: Sequence[WireMessage]) -> None:
        """Append already-encoded messages (dead letters, replays); durable when this returns."""
        if not messages:
            return
        rows = [(topic, m.key, _headers_to_json(m.headers), m.value) for m in messages]
        self._appends.append(rows)  # all or none of them, in one transaction
        events_published.labels(topic).inc(len(rows))
        signal = self._signals.get(topic)
        if signal is not None:
            signal.bump()

    def _append_rows(self, rows: list[tuple[str, bytes, str, bytes]]) -> None:
        # SQLite runs one write transaction at a time, even across processes, so a reader never
        # sees a seq before every smaller seq is committed: reading in seq order misses nothing.
        with self._write_lock, self._writer:
            self._writer.executemany(
                "INSERT INTO messages (topic, key, headers, value) VALUES (?, ?, ?, ?)", rows
            )

    def subscribe(
        self,
        topic: str,
        *,
        group: str,
        handler: Handler,
        payload_types: Mapping[str, type[Message]],
        from_latest: bool = False,
        batch_handler: BatchHandler | None = None,
        background: Collection[str] = (),
    ) -> None:
        if self._threads:
            raise RuntimeError("subscribe before start()")
        if any(s.topic == topic and s.group == group for s in self._subscriptions):
            raise ValueError(f"group {group!r} already consumes {topic!r} on this bus")
        self._subscriptions.append(
            Subscription(
                topic,
                group,
                handler,
                dict(payload_types),
                from_latest,
                batch_handler,
                frozenset(background),
            )
        )
        self._signals.setdefault(topic, _TopicSignal())

    def start(self) -> None:
        self._threads += start_consumers(self._subscriptions, self._consume, self._foreground)

    def caught_up(self, group: str) -> bool:
        return group_caught_up(self._subscriptions, group)

    def close(self) -> None:
        if self._closed:
            return
        self._closed = True
        self._stopping.set()
        for signal in self._signals.values():
            signal.bump()
        for thread in self._threads:
            thread.join()
        self._appends.close(self._writer.close)

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
        uncommitted_since: float | None = None  # handled beyond the committed offset since
        signal = self._signals[subscription.topic]
        dead_letter = self._dead_letter_to(subscription.topic)
        poll_s = self._poll_interval_s
        try:
            while not self._stopping.is_set():
                generation = signal.generation
                rows = connection.execute(
                    "SELECT seq, key, headers, value FROM messages"
                    " WHERE topic = ? AND seq > ? ORDER BY seq LIMIT ?",
                    (subscription.topic, last_seq, _BATCH),
                ).fetchall()
                if not rows:
                    subscription.caught_up.set()
                    wait_s = poll_s
                    poll_s = min(poll_s * 2, self._idle_poll_interval_s)
                    if uncommitted_since is not None:
                        left_s = uncommitted_since + _COMMIT_AFTER_S - time.monotonic()
                        if left_s <= 0:
                            self._commit_offset(connection, subscription, last_seq, wait=True)
                            uncommitted_since = None
                        else:
                            wait_s = min(wait_s, left_s)
                    signal.wait(after=generation, timeout=wait_s)
                    continue
                poll_s = self._poll_interval_s
                messages = [
                    WireMessage(
                        key=key,
                        headers=_headers_from_json(headers),
                        value=value,
                        position=LogPosition(subscription.topic, 0, seq),
                    )
                    for seq, key, headers, value in rows
                ]
                # Small runs keep redelivery after a crash small while the handler is slow per
                # message; a batch handler takes the whole run at once.
                step = len(messages) if subscription.batch_handler else _COMMIT_EVERY
                for start in range(0, len(messages), step):
                    done = deliver_run(
                        messages[start : start + step],
                        subscription,
                        retry=self._retry,
                        stopping=self._stopping,
                        dead_letter=dead_letter,
                        foreground=self._foreground,
                    )
                    if done:
                        last_seq = rows[start + done - 1][0]
                        uncommitted_since = uncommitted_since or time.monotonic()
                        uncommitted_s = time.monotonic() - uncommitted_since
                        overdue = uncommitted_s >= _COMMIT_AT_LEAST_EVERY_S
                        if (overdue or uncommitted_s >= _COMMIT_AFTER_S) and self._commit_offset(
                            connection, subscription, last_seq, wait=overdue
                        ):
                            uncommitted_since = None
                    if start + done < min(start + step, len(messages)) or self._stopping.is_set():
                        return
        finally:
            if uncommitted_since is not None:  # best effort on the way out: else redelivered
                with contextlib.suppress(sqlite3.Error):
                    self._commit_offset(connection, subscription, last_seq, wait=True)

    def _commit_offset(
        self, connection: sqlite3.Connection, subscription: Subscription, seq: int, *, wait: bool
    ) -> bool:
        """Commit ``seq`` as the group's offset; without ``wait`` only when no other write of
        this process is running, else False and a later commit covers it. A consumer that waited
        behind appends (each an fsync) read its next events late; a commit left for later (at
        most ``_COMMIT_AT_LEAST_EVERY_S``) costs redelivery after a crash, which handlers
        absorb."""
        if not self._write_lock.acquire(blocking=wait):
            return False
        try:
            _commit(connection, subscription, seq)
        finally:
            self._write_lock.release()
        return True

    def _dead_letter_to(self, topic: str) -> Callable[[WireMessage], None]:
        return lambda message: self.publish_wire(dead_letter_topic(topic), [message])


class _TopicSignal:
    """Wakes a topic's consumers when this process appends to it."""

    def __init__(self) -> None:
        self._condition = threading.Condition()
        self.generation = 0

    def bump(self) -> None:
        with self._condition:
            self.generation += 1
            self._condition.notify_all()

    def wait(self, *, after: int, timeout: float) -> None:
        with self._condition:
            self._condition.wait_for(lambda: self.generation != after, timeout=timeout)


class _GroupCommit:
    """Writes the rows of concurrent appends in one transaction: the first caller to find no
    write running writes everything queued (its own rows and those of callers that arrived
    meanwhile) and wakes them; the others wait until a write took their rows. A failed write
    fails every append it held (none of their rows were written)."""

    def __init__(self, write: Callable[[list[Any]], None]) -> None:
        self._write = write
        self._condition = threading.Condition()
        self._queued: list[_Append] = []
        self._writing = False

    def append(self, rows: list[Any]) -> None:
        mine = _Append(rows)
        with self._condition:
            self._queued.append(mine)
            while self._writing and not mine.done:
                self._condition.wait()
            if mine.done:
                return mine.result()
            self._writing = True
            batch, self._queued = self._queued, []
        error: BaseException | None = None
        try:
            self._write([row for append in batch for row in append.rows])
        except BaseException as failure:
            error = failure
        with self._condition:
            for append in batch:
                append.done, append.error = True, error
            self._writing = False
            self._condition.notify_all()
        return mine.result()

    def close(self, then: Callable[[], None]) -> None:
        """Run ``then`` once no write is running (appends after it fail on a closed database)."""
        with self._condition:
            while self._writing:
                self._condition.wait()
            then()


class _Append:
    __slots__ = ("done", "error", "rows")

    def __init__(self, rows: list[Any]) -> None:
        self.rows = rows
        self.done = False
        self.error: BaseException | None = None

    def result(self) -> None:
        if self.error is not None:
            raise self.error


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
