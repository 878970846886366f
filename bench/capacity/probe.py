"""What every capacity figure carries beside it: the machine's load average while it was taken,
and the processes' CPU time, memory and threads read from /proc."""

from __future__ import annotations

import os
import threading
import time
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path

from bench.ingest.server import parse_counters, process_cpu_s

HANDLED = "shouwang_events_handled_total"


def load_average() -> float:
    """The 1-minute load average now (the machine is shared: every figure carries it)."""
    return round(os.getloadavg()[0], 2)


@dataclass
class Window:
    """A measured interval: wall time, the load average at its start and end, and the CPU
    seconds (user + system) each watched process spent in it."""

    pids: dict[str, int]
    started: float = field(default_factory=time.monotonic)
    load_start: float = field(default_factory=load_average)
    _cpu_start: dict[str, float] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self._cpu_start = {name: cpu_s(pid) for name, pid in self.pids.items()}

    def close(self) -> dict[str, object]:
        elapsed = time.monotonic() - self.started
        cpu = {
            name: round(cpu_s(pid) - self._cpu_start[name], 2) for name, pid in self.pids.items()
        }
        return {
            "seconds": round(elapsed, 2),
            "load_avg": [self.load_start, load_average()],
            "cpu_s": cpu,
        }


class LoadSampler:
    """The load average every few seconds while a block runs (for a part run elsewhere)."""

    def __init__(self, every_s: float = 2.0) -> None:
        self._every_s = every_s
        self._samples: list[float] = []
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._sample, daemon=True)

    def __enter__(self) -> LoadSampler:
        self._thread.start()
        return self

    def __exit__(self, *_: object) -> None:
        self._stop.set()
        self._thread.join()

    def range(self) -> list[float]:
        return [min(self._samples), max(self._samples)]

    def _sample(self) -> None:
        self._samples.append(load_average())
        while not self._stop.wait(self._every_s):
            self._samples.append(load_average())


def cpu_s(pid: int) -> float:
    try:
        user, system = process_cpu_s(pid)
    except (FileNotFoundError, ProcessLookupError):
        return 0.0
    return user + system


def memory_and_threads(pid: int) -> dict[str, float]:
    """Resident memory (MiB) and thread count of a process."""
    status = Path(f"/proc/{pid}/status").read_text()
    fields = dict(line.split(":", 1) for line in status.splitlines() if ":" in line)
    return {
        "rss_mib": round(int(fields["VmRSS"].split()[0]) / 1024, 1),
        "threads": int(fields["Threads"]),
        "open_fds": len(os.listdir(f"/proc/{pid}/fd")),
    }


def counters(ops_port: int) -> dict:
    with urllib.request.urlopen(f"http://127.0.0.1:{ops_port}/metrics", timeout=10) as reply:
        return parse_counters(reply.read().decode())


def handled(samples: dict, topic: str, group_prefix: str) -> dict[str, float]:
    """Events a consumer group finished with, by outcome (ok, retried, skipped, dead_lettered);
    ``group_prefix`` matches groups named per replica (``gateway-push-<id>``)."""
    outcomes: dict[str, float] = {}
    for (name, labels), value in samples.items():
        if name != HANDLED:
            continue
        tags = dict(labels)
        if tags.get("topic") == topic and tags.get("group", "").startswith(group_prefix):
            outcome = tags.get("outcome", "")
            outcomes[outcome] = outcomes.get(outcome, 0.0) + value
    return outcomes
