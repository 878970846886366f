"""Processes as Linux's /proc tells them: the tests' and benchmarks' one reader of it."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from shouwang.runtime import parse_cpu_list


def stat_fields(pid: int) -> list[str] | None:
    """The fields of /proc/PID/stat after the command name (state first), or None once gone.
    The name is in parentheses and may hold spaces and parentheses itself: split after the last."""
    try:
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return None


def running(pid: int) -> bool:
    """Alive and not a zombie waiting to be reaped."""
    fields = stat_fields(pid)
    return fields is not None and fields[0] != "Z"


def children(parent_pid: int) -> dict[int, str]:
    """The running processes whose parent is ``parent_pid``: pid -> command line (spaced)."""
    found = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        pid = int(entry.name)
        fields = stat_fields(pid)
        if fields is None or fields[0] == "Z" or int(fields[1]) != parent_pid:
            continue
        try:
            found[pid] = (entry / "cmdline").read_bytes().replace(b"\0", b" ").decode()
        except OSError:
            continue
    return found


def cpus_of_threads(pid: int | str = "self") -> dict[int, frozenset[int]]:
    """Each thread of a process and the CPUs the kernel lets it run on."""
    found = {}
    for task in Path(f"/proc/{pid}/task").iterdir():
        try:
            status = (task / "status").read_text()
        except OSError:  # the thread ended meanwhile
            continue
        for line in status.splitlines():
            if line.startswith("Cpus_allowed_list:"):
                found[int(task.name)] = parse_cpu_list(line.split(":", 1)[1].strip())
    return found


def python_stacks(pid: int) -> str:
    """Where each thread of a Python process is, native frames too (py-spy, installed with the
    benchmarks' extras), for a test's failure message."""
    py_spy = Path(sys.executable).with_name("py-spy")
    try:
        dump = subprocess.run(
            [str(py_spy), "dump", "--native", "--pid", str(pid)],
            capture_output=True,
            text=True,
            timeout=60,
        )
    except (OSError, subprocess.TimeoutExpired) as error:
        return f"(no stacks: {error})"
    return dump.stdout + dump.stderr
