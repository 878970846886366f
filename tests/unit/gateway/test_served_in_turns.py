"""The gateway as its HTTP server runs it: requests by turns, but never a probe, a scrape or a
push stream."""

from __future__ import annotations

import threading
from collections.abc import Callable

from services.gateway.app import served_in_turns


def test_probes_scrapes_and_streams_never_wait_for_a_turn() -> None:
    release, started = threading.Event(), threading.Event()

    def app(environ: dict, start_response: Callable) -> list[bytes]:
        if environ["PATH_INFO"] == "/api/v1/tasks":
            started.set()
            assert release.wait(5)
        start_response("200 OK", [])
        return [b"ok"]

    served = served_in_turns(app, at_once=1)  # type: ignore[arg-type]
    answered: list[str] = []

    def call(path: str) -> threading.Thread:
        def run() -> None:
            served({"PATH_INFO": path, "REQUEST_METHOD": "GET"}, lambda *args: None)
            answered.append(path)

        thread = threading.Thread(target=run, daemon=True)
        thread.start()
        return thread

    holding = call("/api/v1/tasks")
    assert started.wait(5)
    waiting = call("/api/v1/members/me")
    bypassing = [call(p) for p in ("/readyz", "/healthz", "/metrics", "/api/v1/stream")]
    for thread in bypassing:
        thread.join(5)
    waiting.join(0.1)

    assert sorted(answered) == ["/api/v1/stream", "/healthz", "/metrics", "/readyz"]
    release.set()
    holding.join(5)
    waiting.join(5)
    assert answered[-2:] == ["/api/v1/tasks", "/api/v1/members/me"]
