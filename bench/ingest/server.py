"""The server under test: ``shouwang up --no-demo`` in its own process on a free loopback port,
with a seeded administrator, as a newcomer runs it; and its Prometheus counters."""

from __future__ import annotations

import contextlib
import os
import re
import signal
import sqlite3
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from tests.support.processes import children, stat_fields

ADMIN_PHONE = "13800000000"
ADMIN_PASSWORD = "Admin-Password-1"
_READY = re.compile(r"ready at (http://\S+?)/? ")
_SAMPLE = re.compile(r"^(\w+)\{([^}]*)\} (\S+)$")
_LABEL = re.compile(r'(\w+)="([^"]*)"')
BUS_FILE = "events.sqlite3"  # shouwang.runtime.embedded_adapters


@dataclass
class Server:
    url: str
    process: subprocess.Popen[str]
    data_dir: Path
    # This checkout's server serves its track keeper's metrics in /metrics; a --server-tree
    # may be from before, and then its bus file tells what happens in that process.
    keeper_in_metrics: bool = True

    @property
    def pid(self) -> int:
        return self.process.pid

    def cpu_s(self) -> tuple[float, float]:
        """User and system CPU seconds the server used so far: all its threads, and the
        processes it started (the track keeper's, ``allinone.track_keeper``)."""
        usage = [process_cpu_s(pid) for pid in (self.pid, *children(self.pid))]
        return sum(u for u, _ in usage), sum(s for _, s in usage)

    def counters(self) -> dict[tuple[str, frozenset[tuple[str, str]]], float]:
        """Every labelled sample of /metrics (served beside the API on loopback, the track
        keeper's process's among them). Another tree's server (``--server-tree``, maybe from
        before the keeper's metrics were served there) gets what /metrics lacks from the bus
        file: the events published, and handled up to the group's committed offset (which
        trails what the keeper did by at most 0.1 s)."""
        with urllib.request.urlopen(self.url + "/metrics", timeout=10) as response:
            served = parse_counters(response.read().decode())
        if self.keeper_in_metrics:
            return served
        return {**_not_in(served, bus_counters(self.data_dir / BUS_FILE)), **served}


def _not_in(served: dict, counted: dict) -> dict:
    """The bus file's counts of what /metrics does not count already (a topic the server did
    not publish to, a group it does not run): both counted would read as twice the work."""

    def what(key: tuple[str, frozenset[tuple[str, str]]]) -> tuple[str, str | None, str | None]:
        labels = dict(key[1])
        return key[0], labels.get("topic"), labels.get("group")

    known = {what(key) for key in served}
    return {key: value for key, value in counted.items() if what(key) not in known}


def bus_counters(path: Path) -> dict[tuple[str, frozenset[tuple[str, str]]], float]:
    """``shouwang_events_published_total`` per topic and ``shouwang_events_handled_total`` per
    topic and group, from the embedded bus's file."""
    if not path.exists():
        return {}
    with contextlib.closing(sqlite3.connect(path, timeout=10)) as bus:
        published = bus.execute("SELECT topic, COUNT(*) FROM messages GROUP BY topic").fetchall()
        handled = bus.execute(
            "SELECT o.topic, o.group_id, (SELECT COUNT(*) FROM messages m"
            " WHERE m.topic = o.topic AND m.seq <= o.last_seq) FROM group_offsets o"
        ).fetchall()
    counters = {
        ("shouwang_events_published_total", frozenset({("topic", topic)})): float(count)
        for topic, count in published
    }
    for topic, group, count in handled:
        labels = frozenset({("topic", topic), ("group", group), ("outcome", "ok")})
        counters[("shouwang_events_handled_total", labels)] = float(count)
    return counters


def process_cpu_s(pid: int) -> tuple[float, float]:
    fields = stat_fields(pid)
    if fields is None:
        raise ProcessLookupError(pid)
    tick = os.sysconf("SC_CLK_TCK")
    return int(fields[11]) / tick, int(fields[12]) / tick


def parse_counters(text: str) -> dict[tuple[str, frozenset[tuple[str, str]]], float]:
    samples = {}
    for line in text.splitlines():
        match = _SAMPLE.match(line)
        if match:
            labels = frozenset(_LABEL.findall(match.group(2)))
            samples[(match.group(1), labels)] = float(match.group(3))
    return samples


def published(counters: dict, topic: str) -> float:
    return sum(
        value
        for (name, labels), value in counters.items()
        if name == "shouwang_events_published_total" and ("topic", topic) in labels
    )


def handled(counters: dict, topic: str, group: str) -> float:
    return sum(
        value
        for (name, labels), value in counters.items()
        if name == "shouwang_events_handled_total"
        and ("topic", topic) in labels
        and ("group", group) in labels
    )


def groups(counters: dict, topic: str) -> set[str]:
    """The consumer groups that handled something of ``topic``."""
    return {
        dict(labels)["group"]
        for (name, labels) in counters
        if name == "shouwang_events_handled_total" and ("topic", topic) in labels
    }


def start(data_dir: Path, *, tree: Path | None = None, env: dict[str, str] | None = None) -> Server:
    """``shouwang up`` on port 0 (the kernel picks a free one); returns once it printed its URL.
    ``tree``: run the code of another checkout (e.g. ``git archive`` of an earlier commit), for
    before/after runs back to back on the same machine."""
    environment = {
        **os.environ,
        "SHOUWANG_ADMIN_PHONE": ADMIN_PHONE,
        "SHOUWANG_ADMIN_PASSWORD": ADMIN_PASSWORD,
        **({"PYTHONPATH": str(tree)} if tree else {}),
        **(env or {}),
    }
    command = [sys.executable, "-m", "shouwang.cli", "up", "--no-demo", "--port", "0"]
    process = subprocess.Popen(
        [*command, "--data", str(data_dir)],
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
        env=environment,
        cwd=tree,
    )
    assert process.stdout is not None
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        line = process.stdout.readline()
        if not line:
            break
        match = _READY.search(line)
        if match:
            return Server(
                match.group(1).rstrip("/"), process, data_dir, keeper_in_metrics=tree is None
            )
    process.kill()
    raise RuntimeError(f"shouwang up did not print its URL (exit {process.wait()})")


def stop(server: Server, *, timeout_s: float = 60) -> int:
    """SIGTERM, as ``shouwang up`` expects; its exit code."""
    if server.process.poll() is None:
        server.process.send_signal(signal.SIGTERM)
    try:
        return server.process.wait(timeout=timeout_s)
    except subprocess.TimeoutExpired:
        server.process.kill()
        return server.process.wait()


@contextmanager
def running(data_dir: Path, *, tree: Path | None = None) -> Iterator[Server]:
    server = start(data_dir, tree=tree)
    try:
        yield server
    finally:
        stop(server)
