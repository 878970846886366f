"""Work left for after a command's reply: gathered jobs."""

from __future__ import annotations

import threading

from services.tasks.deferred import Deferred


def test_items_gathered_while_their_job_waits_are_run_by_it_once() -> None:
    deferred = Deferred()
    held = threading.Event()
    deferred.submit(lambda: held.wait(15), what="holds deferred work")
    runs: list[list[str]] = []
    for item in ("a", "b", "c"):
        deferred.gather(runs.append, item, key="task-1", what="gathered")
    deferred.gather(runs.append, "x", key="task-2", what="gathered")
    held.set()
    assert deferred.wait_idle()
    assert runs == [["a", "b", "c"], ["x"]]


def test_an_item_submitted_once_its_job_started_runs_after_it() -> None:
    deferred = Deferred()
    started, finish = threading.Event(), threading.Event()
    runs: list[list[str]] = []

    def first_run(items: list[str]) -> None:
        started.set()
        finish.wait(15)
        runs.append(items)

    deferred.gather(first_run, "a", key="task-1", what="gathered")
    assert started.wait(5)
    deferred.gather(runs.append, "b", key="task-1", what="gathered")
    finish.set()
    assert deferred.wait_idle()
    assert runs == [["a"], ["b"]]
