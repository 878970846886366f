"""Which processes used the machine's two cores during a window, from /proc: every process's
user + system ticks at the start and the end, grouped by what it runs (a service, the broker,
FerretDB, PostgreSQL, the benchmark's own load). Reading /proc costs the measured processes
nothing, unlike a profiler that stops them for each sample."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

from tests.support.processes import stat_fields

TICKS_PER_S = os.sysconf("SC_CLK_TCK")
# (a piece of the command line, the group): the first that matches names the process.
_SPAWNED = "spawned"
GROUPS = (
    ("multiprocessing.spawn", _SPAWNED),
    ("services.", ""),  # the service's own name follows: services.location -> location
    ("allinone.track_keeper", "track keeper"),
    ("bench.dispatch.embedded", "all-in-one"),
    ("shouwang up", "all-in-one"),
    ("bench.dispatch.phones", "bench phones"),
    ("bench.", "bench"),
    ("kafka", "kafka"),
    ("ferretdb", "ferretdb"),
    ("postgres", "postgresql"),
)


@dataclass(frozen=True)
class Snapshot:
    ticks: dict[int, tuple[str, int]]  # pid -> (group, user + system ticks so far)
    machine_busy: int  # ticks, every CPU, from /proc/stat
    machine_total: int


def snapshot() -> Snapshot:
    groups, parents, ticks = {}, {}, {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        pid = int(entry.name)
        fields = stat_fields(pid)
        if fields is None:
            continue
        try:
            command = (entry / "cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
        except OSError:
            continue
        groups[pid], parents[pid] = _group(command), int(fields[1])
        # utime and stime are the 14th and 15th fields of stat; fields starts at the 3rd.
        ticks[pid] = int(fields[11]) + int(fields[12])
    for pid, group in groups.items():
        if group == _SPAWNED:  # a multiprocessing worker: its parent's
            groups[pid] = groups.get(parents[pid], "other")
    busy, total = machine_ticks()
    return Snapshot({pid: (groups[pid], ticks[pid]) for pid in ticks}, busy, total)


def cores_used(before: Snapshot, after: Snapshot) -> dict[str, float]:
    """Cores each group kept busy on average between the two snapshots, busiest first, with
    ``idle`` for what was left of the machine's. A process that started in between counts from
    zero; one that ended in between is lost (its time went to its parent's children's count)."""
    seconds = (after.machine_total - before.machine_total) / TICKS_PER_S / (os.cpu_count() or 1)
    if seconds <= 0:
        return {}
    ordered = {
        group: round(cpu / seconds, 2)
        for group, cpu in cpu_seconds(before, after).items()
        if cpu / seconds >= 0.005
    }
    idle_ticks = (after.machine_total - after.machine_busy) - (
        before.machine_total - before.machine_busy
    )
    ordered["idle"] = round(idle_ticks / TICKS_PER_S / seconds, 2)
    return ordered


def cpu_seconds(before: Snapshot, after: Snapshot) -> dict[str, float]:
    """CPU seconds each group used between the two snapshots, busiest first (a tick is
    1/``TICKS_PER_S`` s, so sum several short windows rather than read one)."""
    used: dict[str, float] = {}
    for pid, (group, ticks) in after.ticks.items():
        start = before.ticks.get(pid, (group, 0))[1]
        used[group] = used.get(group, 0.0) + (ticks - start) / TICKS_PER_S
    return dict(sorted(((g, s) for g, s in used.items() if s > 0), key=lambda item: -item[1]))


def _group(command: str) -> str:
    for piece, group in GROUPS:
        if piece in command:
            if not group:  # services.<name>
                return command.split(piece, 1)[1].split()[0]
            return group
    return "other" if command else "kernel"


def machine_ticks() -> tuple[int, int]:
    """(busy, total) ticks of every CPU so far; idle and I/O wait are not busy."""
    with open("/proc/stat") as stat:
        ticks = [int(n) for n in stat.readline().split()[1:9]]  # guest time is in user already
    return sum(ticks) - ticks[3] - ticks[4], sum(ticks)
