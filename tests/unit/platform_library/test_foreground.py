"""Foreground: background work waits while a request someone waits on is served, for a bounded
time."""

from __future__ import annotations

import threading

from shouwang.foreground import Foreground, Pace
from tests.support.api import wait_for


def test_with_nothing_served_background_work_goes_at_once() -> None:
    assert Foreground(max_wait_s=5).step_aside() == 0.0


def test_background_work_waits_until_the_last_request_is_served() -> None:
    foreground = Foreground(max_wait_s=30)
    first, second = threading.Event(), threading.Event()
    waited: list[float] = []

    def serve(done: threading.Event) -> None:
        with foreground.serving():
            done.wait(30)

    requests = [threading.Thread(target=serve, args=(e,)) for e in (first, second)]
    for request in requests:
        request.start()
    wait_for(lambda: foreground.in_flight == 2, what="two requests served")
    background = threading.Thread(target=lambda: waited.append(foreground.step_aside()))
    background.start()
    wait_for(lambda: foreground.stepping_aside == 1, what="the background work waiting")

    first.set()
    requests[0].join()
    assert foreground.stepping_aside == 1  # one request is still served
    second.set()
    background.join(30)

    assert waited and 0 < waited[0] < 30
    assert foreground.stepping_aside == 0 and foreground.in_flight == 0


def test_background_work_goes_anyway_once_its_bound_has_passed() -> None:
    foreground = Foreground(max_wait_s=0.05)
    with foreground.serving():
        assert 0.05 <= foreground.step_aside() < 30
    assert foreground.in_flight == 0 and foreground.stepping_aside == 0


def test_a_request_that_fails_still_counts_as_served() -> None:
    foreground = Foreground()
    try:
        with foreground.serving():
            raise RuntimeError("the handler failed")
    except RuntimeError:
        pass
    assert foreground.in_flight == 0


class FakeMonotonic:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


def test_a_worker_that_stepped_aside_does_not_again_for_as_long() -> None:
    """However busy the foreground, waiting takes at most half a background worker's time."""
    foreground, clock = Foreground(max_wait_s=0.05), FakeMonotonic()
    pace = Pace(clock)
    with foreground.serving():
        waited = pace.step_aside(foreground)
        assert waited >= 0.05
        clock.now += waited * 0.8  # it ran for less time than it had waited
        assert pace.step_aside(foreground) == 0.0
        clock.now += waited * 0.4
        assert pace.step_aside(foreground) >= 0.05


def test_only_the_thread_doing_background_work_is_told_it_does() -> None:
    foreground = Foreground()
    seen_elsewhere: list[bool] = []

    def look() -> None:
        seen_elsewhere.append(foreground.in_background())

    with foreground.background():
        other = threading.Thread(target=look)
        other.start()
        other.join(5)
        inside = foreground.in_background()
    assert inside and seen_elsewhere == [False]
    assert not foreground.in_background()
