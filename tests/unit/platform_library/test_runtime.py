"""The process lifecycle's helpers in shouwang.runtime."""

from __future__ import annotations

import gc
import json
import os
import signal
import subprocess
import sys
import weakref
from collections.abc import Iterator
from pathlib import Path

import pytest

from shouwang.runtime import freeze_start_up_objects, parse_cpu_list


class _Node:
    def __init__(self) -> None:
        self.me = self  # a cycle: only the collector frees it


@pytest.fixture
def unfrozen_afterwards() -> Iterator[None]:
    yield
    gc.unfreeze()  # the rest of the test session collects as usual


@pytest.mark.usefixtures("unfrozen_afterwards")
def test_what_start_up_keeps_is_frozen_and_its_garbage_freed_first() -> None:
    kept, garbage = _Node(), _Node()
    garbage_alive = weakref.ref(garbage)
    del garbage

    freeze_start_up_objects()

    assert garbage_alive() is None  # collected, not frozen for ever
    assert gc.get_freeze_count() > 0
    assert all(o is not kept for o in gc.get_objects(generation=2))  # no full walk meets it


_PINNED_CHILD = """
import json, threading
from shouwang.runtime import keep_interpreter_on_one_core
from tests.support.processes import cpus_of_threads

done = threading.Event()
before = threading.Thread(target=done.wait)
before.start()
others = keep_interpreter_on_one_core()
after = threading.Thread(target=done.wait)
after.start()
threads = cpus_of_threads()
done.set()
print(json.dumps({"others": sorted(others), "threads": [sorted(c) for c in threads.values()]}))
"""


@pytest.mark.skipif(
    not hasattr(os, "sched_getaffinity") or len(os.sched_getaffinity(0)) < 2,
    reason="pinning needs Linux and two CPUs to choose from",
)
def test_every_thread_runs_on_one_cpu_and_the_others_are_left_for_other_processes() -> None:
    """In a process of its own (pinning this one would slow the rest of the session): threads
    started before and after are all on one CPU, the one not returned."""
    allowed = os.sched_getaffinity(0)
    child = subprocess.run(
        [sys.executable, "-c", _PINNED_CHILD],
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
        cwd=Path(__file__).resolve().parents[3],
    )
    report = json.loads(child.stdout)
    cores = {tuple(cpus) for cpus in report["threads"]}
    assert len(report["threads"]) >= 3  # the main thread, one started before, one after
    assert len(cores) == 1 and len(next(iter(cores))) == 1
    (core,) = next(iter(cores))
    assert set(report["others"]) == allowed - {core}


def test_a_cpu_list_reads_as_the_kernel_writes_it() -> None:
    assert parse_cpu_list("0-2,5") == {0, 1, 2, 5}
    assert parse_cpu_list("3") == {3}
    with pytest.raises(ValueError):
        parse_cpu_list("0,two")


_SIGNAL_TAKEN_BY_ANOTHER_THREAD = """
import signal, threading
from shouwang.runtime import ShutdownSignal

shutdown = ShutdownSignal()
started = threading.Event()
threading.Thread(target=lambda: (started.set(), threading.Event().wait()), daemon=True).start()
started.wait()
# Only the helper thread may take SIGTERM now, as the kernel may choose any thread not blocking it.
signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGTERM})
print("waiting", flush=True)
shutdown.serve_until_received()
print("stopped", flush=True)
"""

_SIGNAL_AS_IT_BECOMES_READY = """
import time
from shouwang.runtime import ShutdownSignal

shutdown = ShutdownSignal()
print("ready", flush=True)
time.sleep(1)  # what comes between reporting ready and waiting: a log line, a collection
print("serving", flush=True)
shutdown.serve_until_received()
print("stopped", flush=True)
"""


def _signalled(child_code: str, *, after_line: str) -> subprocess.CompletedProcess[str]:
    """Run ``child_code``, send it SIGTERM once it printed ``after_line``, and wait for it."""
    child = subprocess.Popen(
        [sys.executable, "-c", child_code],
        stdout=subprocess.PIPE,
        text=True,
        cwd=Path(__file__).resolve().parents[3],
    )
    assert child.stdout is not None
    first = child.stdout.readline()
    assert first.strip() == after_line
    child.send_signal(signal.SIGTERM)
    try:
        returncode = child.wait(20)
    except subprocess.TimeoutExpired:
        child.kill()
        child.wait()
        raise AssertionError("the process did not stop on SIGTERM") from None
    return subprocess.CompletedProcess(child.args, returncode, first + child.stdout.read())


def test_a_signal_the_kernel_gives_another_thread_still_ends_the_wait() -> None:
    """Python wakes the main thread from a wait only for a signal delivered to that thread; a
    wait without a timeout then never ended (a cluster service kept serving after SIGTERM)."""
    stopped = _signalled(_SIGNAL_TAKEN_BY_ANOTHER_THREAD, after_line="waiting")
    assert stopped.returncode == 0
    assert stopped.stdout.split() == ["waiting", "stopped"]


def test_a_signal_before_the_wait_begins_is_not_lost_and_stops_gracefully() -> None:
    stopped = _signalled(_SIGNAL_AS_IT_BECOMES_READY, after_line="ready")
    assert stopped.returncode == 0  # not ended by the default disposition
    assert stopped.stdout.split() == ["ready", "serving", "stopped"]
