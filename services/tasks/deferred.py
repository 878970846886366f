"""Work a command leaves for after its reply, done in order by this replica's thread (a job that
may hang excepted, below).

A claim's winner is told once the store has given them a slot; publishing the claim's event
(staged in the slot's document by that same insert), telling location that they are busy and
watching the scene for their arrival follow without delaying that answer (in a race, those calls
queue behind the losers' requests; the publish alone was a third of a winner's time inside the
server at 10,000 on duty). A winner's jobs start once the race is decided on this replica: no
claim of the task left in flight or waiting, the losers that waited let out to be refused
(``ClaimGate.wait_race_decided``; a winner decided after the first winner's wait, who joins its
gathered job below, is waited for again in that job). Run beside the race's later winners
they slowed them: in cluster claim races, a third winner told after 70-140 ms instead of 30-50
had the first winners' publishes, and the writes comms and location made on their events,
beside it in the store. One thread in submission order, so two claims of the same task
re-register its scene fence in the order they were decided, and the claim's event normally goes
out before its scene is watched.

A job that may hang (a publish: a broker outage holds it up to the bus's publish timeout, 30 s
on Kafka) runs on a second thread, which the first waits for at most ``HANG_WAIT_S``, and not at
all while that thread is still busy with an earlier one: so an outage delays the busy marks and
scene fences of the claims decided meanwhile by that much each time the second thread had emptied
(once, while publishes keep hanging back to back), not by a timeout per claim. The scene may then
be watched before the claim's event is out; an arrival or a cancel that comes sooner publishes it
first (``TaskRepository.publish_claims``). Running the two threads side by side always was tried
and measured slower in claim races (their jobs then share the interpreter with the race's
requests at once).

Jobs that do the same work for several claims are gathered (``gather``): the winners of a race
decided together are marked busy and their scene is watched by one job — one read of the task's
claims and one fence registered instead of one per winner (each winner's took 30-120 ms in
cluster claim races, one after the other, spilling into the next race).

A job submitted with a ``key`` that a queued, not yet started job of its thread holds is dropped:
the submitter promises the queued one does the same work when it runs (a task's publish reads all
its slots then), so an outage queues one publish per task, not one per claim. Should that publish
fail, the claims it stood for stay staged for the outbox's recovery.
"""

from __future__ import annotations

import logging
import queue
import threading
import time
from collections.abc import Callable
from typing import Any, TypeVar

log = logging.getLogger(__name__)

HANG_WAIT_S = 1.0

_STOP = object()

T = TypeVar("T")


class Deferred:
    def __init__(self, name: str = "tasks-deferred", *, hang_wait_s: float = HANG_WAIT_S) -> None:
        self._in_order = _Lane(name)
        self._may_hang = _Lane(f"{name}-may-hang")
        self._hang_wait_s = hang_wait_s
        self._gathering = threading.Lock()
        self._gathered: dict[str, list[Any]] = {}  # by key: the items of a job not yet started

    def submit(
        self,
        job: Callable[[], None],
        *,
        what: str,
        may_hang: bool = False,
        key: str | None = None,
        **context: str,
    ) -> None:
        """Run ``job`` after what was submitted before (a job that ``may_hang`` may still be
        running when later ones run); a failure is logged with ``what`` and ``context`` (ids
        only), never raised to the submitter."""
        if may_hang:
            self._in_order.submit(
                lambda: self._hand_over(job, what=what, key=key, context=context),
                what=what,
                context=context,
            )
        else:
            self._in_order.submit(job, what=what, key=key, context=context)

    def gather(
        self, run: Callable[[list[T]], None], item: T, *, key: str, what: str, **context: str
    ) -> None:
        """Run ``run`` once over ``item`` and the items submitted with the same ``key`` until it
        starts (one submitted after it started runs again, in order after it)."""
        with self._gathering:
            queued = self._gathered.get(key)
            if queued is not None:
                queued.append(item)
                return
            self._gathered[key] = [item]

        def run_gathered() -> None:
            with self._gathering:
                items = self._gathered.pop(key)
            run(items)

        self._in_order.submit(run_gathered, what=what, context=context)

    def wait_idle(self, timeout_s: float = 10.0) -> bool:
        """Until everything submitted so far is done (tests, and a clean stop)."""
        deadline = time.monotonic() + timeout_s
        return self._in_order.wait_idle(timeout_s) and self._may_hang.wait_idle(
            max(0.0, deadline - time.monotonic())
        )

    def close(self, timeout_s: float = 5.0) -> None:
        self._in_order.close(timeout_s)  # first: what it runs last may hand over
        self._may_hang.close(timeout_s)

    def _hand_over(
        self, job: Callable[[], None], *, what: str, key: str | None, context: dict[str, str]
    ) -> None:
        was_idle = self._may_hang.is_idle()
        self._may_hang.submit(job, what=what, key=key, context=context)
        if was_idle:
            self._may_hang.wait_idle(self._hang_wait_s)


class _Lane:
    """One thread running its jobs in submission order."""

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
        self,
        job: Callable[[], None],
        *,
        what: str,
        context: dict[str, str],
        key: str | None = None,
    ) -> None:
        with self._start_lock:  # so a close() sees this job pending, or runs it here
            if not self._closed:
                with self._idle:
                    if key is not None and key in self._queued_keys:
                        return
                    if key is not None:
                        self._queued_keys.add(key)
                    self._pending += 1
                if self._thread is None:
                    self._thread = threading.Thread(target=self._run, daemon=True, name=self._name)
                    self._thread.start()
                self._jobs.put((job, what, key, context))
                return
        _run_one(job, what, context)  # stopping: nobody would run it later

    def is_idle(self) -> bool:
        with self._idle:
            return self._pending == 0

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
