"""The embedded store's reads do not wait for its writer (issue #19): in WAL a reader sees what
was committed before it started, so a request's lookup need not queue behind a long write."""

from __future__ import annotations

import sqlite3
import threading
from pathlib import Path

import pytest

from shouwang.store.embedded import SqliteDocumentStore

DEADLINE_S = 30.0


def test_a_read_during_a_write_sees_the_last_commit_without_waiting(tmp_path: Path) -> None:
    store = SqliteDocumentStore(tmp_path / "documents.sqlite3")
    members = store.collection("members")
    members.insert({"_id": "m1", "status": "on_duty"})
    writing, release = threading.Event(), threading.Event()

    def long_write() -> None:
        with store._writing() as conn:  # as a batch of track buckets being stored
            conn.execute(
                "UPDATE \"c_members\" SET doc = json_set(doc, '$.status', 'busy') WHERE _id = 'm1'"
            )
            writing.set()
            release.wait(DEADLINE_S)

    writer = threading.Thread(target=long_write)
    writer.start()
    try:
        assert writing.wait(DEADLINE_S)
        read: list[dict | None] = []
        reader = threading.Thread(target=lambda: read.append(members.get("m1")))
        reader.start()
        reader.join(DEADLINE_S)
        finished_during_write = not reader.is_alive()
    finally:
        release.set()
        writer.join(DEADLINE_S)

    assert finished_during_write
    assert read == [{"_id": "m1", "status": "on_duty"}]  # not the write still in progress
    assert members.get("m1") == {"_id": "m1", "status": "busy"}  # and the commit once it is done
    store.close()


def test_a_read_after_close_fails_rather_than_waiting(tmp_path: Path) -> None:
    store = SqliteDocumentStore(tmp_path / "documents.sqlite3")
    members = store.collection("members")
    store.close()

    with pytest.raises(sqlite3.ProgrammingError, match="closed"):
        members.get("m1")
