"""A claim race's requests, sent together from one thread on raw keep-alive sockets and read as
they come.

The load client shares the machine's 2 cores with the services it measures. With a thread of
``http.client`` per contender, the 48 claims cost it ~12 ms of CPU between the race's start and
its third winner's reply (more than the points service), and a winner's time was taken only
when its thread next held the GIL among 47 others. One thread writes the prepared requests
back to back, waits on a selector and stamps each reply when its last byte is read.
"""

from __future__ import annotations

import selectors
import socket
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from urllib.parse import urlsplit

HEAD_END = b"\r\n\r\n"
MAX_REPLY_BYTES = 1 << 20  # a claim's reply is a task; beyond this something else answered


@dataclass
class _Reply:
    """One request's reply as its bytes arrive (HTTP/1.1 with a Content-Length, as waitress
    sends Flask's replies)."""

    received: bytearray = field(default_factory=bytearray)
    status: int = 0
    complete_at: int = 0  # bytes the whole reply has, once its head is read
    closes: bool = False  # the server closes the connection after it

    def add(self, data: bytes) -> bool:
        """Whether the reply is complete with ``data``."""
        self.received += data
        if not self.complete_at:
            head_end = self.received.find(HEAD_END)
            if head_end < 0:
                if len(self.received) > MAX_REPLY_BYTES:
                    raise ValueError("a reply's head never ended")
                return False
            self._read_head(bytes(self.received[:head_end]).decode("latin-1"), head_end)
        if len(self.received) > self.complete_at:
            raise ValueError("bytes beyond the reply's Content-Length (none was asked for)")
        return len(self.received) == self.complete_at

    def _read_head(self, head: str, head_end: int) -> None:
        status_line, *header_lines = head.split("\r\n")
        self.status = int(status_line.split(" ", 2)[1])
        headers = {
            name.strip().lower(): value.strip()
            for name, _, value in (line.partition(":") for line in header_lines)
        }
        if "content-length" not in headers:
            raise ValueError(f"a reply without Content-Length: {status_line}")
        self.complete_at = head_end + len(HEAD_END) + int(headers["content-length"])
        self.closes = headers.get("connection", "").lower() == "close"


class ClaimVolley:
    """One keep-alive connection per contender; ``claim`` sends every contender's claim of a task
    at once and answers each one's status and milliseconds, in the order of ``tokens``."""

    def __init__(self, base_url: str, tokens: Sequence[str], *, timeout_s: float = 30.0) -> None:
        url = urlsplit(base_url)
        if url.hostname is None or url.port is None:
            raise ValueError(f"no host and port in {base_url!r}")
        self._address = (url.hostname, url.port)
        self._host = f"{url.hostname}:{url.port}".encode()
        self._tokens = [token.encode() for token in tokens]
        self._timeout_s = timeout_s
        self._sockets: list[socket.socket | None] = [None] * len(tokens)
        self._races = 0

    def ready(self) -> None:
        """Every connection open and answering a request, untimed: a timed claim pays no TCP
        handshake, and a connection the server dropped while idle is opened again."""
        for i in range(len(self._sockets)):
            try:
                self._exchange(i, b"GET /readyz HTTP/1.1\r\nHost: " + self._host + HEAD_END)
            except (OSError, ValueError):
                self._reconnect(i)
                self._exchange(i, b"GET /readyz HTTP/1.1\r\nHost: " + self._host + HEAD_END)

    def claim(self, task_id: str) -> list[tuple[int, float]]:
        """Each contender's status and milliseconds from its request's first byte written to its
        reply's last byte read."""
        path = f"/api/v1/tasks/{task_id}/claim".encode()
        requests = [
            b"POST "
            + path
            + b" HTTP/1.1\r\nHost: "
            + self._host
            + b"\r\nAuthorization: Bearer "
            + token
            + b"\r\nContent-Length: 0"
            + HEAD_END
            for token in self._tokens
        ]
        replies = [_Reply() for _ in requests]
        sent_at = [0.0] * len(requests)
        results: list[tuple[int, float]] = [(0, 0.0)] * len(requests)

        def read(selector: selectors.BaseSelector, timeout_s: float) -> int:
            """Reads what has arrived within ``timeout_s``; how many sockets had something."""
            ready = selector.select(timeout=timeout_s)
            for key, _ in ready:
                i = key.data
                data = key.fileobj.recv(65536)  # type: ignore[union-attr]
                if not data:
                    raise ConnectionError("the server closed a connection before replying")
                if replies[i].add(data):
                    results[i] = (replies[i].status, (time.perf_counter() - sent_at[i]) * 1000)
                    selector.unregister(key.fileobj)
                    if replies[i].closes:
                        self._drop(i)
            return len(ready)

        # The first written may be the first let in: the order turns from one race to the next.
        first, self._races = self._races % len(requests), self._races + 1
        try:
            with selectors.DefaultSelector() as selector:
                for i in [*range(first, len(requests)), *range(first)]:
                    connection = self._open(i)
                    sent_at[i] = time.perf_counter()
                    connection.sendall(requests[i])
                    selector.register(connection, selectors.EVENT_READ, i)
                    read(selector, 0)  # a reply that came meanwhile is stamped now, not later
                deadline = time.monotonic() + self._timeout_s
                while selector.get_map():
                    if not read(selector, max(0.0, deadline - time.monotonic())):
                        raise TimeoutError(f"{len(selector.get_map())} claims unanswered")
        except BaseException:
            self.close()  # half-read replies would be misread by the next request
            raise
        return results

    def close(self) -> None:
        for i in range(len(self._sockets)):
            self._drop(i)

    def _exchange(self, i: int, request: bytes) -> None:
        connection = self._open(i)
        connection.sendall(request)
        reply = _Reply()
        while True:
            data = connection.recv(65536)
            if not data:
                raise ConnectionError("closed before replying")
            if reply.add(data):
                break
        if reply.closes:
            self._drop(i)

    def _open(self, i: int) -> socket.socket:
        connection = self._sockets[i]
        if connection is None:
            connection = self._reconnect(i)
        return connection

    def _reconnect(self, i: int) -> socket.socket:
        self._drop(i)
        connection = socket.create_connection(self._address, timeout=self._timeout_s)
        connection.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        self._sockets[i] = connection
        return connection

    def _drop(self, i: int) -> None:
        connection, self._sockets[i] = self._sockets[i], None
        if connection is not None:
            connection.close()
