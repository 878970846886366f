"""Many members' ``GET /stream`` connections read by one thread: raw sockets under a selector,
HTTP/1.1 chunked framing undone by hand, Server-Sent Events parsed into (type, data) pairs.
A thread per stream would put hundreds of threads in the simulator for a few events a minute."""

from __future__ import annotations

import contextlib
import json
import logging
import selectors
import socket
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from simulator.client import API

log = logging.getLogger(__name__)

# Positions flood officers' streams; the simulator's members never need them.
_SKIPPED = frozenset({"shouwang.location.updated"})

OnEvent = Callable[[str, str, dict[str, Any]], None]  # (owner, event type, data)
OnClosed = Callable[[str], None]  # (owner)


@dataclass
class _Stream:
    owner: str
    sock: socket.socket
    raw: bytearray = field(default_factory=bytearray)
    headers_done: bool = False
    chunked: bool = False
    text: bytearray = field(default_factory=bytearray)


class StreamReader:
    """Opens streams on request (from any thread) and calls ``on_event`` / ``on_closed`` from
    its own thread."""

    def __init__(self, host: str, port: int, *, on_event: OnEvent, on_closed: OnClosed) -> None:
        self.address = (host, port)
        self.on_event, self.on_closed = on_event, on_closed
        self._selector = selectors.DefaultSelector()
        self._streams: dict[str, _Stream] = {}
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="sim-streams", daemon=True)

    def start(self) -> None:
        self._thread.start()

    def open(self, owner: str, token: str) -> bool:
        """Connect ``owner``'s stream (replacing one they hold); False if it cannot connect."""
        self.close_stream(owner)
        try:
            sock = socket.create_connection(self.address, timeout=10)
            sock.sendall(
                f"GET {API}/stream HTTP/1.1\r\nHost: {self.address[0]}\r\n"
                f"Authorization: Bearer {token}\r\nAccept: text/event-stream\r\n\r\n".encode()
            )
            sock.setblocking(False)
        except OSError as error:
            log.warning("stream did not open: %s", error)
            return False
        with self._lock:
            self._streams[owner] = _Stream(owner, sock)
            self._selector.register(sock, selectors.EVENT_READ, owner)
        return True

    def close_stream(self, owner: str) -> None:
        with self._lock:
            stream = self._streams.pop(owner, None)
            if stream is None:
                return
            with contextlib.suppress(KeyError, ValueError):
                self._selector.unregister(stream.sock)
        with contextlib.suppress(OSError):
            stream.sock.close()

    @property
    def open_count(self) -> int:
        return len(self._streams)

    def stop(self) -> None:
        self._stop.set()
        if self._thread.is_alive():
            self._thread.join(timeout=5)
        for owner in list(self._streams):
            self.close_stream(owner)
        self._selector.close()

    def _run(self) -> None:
        while not self._stop.is_set():
            with self._lock:
                empty = not self._streams
            if empty:
                self._stop.wait(0.2)
                continue
            for key, _ in self._selector.select(timeout=0.5):
                with self._lock:
                    stream = self._streams.get(key.data)
                if stream is None:
                    continue
                try:
                    chunk = stream.sock.recv(65536)
                except BlockingIOError:
                    continue
                except OSError:
                    chunk = b""
                if not chunk:
                    self.close_stream(stream.owner)
                    self.on_closed(stream.owner)
                    continue
                if not self._take(stream, chunk):
                    self.close_stream(stream.owner)
                    self.on_closed(stream.owner)

    def _take(self, stream: _Stream, chunk: bytes) -> bool:
        stream.raw += chunk
        if not stream.headers_done:
            end = stream.raw.find(b"\r\n\r\n")
            if end < 0:
                return True
            head = bytes(stream.raw[:end]).decode("latin-1").lower()
            del stream.raw[: end + 4]
            if not head.startswith("http/1.1 200"):
                log.warning("stream refused: %s", head.split("\r\n", 1)[0])
                return False
            stream.headers_done = True
            stream.chunked = "transfer-encoding: chunked" in head
        if stream.chunked:
            while True:
                line_end = stream.raw.find(b"\r\n")
                if line_end < 0:
                    break
                size = int(bytes(stream.raw[:line_end]).split(b";")[0] or b"0", 16)
                if size == 0:  # the server ended the stream: what came before still counts
                    self._dispatch(stream)
                    return False
                if len(stream.raw) < line_end + 2 + size + 2:
                    break
                start = line_end + 2
                stream.text += stream.raw[start : start + size]
                del stream.raw[: start + size + 2]
        else:
            stream.text += stream.raw
            stream.raw.clear()
        self._dispatch(stream)
        return True

    def _dispatch(self, stream: _Stream) -> None:
        while True:
            end = stream.text.find(b"\n\n")
            if end < 0:
                return
            block = bytes(stream.text[:end]).decode("utf-8", "replace")
            del stream.text[: end + 2]
            fields: dict[str, str] = {}
            for line in block.split("\n"):
                if line and not line.startswith(":") and ":" in line:
                    name, _, value = line.partition(":")
                    fields[name] = value[1:] if value.startswith(" ") else value
            event_type = fields.get("event")
            if not event_type or event_type in _SKIPPED:
                continue
            try:
                data = json.loads(fields.get("data", "null"))
            except ValueError:
                continue
            try:
                self.on_event(stream.owner, event_type, data if isinstance(data, dict) else {})
            except Exception:  # a handler's bug must not end everyone's streams
                log.exception("stream event handler failed")
