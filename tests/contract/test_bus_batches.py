"""Batch handlers and group commits on the event bus (issue #19): runs of events delivered at
once, equivalent to one by one, on every adapter; concurrent appends of the embedded bus
committed together, each durable when its publisher returns."""

from __future__ import annotations

import sqlite3
import threading
import time
from pathlib import Path

import pytest

from shouwang.bus import embedded
from shouwang.bus.embedded import SqliteEventBus, _GroupCommit
from shouwang.events import Event
from tests.contract.test_bus_contract import (  # noqa: F401 - fixtures
    DEADLINE_S,
    PAYLOAD_TYPES,
    BusUnderTest,
    Received,
    adapter,
    group,
    noted,
    topic,
    wait_for_dead_letters,
)
from tests.support.api import wait_for


class ReceivedRuns(Received):
    """A batch handler recording each run it was given (and failing a run holding ``poison``)."""

    def __init__(self, poison: str = "") -> None:
        super().__init__()
        self.runs: list[list[str]] = []
        self.poison = poison

    def batch(self, events: list[Event]) -> None:
        with self._changed:
            self.runs.append([e.id for e in events])
        if any(e.data.value == self.poison for e in events):
            raise RuntimeError("the run holds an event this handler refuses")
        with self._changed:
            self.events.extend(events)
            self._changed.notify_all()


def test_a_batch_handler_gets_every_event_once_in_key_order_in_runs(
    adapter: BusUnderTest,  # noqa: F811
    topic: str,  # noqa: F811
) -> None:
    received = ReceivedRuns()
    events = [noted(f"member-{n % 4}", str(n)) for n in range(120)]
    adapter.new_bus().publish(topic, events)  # all there before the consumer starts
    bus = adapter.new_bus()
    bus.subscribe(
        topic,
        group=group(),
        handler=received,
        payload_types=PAYLOAD_TYPES,
        batch_handler=received.batch,
    )

    bus.start()

    received.wait_for_ids([e.id for e in events])
    assert sorted(received.ids()) == sorted(e.id for e in events)  # each once
    for key in {e.subject for e in events}:  # in publish order per key (Kafka: per partition)
        handled = [e.id for e in received.events if e.subject == key]
        assert handled == [e.id for e in events if e.subject == key], key
    assert received.attempts == []  # the per-event handler was never needed
    assert max(len(run) for run in received.runs) > 1


def test_a_failing_run_is_handled_event_by_event_and_only_the_bad_event_is_dead_lettered(
    adapter: BusUnderTest,  # noqa: F811
    topic: str,  # noqa: F811
) -> None:
    one_by_one = Received(fail=lambda event: event.data.value == "bad")
    runs = ReceivedRuns(poison="bad")
    good = [noted("member-1", str(n)) for n in range(10)]
    bad = noted("member-1", "bad")
    adapter.new_bus().publish(topic, [*good[:5], bad, *good[5:]])
    bus = adapter.new_bus()
    bus.subscribe(
        topic,
        group=group(),
        handler=one_by_one,
        payload_types=PAYLOAD_TYPES,
        batch_handler=runs.batch,
    )

    bus.start()

    one_by_one.wait_for_ids([e.id for e in good])
    assert one_by_one.ids() == [e.id for e in good]
    letters = wait_for_dead_letters(adapter, topic, 1)
    assert [m.key for m in letters] == [b"member-1"]
    assert runs.events == []


def test_concurrent_publishers_each_return_once_their_events_are_stored(tmp_path: Path) -> None:
    path = tmp_path / "bus.sqlite3"
    bus = SqliteEventBus(path)
    stored_on_return: list[bool] = []
    lock = threading.Lock()

    def publisher(n: int) -> None:
        for i in range(20):
            event = noted(f"member-{n}", f"{n}:{i}")
            bus.publish("fixes", [event])
            with sqlite3.connect(path) as reader:  # another connection: only what committed
                found = reader.execute(
                    "SELECT count(*) FROM messages WHERE key = ? AND value = ?",
                    (f"member-{n}".encode(), event.data.SerializeToString()),
                ).fetchone()[0]
            with lock:
                stored_on_return.append(found == 1)

    threads = [threading.Thread(target=publisher, args=(n,)) for n in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(DEADLINE_S)
    bus.close()

    assert stored_on_return == [True] * 160
    with sqlite3.connect(path) as reader:
        per_key = reader.execute(
            "SELECT key, count(*) FROM messages WHERE topic = 'fixes' GROUP BY key"
        ).fetchall()
    assert sorted(count for _, count in per_key) == [20] * 8


def test_appends_queued_behind_a_running_write_share_the_next_one() -> None:
    writes: list[list[str]] = []
    first_write_started, release_first_write = threading.Event(), threading.Event()

    def write(rows: list[str]) -> None:
        writes.append(rows)
        if len(writes) == 1:
            first_write_started.set()
            release_first_write.wait(DEADLINE_S)

    commits = _GroupCommit(write)
    first = threading.Thread(target=commits.append, args=(["a"],))
    first.start()
    first_write_started.wait(DEADLINE_S)
    queued = [threading.Thread(target=commits.append, args=([name],)) for name in "bcd"]
    for thread in queued:
        thread.start()
    wait_for(lambda: len(commits._queued) == 3, what="three appends queued behind the write")
    release_first_write.set()
    for thread in [first, *queued]:
        thread.join(DEADLINE_S)

    assert writes[0] == ["a"]
    assert sorted(writes[1]) == ["b", "c", "d"]
    assert len(writes) == 2


def test_a_failed_group_write_fails_every_append_it_held() -> None:
    def write(rows: list[str]) -> None:
        raise sqlite3.OperationalError("disk I/O error")

    commits = _GroupCommit(write)

    with pytest.raises(sqlite3.OperationalError):
        commits.append(["a"])


def test_a_consumer_keeps_handling_while_a_write_of_its_process_runs(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """An offset commit that would wait behind an append (an fsync) is left for later; once the
    consumer has caught up it commits, so a restart does not hand the events out again."""
    monkeypatch.setattr(embedded, "_COMMIT_AT_LEAST_EVERY_S", 60.0)  # however slow the machine
    path = tmp_path / "bus.sqlite3"
    bus, consumers, received, events = _a_consumer_of_35_events(path)

    with bus._write_lock:  # as an append of this process does, fsync included
        bus.start()
        received.wait_for_ids([e.id for e in events])
    wait_for(lambda: bus.caught_up(consumers), what="the consumer caught up")
    bus.close()

    again = Received()
    restarted = SqliteEventBus(path)
    restarted.subscribe("fixes", group=consumers, handler=again, payload_types=PAYLOAD_TYPES)
    restarted.start()
    wait_for(lambda: restarted.caught_up(consumers), what="the restarted consumer caught up")
    restarted.close()
    assert received.ids() == [e.id for e in events]
    assert again.ids() == []


def test_a_commit_left_for_later_too_long_waits_for_the_append(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Left for later while an append runs, but not for ever: past the bound the consumer waits
    to commit (here the bound is 0), so a crash hands out only a bounded run again."""
    monkeypatch.setattr(embedded, "_COMMIT_AT_LEAST_EVERY_S", 0.0)
    bus, _, received, events = _a_consumer_of_35_events(tmp_path / "bus.sqlite3")

    with bus._write_lock:  # as an append of this process does, fsync included
        bus.start()
        received.wait_for_ids([e.id for e in events[:10]])
        time.sleep(0.3)
        handled_while_held = len(received.ids())
    received.wait_for_ids([e.id for e in events])
    bus.close()

    assert handled_while_held == 10  # the first run, then it waited to commit it


def _a_consumer_of_35_events(path: Path) -> tuple[SqliteEventBus, str, Received, list[Event]]:
    """35 events already on the bus (runs of 10 for a per-event handler: four commits) and a bus
    subscribed to them, not started."""
    events = [noted(f"member-{n % 3}", str(n)) for n in range(35)]
    SqliteEventBus(path).publish("fixes", events)
    received, consumers = Received(), group()
    bus = SqliteEventBus(path)
    bus.subscribe("fixes", group=consumers, handler=received, payload_types=PAYLOAD_TYPES)
    return bus, consumers, received, events


def test_an_idle_consumer_backs_off_and_still_gets_another_processs_events(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Each poll of each idle consumer wakes the process for a GIL hand-over or two: a quiet
    topic is polled less and less often (down to its idle interval), while this process's own
    publishes still wake it at once and another process's are found at the next poll."""
    polls: list[str] = []
    connect = SqliteEventBus._connect

    def counting_polls(self: SqliteEventBus, *, synchronous: str) -> sqlite3.Connection:
        connection = connect(self, synchronous=synchronous)
        connection.set_trace_callback(
            lambda sql: polls.append(sql) if sql.startswith("SELECT seq") else None
        )
        return connection

    monkeypatch.setattr(SqliteEventBus, "_connect", counting_polls)
    path = tmp_path / "bus.sqlite3"
    received = Received()
    bus = SqliteEventBus(path, poll_interval_s=0.02, idle_poll_interval_s=0.25)
    bus.subscribe("quiet", group=group(), handler=received, payload_types=PAYLOAD_TYPES)
    bus.start()
    try:
        time.sleep(1.5)
        idle_polls = len(polls)
        elsewhere = noted("member-1", "from another process")
        other_process = SqliteEventBus(path)  # its publish signals nothing to this bus
        other_process.publish("quiet", [elsewhere])
        other_process.close()
        received.wait_for_ids([elsewhere.id])
    finally:
        bus.close()

    assert idle_polls <= 15  # every 20 ms would have been 75
