"""A member's push stream read the way a phone would: one long HTTP request, lines as they come.

Each stream has a reader thread that stamps every ``shouwang.task.offered`` frame with
``time.perf_counter()`` the moment its ``data:`` line is read, keyed by task id.
"""

from __future__ import annotations

import contextlib
import json
import socket
import threading
import time
from urllib.parse import urlsplit

OFFERED = "shouwang.task.offered"


class OfferStream:
    def __init__(self, base_url: str, token: str) -> None:
        url = urlsplit(base_url)
        self._sock = socket.create_connection((url.hostname, url.port), timeout=10)
        self._sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        # HTTP/1.0 so the body comes unchunked and the stream ends with the connection.
        self._sock.sendall(
            f"GET /api/v1/stream HTTP/1.0\r\nHost: {url.netloc}\r\n"
            f"Authorization: Bearer {token}\r\nAccept: text/event-stream\r\n\r\n".encode()
        )
        self._sock.settimeout(None)
        self._lines = self._sock.makefile("rb")
        status = self._lines.readline().decode()
        if " 200 " not in status:
            raise RuntimeError(f"stream refused: {status.strip()}")
        while self._lines.readline() not in (b"\r\n", b"\n", b""):
            pass  # response headers
        self._arrived: dict[str, float] = {}
        self._changed = threading.Condition()
        self._reader = threading.Thread(target=self._read, daemon=True, name="sse-reader")
        self._reader.start()

    def _read(self) -> None:
        event = ""
        try:
            for raw in self._lines:
                line = raw.rstrip(b"\r\n")
                if line.startswith(b"event: "):
                    event = line[7:].decode()
                elif line.startswith(b"data: ") and event == OFFERED:
                    at = time.perf_counter()
                    task_id = json.loads(line[6:])["task_id"]
                    with self._changed:
                        self._arrived[task_id] = at
                        self._changed.notify_all()
                elif not line:
                    event = ""
        except (OSError, ValueError):
            pass  # closed by close()

    @property
    def open(self) -> bool:
        return self._reader.is_alive()

    def offer_arrival(self, task_id: str, *, timeout_s: float) -> float | None:
        """``perf_counter()`` when the offer of ``task_id`` arrived; None if it did not in time."""
        with self._changed:
            self._changed.wait_for(lambda: task_id in self._arrived, timeout=timeout_s)
            return self._arrived.pop(task_id, None)

    def close(self) -> None:
        with contextlib.suppress(OSError):
            self._sock.shutdown(socket.SHUT_RDWR)
        self._sock.close()
        self._reader.join(5)
