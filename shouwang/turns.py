"""Requests of one process running its Python by turns (``TakingTurns``), and what a request
that waits on another process does with its turn (``waiting_elsewhere``).

For a process whose requests spend their time in its own Python (the all-in-one, whose services
run in the gateway's interpreter), running 32 at once only shares one interpreter 32 ways, so all
of them finish late; in turns, the first come are answered first — in a claim race, the first to
claim are the winners and they are told before the others' requests even start.

A cluster's gateway spends a request's time waiting on the services as much as in its own
Python. A request keeps its turn through a short wait (a claim's winner is answered before the
losers' requests start, as above), and gives it up to the next request once the wait has lasted
``hold_s`` (a service that is slow or away holds no turns); when its reply comes it takes a turn
again, ahead of the requests not yet started — the turn of a request still waiting elsewhere if
no turn is free: that one needs the interpreter only once its own reply comes (an upload back
from its wait takes the next free turn instead). Measured in a cluster's claim races of 48
alone (README, #19): giving the turn up at once for every wait let the losers' requests into
the gateway while the winners waited on tasks — winners p50 181–187 / p99 295–304 ms, against
120–129 / 198–199 with the hold and 240–248 / 334–366 without turns.
"""

from __future__ import annotations

import contextlib
import functools
import math
import threading
import time
from collections import deque
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

from prometheus_client import Histogram

from shouwang.foreground import Foreground
from shouwang.wrapping import wrap_public_methods

HOLD_S = 0.1

turn_wait_seconds = Histogram(
    "shouwang_http_turn_wait_seconds",
    "Time a request waited for its turn to run (TakingTurns).",
    buckets=(0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5),
)

_held = threading.local()  # .holding: the _Holding of the request this thread runs in turn


@dataclass(eq=False)
class _Holding:
    """A request running in turn, as its ``TakingTurns`` sees it."""

    turns: TakingTurns
    hold_s: float  # how long it keeps its turn through a wait elsewhere (0: not at all)
    waiting_since: float | None = None  # waiting on another process since (monotonic)
    given_up: bool = False  # its turn went to another request during that wait


@contextlib.contextmanager
def waiting_elsewhere() -> Iterator[None]:
    """The block waits on another process: after ``hold_s`` of it, this thread's turn (if it
    holds one) goes to the next request, and when the block ends it takes a turn again ahead of
    the requests not yet started."""
    holding: _Holding | None = getattr(_held, "holding", None)
    if holding is None or holding.waiting_since is not None:
        yield
        return
    holding.turns._start_waiting(holding)
    try:
        yield
    finally:
        holding.turns._end_waiting(holding)


class TakingTurns:
    """WSGI middleware: at most ``at_once`` requests run the app at a time; the others wait for a
    turn in the order they came, except that ``deferrable`` ones (bulk uploads of fixes) go
    after every other waiting request, ``bypass`` names the long-lived ones that never wait
    (a push stream), and one back from a wait elsewhere that cost it its turn goes first.

    Phones' fixes keep the turns busy most of the time in a city on duty; a fix that waits
    some milliseconds more is stored with its own timestamp all the same, a dispatch or a claim
    that waits behind a queue of them is late. A deferrable request that has waited
    ``max_deferral_s`` goes before the others, so a stream of ordinary requests cannot starve
    the uploads. With a ``foreground``, every ordinary request counts as foreground work while
    it waits and runs, which background consumers step aside for. Uploads do not step aside:
    measured, holding them back while any request was in flight kept the phones of a city on
    duty from sending at their rate.
    """

    def __init__(
        self,
        app: Callable,
        *,
        at_once: int,
        bypass: Callable[[dict], bool],
        deferrable: Callable[[dict], bool] = lambda environ: False,
        max_deferral_s: float = 1.0,
        hold_s: float = HOLD_S,
        foreground: Foreground | None = None,
    ) -> None:
        self._app = app
        self._foreground = foreground
        self._bypass = bypass
        self._deferrable = deferrable
        self.at_once = at_once
        self._free = at_once
        self._lock = threading.Lock()
        self._max_deferral_s = max_deferral_s
        self._hold_s = hold_s
        self._waiting: deque[threading.Event] = deque()
        self._returning: deque[threading.Event] = deque()  # back from a wait that cost a turn
        self._deferred: deque[tuple[threading.Event, float]] = deque()  # (turn, since)
        self._elsewhere: set[_Holding] = set()  # holding a turn while waiting on a service

    def __call__(self, environ: dict, start_response: Callable) -> Any:
        if self._bypass(environ):
            return self._app(environ, start_response)
        if self._deferrable(environ):
            return self._in_turn(environ, start_response, deferred_since=time.monotonic())
        with self._foreground.serving() if self._foreground else contextlib.nullcontext():
            return self._in_turn(environ, start_response)

    def _in_turn(
        self, environ: dict, start_response: Callable, *, deferred_since: float | None = None
    ) -> Any:
        started = time.perf_counter()
        self._take_turn(deferred_since=deferred_since)
        turn_wait_seconds.observe(time.perf_counter() - started)
        # An upload is background work: it keeps no turn while it waits on a service.
        _held.holding = _Holding(self, hold_s=0.0 if deferred_since is not None else self._hold_s)
        try:
            # A Flask view builds its body in the call; a streamed body (a file) is sent after
            # the turn, as it waits on the network rather than the interpreter.
            return self._app(environ, start_response)
        finally:
            _held.holding = None
            self._pass_turn()

    @property
    def waiting(self) -> int:
        """Requests waiting for a turn now."""
        with self._lock:
            return len(self._waiting) + len(self._deferred) + len(self._returning)

    def _take_turn(
        self, *, deferred_since: float | None, back_from: _Holding | None = None
    ) -> None:
        """``back_from``: the wait elsewhere that cost this request its turn. One that held its
        turn through the wait (``hold_s`` > 0) may take the turn of a request still waiting
        elsewhere when none is free."""
        with self._lock:
            if self._free > 0:  # then nobody waits: _pass_turn hands a freed turn to a waiter
                self._free -= 1
                return
            if (
                back_from is not None
                and back_from.hold_s > 0
                and self._take_from_one_waiting_elsewhere()
            ):
                return
            turn = threading.Event()
            if back_from is not None:
                self._returning.append(turn)
            elif deferred_since is not None:
                self._deferred.append((turn, deferred_since))
            else:
                self._waiting.append(turn)
            self._take_back_held_too_long()
        # Set by _pass_turn, which hands this request the turn it frees; meanwhile a turn held
        # through a long wait elsewhere is looked for now and then.
        while not turn.wait(self._hold_s):
            with self._lock:
                self._take_back_held_too_long()

    def _pass_turn(self) -> None:
        with self._lock:
            self._pass_turn_locked()

    def _pass_turn_locked(self) -> None:
        overdue = bool(self._deferred) and (
            time.monotonic() - self._deferred[0][1] >= self._max_deferral_s
        )
        if self._returning:
            self._returning.popleft().set()
        elif self._waiting and not overdue:
            self._waiting.popleft().set()
        elif self._deferred:
            self._deferred.popleft()[0].set()
        else:
            self._free += 1

    def _start_waiting(self, holding: _Holding) -> None:
        with self._lock:
            holding.waiting_since = time.monotonic()
            if holding.hold_s > 0:
                self._elsewhere.add(holding)
            else:
                holding.given_up = True
                self._pass_turn_locked()

    def _end_waiting(self, holding: _Holding) -> None:
        with self._lock:
            self._elsewhere.discard(holding)
            holding.waiting_since = None
            given_up, holding.given_up = holding.given_up, False
        if given_up:
            # An upload back from its wait takes the next free turn, never the turn of a
            # request still waiting elsewhere: the one waiting longest there was a claim race's
            # winner, whose reply then waited for a turn behind the losers' (2026-12-04).
            self._take_turn(deferred_since=None, back_from=holding)

    def _take_from_one_waiting_elsewhere(self) -> bool:
        """The turn of the request that has waited elsewhere longest, for one back from its own
        wait (the lock held). In a cluster's claim race the winners' replies came back once
        their turns had gone to losers now waiting at the tasks replica's gate, and waited up to
        ``hold_s`` more for one of those: the store's work for a race was done at 0.1 s and
        its winners told at 0.2-0.35 s (2026-12-04)."""
        if not self._elsewhere:
            return False
        longest = min(self._elsewhere, key=lambda holding: holding.waiting_since or math.inf)
        self._elsewhere.discard(longest)
        longest.given_up = True
        return True

    def _take_back_held_too_long(self) -> None:
        """The turns of requests waiting elsewhere for ``hold_s`` or more go to the next
        waiting requests (the lock held)."""
        if not self._elsewhere or not (self._waiting or self._deferred or self._returning):
            return
        now = time.monotonic()
        for holding in [h for h in self._elsewhere if now - (h.waiting_since or now) >= h.hold_s]:
            self._elsewhere.discard(holding)
            holding.given_up = True
            self._pass_turn_locked()


def waits_elsewhere(cls: type) -> type:
    """Every public method of ``cls`` (an adapter of another process: the document store) runs
    ``waiting_elsewhere``."""

    def wrapped(method: Callable[..., Any]) -> Callable[..., Any]:
        @functools.wraps(method)
        def call(*args: Any, **kwargs: Any) -> Any:
            if getattr(_held, "holding", None) is None:  # every service's store calls but the
                return method(*args, **kwargs)  # gateway requests': no context manager each
            with waiting_elsewhere():
                return method(*args, **kwargs)

        return call

    return wrap_public_methods(cls, wrapped)
