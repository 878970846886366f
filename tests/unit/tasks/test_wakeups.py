from __future__ import annotations

from services.tasks.wakeups import Wakeups


def test_tasks_come_due_in_time_order_and_only_once() -> None:
    wakeups = Wakeups()
    wakeups.remember("late", 300)
    wakeups.remember("early", 100)
    assert wakeups.pop_due(50) == []
    assert wakeups.pop_due(300) == ["early", "late"]
    assert wakeups.pop_due(10_000) == []
    assert len(wakeups) == 0


def test_a_later_moment_replaces_an_earlier_one() -> None:
    wakeups = Wakeups()
    wakeups.remember("t1", 100)
    wakeups.remember("t1", 500)  # the wave was rescheduled
    assert wakeups.pop_due(200) == []
    assert wakeups.pop_due(500) == ["t1"]


def test_an_earlier_moment_replaces_a_later_one() -> None:
    wakeups = Wakeups()
    wakeups.remember("t1", 30_000)
    wakeups.remember("t1", 100)  # everyone declined: the next wave is due now
    assert wakeups.pop_due(100) == ["t1"]
    assert wakeups.pop_due(30_000) == []
