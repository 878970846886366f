"""A consumer process for the bus contract's crash test: applies events idempotently, slowly.

Each delivery is counted and each event id is applied once (a UNIQUE column and INSERT OR IGNORE),
in one SQLite transaction, so the record shows both at-least-once delivery and exactly-once effect.
Usage: bus_consumer_process.py (--embedded PATH | --kafka SERVERS) --topic T --group G
--record PATH [--handle-seconds S] [--until N]; with --until it exits once N events are applied,
otherwise it runs until killed.
"""

from __future__ import annotations

import argparse
import sqlite3
import time
from pathlib import Path

from google.protobuf.wrappers_pb2 import StringValue

from shouwang.bus import EventBus, RetryPolicy
from shouwang.events import Event

EVENT_TYPE = "shouwang.test.noted.v1"

_RECORD_SCHEMA = """
CREATE TABLE IF NOT EXISTS deliveries (n INTEGER PRIMARY KEY AUTOINCREMENT, event_id TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS applied (event_id TEXT NOT NULL UNIQUE);
"""


def main() -> None:
    args = _parse_args()
    record = sqlite3.connect(args.record, timeout=10, check_same_thread=False)
    record.execute("PRAGMA journal_mode=WAL")
    record.executescript(_RECORD_SCHEMA)

    def apply(event: Event) -> None:
        time.sleep(args.handle_seconds)  # stands for real work, so the kill lands mid-stream
        with record:
            record.execute("INSERT INTO deliveries (event_id) VALUES (?)", (event.id,))
            record.execute("INSERT OR IGNORE INTO applied (event_id) VALUES (?)", (event.id,))

    bus = _bus(args)
    bus.subscribe(
        args.topic, group=args.group, handler=apply, payload_types={EVENT_TYPE: StringValue}
    )
    bus.start()
    try:
        while not (args.until and _applied(record) >= args.until):
            time.sleep(0.05)
    finally:
        bus.close()


def _applied(record: sqlite3.Connection) -> int:
    return record.execute("SELECT count(*) FROM applied").fetchone()[0]


def _bus(args: argparse.Namespace) -> EventBus:
    retry = RetryPolicy(max_attempts=3, first_backoff_s=0.01, max_backoff_s=0.05)
    if args.embedded:
        from shouwang.bus.embedded import SqliteEventBus

        return SqliteEventBus(args.embedded, retry=retry)
    from shouwang.bus.kafka import KafkaEventBus

    return KafkaEventBus(args.kafka, client_id=f"crash-test-{args.group}", retry=retry)


def _parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__)
    adapter = parser.add_mutually_exclusive_group(required=True)
    adapter.add_argument("--embedded", type=Path)
    adapter.add_argument("--kafka")
    parser.add_argument("--topic", required=True)
    parser.add_argument("--group", required=True)
    parser.add_argument("--record", type=Path, required=True)
    parser.add_argument("--handle-seconds", type=float, default=0.05)
    parser.add_argument("--until", type=int, default=0)
    return parser.parse_args()


if __name__ == "__main__":
    main()
