"""Response statistics: percentiles as numpy computes them, the 1-3-5 shares on a manual clock
(who counts, who is a miss, who is not judged yet), activity buckets, and the scope's bounds."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from services.tasks import handlers, reports, stats
from services.tasks.model import Claim
from shouwang.clock import to_millis
from shouwang.errors import Forbidden, InvalidArgument, NotFound
from shouwang.scope import Caller
from shouwang.tasks.v1 import tasks_pb2 as pb
from tests.unit.tasks.conftest import ADMIN, START, Tasks, member

HOUR_MS = 3600 * 1000
T0 = to_millis(START)


def officer_of(*stations: str) -> Caller:
    return Caller(
        "o1", frozenset({"officer"}), frozenset(stations), city_wide=False, station_id=stations[0]
    )


def claim(*, offered_s: float = 10.0, arrived_after_s: float | None = None) -> Claim:
    claimed = T0 + int(offered_s * 1000)
    return Claim(
        member_id="m",
        slot=0,
        claimed_at_ms=claimed,
        offered_at_ms=T0,
        offer_to_claim_s=offered_s,
        arrived_at_ms=None if arrived_after_s is None else claimed + int(arrived_after_s * 1000),
        claim_to_arrival_s=arrived_after_s,
    )


def outcome(*claims: Claim, status: str = "on_scene", created: int = T0) -> stats.TaskOutcome:
    return stats.TaskOutcome(created_at_ms=created, status=status, claims=claims)


@settings(max_examples=150, deadline=None)  # a loaded machine must not fail it on time
@given(st.lists(st.floats(0, 10_000, allow_nan=False), min_size=1, max_size=200))
def test_percentiles_are_numpys_linear_ones(values: list[float]) -> None:
    ordered = sorted(values)
    for q in (0, 50, 90, 100):
        assert stats.percentile(ordered, q) == pytest.approx(np.percentile(values, q), abs=1e-6)


def test_a_distribution_counts_each_duration_in_one_bin() -> None:
    found = stats.distribution([5, 20, 20, 45, 100, 700])
    assert found.count == 6 and found.max_s == 700
    assert found.p50_s == pytest.approx(32.5)
    assert dict(found.histogram) == {
        15.0: 1,
        30.0: 2,
        60.0: 1,
        120.0: 1,
        180.0: 0,
        300.0: 0,
        600.0: 0,
        None: 1,
    }


def test_an_empty_distribution_is_all_zero() -> None:
    found = stats.distribution([])
    assert (found.count, found.p50_s, found.p90_s, found.mean_s) == (0, 0.0, 0.0, 0.0)


def test_a_task_is_on_scene_within_the_minutes_from_dispatch_not_from_the_claim() -> None:
    # Claimed after 50 s, on scene 40 s later: 90 s after dispatch, so not within 1 minute.
    measured, shares = stats.on_scene_shares(
        [outcome(claim(offered_s=50, arrived_after_s=40))], now_ms=T0 + HOUR_MS
    )
    assert measured == 1
    assert [(s.minutes, s.tasks, s.share) for s in shares] == [
        (1, 0, 0.0),
        (3, 1, 1.0),
        (5, 1, 1.0),
    ]


def test_the_first_claimant_on_scene_counts_for_a_task_of_several() -> None:
    late, early = claim(offered_s=5, arrived_after_s=400), claim(offered_s=20, arrived_after_s=30)
    measured, shares = stats.on_scene_shares([outcome(late, early)], now_ms=T0 + HOUR_MS)
    assert measured == 1 and [s.tasks for s in shares] == [1, 1, 1]


def test_a_task_nobody_reached_is_a_miss_once_five_minutes_have_passed() -> None:
    unreached = [outcome(claim(), status="claimed"), outcome(status="unfilled")]
    measured, shares = stats.on_scene_shares(unreached, now_ms=T0 + 4 * 60_000)
    assert measured == 0 and all(s.share is None for s in shares)
    measured, shares = stats.on_scene_shares(unreached, now_ms=T0 + 5 * 60_000)
    assert measured == 2 and [s.share for s in shares] == [0.0, 0.0, 0.0]


def test_a_task_cancelled_before_anyone_arrived_is_not_measured() -> None:
    measured, _ = stats.on_scene_shares([outcome(claim(), status="cancelled")], now_ms=T0 + HOUR_MS)
    assert measured == 0


def test_response_stats_read_the_scopes_tasks_as_they_happened(tasks: Tasks) -> None:
    ours, theirs = tasks.on_duty(100, station_id="s1"), tasks.on_duty(5000, station_id="s2")
    quick = tasks.dispatch(officer_of("s1"))
    tasks.clock.advance(20)
    tasks.claim(quick, ours[0])
    tasks.clock.advance(100)
    handlers.arrive_manually(tasks.ports, member(ours[0]), quick.task_id)
    elsewhere = tasks.dispatch(officer_of("s2"))
    tasks.claim(elsewhere, theirs[0])
    tasks.clock.advance(600)

    window = {"from_ms": T0, "to_ms": T0 + HOUR_MS}
    found = stats.response(tasks.ports, officer_of("s1"), station_id="", **window)
    assert (found.tasks, found.measured) == (1, 1)
    assert [s.tasks for s in found.on_scene_within] == [0, 1, 1]  # 120 s after dispatch
    assert found.offer_to_claim.p50_s == pytest.approx(20)
    assert found.claim_to_arrival.p50_s == pytest.approx(100)
    everyone = stats.response(tasks.ports, ADMIN, station_id="", **window)
    assert (everyone.tasks, everyone.measured, everyone.on_scene_within[2].tasks) == (2, 2, 1)
    only_s2 = stats.response(tasks.ports, ADMIN, station_id="s2", **window)
    assert only_s2.tasks == 1 and only_s2.claim_to_arrival.count == 0


def test_activity_counts_tasks_by_their_status_in_the_bucket_they_were_created(
    tasks: Tasks,
) -> None:
    (m1,) = tasks.on_duty(100)
    first = tasks.dispatch()
    tasks.claim(first, m1)
    tasks.clock.advance(3600 + 60)
    for category in ("fire", "fire", "traffic"):
        report = pb.SubmitReportRequest(
            category=category,
            description="smoke from a shop",
            location=pb.Point(lat=27.8, lon=120.65),
        )
        reports.submit_report(tasks.ports, member(m1), report)
    tasks.clock.advance(3600)
    tasks.dispatch()  # nobody left: m1 is busy
    by_status, by_category = stats.activity(
        tasks.ports, ADMIN, from_ms=T0, to_ms=T0 + 3 * HOUR_MS, bucket_ms=HOUR_MS, station_id=""
    )
    assert [(start - T0, counts) for start, counts in by_status] == [
        (0, {"claimed": 1}),
        (HOUR_MS, {}),
        (2 * HOUR_MS, {"unfilled": 1}),
    ]
    assert [counts for _, counts in by_category] == [{}, {"fire": 2, "traffic": 1}, {}]


def test_counts_per_bucket_ignore_what_falls_outside_and_the_last_bucket_may_be_short() -> None:
    found = stats.counts_per_bucket(
        [(0, "a"), (9, "a"), (10, "b"), (24, "a"), (25, "a"), (-1, "a")],
        from_ms=0,
        to_ms=25,
        bucket_ms=10,
    )
    assert found == [(0, {"a": 2}), (10, {"b": 1}), (20, {"a": 1})]


def test_statistics_are_for_officers_of_the_scope_only() -> None:
    with pytest.raises(Forbidden):
        stats.scope_stations(member("m1"), "")
    with pytest.raises(NotFound):
        stats.scope_stations(officer_of("s1"), "s2")
    assert stats.scope_stations(officer_of("s1", "t1"), "") == ["s1", "t1"]
    assert stats.scope_stations(ADMIN, "") is None


@pytest.mark.parametrize(
    ("span_ms", "bucket_ms", "field"),
    [
        (-1, None, "to"),
        (367 * 24 * HOUR_MS, None, "to"),
        (HOUR_MS, 60_000, "bucket"),
        (60 * 24 * HOUR_MS, HOUR_MS, "bucket"),
    ],
)
def test_ranges_and_buckets_are_bounded(span_ms: int, bucket_ms: int | None, field: str) -> None:
    with pytest.raises(InvalidArgument) as refused:
        stats.check_range(T0, T0 + span_ms, bucket_ms=bucket_ms)
    assert [e.field for e in refused.value.errors] == [field]
