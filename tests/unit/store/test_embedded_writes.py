"""The embedded store's writers in one process (issue #19): a thread serving a request takes the
writing connection before background threads (bus consumers) waiting for it, and they wait so
for a bounded time, paced."""

from __future__ import annotations

import sqlite3
import threading
import time
from pathlib import Path

from shouwang.foreground import Foreground
from shouwang.store.embedded import SqliteDocumentStore
from tests.support.api import wait_for

DEADLINE_S = 20.0


def test_a_request_writes_before_background_writers_waiting_with_it(tmp_path: Path) -> None:
    foreground = Foreground(max_wait_s=DEADLINE_S)  # they give way for as long as the test runs
    store = SqliteDocumentStore(tmp_path / "documents.sqlite3", foreground=foreground)
    positions = store.collection("positions")
    held, release = threading.Event(), threading.Event()

    def long_write() -> None:
        with store._writing():  # as a batch of track buckets being stored
            held.set()
            release.wait(DEADLINE_S)

    def background(n: int) -> None:
        with foreground.background():
            positions.insert({"_id": f"member-{n}"})

    def request() -> None:
        positions.insert({"_id": "task"})

    first = threading.Thread(target=long_write)
    first.start()
    assert held.wait(DEADLINE_S)
    behind = [threading.Thread(target=background, args=(n,)) for n in range(3)]
    for thread in behind:
        thread.start()
    wait_for(lambda: _waiting(store) == 3, what="three background writers waiting")
    asking = threading.Thread(target=request)
    asking.start()
    wait_for(lambda: store._lock._requests_waiting == 1, what="the request waiting")
    release.set()
    for thread in [first, asking, *behind]:
        thread.join(DEADLINE_S)

    store.close()
    with sqlite3.connect(tmp_path / "documents.sqlite3") as reader:
        written = [row[0] for row in reader.execute('SELECT _id FROM "c_positions" ORDER BY rowid')]
    assert written[0] == "task" and sorted(written[1:]) == ["member-0", "member-1", "member-2"]


def test_the_lock_is_reentrant_for_its_holder(tmp_path: Path) -> None:
    store = SqliteDocumentStore(tmp_path / "documents.sqlite3", foreground=Foreground())
    with store._lock, store._lock:
        other = threading.Thread(target=store.ping)
        other.start()
        other.join(0.2)
        assert other.is_alive()  # held twice, released once so far
    other.join(DEADLINE_S)
    assert not other.is_alive()
    store.close()


def test_reads_at_once_are_one_turn_at_the_store(tmp_path: Path) -> None:
    """A claim's reads of its task, offer and slots wait for the store once, not three times:
    a write asked for between them waits until the last of them."""
    store = SqliteDocumentStore(tmp_path / "documents.sqlite3", foreground=Foreground())
    tasks = store.collection("tasks")
    tasks.insert({"_id": "t", "status": "dispatching"})
    writer = threading.Thread(
        target=lambda: tasks.find_one_and_update({"_id": "t"}, {"$set": {"status": "claimed"}})
    )

    def read_with_a_write_asked_for_meanwhile() -> object:
        writer.start()
        wait_for(lambda: store._lock._requests_waiting == 1, what="the write waiting")
        return tasks.get("t")

    before, after = store.at_once(lambda: tasks.get("t"), read_with_a_write_asked_for_meanwhile)
    writer.join(DEADLINE_S)
    assert before == after == {"_id": "t", "status": "dispatching"}
    assert tasks.get("t") == {"_id": "t", "status": "claimed"}
    store.close()


def _waiting(store: SqliteDocumentStore) -> int:
    condition = store._lock._changed
    return len(condition._waiters)  # type: ignore[attr-defined]


def test_a_background_writer_gives_way_for_a_bounded_time_and_not_at_once_again(
    tmp_path: Path,
) -> None:
    """Paced: among steady requests a consumer keeps at least half its pace."""
    foreground = Foreground(max_wait_s=2.0)
    store = SqliteDocumentStore(tmp_path / "documents.sqlite3", foreground=foreground)
    positions = store.collection("positions")
    store._lock._requests_waiting = 1  # as if requests kept coming, one always waiting

    with foreground.background():
        started = time.monotonic()
        positions.insert({"_id": "member-1"})
        gave_way_s = time.monotonic() - started
        positions.insert({"_id": "member-2"})
        second_s = time.monotonic() - started - gave_way_s

    store._lock._requests_waiting = 0
    assert gave_way_s >= 2.0
    assert second_s < 1.0  # it did not wait the 2 s again
    store.close()
