"""The simulator's stream reader: HTTP/1.1 chunked framing and Server-Sent Events undone by hand
over raw sockets, against a real socket server that splits frames at awkward places."""

from __future__ import annotations

import json
import socket
import threading
from collections.abc import Iterator
from typing import Any

import pytest

from simulator.stream import StreamReader
from tests.support.api import wait_for


def frame(event: str, data: dict[str, Any]) -> bytes:
    return f"id: 1\nevent: {event}\ndata: {json.dumps(data, ensure_ascii=False)}\n\n".encode()


def chunked(body: bytes, sizes: list[int]) -> bytes:
    """``body`` as HTTP chunks of the given sizes (the rest in one), then the last chunk."""
    out, start = b"", 0
    for size in [*sizes, len(body)]:
        piece = body[start : start + size]
        if piece:
            out += f"{len(piece):X}\r\n".encode() + piece + b"\r\n"
        start += size
    return out + b"0\r\n\r\n"


@pytest.fixture
def server() -> Iterator[tuple[socket.socket, list[bytes]]]:
    """A listening socket; each connection is sent the next response of the list, a few
    bytes at a time, then closed."""
    listener = socket.create_server(("127.0.0.1", 0))
    responses: list[bytes] = []

    def serve() -> None:
        while True:
            try:
                connection, _ = listener.accept()
            except OSError:
                return
            with connection:
                connection.recv(4096)  # the request
                payload = responses.pop(0)
                for start in range(0, len(payload), 7):  # headers and chunks torn apart
                    connection.sendall(payload[start : start + 7])

    threading.Thread(target=serve, daemon=True).start()
    yield listener, responses
    listener.close()


def test_events_survive_any_split_and_positions_are_skipped(server: Any) -> None:
    listener, responses = server
    body = (
        b"retry: 3000\n\n: ping\n\n"
        + frame("shouwang.location.updated", {"member_id": "m"})
        + frame("shouwang.task.offered", {"task_id": "t1", "title": "可疑人员"})
        + frame("shouwang.rollcall.opened", {"rollcall_id": "r1"})
    )
    responses.append(
        b"HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\nTransfer-Encoding: chunked\r\n\r\n"
        + chunked(body, [5, 17, 40, 3])
    )
    events: list[tuple[str, str, dict[str, Any]]] = []
    closed: list[str] = []
    reader = StreamReader(
        "127.0.0.1",
        listener.getsockname()[1],
        on_event=lambda *event: events.append(event),
        on_closed=closed.append,
    )
    reader.start()
    try:
        assert reader.open("7", "token")
        wait_for(lambda: closed, what="the end of the stream", timeout_s=30)
    finally:
        reader.stop()
    assert events == [
        ("7", "shouwang.task.offered", {"task_id": "t1", "title": "可疑人员"}),
        ("7", "shouwang.rollcall.opened", {"rollcall_id": "r1"}),
    ]
    assert closed == ["7"] and reader.open_count == 0


def test_a_refused_stream_is_closed_and_reported(server: Any) -> None:
    listener, responses = server
    responses.append(b"HTTP/1.1 401 UNAUTHORIZED\r\nContent-Length: 0\r\n\r\n")
    closed: list[str] = []
    reader = StreamReader(
        "127.0.0.1", listener.getsockname()[1], on_event=print, on_closed=closed.append
    )
    reader.start()
    try:
        reader.open("3", "expired")
        wait_for(lambda: closed == ["3"], what="the refusal", timeout_s=30)
    finally:
        reader.stop()
