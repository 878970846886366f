"""Tasks' commands: create, claim, decline, arrive, complete, confirm, cancel, and scoped reads.

Claims are decided by unique inserts (see ``repository``): a member first takes their hold
(one task at a time, so one claim each), then the first free of the task's ``capacity`` numbered
slots, so with capacity N exactly N of any number of concurrent claims win, on every replica.
A replica lets no more of its claims of a task read and try than it believes slots are free
(``claim_gate``), so the others wait without touching the store and are refused without a write
once the slots are taken, and a winner is answered before their claim's event is published and
location is told they are busy (``deferred``): the event is staged in the slot's document
first, so a crash before it is published leaves it to the outbox's recovery.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from prometheus_client import Histogram

from services.tasks import model, scene, timers
from services.tasks.claim_gate import Turn
from services.tasks.events import task_closed, task_updated, told_to_offered
from services.tasks.model import Claim, Hold, Offer, Task
from services.tasks.ports import Ports
from shouwang.clock import to_millis
from shouwang.errors import Conflict, DomainError, Forbidden, InvalidArgument, NotFound
from shouwang.events import Event
from shouwang.ids import derived_id, new_id
from shouwang.scope import Caller
from shouwang.store import DuplicateKey
from shouwang.store.paging import Page

log = logging.getLogger(__name__)

RESPONSE_BUCKETS = (5, 10, 20, 30, 60, 90, 120, 180, 300, 600, 1200)
OFFER_TO_CLAIM = Histogram(
    "shouwang_task_offer_to_claim_seconds",
    "Seconds from a member's offer to their claim.",
    buckets=RESPONSE_BUCKETS,
)
CLAIM_TO_ARRIVAL = Histogram(
    "shouwang_task_claim_to_arrival_seconds",
    "Seconds from a claim to arrival on scene (the 1-3-5 minutes).",
    buckets=RESPONSE_BUCKETS,
)


def create_task(ports: Ports, caller: Caller, request: Any) -> Task:
    if not caller.is_officer:
        raise Forbidden(detail="only officers dispatch tasks")
    errors = model.validate_task(request)
    if errors:
        raise InvalidArgument(detail="the task has invalid fields", errors=errors)
    if request.request_id:
        task_id = derived_id("task", caller.member_id, request.request_id)
        if (retried := ports.tasks.get(task_id)) is not None:
            return retried  # the first attempt created it; its reply was lost or failed
    else:
        task_id = new_id()
    now = ports.clock.now()
    task = model.new_task(
        request,
        task_id=task_id,
        station_id=caller.station_id,
        city_wide=caller.city_wide,
        created_by=caller.member_id,
        now_ms=to_millis(now),
        # The first wave goes out in this request, below; other replicas step in only if this
        # one dies before it has, once a lease would have expired.
        first_due_ms=to_millis(now) + int(ports.lease_s * 1000),
    )
    try:
        ports.tasks.new_task(task, [task_updated(task, "created", at=now, participants=[])])
    except DuplicateKey:  # the same retry on another replica, a moment earlier
        return _existing_task(ports, task_id)
    ports.wakeups.remember(task.task_id, task.due_at_ms or 0)
    ports.claim_gate.saw(task, [])  # its capacity: a race's first claims need not read it
    # "Within a second": the first wave goes out now, and its write publishes the staged
    # `created` first, then `offered` (one store write fewer before the offer than publishing
    # `created` alone); the timer takes over after the first wave.
    timers.run_due(ports, task)
    created = ports.tasks.publish_staged(task.task_id) or task  # in case the wave did not run
    log.info("task created", extra={"task_id": task.task_id, "mode": task.target.mode})
    return created


@dataclass(frozen=True)
class Claimed:
    """A claim's outcome: the task, and — for a claim that just took its slot — the task's claims
    as its replica knows them (read before, or taken here) and its offers as the race's first
    reply read them, so the later replies need no read of them."""

    task: Task
    claims: list[Claim] | None = None
    offers: list[Offer] | None = None


def claim_task(ports: Ports, caller: Caller, task_id: str) -> Task:
    return claim_for_reply(ports, caller, task_id).task


def claim_for_reply(ports: Ports, caller: Caller, task_id: str) -> Claimed:
    member_id, now = caller.member_id, ports.clock.now()
    now_ms = to_millis(now)
    with ports.claim_gate.turn(task_id) as turn:
        if turn.full is not None:
            return Claimed(_claim_of_a_full_task(ports, turn, task_id, member_id, now_ms=now_ms))
        task, offer, claims = _claim_reads(ports, task_id, member_id)
        refusal = model.claim_refusal(
            task,
            member_id=member_id,
            now_ms=now_ms,
            offered=offer is not None,
            claims=claims,
        )
        if refusal is not None:
            raise refusal
        if offer is None or _holds(claims, member_id):
            return Claimed(_as_claimed(ports, task, now_ms=now_ms))  # a retried claim
        if (declined := model.declined_refusal(offer)) is not None:
            raise declined
        _hold(ports, task, member_id, now_ms=now_ms)  # the last rule, asked once it has its turn
        with ports.claim_gate.taking_a_slot(task_id):
            first_free = ports.claim_gate.first_free(task)  # from the claims read and taken
            claim = _take_slot(
                ports, task, offer, member_id=member_id, first_free=first_free, now=now
            )
        # Answered inside the turn: the work after the winners' replies waits until the race is
        # decided (``ClaimGate.wait_race_decided``): its claims answered, not only given slots.
        return _claimed(ports, task, claim, now_ms=now_ms)


def _claimed(ports: Ports, task: Task, claim: Claim, *, now_ms: int) -> Claimed:
    """A winner's claim once its slot is taken: the task moved, the work after the reply left
    for later, the gate told when it is full."""
    task_id, member_id = task.task_id, claim.member_id
    try:
        OFFER_TO_CLAIM.observe(claim.offer_to_claim_s)
        # The first claim moves the task; the claims in flight with it are answered with the
        # task as it moved it, once it has or from its move still under way (another attempt
        # could only fail — a conditional update, on FerretDB decided by a read — and then read
        # the task, one after the other under the collection's lock). Should the move fail, a
        # claimant's retry moves it (``_as_claimed``). Moves and reads go through ``at_once``
        # as the claim's reads do (see ``ClaimGate.read_once``).
        gate = ports.claim_gate
        as_moved, offers = gate.as_moved(task_id), gate.offers_seen(task_id)
        moved = None
        move = lambda: gate.read_once(  # noqa: E731
            task_id, "move", lambda: _move_forward(ports, task, model.CLAIMED, at_ms=now_ms)
        )
        if as_moved is None and offers is None:
            # The reply's offers read beside the move (which changes the task's status only):
            # one round trip fewer for the first winner.
            moved, offers = ports.tasks.at_once(
                move, lambda: gate.read_once(task_id, "offers", lambda: ports.tasks.offers_of(task))
            )
            if moved is not None and moved.offered_ids != task.offered_ids:
                offers = ports.tasks.offers_of(moved)  # a wave landed between read and move
        elif as_moved is None:
            (moved,) = ports.tasks.at_once(move)
        if moved is not None:
            gate.moved(moved)
        _after_the_reply(ports, task, member_id)
        log.info("task claimed", extra={"task_id": task_id, "member_id": member_id})
        known = gate.claims_known(task)
        # A move that found the task moved already: by the first winner, whose copy may be
        # there by now.
        as_now = moved or as_moved or gate.as_moved(task_id) or ports.tasks.get(task_id) or task
        if offers is None:
            offers = ports.tasks.offers_of(as_now)
        gate.saw_offers(as_now, offers)
        return Claimed(
            as_now,
            claims=known if len(known) > claim.slot else None,  # else a gap: read them
            offers=offers,
        )
    finally:
        # The claims waiting at the gate are refused only once the last slot's winner is done
        # with its writes: refused earlier, the losers' requests shared the interpreter with the
        # winners' last writes and the winners were told later.
        if claim.slot == task.capacity - 1:
            _tell_the_gate_it_is_full(ports, task)


def _after_the_reply(ports: Ports, task: Task, member_id: str) -> None:
    """A winner's work left for after its reply (``deferred``): once the race is decided here
    (no claim of the task left in flight or waiting), the claim's event published, then the
    race's winners busy and the scene watched by one gathered job."""
    task_id = task.task_id
    ports.deferred.submit(
        lambda: ports.claim_gate.wait_race_decided(task_id),
        what="the race decided",
        task_id=task_id,
    )
    ports.deferred.submit(
        lambda: ports.tasks.publish_claims(task),
        may_hang=True,
        key=task_id,
        what="claims published",
        task_id=task_id,
    )
    ports.deferred.gather(
        lambda member_ids: _occupy_once_decided(ports, task, member_ids),
        member_id,
        key=task_id,
        what="claimants busy, scene watched",
        task_id=task_id,
    )


def _occupy_once_decided(ports: Ports, task: Task, member_ids: list[str]) -> None:
    """A winner decided while the first winner's gathered job waited its turn joined it without
    its own wait for the race: waited for here (at once when nothing is left in flight)."""
    ports.claim_gate.wait_race_decided(task.task_id)
    scene.occupy(ports, task, member_ids)


def _tell_the_gate_it_is_full(ports: Ports, task: Task) -> None:
    """Never fails the winner's claim: a gate not told lets its waiters read the store after
    ``TURN_WAIT_S``."""
    known = ports.claim_gate.claims_known(task)  # every slot's, when all were taken here
    try:
        claims = known if len(known) >= task.capacity else ports.tasks.claims_of(task)
        ports.claim_gate.filled(task, claims)
    except Exception:
        log.exception("claims of a full task unread", extra={"task_id": task.task_id})


def _claim_reads(
    ports: Ports, task_id: str, member_id: str
) -> tuple[Task, Offer | None, list[Claim]]:
    """The task, the member's offer and the task's claims, read at once (in a race each read
    waited for the store again behind the other claims' writes; MongoDB overlaps their round
    trips). A task whose capacity this replica does not know yet is read first: its capacity
    names its claims' slots."""
    capacity = ports.claim_gate.capacity(task_id)
    if capacity is None:
        task, offer = ports.tasks.at_once(
            lambda: _existing_task(ports, task_id), lambda: ports.tasks.offer(task_id, member_id)
        )
        claims = ports.tasks.claims_of(task)
    else:  # the task and its claims are the same for the claims let in with this one
        gate = ports.claim_gate
        task, offer, claims = ports.tasks.at_once(
            lambda: _task_once(ports, task_id),
            lambda: ports.tasks.offer(task_id, member_id),
            lambda: gate.read_once(
                task_id, "claims", lambda: ports.tasks.claims_by_id(task_id, capacity=capacity)
            ),
        )
        claims = list(claims)  # the shared answer stays as read
    ports.claim_gate.saw(task, claims)
    return task, offer, claims


def _claim_of_a_full_task(
    ports: Ports, turn: Turn, task_id: str, member_id: str, *, now_ms: int
) -> Task:
    """A race's loser refused without reading its offer — nor the task, when it waited while the
    last slot was taken (``Turn.task``); a retried claim of one of the winners, the task. The
    offer is read only for one the task does not name as offered (a wave being written names
    its members after their offers). The losers that come after it filled read it through the
    gate's shared reads: in a race of 48 through one gateway most come after, and their reads of
    the same task were about 43 of the 62 reads of tasks a cluster race cost."""
    task = turn.task or ports.tasks.at_once(lambda: _task_once(ports, task_id))[0]
    claims = list(turn.full or ())
    offered = member_id in (task.offered_ids or ()) or (
        ports.tasks.offer(task_id, member_id) is not None
    )
    refusal = model.claim_refusal(
        task, member_id=member_id, now_ms=now_ms, offered=offered, claims=claims
    )
    if refusal is not None:
        raise refusal
    # A winner's retry: the task as it is now (read just now, unless the copy was used).
    current = task if turn.task is None else (ports.tasks.get(task_id) or task)
    return _as_claimed(ports, current, now_ms=now_ms)


def _hold(ports: Ports, task: Task, member_id: str, *, now_ms: int) -> None:
    """Mark the member as taking this claim, or refuse them: busy with another task, or this
    claim being taken already."""
    held = ports.tasks.hold(task, member_id, at_ms=now_ms)
    if held is None:
        return
    if not _abandoned(ports, held, member_id, now_ms=now_ms):
        if held.task_id == task.task_id:
            raise Conflict(detail="your claim is being processed")
        raise model.busy_refusal()
    if not ports.tasks.take_over_hold(held, task, member_id, at_ms=now_ms):
        raise Conflict(detail="your claim is being processed")


def _abandoned(ports: Ports, held: Hold, member_id: str, *, now_ms: int) -> bool:
    """Whether no claim stands behind a hold: its task is over (a release failed half way), or
    the member has no claim in it ``HOLD_GRACE_MS`` after it was made (a replica died between
    the hold and the slot). Asked only of a member found holding one."""
    marked = ports.tasks.get(held.task_id)
    if marked is None or marked.status in model.FINISHED:
        return True
    young = now_ms - held.at_ms < model.HOLD_GRACE_MS
    return not young and ports.tasks.claim(marked, member_id) is None


def _as_claimed(ports: Ports, task: Task, *, now_ms: int) -> Task:
    """For a claimant's retry: the task, moved forward if its first claim's move failed (the
    store away after the slot was taken) — nothing else would move it."""
    return _move_forward(ports, task, model.CLAIMED, at_ms=now_ms) or task


def _holds(claims: Sequence[Claim], member_id: str) -> bool:
    return any(claim.member_id == member_id for claim in claims)


def _take_slot(
    ports: Ports, task: Task, offer: Offer, *, member_id: str, first_free: int, now: datetime
) -> Claim:
    """The held member's claim, in a free slot if any is left."""
    waited = (to_millis(now) - offer.offered_at_ms) / 1000
    claimed = told_to_offered(
        ports, task, "claimed", at=now, becomes=model.CLAIMED, member_id=member_id, seconds=waited
    )
    taken = ports.tasks.take_slot(
        task,
        offer,
        member_id=member_id,
        first_free=first_free,
        at_ms=to_millis(now),
        offer_to_claim_s=waited,
        events=[claimed],
    )
    if taken is None:  # another replica's claims took the slots this one believed free
        ports.claim_gate.filled(task, ports.tasks.claims_of(task))
        raise Conflict(detail="the task is already fully claimed")
    ports.claim_gate.took(task, taken)
    return taken


def decline_task(ports: Ports, caller: Caller, task_id: str) -> Task:
    task = _existing_task(ports, task_id)
    if ports.tasks.claim(task, caller.member_id) is not None:
        raise Conflict(detail="you claimed this task; ask the dispatcher to release you")
    now = ports.clock.now()
    declined = told_to_offered(ports, task, "declined", at=now, member_id=caller.member_id)
    if not ports.tasks.decline(task_id, caller.member_id, at_ms=to_millis(now), events=[declined]):
        raise Conflict(detail="this task is not offered to you, or you declined it already")
    if model.wave_answered(task, ports.tasks.offers_of(task), ports.tasks.claims_of(task)):
        ports.tasks.hasten(task, due_at_ms=to_millis(now))
        ports.wakeups.remember(task_id, to_millis(now))
    return ports.tasks.get(task_id) or task


def arrive(ports: Ports, task_id: str, member_id: str) -> Task | None:
    """Mark a claimant on scene (manual, or their fixes entered the scene geofence)."""
    task = ports.tasks.get(task_id)
    claim = None if task is None else ports.tasks.claim(task, member_id)
    if task is None or claim is None or claim.arrived_at_ms is not None:
        return task
    now = ports.clock.now()
    seconds = (to_millis(now) - claim.claimed_at_ms) / 1000
    arrived = told_to_offered(
        ports, task, "arrived", at=now, becomes=model.ON_SCENE, member_id=member_id, seconds=seconds
    )
    marked = ports.tasks.mark_arrived(
        task, claim, at_ms=to_millis(now), seconds=seconds, events=[arrived]
    )
    if marked is None:
        return task
    CLAIM_TO_ARRIVAL.observe(seconds)
    moved = _move_forward(ports, task, model.ON_SCENE, at_ms=to_millis(now))
    return moved or ports.tasks.get(task_id)


def arrive_manually(ports: Ports, caller: Caller, task_id: str) -> Task:
    task = _existing_task(ports, task_id)
    if ports.tasks.claim(task, caller.member_id) is None:
        raise Conflict(detail="only a claimant can arrive")
    if task.status not in model.OPEN:
        raise Conflict(detail=f"the task is {task.status}")
    return arrive(ports, task_id, caller.member_id) or task


def complete_task(
    ports: Ports, caller: Caller, task_id: str, *, note: str, media_ids: list[str]
) -> Task:
    task = _existing_task(ports, task_id)
    if ports.tasks.claim(task, caller.member_id) is None:
        raise Conflict(detail="only a claimant can complete the task")
    if len(note) > model.MAX_NOTE_LENGTH or len(media_ids) > model.MAX_PHOTOS:
        raise InvalidArgument(detail="a note of at most 2000 characters and up to 9 photos")
    _refuse_unless_allowed(task, model.RESOLVED)
    resolved = told_to_offered(
        ports,
        task,
        "resolved",
        at=ports.clock.now(),
        becomes=model.RESOLVED,
        member_id=caller.member_id,
    )
    return _move(
        ports, task, model.RESOLVED, resolved, by=caller.member_id, note=note, media_ids=media_ids
    )


def confirm_task(ports: Ports, caller: Caller, task_id: str) -> Task:
    task = _task_for_officer(ports, caller, task_id)
    _refuse_unless_allowed(task, model.CLOSED)
    closed = task_closed(
        task, ports.tasks.claims_of(task), officer_id=caller.member_id, at=ports.clock.now()
    )
    confirmed = _move(ports, task, model.CLOSED, closed, by=caller.member_id)
    scene.release(ports, task)
    return confirmed


def cancel_task(ports: Ports, caller: Caller, task_id: str) -> Task:
    task = _task_for_officer(ports, caller, task_id)
    _refuse_unless_allowed(task, model.CANCELLED)
    cancelled = told_to_offered(
        ports, task, "cancelled", at=ports.clock.now(), becomes=model.CANCELLED
    )
    moved = _move(ports, task, model.CANCELLED, cancelled, by=caller.member_id, due_at_ms=None)
    scene.release(ports, task)
    return moved


def visible_task(ports: Ports, caller: Caller, task_id: str) -> Task:
    task = ports.tasks.get(task_id)
    if task is None:
        raise NotFound(detail="no such task")
    if caller.covers(task.station_id) or ports.tasks.offer(task_id, caller.member_id):
        return task
    raise NotFound(detail="no such task")


def list_tasks(ports: Ports, caller: Caller, *, status: str, size: int, cursor: str) -> Page:
    """A page of the officer's scope's tasks, or of those offered to the member."""
    if not caller.is_officer:
        return ports.tasks.offered_to(caller.member_id, status=status, size=size, cursor=cursor)
    stations = None if caller.city_wide else sorted(caller.scope_org_ids)
    return ports.tasks.page(station_ids=stations, status=status, size=size, cursor=cursor)


def _refuse_unless_allowed(task: Task, to: str) -> None:
    refusal: DomainError | None = model.transition_refusal(task, to)
    if refusal is not None:
        raise refusal


def _move(
    ports: Ports, task: Task, to: str, event: tuple[str, Event], *, by: str, **fields: Any
) -> Task:
    """A command's status change, which a concurrent change of the task refuses."""
    moved = ports.tasks.move_status(
        task, to, at_ms=to_millis(ports.clock.now()), events=[event], by=by, **fields
    )
    if moved is None:
        raise Conflict(detail="the task changed meanwhile; reload it")
    return moved


def _move_forward(ports: Ports, task: Task, to: str, *, at_ms: int) -> Task | None:
    """A claim's or arrival's status change, made by the first one only (a second claimant
    finds the task claimed already, and leaves it so); the task as moved, None if not."""
    if model.transition_refusal(task, to) is not None:
        return None
    return ports.tasks.move_status(task, to, at_ms=at_ms)


def _task_once(ports: Ports, task_id: str) -> Task:
    """The task, or the answer of the same read in flight for another claim (``read_once``;
    called inside ``at_once``, as it says)."""
    return ports.claim_gate.read_once(task_id, "task", lambda: _existing_task(ports, task_id))


def _existing_task(ports: Ports, task_id: str) -> Task:
    task = ports.tasks.get(task_id)
    if task is None:
        raise NotFound(detail="no such task")
    return task


def _task_for_officer(ports: Ports, caller: Caller, task_id: str) -> Task:
    task = ports.tasks.get(task_id)
    if task is None or not caller.covers(task.station_id):
        if not caller.is_officer:
            raise Forbidden(detail="only officers do this")
        raise NotFound(detail="no such task")
    return task
