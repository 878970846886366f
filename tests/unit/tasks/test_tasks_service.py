"""The tasks service at work, on a manual clock: waves, widening, declines, expiry, busy
members, retried and concurrent claims, arrival and release — nothing waits for real time."""

from __future__ import annotations

from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor

import pytest

from services.tasks import handlers, model, scene, timers
from services.tasks.handlers import Caller
from services.tasks.model import Refusal
from shouwang.clock import to_millis
from shouwang.errors import Conflict, Gone, NotFound, Unavailable
from shouwang.location.v1 import location_pb2
from shouwang.tasks.v1 import tasks_pb2 as pb
from tests.unit.tasks.conftest import ADMIN, PLACE, Tasks, circle, member, strip_north

NORMAL_WAVE_S, URGENT_WAVE_S = 30, 15


def decline(tasks: Tasks, task, member_id: str):  # type: ignore[no-untyped-def]
    return handlers.decline_task(tasks.ports, member(member_id), task.task_id)


# Waves -----------------------------------------------------------------------------------------


def test_the_first_wave_offers_the_nearest_at_once(tasks: Tasks) -> None:
    far, near, middle, _farthest = tasks.on_duty(900, 100, 500, 1200)
    created = tasks.dispatch(target=pb.Target(mode="nearest", count=2))
    assert tasks.offered(created) == [(near, 1), (middle, 1)]
    assert (created.status, created.wave, created.offered) == (model.DISPATCHING, 1, 2)
    assert far not in dict(tasks.offered(created))


def test_wave_timeout_offers_the_next_nearest(tasks: Tasks) -> None:
    first, second = tasks.on_duty(100, 200)
    created = tasks.dispatch()
    assert tasks.after(NORMAL_WAVE_S - 1) == 0
    assert tasks.offered(created) == [(first, 1)]
    assert tasks.after(1) == 1
    assert tasks.offered(created) == [(first, 1), (second, 2)]
    assert tasks.get(created).wave == 2


def test_a_tasks_events_are_told_to_every_wave_without_reading_its_offers(
    tasks: Tasks, monkeypatch: pytest.MonkeyPatch
) -> None:
    first, second = tasks.on_duty(100, 200)
    created = tasks.dispatch()
    tasks.after(NORMAL_WAVE_S)  # the second wave: the next nearest
    task = tasks.get(created)
    # On FerretDB a task's offers are found by scanning every offer ever made.
    monkeypatch.setattr(tasks.ports.tasks, "all_offers_of", lambda task_id: pytest.fail("read"))

    assert tasks.ports.tasks.offered_members(task) == [first, second]


def test_a_tasks_offers_are_read_by_id_from_those_it_names(
    tasks: Tasks, monkeypatch: pytest.MonkeyPatch
) -> None:
    first, second = tasks.on_duty(100, 200)
    created = tasks.dispatch()
    tasks.after(NORMAL_WAVE_S)
    handlers.decline_task(tasks.ports, member(second), created.task_id)
    task = tasks.get(created)
    # The view of every claim's reply: on FerretDB a query by task_id scans every offer.
    queried, find = [], tasks.ports.tasks.offers.find
    monkeypatch.setattr(
        tasks.ports.tasks.offers,
        "find",
        lambda query, **kw: queried.append(query) or find(query, **kw),
    )

    offers = tasks.ports.tasks.offers_of(task)

    assert [(o.member_id, o.wave, o.declined_at_ms is not None) for o in offers] == [
        (first, 1, False),
        (second, 2, True),
    ]
    assert [list(query) for query in queried] == [["_id"]]


def test_a_task_from_before_its_offered_ids_were_kept_is_told_to_those_of_its_offers(
    tasks: Tasks,
) -> None:
    first, second = tasks.on_duty(100, 200)
    created = tasks.dispatch()
    tasks.after(NORMAL_WAVE_S)
    tasks.ports.tasks.tasks.find_one_and_update(
        {"_id": created.task_id}, {"$set": {"offered_ids": None}}
    )
    task = tasks.get(created)

    assert task.offered_ids is None
    assert tasks.ports.tasks.offered_members(task) == [first, second]


def test_an_urgent_task_waits_half_as_long_for_its_next_wave(tasks: Tasks) -> None:
    first, second = tasks.on_duty(100, 200)
    created = tasks.dispatch(priority=1)
    tasks.after(URGENT_WAVE_S)
    assert tasks.offered(created) == [(first, 1), (second, 2)]


def test_a_decline_brings_the_next_wave_at_once(tasks: Tasks) -> None:
    first, second = tasks.on_duty(100, 200)
    created = tasks.dispatch(expires_in_s=600)
    decline(tasks, created, first)
    assert tasks.after(0) == 1
    later = tasks.get(created)
    assert later.wave == 2 and second in dict(tasks.offered(later))
    with pytest.raises(Conflict, match="declined"):
        tasks.claim(created, first)


def test_one_decline_of_a_wave_of_two_waits_for_the_other(tasks: Tasks) -> None:
    first, _second, _third = tasks.on_duty(100, 150, 200)
    created = tasks.dispatch(target=pb.Target(mode="nearest", count=2))
    decline(tasks, created, first)
    assert tasks.after(0) == 0 and tasks.get(created).wave == 1


def test_declining_twice_or_without_an_offer_is_refused(tasks: Tasks) -> None:
    (offered,) = tasks.on_duty(100)
    created = tasks.dispatch()
    decline(tasks, created, offered)
    with pytest.raises(Conflict):
        decline(tasks, created, offered)
    with pytest.raises(Conflict):
        decline(tasks, created, "stranger")


def test_a_claimant_cannot_decline(tasks: Tasks) -> None:
    (offered,) = tasks.on_duty(100)
    created = tasks.dispatch()
    tasks.claim(created, offered)
    with pytest.raises(Conflict, match="you claimed this task"):
        decline(tasks, created, offered)


def test_a_claimed_task_with_capacity_left_keeps_sending_waves(tasks: Tasks) -> None:
    first, second = tasks.on_duty(100, 200)
    created = tasks.dispatch(capacity=2)
    tasks.claim(created, first)
    tasks.after(NORMAL_WAVE_S)
    assert tasks.offered(created) == [(first, 1), (second, 2)]


def test_a_fully_claimed_task_sends_no_more_waves(tasks: Tasks) -> None:
    first, _second = tasks.on_duty(100, 200)
    created = tasks.dispatch()
    tasks.claim(created, first)
    tasks.after(NORMAL_WAVE_S)
    assert tasks.offered(created) == [(first, 1)]
    assert tasks.get(created).due_at_ms == created.expires_at_ms


# The area drawn --------------------------------------------------------------------------------


def test_nearest_never_offers_outside_the_area_drawn_and_ends_unfilled(tasks: Tasks) -> None:
    inside, south, north = tasks.on_duty(100, -60, 200)
    created = tasks.dispatch(area=strip_north(50, 160))
    assert created.widen is False
    assert tasks.offered(created) == [(inside, 1)]
    tasks.after(NORMAL_WAVE_S)
    later = tasks.get(created)
    assert later.status == model.UNFILLED and later.due_at_ms is None
    assert tasks.offered(later) == [(inside, 1)]
    for outside in (south, north):
        with pytest.raises((Conflict, Gone)):
            tasks.claim(created, outside)


def test_a_task_that_asks_to_widen_reaches_beyond_its_area(tasks: Tasks) -> None:
    inside, south = tasks.on_duty(100, -60)
    created = tasks.dispatch(area=strip_north(50, 160), widen=True)
    tasks.after(NORMAL_WAVE_S)
    assert tasks.get(created).wave == 2
    assert [m for m, _wave in tasks.offered(created)] == [inside, south]


def test_a_widening_task_searches_wider_only_once_nobody_is_left_inside(tasks: Tasks) -> None:
    first, second, beyond = tasks.on_duty(100, 300, 1400)
    created = tasks.dispatch(area=circle(1000), widen=True)
    tasks.after(NORMAL_WAVE_S)
    assert tasks.offered(created) == [(first, 1), (second, 2)]
    tasks.after(NORMAL_WAVE_S)
    assert tasks.offered(created)[-1] == (beyond, 3)
    assert tasks.get(created).radius_m == 1500  # ×1.5 of the circle drawn


def test_without_an_area_the_search_widens_beyond_three_km(tasks: Tasks) -> None:
    (far,) = tasks.on_duty(3500)
    created = tasks.dispatch()
    assert created.widen is True
    assert tasks.offered(created) == [(far, 1)] and created.radius_m == 4500


def test_area_offers_everyone_eligible_inside_at_once(tasks: Tasks) -> None:
    *inside, _outside = tasks.on_duty(10, 300, 900, 1100)
    created = tasks.dispatch(target=pb.Target(mode="area"), area=circle(1000))
    assert sorted(m for m, _wave in tasks.offered(created)) == sorted(inside)
    assert tasks.get(created).due_at_ms == created.expires_at_ms  # no second wave


def test_nobody_eligible_leaves_the_task_unfilled(tasks: Tasks) -> None:
    tasks.on_duty(100)
    created = tasks.dispatch(skills=["swimming"])
    assert created.status == model.UNFILLED and tasks.offered(created) == []


def test_named_members_are_checked_and_refusals_reported(tasks: Tasks) -> None:
    (known,) = tasks.on_duty(100)
    (suspended,) = tasks.on_duty(200)
    tasks.identity.suspended.add(suspended)
    named = pb.Target(mode="members", member_ids=[known, "nobody-known", suspended])
    created = tasks.dispatch(target=named)
    assert tasks.offered(created) == [(known, 1)]
    assert created.refused == (
        Refusal("nobody-known", "no such member"),
        Refusal(suspended, "suspended"),
    )


def test_named_members_are_offered_however_many_others_are_nearer(tasks: Tasks) -> None:
    for n in range(10_000):  # more than a query of everyone nearby returns
        tasks.location.place(f"crowd-{n}", PLACE[0], PLACE[1])
    (far,) = tasks.on_duty(5_000)
    created = tasks.dispatch(target=pb.Target(mode="members", member_ids=[far]))
    assert tasks.offered(created) == [(far, 1)]
    assert created.refused == ()


def test_a_stations_task_is_offered_to_its_own_members_only(tasks: Tasks) -> None:
    officer = Caller("officer", frozenset({"officer"}), frozenset({"st-a"}), False, "st-a")
    (ours,) = tasks.on_duty(300, station_id="st-a")
    (theirs,) = tasks.on_duty(100, station_id="st-b")
    (stationless,) = tasks.on_duty(50)
    created = tasks.dispatch(officer, target=pb.Target(mode="nearest", count=3))
    assert tasks.offered(created) == [(ours, 1)]
    for outsider in (theirs, stationless):
        with pytest.raises(Conflict):
            tasks.claim(created, outsider)


# Expiry ----------------------------------------------------------------------------------------


def test_a_task_expires_when_its_time_is_up_and_its_claimants_are_released(
    tasks: Tasks,
) -> None:
    (claimant,) = tasks.on_duty(100)
    created = tasks.dispatch(expires_in_s=60)
    tasks.claim(created, claimant)
    assert tasks.location.members[claimant].busy
    tasks.after(59)
    assert tasks.get(created).status == model.CLAIMED
    tasks.after(1)
    assert tasks.get(created).status == model.EXPIRED
    assert not tasks.location.members[claimant].busy
    assert f"task:{created.task_id}" not in tasks.location.fences


def test_a_claimant_whose_task_is_over_before_the_busy_mark_is_never_made_busy(
    tasks: Tasks,
) -> None:
    (claimant,) = tasks.on_duty(100)
    claimed = tasks.claim(tasks.dispatch(), claimant)
    handlers.cancel_task(tasks.ports, ADMIN, claimed.task_id)
    assert not tasks.location.members[claimant].busy
    marks: list[bool] = []
    set_busy = tasks.location.SetBusy
    tasks.location.SetBusy = lambda request: marks.append(request.busy) or set_busy(request)  # type: ignore[method-assign]
    scene.occupy(tasks.ports, claimed, [claimant])  # the claim's deferred mark, after the cancel
    assert True not in marks
    assert not tasks.location.members[claimant].busy
    assert tasks.ports.tasks.held(claimant) is None


def test_a_mark_that_fails_leaves_the_other_winners_busy_and_the_scene_watched(
    tasks: Tasks,
) -> None:
    first, second = tasks.on_duty(100, 200)
    created = tasks.dispatch()
    set_busy = tasks.location.SetBusy

    def failing_for_first(request: location_pb2.SetBusyRequest) -> object:
        if request.member_id == first:
            raise Unavailable(detail="location cannot be reached")
        return set_busy(request)

    tasks.location.SetBusy = failing_for_first  # type: ignore[method-assign]
    scene.occupy(tasks.ports, created, [first, second])  # the failure logged
    assert tasks.location.members[second].busy
    assert f"task:{created.task_id}" in tasks.location.fences


def test_a_claimant_is_made_busy_when_the_first_read_of_its_task_fails(tasks: Tasks) -> None:
    (claimant,) = tasks.on_duty(100)
    created = tasks.dispatch()
    reads = iter([Unavailable(detail="the document store cannot be reached")])
    get = tasks.ports.tasks.get

    def flaky_get(task_id: str) -> model.Task | None:
        if (error := next(reads, None)) is not None:
            raise error
        return get(task_id)

    tasks.ports.tasks.get = flaky_get  # type: ignore[method-assign]
    scene.occupy(tasks.ports, created, [claimant])
    assert tasks.location.members[claimant].busy


def test_claiming_an_expired_task_is_gone(tasks: Tasks) -> None:
    (offered,) = tasks.on_duty(100)
    created = tasks.dispatch(expires_in_s=60)
    tasks.clock.advance(60)  # before the timer noticed
    with pytest.raises(Gone):
        tasks.claim(created, offered)


def test_completing_an_expired_task_is_gone(tasks: Tasks) -> None:
    (claimant,) = tasks.on_duty(100)
    created = tasks.dispatch(expires_in_s=60)
    tasks.claim(created, claimant)
    tasks.after(60)
    with pytest.raises(Gone):
        handlers.complete_task(
            tasks.ports, member(claimant), created.task_id, note="late", media_ids=[]
        )


def test_claiming_a_cancelled_task_is_gone(tasks: Tasks) -> None:
    (offered,) = tasks.on_duty(100)
    created = tasks.dispatch()
    handlers.cancel_task(tasks.ports, ADMIN, created.task_id)
    with pytest.raises(Gone):
        tasks.claim(created, offered)
    assert tasks.get(created).due_at_ms is None


# Claims ----------------------------------------------------------------------------------------


def test_a_retried_claim_returns_the_task_and_takes_no_second_slot(tasks: Tasks) -> None:
    (claimant,) = tasks.on_duty(100)
    created = tasks.dispatch(capacity=2)
    tasks.clock.advance(12)
    first = tasks.claim(created, claimant)
    again = tasks.claim(created, claimant)
    assert first.status == again.status == model.CLAIMED
    (held,) = tasks.ports.tasks.claims_of(again)
    assert (held.member_id, held.offer_to_claim_s) == (claimant, 12)


def test_exactly_capacity_claims_win_however_many_arrive_at_once(tasks: Tasks) -> None:
    members = tasks.on_duty(*(20 * i + 10 for i in range(12)))
    created = tasks.dispatch(target=pb.Target(mode="area"), capacity=3, area=circle(1000))

    def attempt(member_id: str) -> str:
        try:
            tasks.claim(created, member_id)
        except Conflict:
            return "refused"
        return "won"

    with ThreadPoolExecutor(max_workers=12) as pool:
        outcomes = list(pool.map(attempt, members))
    assert sorted(outcomes) == ["refused"] * 9 + ["won"] * 3
    assert sorted(tasks.claimants(created)) == sorted(
        m for m, outcome in zip(members, outcomes, strict=True) if outcome == "won"
    )


def test_a_member_not_offered_cannot_claim(tasks: Tasks) -> None:
    _near, far = tasks.on_duty(50, 2500)
    created = tasks.dispatch(area=circle(1000))
    with pytest.raises(Conflict, match="not offered"):
        tasks.claim(created, far)


def test_busy_members_are_not_offered_another_task(tasks: Tasks) -> None:
    (claimant,) = tasks.on_duty(100)
    first = tasks.dispatch()
    tasks.claim(first, claimant)
    second = tasks.dispatch()
    assert second.status == model.UNFILLED and tasks.offered(second) == []


def test_a_member_busy_with_another_task_must_finish_it_first(tasks: Tasks) -> None:
    (claimant,) = tasks.on_duty(100)
    first = tasks.dispatch()
    second = tasks.dispatch()  # offered to them too, before they claimed the first
    tasks.claim(first, claimant)
    with pytest.raises(Conflict, match="finish your current task"):
        tasks.claim(second, claimant)


def test_a_hold_a_replica_left_before_taking_the_slot_is_taken_over_after_a_while(
    tasks: Tasks,
) -> None:
    """The replica died between the member's hold and their slot: no claim stands behind it.
    Until ``HOLD_GRACE_MS`` it may still be a claim under way, and the member counts as busy."""
    (claimant,) = tasks.on_duty(100)
    first, second = tasks.dispatch(), tasks.dispatch()
    now_ms = to_millis(tasks.clock.now())
    assert tasks.ports.tasks.hold(first, claimant, at_ms=now_ms) is None  # and no slot taken
    with pytest.raises(Conflict, match="finish your current task"):
        tasks.claim(second, claimant)
    tasks.clock.advance(model.HOLD_GRACE_MS / 1000)
    assert tasks.claim(second, claimant).status == model.CLAIMED
    assert tasks.ports.tasks.hold(first, claimant, at_ms=now_ms) == model.Hold(
        task_id=second.task_id, at_ms=to_millis(tasks.clock.now())
    )


def test_an_abandoned_hold_is_taken_over_once(tasks: Tasks) -> None:
    (claimant,) = tasks.on_duty(100)
    first, second, third = tasks.dispatch(), tasks.dispatch(), tasks.dispatch()
    repository, now_ms = tasks.ports.tasks, to_millis(tasks.clock.now())
    assert repository.hold(first, claimant, at_ms=now_ms) is None
    held = repository.held(claimant)
    assert held is not None
    assert repository.take_over_hold(held, second, claimant, at_ms=now_ms)
    assert not repository.take_over_hold(held, third, claimant, at_ms=now_ms)
    assert repository.held(claimant) == model.Hold(task_id=second.task_id, at_ms=now_ms)


def test_a_hold_on_a_task_that_is_over_is_taken_over_at_once(tasks: Tasks) -> None:
    """A release that failed half way (claims inactive, holds not yet released)."""
    (claimant,) = tasks.on_duty(100)
    first, second = tasks.dispatch(), tasks.dispatch()
    tasks.claim(first, claimant)
    release_holds = tasks.ports.tasks.release_holds
    tasks.ports.tasks.release_holds = lambda task_id, member_ids: None  # type: ignore[method-assign]
    handlers.cancel_task(tasks.ports, ADMIN, first.task_id)
    tasks.ports.tasks.release_holds = release_holds  # type: ignore[method-assign]
    assert tasks.ports.tasks.held(claimant) is not None
    assert tasks.claim(second, claimant).status == model.CLAIMED


def test_claimants_from_before_holds_were_kept_are_given_one_at_start(tasks: Tasks) -> None:
    (claimant,) = tasks.on_duty(100)
    first, second = tasks.dispatch(), tasks.dispatch()
    tasks.claim(first, claimant)
    tasks.ports.tasks.holds.delete(claimant)  # a claim taken by an earlier release
    assert tasks.ports.tasks.held(claimant) is None
    assert tasks.ports.tasks.hold_active_claimants() == 1
    assert tasks.ports.tasks.hold_active_claimants() == 0
    with pytest.raises(Conflict, match="finish your current task"):
        tasks.claim(second, claimant)


def test_a_release_frees_a_member_whose_claim_of_another_task_is_only_under_way(
    tasks: Tasks,
) -> None:
    """Their hold on the other task is no claim yet: should that claim lose its race, nobody
    would free them in location."""
    (claimant,) = tasks.on_duty(100)
    first, second = tasks.dispatch(), tasks.dispatch()
    tasks.claim(first, claimant)
    assert tasks.location.members[claimant].busy
    release_holds = tasks.ports.tasks.release_holds

    def a_claim_of_the_second_under_way(task_id: str, member_ids: Sequence[str]) -> None:
        release_holds(task_id, member_ids)
        now_ms = to_millis(tasks.clock.now())
        assert tasks.ports.tasks.hold(second, claimant, at_ms=now_ms) is None

    tasks.ports.tasks.release_holds = a_claim_of_the_second_under_way  # type: ignore[method-assign]
    handlers.cancel_task(tasks.ports, ADMIN, first.task_id)
    assert tasks.ports.tasks.held(claimant) is not None  # held for the second task
    assert not tasks.location.members[claimant].busy


def test_a_retried_claim_of_a_busy_claimant_returns_the_task(tasks: Tasks) -> None:
    """A claimant is busy with the very task they claim again: that is no refusal."""
    (claimant,) = tasks.on_duty(100)
    created = tasks.dispatch()
    tasks.claim(created, claimant)
    assert tasks.ports.tasks.held(claimant) is not None
    assert tasks.claim(created, claimant).task_id == created.task_id


def test_busy_is_asked_only_when_every_other_rule_allows(
    tasks: Tasks, monkeypatch: pytest.MonkeyPatch
) -> None:
    near, far = tasks.on_duty(50, 2500)
    created = tasks.dispatch(area=circle(1000))
    asked: list[str] = []
    hold = tasks.ports.tasks.hold
    monkeypatch.setattr(
        tasks.ports.tasks,
        "hold",
        lambda task, member, **kwargs: asked.append(member) or hold(task, member, **kwargs),
    )
    with pytest.raises(Conflict, match="not offered"):
        tasks.claim(created, far)
    assert asked == []
    tasks.claim(created, near)
    assert asked == [near]


# Arrival, completion, release ---------------------------------------------------------------


def test_arrival_measures_claim_to_arrival_and_closing_releases_the_member(tasks: Tasks) -> None:
    (claimant,) = tasks.on_duty(800)
    created = tasks.dispatch()
    tasks.claim(created, claimant)
    assert list(tasks.location.fences[f"task:{created.task_id}"].member_ids) == [claimant]
    tasks.clock.advance(95)
    arrived = handlers.arrive(tasks.ports, created.task_id, claimant)  # the scene fence entered
    assert arrived is not None and arrived.status == model.ON_SCENE
    (held,) = tasks.ports.tasks.claims_of(arrived)
    assert held.claim_to_arrival_s == 95
    done = handlers.complete_task(
        tasks.ports, member(claimant), created.task_id, note="found him", media_ids=[]
    )
    assert (done.status, done.note) == (model.RESOLVED, "found him")
    closed = handlers.confirm_task(tasks.ports, ADMIN, created.task_id)
    assert closed.status == model.CLOSED
    again = tasks.dispatch()
    assert tasks.offered(again) == [(claimant, 1)]


def test_a_second_arrival_changes_nothing(tasks: Tasks) -> None:
    (claimant,) = tasks.on_duty(100)
    created = tasks.dispatch()
    tasks.claim(created, claimant)
    tasks.clock.advance(30)
    handlers.arrive(tasks.ports, created.task_id, claimant)
    tasks.clock.advance(30)
    handlers.arrive_manually(tasks.ports, member(claimant), created.task_id)
    (held,) = tasks.ports.tasks.claims_of(created)
    assert held.claim_to_arrival_s == 30


def test_only_a_claimant_completes_and_only_a_resolved_task_is_confirmed(tasks: Tasks) -> None:
    claimant, other = tasks.on_duty(100, 200)
    created = tasks.dispatch(target=pb.Target(mode="nearest", count=2))
    tasks.claim(created, claimant)
    with pytest.raises(Conflict, match="only a claimant"):
        handlers.complete_task(tasks.ports, member(other), created.task_id, note="", media_ids=[])
    with pytest.raises(Conflict, match="cannot become closed"):
        handlers.confirm_task(tasks.ports, ADMIN, created.task_id)


def test_an_officer_of_another_station_does_not_see_the_task(tasks: Tasks) -> None:
    tasks.on_duty(100)
    created = tasks.dispatch()
    stranger = Caller("officer-b", frozenset({"officer"}), frozenset({"st-b"}), False, "st-b")
    with pytest.raises(NotFound):
        handlers.cancel_task(tasks.ports, stranger, created.task_id)


# Replicas --------------------------------------------------------------------------------------


def location_away(request: object) -> None:
    """Location's Nearest while location restarts: the first wave, run in the request, fails."""
    raise ConnectionError("location is restarting")


def test_a_step_whose_replica_died_is_run_by_another_once_its_lease_expired(
    tasks: Tasks,
) -> None:
    first, second = tasks.on_duty(100, 200)
    created = tasks.dispatch()
    tasks.clock.advance(NORMAL_WAVE_S)
    due = tasks.get(created)
    # A replica took the step's lease and died before running it.
    assert tasks.ports.tasks.take_lease(
        due.task_id, due.step, 0, expires_at_ms=due.due_at_ms + 10_000, holder="dead"
    )
    assert tasks.after(0) == 0 and tasks.get(created).wave == 1
    tasks.clock.advance(10)
    assert timers.sweep(tasks.ports) == 1
    assert tasks.offered(created) == [(first, 1), (second, 2)]


def test_a_step_that_failed_is_run_again_once_its_lease_expired(
    tasks: Tasks, monkeypatch: pytest.MonkeyPatch
) -> None:
    (nearest,) = tasks.on_duty(100)

    monkeypatch.setattr(tasks.location, "Nearest", location_away)
    with pytest.raises(ConnectionError):
        tasks.dispatch()  # the first wave, run in the request, fails
    monkeypatch.undo()
    lease_ms = int(tasks.ports.lease_s * 1000)
    (stranded,) = tasks.ports.tasks.due(now_ms=to_millis(tasks.clock.now()) + lease_ms)
    assert stranded.wave == 0
    assert timers.sweep(tasks.ports) == 0  # its lease has not expired yet
    tasks.clock.advance(tasks.ports.lease_s)
    assert timers.sweep(tasks.ports) == 1
    assert tasks.offered(stranded) == [(nearest, 1)]


# Retries ---------------------------------------------------------------------------------------


def test_a_retry_after_a_failed_first_attempt_returns_the_task_it_created(
    tasks: Tasks, monkeypatch: pytest.MonkeyPatch
) -> None:
    (nearest,) = tasks.on_duty(100)

    monkeypatch.setattr(tasks.location, "Nearest", location_away)
    with pytest.raises(ConnectionError):
        tasks.dispatch(request_id="slot-1")  # stored, then failed: the client saw a 5xx
    monkeypatch.undo()
    retried = tasks.dispatch(request_id="slot-1")
    again = tasks.dispatch(request_id="slot-1")
    assert retried.task_id == again.task_id
    lease_ms = int(tasks.ports.lease_s * 1000)
    everything = tasks.ports.tasks.due(now_ms=to_millis(tasks.clock.now()) + lease_ms)
    assert [t.task_id for t in everything] == [retried.task_id]  # one task, not two
    tasks.clock.advance(tasks.ports.lease_s)
    assert timers.sweep(tasks.ports) == 1
    assert tasks.offered(retried) == [(nearest, 1)]  # its first wave, once


def test_retry_ids_are_the_callers_own_and_optional(tasks: Tasks) -> None:
    tasks.on_duty(100, 200, 300)
    mine = tasks.dispatch(request_id="slot-1")
    assert tasks.dispatch(request_id="slot-1").task_id == mine.task_id
    other = Caller("admin2", frozenset({"admin"}), frozenset(), city_wide=True, station_id="")
    assert tasks.dispatch(other, request_id="slot-1").task_id != mine.task_id
    assert tasks.dispatch().task_id != tasks.dispatch().task_id
