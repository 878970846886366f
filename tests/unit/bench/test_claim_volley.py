"""The claim race's load client (bench/dispatch/volley.py): every contender's reply, stamped when
it arrives, on connections kept alive between races and opened again when the server drops them."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator

import pytest

from bench.dispatch.volley import ClaimVolley
from shouwang.http import WsgiServer

WINNERS = {"Bearer w1", "Bearer w2", "Bearer w3"}
CONTENDERS = ["w1", "l1", "w2", "l2", "slow", "w3"]
SLOW_AFTER_OTHERS_S = 0.5


class RaceServer:
    """Answers 200 to the winners' claims and 409 to the others'; the "slow" contender's claim
    only after every other one was answered, and ``SLOW_AFTER_OTHERS_S`` later."""

    def __init__(self) -> None:
        self.connections: set[int] = set()  # client ports seen
        self.claims: list[str] = []
        self.close_next = False
        self._others_answered = threading.Semaphore(0)

    def __call__(self, environ: dict, start_response: Callable) -> Iterator[bytes]:
        self.connections.add(int(environ["REMOTE_PORT"]))
        headers = [("Content-Type", "application/json")]
        if self.close_next:
            self.close_next = False
            headers.append(("Connection", "close"))
        if environ["PATH_INFO"] == "/readyz":
            start_response("200 OK", headers)
            return [b"{}"]
        token = environ["HTTP_AUTHORIZATION"]
        self.claims.append(token)
        if token == "Bearer slow":
            for _ in range(len(CONTENDERS) - 1):
                self._others_answered.acquire(timeout=10)
            time.sleep(SLOW_AFTER_OTHERS_S)
        else:
            self._others_answered.release()
        won = token in WINNERS
        start_response("200 OK" if won else "409 Conflict", headers)
        return [b'{"won": true}' if won else b'{"title": "the task is already fully claimed"}']


@pytest.fixture
def race_server() -> Iterator[tuple[RaceServer, str]]:
    app = RaceServer()
    server = WsgiServer(app, host="127.0.0.1", port=0, threads=len(CONTENDERS) + 2)
    server.start()
    try:
        yield app, f"http://127.0.0.1:{server.port}"
    finally:
        server.stop()


def test_each_contender_gets_its_own_reply_stamped_when_it_arrives(race_server):
    app, url = race_server
    volley = ClaimVolley(url, CONTENDERS)
    try:
        volley.ready()
        results = volley.claim("task-1")
    finally:
        volley.close()
    statuses = [status for status, _ in results]
    assert statuses == [200, 409, 200, 409, 409, 200]
    assert sorted(app.claims) == sorted(f"Bearer {c}" for c in CONTENDERS)
    slow_ms = results[CONTENDERS.index("slow")][1]
    assert slow_ms >= SLOW_AFTER_OTHERS_S * 1000
    assert all(ms < slow_ms for i, (_, ms) in enumerate(results) if CONTENDERS[i] != "slow")


def test_connections_are_kept_between_races_and_opened_again_once_dropped(race_server):
    app, url = race_server
    volley = ClaimVolley(url, CONTENDERS)
    try:
        volley.ready()
        volley.claim("task-1")
        assert len(app.connections) == len(CONTENDERS)  # ready's requests and the claims
        app.close_next = True  # the next reply, ready's first, closes its connection
        volley.ready()
        results = volley.claim("task-2")
    finally:
        volley.close()
    assert [status for status, _ in results] == [200, 409, 200, 409, 409, 200]
    assert len(app.claims) == 2 * len(CONTENDERS)
    assert len(app.connections) == len(CONTENDERS) + 1  # one opened again
