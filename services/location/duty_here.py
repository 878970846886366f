"""Who is on duty as this replica wrote it. On the replica that starts and ends every duty (the
all-in-one) that is the store's own answer, kept beside it so that an upload's duty check need
not read the store: a read per batch cost the all-in-one 8–17 % of its CPU per fix
(README "Benchmarks")."""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterable
from typing import TypeVar

T = TypeVar("T")


class DutyWrittenHere:
    def __init__(self) -> None:
        self._members: set[str] = set()
        # A duty change holds this across its store write and the set's update, so the set
        # follows the order the store's writes took however the threads interleave.
        self._lock = threading.Lock()

    def __contains__(self, member_id: str) -> bool:
        return member_id in self._members

    def start(self, member_id: str, write: Callable[[], T]) -> T:
        """Write a start, then count the member on duty (not if the write fails)."""
        with self._lock:
            written = write()
            self._members.add(member_id)
            return written

    def end(self, member_id: str, write: Callable[[], T]) -> T:
        """Stop counting the member on duty, then write the end (if it fails, the member's
        batches are checked in the store, which still says on duty)."""
        with self._lock:
            self._members.discard(member_id)
            return write()

    def reset(self, member_ids: Iterable[str]) -> None:
        """Everyone on duty in the store's snapshot (a replica starting)."""
        with self._lock:
            self._members = set(member_ids)
