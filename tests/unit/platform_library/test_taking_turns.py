"""TakingTurns: a bounded number of requests run the app at once, the rest wait in order — the
deferrable ones (batches of fixes) after every other — and the bypassed ones (push streams)
never wait."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable

from shouwang.foreground import Foreground
from shouwang.turns import TakingTurns, waiting_elsewhere


class BlockingApp:
    """A WSGI app whose requests run until released; it records how many ran at once."""

    def __init__(self) -> None:
        self.running = 0
        self.most_at_once = 0
        self.started: list[str] = []
        self.release = threading.Event()
        self._lock = threading.Lock()

    def __call__(self, environ: dict, start_response: Callable) -> list[bytes]:
        with self._lock:
            self.running += 1
            self.most_at_once = max(self.most_at_once, self.running)
            self.started.append(environ["PATH_INFO"])
        self.release.wait(5)
        with self._lock:
            self.running -= 1
        start_response("200 OK", [])
        return [b"ok"]


def call(app: Callable, path: str, finished: list[str]) -> threading.Thread:
    def run() -> None:
        app({"PATH_INFO": path}, lambda status, headers: None)
        finished.append(path)

    thread = threading.Thread(target=run)
    thread.start()
    return thread


def wait_until(condition: Callable[[], bool]) -> None:
    deadline = time.monotonic() + 5
    while not condition():
        assert time.monotonic() < deadline
        time.sleep(0.005)


def test_no_more_than_at_once_requests_run_and_the_others_run_after() -> None:
    inner = BlockingApp()
    app = TakingTurns(inner, at_once=2, bypass=lambda environ: False)
    finished: list[str] = []

    threads = [call(app, f"/r{n}", finished) for n in range(6)]
    wait_until(lambda: inner.running == 2)
    time.sleep(0.05)  # the other four had time to start, had they not been waiting
    assert inner.running == 2
    inner.release.set()
    for thread in threads:
        thread.join()

    assert inner.most_at_once == 2
    assert sorted(finished) == [f"/r{n}" for n in range(6)]


def test_requests_wait_their_turn_in_the_order_they_came() -> None:
    inner = BlockingApp()
    app = TakingTurns(inner, at_once=1, bypass=lambda environ: False)
    finished: list[str] = []
    threads = []
    threads.append(call(app, "/r0", finished))
    wait_until(lambda: inner.running == 1)
    for n in range(1, 5):
        threads.append(call(app, f"/r{n}", finished))
        wait_until(lambda n=n: app.waiting == n)  # each arrives after the one before waits
    inner.release.set()
    for thread in threads:
        thread.join()

    assert inner.started == [f"/r{n}" for n in range(5)]


def test_a_bypassed_request_runs_while_every_turn_is_taken() -> None:
    inner = BlockingApp()
    app = TakingTurns(inner, at_once=1, bypass=lambda environ: environ["PATH_INFO"] == "/stream")
    finished: list[str] = []
    ordinary = call(app, "/tasks", finished)
    wait_until(lambda: inner.running == 1)

    stream = call(app, "/stream", finished)
    wait_until(lambda: inner.running == 2)

    inner.release.set()
    ordinary.join()
    stream.join()
    assert inner.most_at_once == 2


def test_a_request_coming_after_deferrable_ones_runs_before_them() -> None:
    inner = BlockingApp()
    app = TakingTurns(
        inner,
        at_once=1,
        bypass=lambda environ: False,
        deferrable=lambda environ: environ["PATH_INFO"].startswith("/location"),
        max_deferral_s=60,  # none becomes overdue here, however slow the machine
    )
    finished: list[str] = []
    threads = [call(app, "/location/0", finished)]
    wait_until(lambda: inner.running == 1)
    for n, path in enumerate(("/location/1", "/location/2", "/tasks", "/location/3", "/claim")):
        threads.append(call(app, path, finished))
        wait_until(lambda n=n: app.waiting == n + 1)  # each arrives after the one before waits
    inner.release.set()
    for thread in threads:
        thread.join()

    assert inner.started == [
        "/location/0",  # already running
        "/tasks",
        "/claim",
        "/location/1",
        "/location/2",
        "/location/3",
    ]
    assert inner.most_at_once == 1


def test_with_nothing_else_waiting_a_deferrable_request_runs_at_once() -> None:
    inner = BlockingApp()
    inner.release.set()
    app = TakingTurns(inner, at_once=1, bypass=lambda e: False, deferrable=lambda e: True)
    finished: list[str] = []
    for n in range(3):
        call(app, f"/location/{n}", finished).join()
    assert finished == ["/location/0", "/location/1", "/location/2"]


def test_a_deferrable_request_waiting_past_its_bound_goes_first() -> None:
    """Ordinary requests keep coming; an upload that has waited ``max_deferral_s`` is not
    starved by them."""
    inner = BlockingApp()
    app = TakingTurns(
        inner,
        at_once=1,
        bypass=lambda environ: False,
        deferrable=lambda environ: environ["PATH_INFO"] == "/location",
        max_deferral_s=0.05,
    )
    finished: list[str] = []
    threads = [call(app, "/first", finished)]
    wait_until(lambda: inner.running == 1)
    threads.append(call(app, "/location", finished))
    wait_until(lambda: app.waiting == 1)
    threads.append(call(app, "/tasks", finished))
    wait_until(lambda: app.waiting == 2)
    time.sleep(0.06)  # the upload's bound passes while the first request still runs
    inner.release.set()
    for thread in threads:
        thread.join()

    assert inner.started == ["/first", "/location", "/tasks"]


def test_ordinary_requests_count_as_foreground_while_they_wait_and_run_and_uploads_do_not() -> None:
    inner = BlockingApp()
    foreground = Foreground()
    app = TakingTurns(
        inner,
        at_once=1,
        bypass=lambda environ: False,
        deferrable=lambda environ: environ["PATH_INFO"] == "/location",
        foreground=foreground,
    )
    finished: list[str] = []
    threads = [call(app, "/location", finished)]
    wait_until(lambda: inner.running == 1)
    assert foreground.in_flight == 0  # an upload is background work itself
    threads.append(call(app, "/tasks", finished))
    wait_until(lambda: app.waiting == 1)
    assert foreground.in_flight == 1  # waiting for its turn counts

    inner.release.set()
    for thread in threads:
        thread.join()
    assert inner.started == ["/location", "/tasks"]
    assert foreground.in_flight == 0


class ServiceCallingApp:
    """A WSGI app whose requests (on ``paths``) each wait on a service of their own
    (``waiting_elsewhere``) until its reply is let through, then run on until released; it
    records what ran when. The ``done_at_once`` ones are answered and released from the start."""

    def __init__(self, *paths: str, done_at_once: tuple[str, ...] = ()) -> None:
        self.replies = {path: threading.Event() for path in paths}
        self.finish = {path: threading.Event() for path in paths}
        self.events: list[str] = []
        for path in done_at_once:
            self.done(path)

    def done(self, path: str) -> None:
        """Its service answers and it may finish."""
        self.replies[path].set()
        self.finish[path].set()

    def __call__(self, environ: dict, start_response: Callable) -> list[bytes]:
        path = environ["PATH_INFO"]
        self.events.append(f"start {path}")
        with waiting_elsewhere():
            self.events.append(f"asked {path}")
            assert self.replies[path].wait(5)
        self.events.append(f"back {path}")
        assert self.finish[path].wait(5)
        start_response("200 OK", [])
        return [b"ok"]


def test_a_request_keeps_its_turn_through_a_short_wait_on_another_service() -> None:
    inner = ServiceCallingApp("/claim/1", "/claim/2", done_at_once=("/claim/2",))
    app = TakingTurns(inner, at_once=1, bypass=lambda environ: False, hold_s=60)
    finished: list[str] = []
    first = call(app, "/claim/1", finished)
    wait_until(lambda: "asked /claim/1" in inner.events)
    second = call(app, "/claim/2", finished)
    wait_until(lambda: app.waiting == 1)
    time.sleep(0.05)

    assert "start /claim/2" not in inner.events  # the first is answered before it starts
    inner.done("/claim/1")
    first.join()
    second.join()
    assert finished == ["/claim/1", "/claim/2"]


def test_a_request_waiting_longer_gives_its_turn_up_and_takes_one_back_before_new_ones() -> None:
    inner = ServiceCallingApp("/slow", "/next", "/later")
    app = TakingTurns(inner, at_once=1, bypass=lambda environ: False, hold_s=0.05)
    inner.replies["/next"].set()  # its service answers at once; it then runs until released
    finished: list[str] = []
    threads = [call(app, "/slow", finished)]
    wait_until(lambda: "asked /slow" in inner.events)
    threads.append(call(app, "/next", finished))
    wait_until(lambda: "back /next" in inner.events)  # it got the slow one's turn
    threads.append(call(app, "/later", finished))
    wait_until(lambda: app.waiting == 1)

    inner.replies["/slow"].set()  # the slow reply comes while /next holds the only turn
    wait_until(lambda: app.waiting == 2)
    inner.finish["/next"].set()
    wait_until(lambda: "back /slow" in inner.events)
    time.sleep(0.05)
    assert "start /later" not in inner.events  # the returning request went first
    inner.finish["/slow"].set()
    inner.done("/later")
    for thread in threads:
        thread.join()
    assert finished == ["/next", "/slow", "/later"]


def test_a_request_back_from_its_wait_takes_the_turn_of_one_still_waiting_elsewhere() -> None:
    """As the claim race's winners, back from tasks while the losers that took their turns wait
    at its gate: they run at once, not once a loser's hold is over."""
    inner = ServiceCallingApp("/claim/1", "/claim/2", "/later")
    app = TakingTurns(inner, at_once=1, bypass=lambda environ: False, hold_s=0.2)
    finished: list[str] = []
    threads = [call(app, "/claim/1", finished)]
    wait_until(lambda: "asked /claim/1" in inner.events)
    threads.append(call(app, "/claim/2", finished))
    # The first's hold is over: its turn went to the second, which waits elsewhere in turn.
    wait_until(lambda: "asked /claim/2" in inner.events)
    threads.append(call(app, "/later", finished))
    wait_until(lambda: app.waiting == 1)

    inner.done("/claim/1")
    threads[0].join(5)
    assert finished == ["/claim/1"]  # back from its wait, it ran in the second's turn
    inner.done("/claim/2")
    inner.done("/later")
    for thread in threads:
        thread.join()
    assert sorted(finished) == ["/claim/1", "/claim/2", "/later"]


def test_an_upload_back_from_its_wait_takes_no_turn_from_a_request_waiting_elsewhere() -> None:
    """A phone's batch comes back from location while a claim's winner waits on tasks: the
    winner, whose turn it would take, is told first."""
    inner = ServiceCallingApp("/upload", "/claim")
    app = TakingTurns(
        inner,
        at_once=1,
        bypass=lambda environ: False,
        deferrable=lambda environ: environ["PATH_INFO"] == "/upload",
        hold_s=60,
    )
    finished: list[str] = []
    upload = call(app, "/upload", finished)
    wait_until(lambda: "asked /upload" in inner.events)  # it gave its turn up at once
    claim = call(app, "/claim", finished)
    wait_until(lambda: "asked /claim" in inner.events)  # it holds the only turn

    inner.done("/upload")
    upload.join(0.2)
    assert upload.is_alive() and finished == []
    inner.done("/claim")
    claim.join(5)
    upload.join(5)
    assert finished == ["/claim", "/upload"]


def test_an_upload_gives_its_turn_up_as_soon_as_it_waits_on_a_service() -> None:
    inner = ServiceCallingApp("/location", "/tasks", done_at_once=("/tasks",))
    app = TakingTurns(
        inner,
        at_once=1,
        bypass=lambda environ: False,
        deferrable=lambda environ: environ["PATH_INFO"] == "/location",
        hold_s=60,  # an ordinary request would keep its turn through the whole wait
    )
    finished: list[str] = []
    upload = call(app, "/location", finished)
    wait_until(lambda: "asked /location" in inner.events)

    ordinary = call(app, "/tasks", finished)
    ordinary.join(5)
    assert finished == ["/tasks"]  # it ran while the upload waited on location
    inner.done("/location")
    upload.join(5)
    assert finished == ["/tasks", "/location"]
