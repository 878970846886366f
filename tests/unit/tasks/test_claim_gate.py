"""The claim gate alone: how many of a replica's claims of one task may try for a slot at once,
and what waiting claims are told."""

from __future__ import annotations

import threading
import time
from dataclasses import replace

from services.tasks.claim_gate import ClaimGate, Turn
from services.tasks.model import Claim, Task
from tests.unit.tasks.conftest import ADMIN, Tasks


def claim(member_id: str, slot: int) -> Claim:
    return Claim(member_id, slot, claimed_at_ms=0, offered_at_ms=0, offer_to_claim_s=0.0)


def a_task(tasks: Tasks, capacity: int) -> Task:
    return replace(tasks.dispatch(ADMIN), capacity=capacity)


class Waiter(threading.Thread):
    """A claim waiting for its turn in a thread of its own."""

    def __init__(self, gate: ClaimGate, task: Task) -> None:
        super().__init__(daemon=True)
        self.gate, self.task = gate, task
        self.turn: Turn | None = None
        self.started_waiting = time.monotonic()

    def run(self) -> None:
        with self.gate.turn(self.task, seen=[]) as turn:
            self.turn = turn


def test_no_more_claims_try_than_slots_are_free(tasks: Tasks) -> None:
    gate, task = ClaimGate(), a_task(tasks, capacity=2)
    with gate.turn(task, seen=[]) as first, gate.turn(task, seen=[]) as second:
        assert (first.full, first.first_free, second.full) == (None, 0, None)
        third = Waiter(gate, task)
        third.start()
        third.join(0.2)
        assert third.is_alive()  # both free slots have an attempt in flight
        gate.took(task, 0)
        gate.filled(task, [claim("a", 0), claim("b", 1)])
        third.join(2)
        assert third.turn is not None
        assert third.turn.full == (claim("a", 0), claim("b", 1))


def test_a_slot_left_free_by_a_failed_attempt_lets_the_next_claim_try(tasks: Tasks) -> None:
    gate, task = ClaimGate(), a_task(tasks, capacity=1)
    waiter = Waiter(gate, task)
    with gate.turn(task, seen=[]):
        waiter.start()
        waiter.join(0.2)
        assert waiter.is_alive()
    # the attempt ended without a slot (e.g. the member's own other request was first)
    waiter.join(2)
    assert waiter.turn == Turn(full=None, first_free=0)


def test_a_claim_seeing_taken_slots_tries_from_the_first_free_one(tasks: Tasks) -> None:
    gate, task = ClaimGate(), a_task(tasks, capacity=3)
    with gate.turn(task, seen=[claim("a", 0)]) as turn:
        assert turn == Turn(full=None, first_free=1)
    gate.took(task, 1)
    with gate.turn(task, seen=[]) as turn:
        assert turn.first_free == 2


def test_a_full_task_is_remembered_and_needs_no_turn(tasks: Tasks) -> None:
    gate, task = ClaimGate(), a_task(tasks, capacity=1)
    assert gate.known_full(task.task_id) is None
    gate.saw(task, [claim("a", 0)])
    assert gate.known_full(task.task_id) == (claim("a", 0),)
    with gate.turn(task, seen=[]) as turn:
        assert turn.full == (claim("a", 0),)


def test_a_stuck_attempt_holds_the_others_back_only_for_a_while(tasks: Tasks) -> None:
    gate, task = ClaimGate(wait_s=0.3), a_task(tasks, capacity=1)
    with gate.turn(task, seen=[]):
        waiter = Waiter(gate, task)
        waiter.start()
        waiter.join(5)
        assert waiter.turn == Turn(full=None, first_free=0)  # the store decides, as without
        assert time.monotonic() - waiter.started_waiting >= 0.3


def test_only_the_most_recent_tasks_are_remembered(tasks: Tasks) -> None:
    gate = ClaimGate(remembered=2)
    first, second, third = (a_task(tasks, capacity=1) for _ in range(3))
    for task in (first, second, third):
        gate.saw(task, [claim("a", 0)])
    assert gate.known_full(first.task_id) is None
    assert gate.known_full(third.task_id) is not None
