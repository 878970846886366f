"""Work a command leaves for after its reply, done by this replica's threads in lanes.

A claim's winner is told once the store has given them a slot; publishing the claim's event
(staged in the slot's document by that same insert), telling location that they are busy and
watching the scene for their arrival follow without delaying that answer (in a race, those calls
queue behind the losers' requests; the publish alone was a third of a winner's time inside the
server at 10,000 on duty).

Each lane is one thread running its jobs in submission order, and the lanes wait for nothing of
each other's: a publish held by a broker outage (up to the bus's publish timeout) delays events
only, not the next claims' busy marks and scene fences. Order across lanes is kept where it
matters by the outbox, not by the lanes: an arrival or a cancel that comes before a claim's
publish publishes the claim's staged event first (``TaskRepository.publish_claims``). Within the
location lane, two claims of one task re-register its scene fence in the order they were decided.

A job submitted with a ``key`` that a job of its lane already holds, queued and not yet started,
is dropped: the one queued does the same work when it runs (a task's publish reads all its slots
then), so an outage queues one publish per task, not one per claim.
"""

from __future__ import annotations

import logging
import queue
import threading
import time
from collections.abc import Callable
from typing import Any

log = logging.getLogger(__name__)

EVENTS = "events"
LOCATION = "location"

_STOP = object()


class Deferred:
    def __init__(self, name: str = "tasks-deferred", lanes: tuple[str, ...] = (EVENTS, LOCATION)):
        self._lanes = {lane: _Lane(f"{name}-{lane}") for lane in lanes}

    def submit(
        self,
        job: Callable[[], None],
        *,
        lane: str,
        what: str,
        key: str | None = None,
        **context: str,
    ) -> None:
        """Run ``job`` after what was submitted to its lane before; a failure is logged with
        ``what`` and ``context`` (ids only), never raised to the submitter."""
        self._lanes[lane].submit(job, what=what, key=key, context=context)

    def wait_idle(self, timeout_s: float = 10.0) -> bool:
        """Until everything submitted so far, in every lane, is done (tests, and a clean stop)."""
        deadline = time.monotonic() + timeout_s
        return all(
            lane.wait_idle(max(0.0, deadline - time.monotonic())) for lane in self._lanes.values()
        )

    def close(self, timeout_s: float = 5.0) -> None:
        for lane in self._lanes.values():
            lane.close(timeout_s)


class _Lane:
    def __init__(self, name: str) -> None:
        self._name = name
        self._jobs: queue.Queue[Any] = queue.Queue()
        self._idle = threading.Condition()
        self._pending = 0
        self._queued_keys: set[str] = set()
        self._thread: threading.Thread | None = None
        self._start_lock = threading.Lock()
        self._closed = False

    def submit(
        self, job: Callable[[], None], *, what: str, key: str | None, context: dict[str, str]
    ) -> None:
        with self._start_lock:
            closed = self._closed
        if closed:  # stopping: nobody would run it later
            _run_one(job, what, context)
            return
        with self._idle:
            if key is not None:
                if key in self._queued_keys:
                    return
                self._queued_keys.add(key)
            self._pending += 1
        self._ensure_running()
        self._jobs.put((job, what, key, context))

    def wait_idle(self, timeout_s: float) -> bool:
        with self._idle:
            return self._idle.wait_for(lambda: self._pending == 0, timeout_s)

    def close(self, timeout_s: float) -> None:
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
            job, what, key, context = item
            if key is not None:
                with self._idle:  # started: a later submit with this key must queue its own
                    self._queued_keys.discard(key)
            try:
                _run_one(job, what, context)
            finally:
                with self._idle:
                    self._pending -= 1
                    self._idle.notify_all()


def _run_one(job: Callable[[], None], what: str, context: dict[str, str]) -> None:
    try:
        job()
    except Exception:
        log.exception("deferred work failed", extra={"what": what, **context})
