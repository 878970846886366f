"""Foreground and background work in one interpreter.

A process runs its Python on one core at a time (the GIL): a dispatch or a claim that someone is
waiting on shares it with every other runnable thread — the consumers of a city's stream of
fixes, the batches of fixes being stored — and a request that gives the interpreter up for a
moment (every store call does) waits for it again behind them. ``Foreground`` counts the requests
someone is waiting on; background work steps aside while there are any, for a bounded time,
and then runs for at least as long before it steps aside again (``Pace``), so that however busy
the foreground it keeps at least half its pace.
"""

from __future__ import annotations

import contextlib
import threading
import time
from collections.abc import Callable, Iterator

from prometheus_client import Histogram

# How long background work waits for the foreground to be done before it runs anyway: longer
# than a dispatch or a claim race takes, short enough that positions stay fresh.
BACKGROUND_MAX_WAIT_S = 0.25

background_wait_seconds = Histogram(
    "shouwang_background_wait_seconds",
    "Time background consumers (fixes, positions) stepped aside for requests.",
    buckets=(0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1),
)


class Foreground:
    """The requests in flight that someone is waiting on, in this process; background work
    steps aside for them for at most ``max_wait_s`` at a time."""

    def __init__(self, max_wait_s: float = BACKGROUND_MAX_WAIT_S) -> None:
        self.max_wait_s = max_wait_s
        self._condition = threading.Condition()
        self._in_flight = 0
        self._stepping_aside = 0
        self._here = threading.local()  # .background: this thread does background work

    @contextlib.contextmanager
    def serving(self) -> Iterator[None]:
        """Around a request someone is waiting on."""
        with self._condition:
            self._in_flight += 1
        try:
            yield
        finally:
            with self._condition:
                self._in_flight -= 1
                if not self._in_flight:
                    self._condition.notify_all()

    @contextlib.contextmanager
    def background(self) -> Iterator[None]:
        """Around background work done in the calling thread (a bus consumer's loop)."""
        before = self.in_background()
        self._here.background = True
        try:
            yield
        finally:
            self._here.background = before

    def in_background(self) -> bool:
        """Whether the calling thread does background work; any other thread (one answering a
        request, a timer) counts as foreground where this is asked."""
        return getattr(self._here, "background", False)

    @property
    def in_flight(self) -> int:
        with self._condition:
            return self._in_flight

    @property
    def stepping_aside(self) -> int:
        """Background work waiting now."""
        with self._condition:
            return self._stepping_aside

    def step_aside(self) -> float:
        """Wait until no request is being served, at most ``max_wait_s``; the seconds waited."""
        with self._condition:
            if not self._in_flight:
                return 0.0
            started = time.monotonic()
            self._stepping_aside += 1
            try:
                self._condition.wait_for(lambda: not self._in_flight, timeout=self.max_wait_s)
            finally:
                self._stepping_aside -= 1
        waited = time.monotonic() - started
        background_wait_seconds.observe(waited)
        return waited


class Pace:
    """One background worker's turns at stepping aside: after waiting some time for the
    foreground, it does not wait again for as long, so waiting takes at most half its time."""

    def __init__(self, monotonic: Callable[[], float] = time.monotonic) -> None:
        self._monotonic = monotonic
        self._free_until = float("-inf")

    def step_aside(self, foreground: Foreground) -> float:
        return self.wait(foreground.step_aside)

    def wait(self, waiting: Callable[[], float]) -> float:
        """Run ``waiting`` (which returns the seconds it waited for the foreground) unless this
        worker is still free from its last wait; the seconds waited."""
        if self._monotonic() < self._free_until:
            return 0.0
        waited = waiting()
        self._free_until = self._monotonic() + waited
        return waited
