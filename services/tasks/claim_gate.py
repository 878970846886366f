"""How many claims of one task this replica lets read and try for a slot at once: no more than
the slots it believes free. In a race of 48 for 3 slots the store then sees 3 claims instead of
48 until the slots are taken, the winners are not slowed by the losers' reads and writes, and
the losers — let in once the slots are known taken — are refused without a write, and those that
waited while the last slot was taken without a read either (a moment after the last winner's
reply, ``REFUSE_WAITERS_AFTER_S``): they are refused as of the moment it filled, from the task
as its last winner read it (``Turn.task``); a claim that comes later reads the task, whose status
may have changed since (one read shared by the claims that come while it is in flight,
``read_once``).

The gate learns a task's capacity when this replica creates it or first reads it; until then it
lets one claim in to read it. Only admission, never the decision: the unique inserts of
``repository`` still decide, on every replica (another replica's claims show up as slots this one
did not expect, and an attempt let through on a stale count simply loses there). A task's slots
are never freed, so "full", once seen, stays true and needs no invalidation; its status
(cancelled, expired) is still read from the store on every claim.
"""

from __future__ import annotations

import itertools
import threading
import time
from collections import OrderedDict
from collections.abc import Callable, Iterator
from concurrent.futures import Future
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import TypeVar

from services.tasks.model import Claim, Offer, Task

# An attempt holds its turn for a few store writes; one that has not finished by then is stuck
# (a store outage), and a waiter goes on to the store rather than wait for it.
TURN_WAIT_S = 2.0
# The claims that waited while a task filled are refused this long after its last winner was
# answered: refused at once, their dozens of replies reached the gateway beside the last winner's
# and held it up there.
REFUSE_WAITERS_AFTER_S = 0.05
REMEMBERED_TASKS = 10_000

T = TypeVar("T")


@dataclass
class _Race:
    """What this replica knows of one task's slots."""

    changed: threading.Condition
    capacity: int | None = None  # unknown until the task is created here or read
    taken: int = 0  # slots known taken (from reads and this replica's own wins)
    trying: int = 0  # this replica's claims between their turn and their outcome
    full: tuple[Claim, ...] | None = None  # every slot's claim, once all are taken
    full_task: Task | None = None  # as the claim that learnt it full read it, for the waiters
    claimed_task: Task | None = None  # as the first claim moved it, for the others' replies
    offers: list[Offer] | None = None  # as a winner's reply read them, for the others' replies
    refuse_from: float = 0.0  # monotonic: when the claims that waited as it filled are refused
    waiting: int = 0  # callers waiting for a turn
    claims: dict[int, Claim] = field(default_factory=dict)  # by slot: read, or taken here
    inserting: threading.Lock = field(default_factory=threading.Lock)  # ``taking_a_slot``


@dataclass(frozen=True)
class Turn:
    """A claim's admission: ``full`` when the task is known full (the claim holds no place then
    and its claims need not be read); ``task`` too when the claim waited while it filled."""

    full: tuple[Claim, ...] | None
    task: Task | None = None


class ClaimGate:
    def __init__(
        self,
        *,
        remembered: int = REMEMBERED_TASKS,
        wait_s: float = TURN_WAIT_S,
        refuse_after_s: float = REFUSE_WAITERS_AFTER_S,
    ) -> None:
        self._lock = threading.Lock()
        self._races: OrderedDict[str, _Race] = OrderedDict()
        self._reading: dict[tuple[str, str], Future] = {}  # ``read_once``'s reads in flight
        self._remembered = remembered
        self._wait_s = wait_s
        self._refuse_after_s = refuse_after_s

    def saw(self, task: Task, claims: list[Claim]) -> None:
        """Claims read from the store: what is taken there now."""
        with self._lock:
            race = self._race(task.task_id)
            self._learn(race, task, claims)

    @contextmanager
    def turn(self, task_id: str) -> Iterator[Turn]:
        """Wait until this replica's claims in flight are fewer than the slots it believes free
        (one, while the task's capacity is unknown), then hold one of those places until the
        block ends. Inside, report what the claim read with ``saw`` and what it took with
        ``took``; ``filled`` (inside or after) lets the waiters in to be refused."""
        admitted = self._admit(task_id)
        if admitted.full is not None:
            yield admitted
            return
        try:
            yield admitted
        finally:
            with self._lock:
                race = self._race(task_id)
                race.trying -= 1
                if not race.trying:  # the race's copies serve only claims in flight with it
                    race.claimed_task = race.offers = None
                race.changed.notify_all()

    def read_once(self, task_id: str, what: str, read: Callable[[], T]) -> T:
        """``read`` of the task's ``what`` — or, when the same read is in flight here, its
        answer: a race's winners are let in together and each read the task and its claims, the
        same answer three times over from a busy store. Shared, it is as of a read begun a
        moment before the claim came, like the other copies the gate keeps; one that fails or
        does not come within the turn's wait is read again by each claim that waited for it (a
        failed move's write may have landed: the others' replies should not fail with it).
        Called inside the store's ``at_once``: the embedded store holds its lock across, so no
        claim waits there for a read it keeps from the store."""
        key = (task_id, what)
        with self._lock:
            pending = self._reading.get(key)
            leading = pending is None
            if pending is None:
                pending = self._reading[key] = Future()
        if not leading:
            try:
                return pending.result(timeout=self._wait_s)
            except Exception:  # not in time, or failed: this claim's own read decides
                return read()
        try:
            answer = read()
        except BaseException as error:
            pending.set_exception(error)
            raise
        else:
            pending.set_result(answer)
            return answer
        finally:
            with self._lock:
                del self._reading[key]

    def wait_race_decided(self, task_id: str, timeout_s: float = TURN_WAIT_S) -> bool:
        """Until none of this replica's claims of the task is in flight or waiting for a turn
        (False after ``timeout_s``): the work after a winner's reply waits so for the race's
        later winners, which it would otherwise slow — sharing the interpreter and the store,
        and through its events the consumers' writes to the same store — and until the claims
        that waited while it filled have left the gate to be refused (``REFUSE_WAITERS_AFTER_S``
        after the last winner's reply), whose replies it held up beside them."""
        deadline = time.monotonic() + timeout_s
        with self._lock:
            race = self._race(task_id)
            while race.trying or race.waiting:
                left = deadline - time.monotonic()
                if left <= 0:
                    return False
                race.changed.wait(left)
            return True

    @contextmanager
    def taking_a_slot(self, task_id: str) -> Iterator[None]:
        """One of this replica's claims of the task at a time from choosing its first free slot
        to taking it: at once, they chose the same slot and all but one tried again, an insert
        refused each (the store's writes go one at a time anyway)."""
        with self._lock:
            inserting = self._race(task_id).inserting
        with inserting:
            yield

    def capacity(self, task_id: str) -> int | None:
        """The task's capacity, once this replica created or read it."""
        with self._lock:
            race = self._races.get(task_id)
            return None if race is None else race.capacity

    def first_free(self, task: Task) -> int:
        """The first slot that may be free, from what this replica read (``saw``) and took."""
        with self._lock:
            return min(self._race(task.task_id).taken, task.capacity)

    def took(self, task: Task, claim: Claim) -> None:
        """This replica's attempt took ``claim.slot`` (slots are taken from 0 upwards, without
        gaps)."""
        with self._lock:
            race = self._race(task.task_id)
            race.taken = max(race.taken, claim.slot + 1)
            race.claims[claim.slot] = claim

    def moved(self, task: Task) -> None:
        """The task as the first claim here moved it to claimed: the claims in flight with it
        answer with it instead of moving and reading it again (``as_moved``), while any is in
        flight and the task is not full."""
        with self._lock:
            race = self._race(task.task_id)
            if race.full is None:
                race.claimed_task = task

    def as_moved(self, task_id: str) -> Task | None:
        with self._lock:
            race = self._races.get(task_id)
            return None if race is None else race.claimed_task

    def saw_offers(self, task: Task, offers: list[Offer]) -> None:
        """The task's offers as a winner's reply read them: the claims in flight with it answer
        with them (``offers_seen``) as if read a moment earlier, while any is in flight and the
        task is not full."""
        with self._lock:
            race = self._race(task.task_id)
            if race.full is None:
                race.offers = offers

    def offers_seen(self, task_id: str) -> list[Offer] | None:
        with self._lock:
            race = self._races.get(task_id)
            return None if race is None else race.offers

    def claims_known(self, task: Task) -> list[Claim]:
        """The task's claims from slot 0 up to the first this replica has neither read nor taken:
        in a race on one replica, every winner's, without a read. Another replica's claim taken
        since this one read the slots is missing, as from a read made a moment earlier."""
        with self._lock:
            race = self._race(task.task_id)
            known = race.claims if race.full is None else dict(enumerate(race.full))
            in_order = (known.get(slot) for slot in range(task.capacity))
            return list(itertools.takewhile(lambda claim: claim is not None, in_order))

    def filled(self, task: Task, claims: list[Claim]) -> None:
        """Every slot is taken: ``claims`` are all of them, read from the store."""
        self.saw(task, claims)

    def _admit(self, task_id: str) -> Turn:
        deadline = time.monotonic() + self._wait_s
        with self._lock:
            race = self._race(task_id)
            full_on_arrival = race.full is not None
            while True:
                if race.full is None:
                    left = deadline - time.monotonic()
                    if race.trying < self._places(race) or left <= 0:
                        break  # a place, or a claim is stuck: let the store decide
                else:
                    left = race.refuse_from - time.monotonic()
                    if full_on_arrival or left <= 0:
                        break
                race.waiting += 1
                try:
                    race.changed.wait(left)
                finally:
                    race.waiting -= 1
                    if not race.waiting:  # for ``wait_race_decided``
                        race.changed.notify_all()
            if race.full is not None:
                task = None if full_on_arrival else race.full_task
                if not race.waiting:
                    race.full_task = None  # each claim that waited has it; later ones read
                return Turn(full=race.full, task=task)
            race.trying += 1
            return Turn(full=None)

    @staticmethod
    def _places(race: _Race) -> int:
        return 1 if race.capacity is None else race.capacity - race.taken

    def _learn(self, race: _Race, task: Task, claims: list[Claim]) -> None:
        if race.capacity is None:
            race.capacity = task.capacity
            race.changed.notify_all()
        race.taken = max(race.taken, len(claims))
        race.claims.update((claim.slot, claim) for claim in claims)
        if len(claims) >= task.capacity and race.full is None:
            race.full = tuple(claims)
            race.claims = {}  # ``full`` has them
            race.claimed_task = race.offers = None  # a claim from now on reads them
            race.full_task = task if race.waiting else None  # kept for the claims waiting now
            race.refuse_from = time.monotonic() + self._refuse_after_s
            race.changed.notify_all()

    def _race(self, task_id: str) -> _Race:
        """The task's entry (the lock held), remembering the most recently claimed tasks."""
        race = self._races.get(task_id)
        if race is None:
            race = self._races[task_id] = _Race(changed=threading.Condition(self._lock))
            self._forget_oldest()
        else:
            self._races.move_to_end(task_id)
        return race

    def _forget_oldest(self) -> None:
        while len(self._races) > self._remembered:
            oldest_id, oldest = next(iter(self._races.items()))
            if oldest.trying or oldest.waiting:
                self._races.move_to_end(oldest_id)  # in use: keep counting it
                if all(r.trying or r.waiting for r in self._races.values()):
                    return
                continue
            del self._races[oldest_id]
