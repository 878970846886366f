"""Starts the comparison servers (Redis, Tile38) on free loopback ports and stops them again."""

from __future__ import annotations

import contextlib
import os
import shutil
import socket
import subprocess
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
TILE38_BUILT = ROOT / ".cache" / "tile38" / "tile38-server"
_START_DEADLINE_S = 20.0


class ServerUnavailable(RuntimeError):
    """A comparison server cannot be run here; the message says why."""


@dataclass(frozen=True)
class Server:
    name: str
    host: str
    port: int


def redis_binary() -> str:
    binary = os.environ.get("REDIS_SERVER") or shutil.which("redis-server")
    if not binary:
        raise ServerUnavailable("redis-server not found (apt-get install -y redis-server)")
    return binary


def tile38_binary() -> str:
    binary = os.environ.get("TILE38_SERVER") or (str(TILE38_BUILT) if TILE38_BUILT.exists() else "")
    if not binary:
        raise ServerUnavailable(
            f"{TILE38_BUILT.relative_to(ROOT)} not built (scripts/build-tile38)"
        )
    return binary


@contextlib.contextmanager
def redis_server() -> Iterator[Server]:
    port = _free_port()
    # No persistence: the benchmark measures the in-memory index, not snapshots or the AOF.
    command = [redis_binary(), "--bind", "127.0.0.1", "--port", str(port)]
    command += ["--save", "", "--appendonly", "no", "--daemonize", "no"]
    with (
        tempfile.TemporaryDirectory(prefix="bench-redis-") as workdir,
        _running([*command, "--dir", workdir], "redis", port) as server,
    ):
        yield server


@contextlib.contextmanager
def tile38_server() -> Iterator[Server]:
    port = _free_port()
    with tempfile.TemporaryDirectory(prefix="bench-tile38-") as workdir:
        command = [tile38_binary(), "-h", "127.0.0.1", "-p", str(port), "-d", workdir, "-q"]
        with _running([*command, "--appendonly", "no"], "tile38", port) as server:
            yield server


@contextlib.contextmanager
def _running(command: list[str], name: str, port: int) -> Iterator[Server]:
    process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    try:
        _wait_for_port(process, name, port)
        yield Server(name, "127.0.0.1", port)
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        if process.stderr:
            process.stderr.close()


def _wait_for_port(process: subprocess.Popen[bytes], name: str, port: int) -> None:
    deadline = time.monotonic() + _START_DEADLINE_S
    while time.monotonic() < deadline:
        if process.poll() is not None:
            err = process.stderr.read().decode(errors="replace") if process.stderr else ""
            raise ServerUnavailable(f"{name} exited with {process.returncode}: {err.strip()[:500]}")
        with contextlib.suppress(OSError), socket.create_connection(("127.0.0.1", port), 0.2):
            return
        time.sleep(0.05)
    raise ServerUnavailable(f"{name} did not listen on 127.0.0.1:{port} in {_START_DEADLINE_S}s")


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]
