"""The claim gate alone: how many of a replica's claims of one task may read and try for a slot
at once, and what waiting claims are told."""

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


def known(gate: ClaimGate, task: Task) -> Task:
    """The task as its creating replica's gate knows it: its capacity, no slot taken."""
    gate.saw(task, [])
    return task


def known_full(gate: ClaimGate, task: Task) -> tuple[Claim, ...] | None:
    with gate.turn(task.task_id) as turn:
        return turn.full


class Waiter(threading.Thread):
    """A claim waiting for its turn in a thread of its own."""

    def __init__(self, gate: ClaimGate, task: Task) -> None:
        super().__init__(daemon=True)
        self.gate, self.task = gate, task
        self.turn: Turn | None = None
        self.started_waiting = time.monotonic()

    def run(self) -> None:
        with self.gate.turn(self.task.task_id) as turn:
            self.turn = turn


def waiting_for_a_turn(gate: ClaimGate, task: Task) -> Waiter:
    """A claim of ``task`` started in its own thread, once it waits for its turn."""
    waiter = Waiter(gate, task)
    waiter.start()
    while gate._races[task.task_id].waiting < 1:
        time.sleep(0.005)
    return waiter


def test_no_more_claims_try_than_slots_are_free(tasks: Tasks) -> None:
    gate = ClaimGate()
    task = known(gate, a_task(tasks, capacity=2))
    with gate.turn(task.task_id) as first, gate.turn(task.task_id) as second:
        assert (first.full, second.full) == (None, None)
        third = Waiter(gate, task)
        third.start()
        third.join(0.2)
        assert third.is_alive()  # both free slots have a claim in flight
        gate.took(task, claim("x", 0))
        gate.filled(task, [claim("a", 0), claim("b", 1)])
        third.join(2)
        assert third.turn is not None
        assert third.turn.full == (claim("a", 0), claim("b", 1))


def test_a_task_never_seen_lets_one_claim_in_until_its_capacity_is_read(tasks: Tasks) -> None:
    gate, task = ClaimGate(), a_task(tasks, capacity=2)
    with gate.turn(task.task_id):
        second, third = Waiter(gate, task), Waiter(gate, task)
        second.start()
        second.join(0.2)
        assert second.is_alive()  # nobody here knows how many slots it has yet
        gate.saw(task, [])  # the first claim read it: two slots, none taken
        assert gate.first_free(task) == 0
        second.join(2)
        assert second.turn == Turn(full=None)
        with gate.turn(task.task_id):
            third.start()
            third.join(0.2)
            assert third.is_alive()  # two claims in flight for two slots


def test_a_slot_left_free_by_a_failed_attempt_lets_the_next_claim_try(tasks: Tasks) -> None:
    gate = ClaimGate()
    task = known(gate, a_task(tasks, capacity=1))
    waiter = Waiter(gate, task)
    with gate.turn(task.task_id):
        waiter.start()
        waiter.join(0.2)
        assert waiter.is_alive()
    # the claim ended without a slot (e.g. the member's own other request was first)
    waiter.join(2)
    assert waiter.turn == Turn(full=None)


def test_a_claim_seeing_taken_slots_tries_from_the_first_free_one(tasks: Tasks) -> None:
    gate, task = ClaimGate(), a_task(tasks, capacity=3)
    with gate.turn(task.task_id):
        gate.saw(task, [claim("a", 0)])
        assert gate.first_free(task) == 1
        gate.took(task, claim("x", 1))
    with gate.turn(task.task_id):
        gate.saw(task, [])
        assert gate.first_free(task) == 2


def test_a_full_task_is_remembered_and_needs_no_place(tasks: Tasks) -> None:
    gate, task = ClaimGate(), a_task(tasks, capacity=1)
    assert known_full(gate, task) is None
    gate.saw(task, [claim("a", 0)])
    with gate.turn(task.task_id) as first, gate.turn(task.task_id) as second:
        assert first.full == second.full == (claim("a", 0),)


def test_claims_waiting_while_a_task_fills_are_given_the_task_and_later_ones_not(
    tasks: Tasks,
) -> None:
    gate = ClaimGate()
    task = known(gate, a_task(tasks, capacity=1))
    with gate.turn(task.task_id):
        waiters = [Waiter(gate, task) for _ in range(2)]
        for waiter in waiters:
            waiter.start()
        while gate._races[task.task_id].waiting < 2:
            time.sleep(0.005)
        gate.filled(task, [claim("a", 0)])
    for waiter in waiters:
        waiter.join(2)

    assert [w.turn.task if w.turn else None for w in waiters] == [task, task]
    with gate.turn(task.task_id) as later:
        assert later.task is None  # it reads the task: its status may have changed since
    assert gate._races[task.task_id].full_task is None  # not kept once the waiters had it


def test_a_task_filling_with_no_claim_waiting_keeps_no_copy_of_the_task(tasks: Tasks) -> None:
    gate, task = ClaimGate(), a_task(tasks, capacity=1)
    gate.saw(task, [claim("a", 0)])
    assert gate._races[task.task_id].full_task is None


def test_a_stuck_attempt_holds_the_others_back_only_for_a_while(tasks: Tasks) -> None:
    gate = ClaimGate(wait_s=0.3)
    task = known(gate, a_task(tasks, capacity=1))
    with gate.turn(task.task_id):
        waiter = Waiter(gate, task)
        waiter.start()
        waiter.join(5)
        assert waiter.turn == Turn(full=None)  # the store decides, as without the gate
        assert time.monotonic() - waiter.started_waiting >= 0.3


def test_only_the_most_recent_tasks_are_remembered(tasks: Tasks) -> None:
    gate = ClaimGate(remembered=2)
    first, second, third = (a_task(tasks, capacity=1) for _ in range(3))
    for task in (first, second, third):
        gate.saw(task, [claim("a", 0)])
    assert known_full(gate, first) is None
    assert known_full(gate, third) is not None


def test_a_race_is_decided_once_its_claims_in_flight_here_have_their_outcome(
    tasks: Tasks,
) -> None:
    gate = ClaimGate()
    task = known(gate, a_task(tasks, capacity=3))
    first = gate.turn(task.task_id)
    first.__enter__()
    later = gate.turn(task.task_id)
    later.__enter__()  # let in after the first, before it was answered
    assert not gate.wait_race_decided(task.task_id, timeout_s=0.05)
    first.__exit__(None, None, None)
    assert not gate.wait_race_decided(task.task_id, timeout_s=0.05)  # the later one: a winner too
    later.__exit__(None, None, None)
    assert gate.wait_race_decided(task.task_id, timeout_s=0.05)


def test_a_race_is_not_decided_while_a_claim_waits_for_a_slot_that_may_be_free(
    tasks: Tasks,
) -> None:
    gate = ClaimGate(wait_s=0.5)
    task = known(gate, a_task(tasks, capacity=1))
    with gate.turn(task.task_id):
        gate.took(task, claim("a", 0))  # taken here, not yet known full: the store decides
    waiter = waiting_for_a_turn(gate, task)
    assert not gate.wait_race_decided(task.task_id, timeout_s=0.05)
    waiter.join(5)  # let in to the store after the turn's wait
    assert waiter.turn == Turn(full=None)
    assert gate.wait_race_decided(task.task_id, timeout_s=0.05)


def test_a_full_tasks_race_is_decided_once_the_claims_that_waited_are_refused(
    tasks: Tasks,
) -> None:
    gate = ClaimGate(refuse_after_s=1.0)
    task = known(gate, a_task(tasks, capacity=1))
    with gate.turn(task.task_id):
        waiter = waiting_for_a_turn(gate, task)
        gate.filled(task, [claim("a", 0)])
    assert not gate.wait_race_decided(task.task_id, timeout_s=0.1)  # the waiter not yet let out
    asked_at = time.monotonic()
    assert gate.wait_race_decided(task.task_id, timeout_s=5)
    assert time.monotonic() - asked_at < 4  # told when the last one left, not at its timeout
    waiter.join(5)
    assert waiter.turn is not None and waiter.turn.full == (claim("a", 0),)


def test_claims_waiting_while_a_task_fills_are_refused_a_moment_after_and_later_ones_at_once(
    tasks: Tasks,
) -> None:
    """The last winner's reply goes out before the waiters' refusals."""
    gate = ClaimGate(refuse_after_s=0.3)
    task = known(gate, a_task(tasks, capacity=1))
    with gate.turn(task.task_id):
        waiter = waiting_for_a_turn(gate, task)
        gate.filled(task, [claim("a", 0)])
        filled_at = time.monotonic()
    waiter.join(0.1)
    assert waiter.is_alive()
    with gate.turn(task.task_id) as later:  # came after: nothing of the winner's to let out first
        assert later.full == (claim("a", 0),)
    waiter.join(5)
    assert waiter.turn is not None and waiter.turn.full == (claim("a", 0),)
    assert time.monotonic() - filled_at >= 0.3


def test_the_task_as_moved_is_kept_for_the_races_replies_until_it_is_full(tasks: Tasks) -> None:
    gate = ClaimGate()
    task = known(gate, a_task(tasks, capacity=2))
    gate.moved(task)
    assert gate.as_moved(task.task_id) == task
    gate.filled(task, [claim("a", 0), claim("b", 1)])
    assert gate.as_moved(task.task_id) is None  # later claims read it: it may change


def test_the_offers_as_read_are_kept_for_the_races_replies_until_it_is_full(
    tasks: Tasks,
) -> None:
    gate = ClaimGate()
    task = known(gate, a_task(tasks, capacity=1))
    gate.saw_offers(task, [])
    assert gate.offers_seen(task.task_id) == []
    gate.filled(task, [claim("a", 0)])
    assert gate.offers_seen(task.task_id) is None
    gate.saw_offers(task, [])  # a retry's reply, after: reads them again
    assert gate.offers_seen(task.task_id) is None


def joined_once_waiting(gate: ClaimGate, key: tuple[str, str]) -> threading.Event:
    """Set once a claim waits for the read of ``key`` in flight (it asks its future)."""
    in_flight, joined = gate._reading[key], threading.Event()
    result = in_flight.result
    in_flight.result = lambda timeout=None: joined.set() or result(20)  # type: ignore[method-assign]
    return joined


def test_a_read_in_flight_answers_the_same_read_of_a_claim_let_in_beside_it() -> None:
    gate = ClaimGate()
    release, answers, reads = threading.Event(), [], []

    def slow_read() -> str:
        reads.append("first")
        release.wait(20)
        return "as read"

    first = threading.Thread(target=lambda: answers.append(gate.read_once("t", "task", slow_read)))
    first.start()
    while not reads:
        time.sleep(0.001)
    joined = joined_once_waiting(gate, ("t", "task"))
    second = threading.Thread(
        target=lambda: answers.append(gate.read_once("t", "task", lambda: reads.append("second")))
    )
    second.start()
    other = gate.read_once("t", "claims", lambda: "its own read")  # another read is not shared
    assert joined.wait(20)
    release.set()
    for thread in (first, second):
        thread.join(20)
    assert answers == ["as read", "as read"] and reads == ["first"]
    assert other == "its own read"
    assert gate.read_once("t", "task", lambda: "anew") == "anew"  # none in flight: read anew


def test_a_claim_whose_shared_read_fails_or_is_stuck_reads_for_itself() -> None:
    gate = ClaimGate(wait_s=0.05)
    release, outcomes = threading.Event(), []

    def failing() -> str:
        release.wait(20)
        raise LookupError("gone")

    def attempt(read) -> None:  # type: ignore[no-untyped-def]
        try:
            outcomes.append(gate.read_once("t", "move", read))
        except LookupError as error:
            outcomes.append(str(error))

    first = threading.Thread(target=attempt, args=(failing,))
    first.start()
    while ("t", "move") not in gate._reading:
        time.sleep(0.001)
    assert gate.read_once("t", "move", lambda: "read again") == "read again"  # waited 0.05 s
    joined = joined_once_waiting(gate, ("t", "move"))
    second = threading.Thread(target=attempt, args=(lambda: "its own",))
    second.start()
    assert joined.wait(20)
    release.set()
    for thread in (first, second):
        thread.join(20)
    assert sorted(outcomes) == ["gone", "its own"]  # the failure is the leader's alone
