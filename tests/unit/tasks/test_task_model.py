"""The task's own rules: its defaults, how its status may move, who may claim it, when its wave
is answered and what follows a wave."""

from __future__ import annotations

from dataclasses import replace

import pytest

from services.tasks import dispatch, model
from services.tasks.model import Claim, Offer, Task
from shouwang.errors import Conflict, Gone
from shouwang.tasks.v1 import tasks_pb2 as pb
from tests.unit.tasks.requests import task_request

NOW_MS = 1_700_000_000_000


def request(**changes: object) -> pb.CreateTaskRequest:
    base = {
        "title": "  Lost child near the market ",
        "priority": 2,
        "target": {"mode": "nearest", "count": 2},
    }
    return task_request(**{**base, **changes})


def new(made: pb.CreateTaskRequest | None = None, *, city_wide: bool = False) -> Task:
    return model.new_task(
        made or request(),
        task_id="t1",
        station_id="st-1",
        city_wide=city_wide,
        created_by="officer",
        now_ms=NOW_MS,
        first_due_ms=NOW_MS + 10_000,
    )


def offer(member_id: str = "m1", *, wave: int = 1, declined: bool = False) -> Offer:
    return Offer(
        member_id=member_id,
        distance_m=100.0,
        wave=wave,
        offered_at_ms=NOW_MS,
        declined_at_ms=NOW_MS + 1 if declined else None,
    )


def claim(member_id: str, slot: int = 0) -> Claim:
    return Claim(
        member_id=member_id,
        slot=slot,
        claimed_at_ms=NOW_MS,
        offered_at_ms=NOW_MS,
        offer_to_claim_s=0.0,
    )


def refusal(task: Task, *, member_id: str = "m1", **given):
    arguments = {"offered": True, "claims": [], "now_ms": NOW_MS + 1000, **given}
    return model.claim_refusal(task, member_id=member_id, **arguments)


# Defaults -------------------------------------------------------------------------------------


def test_a_new_task_fills_in_its_defaults() -> None:
    task = new()
    assert task.title == "Lost child near the market"
    assert (task.kind, task.capacity, task.points) == ("general", 1, 20)
    assert task.expires_at_ms == NOW_MS + model.DEFAULT_EXPIRY_S * 1000
    assert task.area == model.Circle(lat=27.8, lon=120.65, radius_m=model.DEFAULT_RADIUS_M)
    assert task.radius_m == model.DEFAULT_RADIUS_M and task.widen
    assert task.scene_radius_m == model.SCENE_RADIUS_M
    assert (task.status, task.wave, task.step, task.due_at_ms) == (
        model.DISPATCHING,
        0,
        0,
        NOW_MS + 10_000,
    )


def test_a_new_task_keeps_what_was_asked() -> None:
    made = request(capacity=3, expires_in_s=600, points=0, has_points=True, scene_radius_m=400)
    made.skills.extend(["swimming", "first_aid", "swimming"])
    task = new(made)
    assert (task.capacity, task.points, task.scene_radius_m) == (3, 0, 400)
    assert task.expires_at_ms == NOW_MS + 600_000
    assert task.skills == ("first_aid", "swimming")


def test_a_stations_task_is_for_its_station_and_an_admins_for_the_city() -> None:
    assert new().candidate_stations == ("st-1",)
    assert new(city_wide=True).candidate_stations == ()


def test_a_polygon_task_searches_first_as_far_as_its_farthest_corner() -> None:
    made = request()
    made.area.polygon_geojson = (
        '{"type": "Polygon", "coordinates": [[[120.65, 27.8], [120.66, 27.8], [120.66, 27.81],'
        " [120.65, 27.81], [120.65, 27.8]]]}"
    )
    task = new(made)
    assert isinstance(task.area, model.Polygon) and not task.widen
    assert 1400 < task.radius_m < 1500  # the diagonal of a 0.01° square at 27.8° N


# Status ---------------------------------------------------------------------------------------

ALLOWED = {
    (model.DISPATCHING, model.CLAIMED),
    (model.DISPATCHING, model.CANCELLED),
    (model.DISPATCHING, model.EXPIRED),
    (model.DISPATCHING, model.UNFILLED),
    (model.CLAIMED, model.ON_SCENE),
    (model.CLAIMED, model.RESOLVED),
    (model.CLAIMED, model.CANCELLED),
    (model.CLAIMED, model.EXPIRED),
    (model.ON_SCENE, model.RESOLVED),
    (model.ON_SCENE, model.CANCELLED),
    (model.ON_SCENE, model.EXPIRED),
    (model.RESOLVED, model.CLOSED),
    (model.RESOLVED, model.CANCELLED),
}
STATUSES = list(model.TRANSITIONS)


@pytest.mark.parametrize("start", STATUSES)
@pytest.mark.parametrize("to", STATUSES)
def test_a_status_moves_only_as_the_table_says(start: str, to: str) -> None:
    refused = model.transition_refusal(replace(new(), status=start), to)
    if (start, to) in ALLOWED:
        assert refused is None
    elif start == model.EXPIRED:
        assert isinstance(refused, Gone)
    else:
        assert isinstance(refused, Conflict) and refused.detail.endswith(f"cannot become {to}")


def test_only_open_tasks_are_timed() -> None:
    timed = {s for s in STATUSES if model.is_timed(replace(new(), status=s))}
    assert timed == set(model.OPEN)


# Claims ---------------------------------------------------------------------------------------


def test_an_offered_member_may_claim() -> None:
    assert refusal(new()) is None


@pytest.mark.parametrize("status", [model.CANCELLED, model.EXPIRED])
def test_a_cancelled_or_expired_task_is_gone(status: str) -> None:
    assert isinstance(refusal(replace(new(), status=status)), Gone)


def test_a_task_past_its_expiry_is_gone_before_the_timer_noticed() -> None:
    task = new()
    assert isinstance(refusal(task, now_ms=task.expires_at_ms), Gone)


@pytest.mark.parametrize("status", [model.RESOLVED, model.CLOSED, model.UNFILLED])
def test_a_task_no_longer_open_cannot_be_claimed(status: str) -> None:
    refused = refusal(replace(new(), status=status))
    assert isinstance(refused, Conflict) and refused.detail == f"the task is {status}"


def test_a_member_not_offered_cannot_claim() -> None:
    refused = refusal(new(), offered=False)
    assert isinstance(refused, Conflict) and "not offered" in refused.detail


def test_a_member_who_declined_cannot_claim() -> None:
    refused = model.declined_refusal(offer(declined=True))
    assert isinstance(refused, Conflict) and "declined" in refused.detail
    assert model.declined_refusal(offer()) is None


def test_a_full_task_refuses_another_claim() -> None:
    refused = refusal(new(), claims=[claim("m2")])
    assert isinstance(refused, Conflict) and "fully claimed" in refused.detail


def test_a_busy_member_must_finish_their_task_first() -> None:
    refused = model.busy_refusal()
    assert isinstance(refused, Conflict) and "finish your current task" in refused.detail


def test_a_retried_claim_is_not_refused_though_the_task_is_full() -> None:
    assert refusal(new(), claims=[claim("m1")]) is None


def test_a_retried_claim_on_an_expired_task_is_gone() -> None:
    task = replace(new(), status=model.EXPIRED)
    assert isinstance(refusal(task, claims=[claim("m1")]), Gone)


# Waves ----------------------------------------------------------------------------------------


def test_a_wave_is_answered_when_everyone_offered_declined_or_claimed() -> None:
    task = replace(new(), wave=2)
    offers = [offer("old", wave=1), offer("a", wave=2, declined=True), offer("b", wave=2)]
    assert not model.wave_answered(task, offers, [])
    assert model.wave_answered(task, offers, [claim("b")])


def test_a_finished_task_has_no_wave_to_answer() -> None:
    task = replace(new(), wave=1, status=model.RESOLVED)
    assert not model.wave_answered(task, [offer(declined=True)], [])


def after(**given):
    arguments = {
        "mode": "nearest",
        "offered": True,
        "claimed": False,
        "exhausted": False,
        "now_ms": 0,
        "timeout_ms": 30_000,
        "expires_at_ms": 100_000,
        **given,
    }
    return dispatch.after_wave(**arguments)


def test_a_nearest_wave_waits_its_timeout_before_the_next() -> None:
    assert after() == (False, 30_000)
    assert after(now_ms=90_000) == (False, 100_000)  # never past the expiry


@pytest.mark.parametrize("mode", ["area", "members"])
def test_other_modes_wait_only_for_the_expiry(mode: str) -> None:
    assert after(mode=mode) == (False, 100_000)


def test_nobody_offered_nor_claimed_with_nobody_left_is_unfilled() -> None:
    assert after(offered=False, exhausted=True) == (True, None)
    assert after(mode="area", offered=False) == (True, None)


def test_a_claimed_task_with_nobody_left_waits_for_its_expiry() -> None:
    assert after(offered=False, claimed=True, exhausted=True) == (False, 100_000)
