"""Claim races on the real embedded store: exactly ``capacity`` winners every time, on one replica
or two, and losers refused without a store write or an event; what follows a winner's reply
(busy, scene watched) survives a cancel that overtakes it."""

from __future__ import annotations

import base64
import json
import sqlite3
import threading
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import replace
from functools import partial
from pathlib import Path
from typing import Any

import pytest

from services.tasks import handlers
from services.tasks.claim_gate import ClaimGate
from services.tasks.deferred import Deferred
from services.tasks.model import Claim, Task
from services.tasks.ports import Ports
from services.tasks.repository import TaskRepository
from shouwang.errors import Conflict, Gone, Unavailable
from shouwang.outbox import RECOVERY_AGE_S, Outbox
from shouwang.tasks.v1 import tasks_pb2 as pb
from tests.support.api import wait_for
from tests.unit.tasks.conftest import ADMIN, Tasks, circle, member


def race_task(tasks: Tasks, capacity: int) -> Task:
    return tasks.dispatch(target=pb.Target(mode="area"), capacity=capacity, area=circle(1000))


def a_lone_claimant(tasks: Tasks) -> tuple[str, Task]:
    """A member on duty and a task of two slots offered to them."""
    (member_id,) = tasks.on_duty(100)
    return member_id, race_task(tasks, capacity=2)


def race(replicas: list[Ports], task: Task, members: list[str]) -> dict[str, str]:
    """Every member claims at once, by turns on each of ``replicas``; who won, who was refused."""
    start = threading.Barrier(len(members))

    def attempt(index: int) -> tuple[str, str]:
        ports, member_id = replicas[index % len(replicas)], members[index]
        start.wait()
        try:
            handlers.claim_task(ports, member(member_id), task.task_id)
        except Conflict:
            return member_id, "refused"
        return member_id, "won"

    with ThreadPoolExecutor(max_workers=len(members)) as pool:
        outcomes = dict(pool.map(attempt, range(len(members))))
    for ports in replicas:
        assert ports.deferred.wait_idle()
    return outcomes


def claim_recorded(tasks: Tasks, task: Task, outcomes: dict[str, str], member_id: str) -> None:
    """One member's claim (in a thread of its own): whether it won goes into ``outcomes``."""
    try:
        handlers.claim_task(tasks.ports, member(member_id), task.task_id)
        outcomes[member_id] = "won"
    except Conflict:
        outcomes[member_id] = "refused"


def once_set(event: threading.Event, call: Callable[..., Any]) -> Callable[..., Any]:
    """``call``, made to wait until ``event`` is set (20 s at most: a test held too long fails)."""

    def held(*args: Any, **kwargs: Any) -> Any:
        assert event.wait(20)
        return call(*args, **kwargs)

    return held


@contextmanager
def another_claim_in_flight(tasks: Tasks, task: Task) -> Iterator[None]:
    """A claim of ``task`` holding its turn at the gate (in flight) until the block ends."""
    in_flight, let_go = threading.Event(), threading.Event()

    def claim_in_flight() -> None:
        with tasks.ports.claim_gate.turn(task.task_id):
            in_flight.set()
            assert let_go.wait(20)

    other = threading.Thread(target=claim_in_flight)
    other.start()
    assert in_flight.wait(20)
    try:
        yield
    finally:
        let_go.set()
        other.join(20)


def winners(outcomes: dict[str, str]) -> list[str]:
    return sorted(m for m, outcome in outcomes.items() if outcome == "won")


def second_replica(tasks: Tasks) -> Ports:
    """Another replica of the service on the same store: its own repository, claim gate and
    deferred work, as another process would have."""
    outbox = partial(Outbox, tasks.adapters.bus, clock=tasks.clock)
    return replace(
        tasks.ports,
        tasks=TaskRepository(tasks.adapters.store, outbox=outbox),
        claim_gate=ClaimGate(),
        deferred=Deferred(),
        replica_id="second",
    )


class Writes:
    """What the store and the bus were asked to change, read from their SQLite files by a
    connection of the test's own: commits to the documents, inserts and deletes of claim
    reservations and slots (logged by triggers), and events appended."""

    def __init__(self, data: Path) -> None:
        self.documents = sqlite3.connect(data / "documents.sqlite3", isolation_level=None)
        self.events = sqlite3.connect(data / "events.sqlite3", isolation_level=None)
        self.documents.execute("CREATE TABLE IF NOT EXISTS claim_log (what TEXT, id TEXT)")
        for table in ("c_task_holds", "c_task_claim_slots"):
            for change, row in (("INSERT", "NEW"), ("DELETE", "OLD")):
                self.documents.execute(
                    f"CREATE TRIGGER IF NOT EXISTS log_{table}_{change} AFTER {change} ON {table} "
                    f"BEGIN INSERT INTO claim_log VALUES ('{table} {change}', {row}._id); END"
                )

    def commits(self) -> int:
        """Changes committed by others since this connection opened (SQLite's data_version)."""
        return self.documents.execute("PRAGMA data_version").fetchone()[0]

    def events_published(self) -> int:
        return self.events.execute("SELECT count(*) FROM messages").fetchone()[0]

    def changes_of(self, task: Task) -> list[str]:
        """The task's events after its offers, in bus order (``claimed``, ``arrived``, …)."""
        changes = []
        for (headers,) in self.events.execute("SELECT headers FROM messages ORDER BY seq"):
            fields = {k: base64.b64decode(v).decode() for k, v in json.loads(headers).items()}
            change = fields["ce_type"].rsplit(".", 1)[-1]
            if fields.get("ce_subject") == task.task_id and change not in ("created", "offered"):
                changes.append(change)
        return changes

    def claim_log(self) -> list[tuple[str, str]]:
        return self.documents.execute("SELECT what, id FROM claim_log ORDER BY rowid").fetchall()

    def close(self) -> None:
        self.documents.close()
        self.events.close()


@pytest.fixture
def writes(tasks: Tasks, tmp_path: Path) -> Iterator[Writes]:
    tasks.ports.tasks.holds.count()  # the collections' tables exist before the triggers
    tasks.ports.tasks.slots.count()
    seen = Writes(tmp_path)
    yield seen
    seen.close()


def test_a_loser_of_a_full_task_is_refused_without_a_write_or_an_event(
    tasks: Tasks, writes: Writes
) -> None:
    first, second, late = tasks.on_duty(10, 20, 30)
    created = race_task(tasks, capacity=2)
    race([tasks.ports], created, [first, second])
    commits, events = writes.commits(), writes.events_published()
    with pytest.raises(Conflict, match="fully claimed"):
        handlers.claim_task(tasks.ports, member(late), created.task_id)
    assert (writes.commits(), writes.events_published()) == (commits, events)


def test_a_loser_known_only_to_another_replica_is_refused_without_a_write(
    tasks: Tasks, writes: Writes
) -> None:
    first, late = tasks.on_duty(10, 20)
    created = race_task(tasks, capacity=1)
    race([tasks.ports], created, [first])
    other = second_replica(tasks)  # has never seen this task: reads its slots
    commits, events = writes.commits(), writes.events_published()
    with pytest.raises(Conflict, match="fully claimed"):
        handlers.claim_task(other, member(late), created.task_id)
    assert (writes.commits(), writes.events_published()) == (commits, events)


def test_in_a_race_only_the_winners_hold_and_take_slots(tasks: Tasks, writes: Writes) -> None:
    members = tasks.on_duty(*(15 * i + 10 for i in range(16)))
    created = race_task(tasks, capacity=3)
    outcomes = race([tasks.ports], created, members)
    won = winners(outcomes)
    assert len(won) == 3
    log = writes.claim_log()
    held = sorted(member_id for what, member_id in log if what.endswith("holds INSERT"))
    assert held == won  # nobody else held (and then released) a claim
    assert not [entry for entry in log if entry[0].endswith("DELETE")]
    assert sorted(c.member_id for c in tasks.ports.tasks.claims_of(created)) == won


@pytest.mark.parametrize("replicas", [1, 2])
def test_exactly_capacity_claims_win_every_round(tasks: Tasks, replicas: int) -> None:
    members = tasks.on_duty(*(15 * i + 10 for i in range(10)))
    ports = [tasks.ports] + [second_replica(tasks) for _ in range(replicas - 1)]
    for round_ in range(16):
        capacity = 1 + round_ % 4
        created = race_task(tasks, capacity=capacity)
        assert len(tasks.offered(created)) == len(members)  # everyone free again
        outcomes = race(ports, created, members)
        won = winners(outcomes)
        assert len(won) == capacity, f"round {round_}: {outcomes}"
        assert sorted(tasks.claimants(created)) == won
        assert {m for m, p in tasks.location.members.items() if p.busy} == set(won)
        handlers.cancel_task(tasks.ports, ADMIN, created.task_id)
        assert not any(p.busy for p in tasks.location.members.values())
    for replica in ports[1:]:
        replica.deferred.close()


def test_a_cancel_that_overtakes_a_claims_location_update_still_frees_the_claimant(
    tasks: Tasks,
) -> None:
    (claimant,) = tasks.on_duty(100)
    created = tasks.dispatch()
    held = hold(tasks.ports.deferred)
    handlers.claim_task(tasks.ports, member(claimant), created.task_id)  # told at once
    handlers.cancel_task(tasks.ports, ADMIN, created.task_id)  # released before it was busy
    held.set()
    assert tasks.ports.deferred.wait_idle()
    assert not tasks.location.members[claimant].busy
    assert f"task:{created.task_id}" not in tasks.location.fences


def claimed_with_deferred_work_held(tasks: Tasks) -> tuple[str, Task, threading.Event]:
    """A member's claim answered while what follows the reply waits (behind a busy queue, or a
    crash) until the event returned is set: the claimant, the task, the event."""
    (claimant,) = tasks.on_duty(100)
    created = tasks.dispatch()
    held = hold(tasks.ports.deferred)
    handlers.claim_task(tasks.ports, member(claimant), created.task_id)
    return claimant, created, held


HANG_WAIT_S = 3.0


def hold(deferred: Deferred, *, may_hang: bool = False) -> threading.Event:
    """Keep deferred work busy until the event returned is set: all of it, or (``may_hang``)
    what may hang, as a publish during a broker outage does."""
    held = threading.Event()
    deferred.submit(lambda: held.wait(15), may_hang=may_hang, what="holds deferred work")
    return held


def test_a_claims_event_is_published_after_the_winner_is_answered_and_once(
    tasks: Tasks, writes: Writes
) -> None:
    _, created, held = claimed_with_deferred_work_held(tasks)
    assert writes.changes_of(created) == []
    held.set()
    assert tasks.ports.deferred.wait_idle()
    assert writes.changes_of(created) == ["claimed"]


def test_a_claims_event_a_crash_left_unpublished_is_published_by_recovery_once(
    tasks: Tasks, writes: Writes
) -> None:
    _, created, held = claimed_with_deferred_work_held(tasks)  # "dies" before publishing
    tasks.clock.advance(RECOVERY_AGE_S + 1)
    for outbox in tasks.ports.tasks.outboxes():
        outbox.recover()
    assert writes.changes_of(created) == ["claimed"]
    held.set()  # had it lived on, its own publish finds nothing left to publish
    assert tasks.ports.deferred.wait_idle()
    assert writes.changes_of(created) == ["claimed"]


def _arrive(tasks: Tasks, task: Task, claimant: str) -> None:
    handlers.arrive(tasks.ports, task.task_id, claimant)


def _cancel(tasks: Tasks, task: Task, _claimant: str) -> None:
    handlers.cancel_task(tasks.ports, ADMIN, task.task_id)


@pytest.mark.parametrize(("change", "published"), [(_arrive, "arrived"), (_cancel, "cancelled")])
def test_a_change_before_the_claims_event_is_published_is_published_after_it(
    tasks: Tasks,
    writes: Writes,
    change: Callable[[Tasks, Task, str], None],
    published: str,
) -> None:
    """A cancel's included: else the task's group (comms, on ``claimed``) would be made after the
    cancel ended it."""
    claimant, created, held = claimed_with_deferred_work_held(tasks)
    change(tasks, created, claimant)
    assert writes.changes_of(created) == ["claimed", published]
    held.set()
    assert tasks.ports.deferred.wait_idle()
    assert writes.changes_of(created) == ["claimed", published]


def test_a_publish_held_by_the_bus_holds_neither_busy_marks_nor_scene_fences(
    tasks: Tasks, writes: Writes
) -> None:
    """A broker outage holds a publish up to the bus's timeout; the claims decided meanwhile
    still make their members busy and watch their scenes (waiting for the hanging publish once,
    not once each), and their events follow."""
    ports = replace(tasks.ports, deferred=Deferred(hang_wait_s=HANG_WAIT_S))
    members = tasks.on_duty(100, 200)
    first, second = race_task(tasks, capacity=1), race_task(tasks, capacity=1)
    held = hold(ports.deferred, may_hang=True)
    handlers.claim_task(ports, member(members[0]), first.task_id)
    handlers.claim_task(ports, member(members[1]), second.task_id)
    fences = {f"task:{first.task_id}", f"task:{second.task_id}"}
    wait_for(
        lambda: (
            all(tasks.location.members[m].busy for m in members)
            and fences <= set(tasks.location.fences)
        ),
        timeout_s=HANG_WAIT_S * 2.5,  # one wait for the held publish, not one per claim (3×)
        what="both claimants busy and watched while the publish is held",
    )
    assert writes.changes_of(first) == writes.changes_of(second) == []
    held.set()
    assert ports.deferred.wait_idle()
    ports.deferred.close()
    assert writes.changes_of(first) == writes.changes_of(second) == ["claimed"]


def test_claims_of_one_task_waiting_for_the_bus_queue_one_publish(
    tasks: Tasks, writes: Writes, monkeypatch: pytest.MonkeyPatch
) -> None:
    """In an outage each queued publish may wait the bus's timeout: one per task, not per claim."""
    members = tasks.on_duty(100, 200, 300)
    created = race_task(tasks, capacity=3)
    publishes: list[str] = []
    publish_claims = tasks.ports.tasks.publish_claims

    def counted(task: Task) -> None:
        publishes.append(task.task_id)
        publish_claims(task)

    monkeypatch.setattr(tasks.ports.tasks, "publish_claims", counted)
    held = hold(tasks.ports.deferred, may_hang=True)
    for member_id in members:
        handlers.claim_task(tasks.ports, member(member_id), created.task_id)
    wait_for(
        lambda: all(tasks.location.members[m].busy for m in members),
        timeout_s=10,
        what="the claims' work in order done, their publishes left waiting",
    )
    held.set()
    assert tasks.ports.deferred.wait_idle()
    assert publishes == [created.task_id]
    assert writes.changes_of(created) == ["claimed"] * 3


def test_the_winners_of_a_race_decided_together_are_watched_by_one_fence_registration(
    tasks: Tasks, monkeypatch: pytest.MonkeyPatch
) -> None:
    members = tasks.on_duty(100, 200, 300)
    created = race_task(tasks, capacity=3)
    registered: list[list[str]] = []
    register = tasks.location.RegisterGeofence

    def counted(request: Any) -> Any:
        registered.append(list(request.member_ids))
        return register(request)

    monkeypatch.setattr(tasks.location, "RegisterGeofence", counted)
    held = hold(tasks.ports.deferred)  # the race's work after the replies still queued
    for member_id in members:
        handlers.claim_task(tasks.ports, member(member_id), created.task_id)
    held.set()
    assert tasks.ports.deferred.wait_idle()
    assert registered == [members]
    assert all(tasks.location.members[m].busy for m in members)


def test_the_scene_fence_holds_every_winner_of_a_race(tasks: Tasks) -> None:
    members = tasks.on_duty(*(15 * i + 10 for i in range(8)))
    created = race_task(tasks, capacity=3)
    won = winners(race([tasks.ports], created, members))
    fence = tasks.location.fences[f"task:{created.task_id}"]
    assert sorted(fence.member_ids) == won


def test_claims_waiting_at_the_gate_are_refused_once_the_winner_is_answered(
    tasks: Tasks, monkeypatch: pytest.MonkeyPatch
) -> None:
    first, second = tasks.on_duty(100, 200)
    created = race_task(tasks, capacity=1)
    repository = tasks.ports.tasks
    winner_writes_last = threading.Event()
    hold, moved = repository.hold, tasks.ports.claim_gate.moved

    def hold_once_the_loser_waits(*args, **kwargs):  # type: ignore[no-untyped-def]
        wait_for(
            lambda: tasks.ports.claim_gate._races[created.task_id].waiting == 1,
            what="the second claim waiting at the gate",
        )
        return hold(*args, **kwargs)

    monkeypatch.setattr(tasks.ports.claim_gate, "_wait_s", 20.0)  # however slow the machine
    monkeypatch.setattr(repository, "hold", hold_once_the_loser_waits)
    # held once the task is moved (the embedded store runs the move under its lock)
    monkeypatch.setattr(tasks.ports.claim_gate, "moved", once_set(winner_writes_last, moved))
    outcomes: dict[str, str] = {}
    attempt = partial(claim_recorded, tasks, created, outcomes)

    winner = threading.Thread(target=attempt, args=(first,))
    winner.start()
    wait_for(lambda: created.task_id in tasks.ports.claim_gate._races, what="the first claim")
    loser = threading.Thread(target=attempt, args=(second,))
    loser.start()
    wait_for(lambda: tasks.claimants(created), what="the slot taken")
    loser.join(0.3)
    still_waiting = loser.is_alive()  # the winner is not answered yet: the loser waits
    winner_writes_last.set()
    for thread in (winner, loser):
        thread.join(20)

    assert still_waiting
    assert outcomes == {first: "won", second: "refused"}


def test_claims_beyond_the_free_slots_wait_at_the_gate_before_reading_the_store(
    tasks: Tasks, monkeypatch: pytest.MonkeyPatch
) -> None:
    first, *late = tasks.on_duty(100, 200, 300, 400)
    created = race_task(tasks, capacity=1)
    repository = tasks.ports.tasks
    readers: list[str] = []
    winner_let_on = threading.Event()
    read_offer, hold = repository.offer, repository.hold

    def counted_offer(task_id: str, member_id: str):  # type: ignore[no-untyped-def]
        readers.append(member_id)
        return read_offer(task_id, member_id)

    monkeypatch.setattr(tasks.ports.claim_gate, "_wait_s", 20.0)  # however slow the machine
    monkeypatch.setattr(repository, "offer", counted_offer)
    monkeypatch.setattr(repository, "hold", once_set(winner_let_on, hold))
    outcomes: dict[str, str] = {}
    attempt = partial(claim_recorded, tasks, created, outcomes)

    threads = [threading.Thread(target=attempt, args=(m,)) for m in (first, *late)]
    threads[0].start()
    wait_for(lambda: readers == [first], what="the first claim's reads")
    for thread in threads[1:]:
        thread.start()
    wait_for(
        lambda: tasks.ports.claim_gate._races[created.task_id].waiting == len(late),
        what="the late claims waiting at the gate",
    )
    read_while_the_slot_was_taken = list(readers)
    winner_let_on.set()
    for thread in threads:
        thread.join(20)

    assert read_while_the_slot_was_taken == [first]
    assert outcomes == {first: "won", **{m: "refused" for m in late}}
    assert readers == [first]  # refused as of the moment the slot was taken, without a read


def test_a_claim_after_a_race_reads_the_task_and_is_told_it_was_cancelled(tasks: Tasks) -> None:
    """The gate remembers a full task's claims, not its status: only the claims that waited
    while the last slot was taken are refused from what its winner read."""
    winner, late = tasks.on_duty(100, 200)
    created = race_task(tasks, capacity=1)
    tasks.claim(created, winner)
    handlers.cancel_task(tasks.ports, ADMIN, created.task_id)

    with pytest.raises(Gone):
        handlers.claim_task(tasks.ports, member(late), created.task_id)


def shared_reads(tasks: Tasks, monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """What the claims from now on read through the gate's shared reads (``read_once``)."""
    gate, shared = tasks.ports.claim_gate, []
    read_once = gate.read_once

    def recorded(task_id: str, what: str, read: Callable[[], Any]) -> Any:
        shared.append(what)
        return read_once(task_id, what, read)

    monkeypatch.setattr(gate, "read_once", recorded)
    return shared


def test_a_claim_after_a_race_reads_the_task_through_the_gates_shared_reads(
    tasks: Tasks, monkeypatch: pytest.MonkeyPatch
) -> None:
    winner, late = tasks.on_duty(100, 200)
    created = race_task(tasks, capacity=1)
    tasks.claim(created, winner)
    shared = shared_reads(tasks, monkeypatch)
    with pytest.raises(Conflict, match="fully claimed"):
        handlers.claim_task(tasks.ports, member(late), created.task_id)
    assert shared == ["task"]


def test_a_member_not_offered_a_full_task_is_told_so(tasks: Tasks) -> None:
    winner, _offered = tasks.on_duty(100, 200)
    created = race_task(tasks, capacity=1)
    tasks.claim(created, winner)

    with pytest.raises(Conflict, match="not offered"):
        handlers.claim_task(tasks.ports, member("m-never-offered"), created.task_id)


def test_a_races_winners_reply_and_fill_the_gate_with_the_claims_they_know(
    tasks: Tasks, monkeypatch: pytest.MonkeyPatch
) -> None:
    """On one replica the winners read the claims once each, before their slots: neither their
    replies nor the last winner's telling the gate it is full read them again."""
    members = tasks.on_duty(*(15 * i + 10 for i in range(8)))
    created = race_task(tasks, capacity=3)
    repository = tasks.ports.tasks
    reads: list[str] = []
    claims_of, claims_by_id = repository.claims_of, repository.claims_by_id

    def counted(task_id: str, *, capacity: int) -> list[Claim]:
        if threading.current_thread().name.startswith("claimant"):  # not the work after replies
            reads.append(task_id)
        return claims_by_id(task_id, capacity=capacity)

    monkeypatch.setattr(repository, "claims_by_id", counted)
    start = threading.Barrier(len(members))

    def attempt(member_id: str) -> handlers.Claimed | None:
        start.wait()
        try:
            return handlers.claim_for_reply(tasks.ports, member(member_id), created.task_id)
        except Conflict:
            return None

    with ThreadPoolExecutor(max_workers=len(members), thread_name_prefix="claimant") as pool:
        replies = [reply for reply in pool.map(attempt, members) if reply is not None]
    assert tasks.ports.deferred.wait_idle()

    stored = claims_of(created)
    assert len(replies) == len(stored) == 3
    assert len(reads) == 3  # one per winner, before its slot; none by the losers
    for reply in replies:
        assert reply.claims is not None
        assert reply.claims == stored[: len(reply.claims)]  # as a read a moment earlier
    assert max(len(reply.claims or ()) for reply in replies) == 3  # the last has every one


@pytest.mark.parametrize("gate_full", [False, True])
def test_a_claim_whose_move_failed_is_moved_by_the_claimants_retry(
    tasks: Tasks, monkeypatch: pytest.MonkeyPatch, gate_full: bool
) -> None:
    """The store went away after the slot was taken: the claim failed, the task stayed
    dispatching; the claimant's retry (its task full, or not) moves it."""
    claimant = tasks.on_duty(100)[0]
    created = race_task(tasks, capacity=1 if gate_full else 2)
    repository = tasks.ports.tasks
    move = repository.move_status
    monkeypatch.setattr(repository, "move_status", lambda *a, **k: _raise(Unavailable()))
    with pytest.raises(Unavailable):
        handlers.claim_task(tasks.ports, member(claimant), created.task_id)
    assert tasks.ports.tasks.get(created.task_id).status == "dispatching"  # type: ignore[union-attr]
    monkeypatch.setattr(repository, "move_status", move)

    retried = handlers.claim_task(tasks.ports, member(claimant), created.task_id)

    assert retried.status == "claimed"
    assert tasks.ports.tasks.get(created.task_id).status == "claimed"  # type: ignore[union-attr]


def _raise(error: Exception) -> None:
    raise error


def test_the_work_after_a_winners_reply_waits_for_the_claims_in_flight_beside_it(
    tasks: Tasks,
) -> None:
    """Publishing, the busy mark and the scene fence wait until the race's other claims in
    flight on this replica are answered (they would share the interpreter and the store)."""
    (claimant,) = tasks.on_duty(100)
    created = race_task(tasks, capacity=2)
    with another_claim_in_flight(tasks, created):
        handlers.claim_task(tasks.ports, member(claimant), created.task_id)  # answered at once
        assert not tasks.ports.deferred.wait_idle(0.3)
        assert not tasks.location.members[claimant].busy
    assert tasks.ports.deferred.wait_idle()
    assert tasks.location.members[claimant].busy


def test_in_a_race_on_one_replica_each_winner_takes_its_slot_at_the_first_try(
    tasks: Tasks, monkeypatch: pytest.MonkeyPatch
) -> None:
    members = tasks.on_duty(*(15 * i + 10 for i in range(8)))
    slots = tasks.ports.tasks.slots
    tried: list[str] = []
    insert = slots.insert

    def counted(document: dict[str, Any]) -> None:
        tried.append(document["_id"])
        insert(document)

    monkeypatch.setattr(slots, "insert", counted)
    for _ in range(5):  # the claims' timing differs from run to run
        tried.clear()
        created = race_task(tasks, capacity=3)
        won = winners(race([tasks.ports], created, members))
        assert len(won) == 3
        assert len(tried) == 3, tried  # no insert refused for a slot another had just taken
        handlers.cancel_task(tasks.ports, ADMIN, created.task_id)  # frees the winners


def test_claims_in_flight_with_the_first_winner_answer_with_the_task_and_offers_it_had(
    tasks: Tasks, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Neither move nor read the task again, nor read its offers — while the race is on: a claim
    after it reads them (they may have changed since)."""
    first, second, third = tasks.on_duty(100, 200, 300)
    created = race_task(tasks, capacity=4)
    calls: list[str] = []
    repository = tasks.ports.tasks
    get, offers_of, move = repository.get, repository.offers_of, repository.move_status
    monkeypatch.setattr(repository, "get", lambda task_id: calls.append("get") or get(task_id))
    monkeypatch.setattr(
        repository, "offers_of", lambda task: calls.append("offers") or offers_of(task)
    )
    monkeypatch.setattr(
        repository, "move_status", lambda *a, **k: calls.append("move") or move(*a, **k)
    )
    with another_claim_in_flight(tasks, created):
        earlier = handlers.claim_for_reply(tasks.ports, member(first), created.task_id)
        assert calls == ["get", "move", "offers"]
        calls.clear()
        later = handlers.claim_for_reply(tasks.ports, member(second), created.task_id)
        assert calls == ["get"]  # its claim's read; nothing for the reply
    assert later.task == earlier.task and earlier.task.status == "claimed"
    assert later.offers == earlier.offers == offers_of(created)
    # The work after the two replies (its reads of the task) done before the third claim counts.
    assert tasks.ports.deferred.wait_idle()
    calls.clear()
    handlers.claim_for_reply(tasks.ports, member(third), created.task_id)  # the race is over
    # its claim's read, the offers anew (beside a move its read tells is done), the task anew
    assert calls == ["get", "offers", "get"]


def test_the_first_winner_reads_the_offers_beside_its_move(
    tasks: Tasks, monkeypatch: pytest.MonkeyPatch
) -> None:
    """One round trip for the move and the reply's offers, not one after the other."""
    first, created = a_lone_claimant(tasks)
    repository = tasks.ports.tasks
    together: list[list[str]] = []
    at_once, offers_of, move = repository.at_once, repository.offers_of, repository.move_status
    current: list[str] = []

    def recorded(*operations: Callable[[], Any]) -> tuple[Any, ...]:
        current.clear()
        results = at_once(*operations)
        together.append(list(current))
        return results

    monkeypatch.setattr(repository, "at_once", recorded)
    monkeypatch.setattr(
        repository, "offers_of", lambda task: current.append("offers") or offers_of(task)
    )
    monkeypatch.setattr(
        repository, "move_status", lambda *a, **k: current.append("move") or move(*a, **k)
    )
    claimed = handlers.claim_for_reply(tasks.ports, member(first), created.task_id)
    assert claimed.task.status == "claimed"
    assert ["move", "offers"] in together
    assert claimed.offers == offers_of(claimed.task)


def test_a_claims_reads_and_move_go_through_the_gates_shared_reads(
    tasks: Tasks, monkeypatch: pytest.MonkeyPatch
) -> None:
    first, second = tasks.on_duty(100, 200)
    created = race_task(tasks, capacity=3)
    shared = shared_reads(tasks, monkeypatch)
    for member_id in (first, second):
        handlers.claim_for_reply(tasks.ports, member(member_id), created.task_id)
    # one after the other, each read, moved and read the offers through the gate (sharing is
    # ClaimGate's test: the embedded store runs one claim's reads at a time)
    assert sorted(shared) == sorted(["claims", "move", "offers", "task"] * 2)
    assert sorted(tasks.claimants(created)) == sorted([first, second])


def test_a_wave_landing_between_a_claims_read_and_its_move_is_in_the_reply(
    tasks: Tasks, monkeypatch: pytest.MonkeyPatch
) -> None:
    first, created = a_lone_claimant(tasks)
    repository = tasks.ports.tasks
    move = repository.move_status

    def a_wave_lands_first(task: Task, *args: Any, **kwargs: Any) -> Task | None:
        repository.record_offer(task, "late-wave", distance_m=900.0, wave=2, at_ms=0)
        moved = move(task, *args, **kwargs)
        return moved and replace(moved, offered_ids=(*(moved.offered_ids or ()), "late-wave"))

    monkeypatch.setattr(repository, "move_status", a_wave_lands_first)
    claimed = handlers.claim_for_reply(tasks.ports, member(first), created.task_id)
    assert "late-wave" in [offer.member_id for offer in claimed.offers or []]
