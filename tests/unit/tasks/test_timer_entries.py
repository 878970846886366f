"""The sweep for due steps finds them through the timers' entries (``task_timers``), never by
reading every task: an entry is no later than its task's next step, moved to it when found
early, and removed once its task has nothing left to time."""

from __future__ import annotations

from typing import Any

import pytest

from services.tasks import handlers, timers
from shouwang.clock import to_millis
from tests.unit.tasks.conftest import ADMIN, Tasks

NORMAL_WAVE_S = 30


def entry_due_ms(tasks: Tasks, task_id: str) -> int | None:
    entry = tasks.ports.tasks.timers.get(task_id)
    return None if entry is None else entry["due_at"]


def now_ms(tasks: Tasks) -> int:
    return to_millis(tasks.clock.now())


def test_a_new_task_has_an_entry_no_later_than_its_next_step(tasks: Tasks) -> None:
    tasks.on_duty(100, 200)
    created = tasks.dispatch()  # its first wave ran in the request: the next is due later
    due_ms = tasks.get(created).due_at_ms
    assert due_ms is not None
    entry_ms = entry_due_ms(tasks, created.task_id)
    assert entry_ms is not None and entry_ms <= due_ms


def test_an_entry_found_before_its_step_is_moved_to_it(tasks: Tasks) -> None:
    tasks.on_duty(100, 200)
    created = tasks.dispatch()
    due_ms = tasks.get(created).due_at_ms
    assert due_ms is not None and entry_due_ms(tasks, created.task_id) != due_ms
    tasks.clock.advance(tasks.ports.lease_s)  # the entry is due, the second wave is not
    assert timers.sweep(tasks.ports) == 0
    assert entry_due_ms(tasks, created.task_id) == due_ms
    assert tasks.get(created).wave == 1


def test_the_sweep_runs_a_step_whose_entry_was_early(tasks: Tasks) -> None:
    """The replica that scheduled the second wave is gone (its wake-up never comes): the sweep
    runs it from the entry the task was created with."""
    first, second = tasks.on_duty(100, 200)
    created = tasks.dispatch()
    tasks.clock.advance(NORMAL_WAVE_S)
    assert timers.sweep(tasks.ports) == 1
    assert tasks.offered(created) == [(first, 1), (second, 2)]


def test_a_finished_tasks_entry_is_removed_when_it_comes_due(tasks: Tasks) -> None:
    tasks.on_duty(100)
    created = tasks.dispatch()
    handlers.cancel_task(tasks.ports, ADMIN, created.task_id)
    assert entry_due_ms(tasks, created.task_id) is not None  # a cancel writes the task alone
    tasks.clock.advance(tasks.ports.lease_s)
    assert timers.sweep(tasks.ports) == 0
    assert entry_due_ms(tasks, created.task_id) is None


def test_an_entry_whose_task_was_never_stored_is_removed(tasks: Tasks) -> None:
    """A replica that died between the entry and the task's insert."""
    tasks.ports.tasks.timers.insert({"_id": "never-stored", "due_at": now_ms(tasks)})
    assert timers.sweep(tasks.ports) == 0
    assert entry_due_ms(tasks, "never-stored") is None


def test_a_task_stored_before_entries_were_kept_is_given_one_at_start_up(tasks: Tasks) -> None:
    (nearest,) = tasks.on_duty(100)
    created = tasks.dispatch()
    tasks.ports.tasks.timers.delete(created.task_id)  # as an earlier release stored it
    tasks.clock.advance(NORMAL_WAVE_S * 10)
    assert timers.sweep(tasks.ports) == 0  # no entry: the sweep does not see it
    assert tasks.ports.tasks.time_untimed_tasks() == 1
    assert timers.sweep(tasks.ports) == 1
    assert tasks.offered(created) == [(nearest, 1)]


def test_the_sweep_reads_tasks_by_id_alone(tasks: Tasks, monkeypatch: pytest.MonkeyPatch) -> None:
    """The point of the entries: on FerretDB 1.x a filter on anything but ``_id`` scans every
    task ever made."""
    tasks.on_duty(100, 200)
    for _ in range(3):
        tasks.dispatch()
    filters: list[Any] = []
    collection = tasks.ports.tasks.tasks
    find = collection.find
    monkeypatch.setattr(
        collection, "find", lambda query=None, **kw: filters.append(query) or find(query, **kw)
    )
    tasks.clock.advance(NORMAL_WAVE_S)
    assert timers.sweep(tasks.ports) == 3
    assert filters and all(set(query) == {"_id"} for query in filters)
