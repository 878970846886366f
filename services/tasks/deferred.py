"""Work a command leaves for after its reply, done in order by one thread of this replica.

A claim's winner is told once the store has given them a slot; publishing the claim's event
(staged in the slot's document by that same insert), telling location that they are busy and
watching the scene for their arrival follow without delaying that answer (in a race, those calls
queue behind the losers' requests; the publish alone was a third of a winner's time inside the
server at 10,000 on duty). One thread in submission order, so the event goes out before the scene
is watched (an arrival or a cancel that comes sooner publishes it first:
``TaskRepository.publish_claims``), and two claims of the same task re-register its scene fence
in the order they were decided.
"""

from __future__ import annotations

import logging
import queue
import threading
from collections.abc import Callable
from typing import Any

log = logging.getLogger(__name__)

_STOP = object()


class Deferred:
    def __init__(self, name: str = "tasks-deferred") -> None:
        self._name = name
        self._jobs: queue.Queue[Any] = queue.Queue()
        self._idle = threading.Condition()
        self._pending = 0
        self._thread: threading.Thread | None = None
        self._start_lock = threading.Lock()
        self._closed = False

    def submit(self, job: Callable[[], None], *, what: str, **context: str) -> None:
        """Run ``job`` after what was submitted before; a failure is logged with ``what`` and
        ``context`` (ids only), never raised to the submitter."""
        with self._start_lock:
            closed = self._closed
        if closed:  # stopping: nobody would run it later
            self._run_one(job, what, context)
            return
        with self._idle:
            self._pending += 1
        self._ensure_running()
        self._jobs.put((job, what, context))

    def wait_idle(self, timeout_s: float = 10.0) -> bool:
        """Until everything submitted so far is done (tests, and a clean stop)."""
        with self._idle:
            return self._idle.wait_for(lambda: self._pending == 0, timeout_s)

    def close(self, timeout_s: float = 5.0) -> None:
        with self._start_lock:
            self._closed = True
        if self._thread is None:
            return
        self.wait_idle(timeout_s)
        self._jobs.put(_STOP)
        self._thread.join(timeout_s)

    def _ensure_running(self) -> None:
        with self._start_lock:
            if self._thread is None:
                self._thread = threading.Thread(target=self._run, daemon=True, name=self._name)
                self._thread.start()

    def _run(self) -> None:
        while (item := self._jobs.get()) is not _STOP:
            try:
                self._run_one(*item)
            finally:
                with self._idle:
                    self._pending -= 1
                    self._idle.notify_all()

    @staticmethod
    def _run_one(job: Callable[[], None], what: str, context: dict[str, str]) -> None:
        try:
            job()
        except Exception:
            log.exception("deferred work failed", extra={"what": what, **context})
