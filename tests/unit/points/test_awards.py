"""What events are worth under the rules (pure functions, no store)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from services.points import model
from services.points.ruleset import load_rules

RULES = load_rules()


def test_task_points_default_by_priority() -> None:
    worth = {
        p: model.task_closed_drafts(
            RULES, task_id="t", priority=p, points=0, claimants=[model.Claim("m", False, 0)]
        )[0].delta
        for p in (1, 2, 3)
    }
    assert worth == {1: 30, 2: 20, 3: 10}


def test_task_points_named_by_the_dispatcher_are_capped() -> None:
    drafts = model.task_closed_drafts(
        RULES, task_id="t", priority=3, points=1000, claimants=[model.Claim("m", False, 0)]
    )
    assert [d.delta for d in drafts] == [100]


def test_arrival_at_exactly_three_minutes_earns_the_bonus_and_later_does_not() -> None:
    drafts = model.task_closed_drafts(
        RULES,
        task_id="t",
        priority=2,
        points=0,
        claimants=[model.Claim("on-time", True, 180), model.Claim("late", True, 181)],
    )
    assert [(d.member_id, d.reason) for d in drafts] == [
        ("on-time", model.TASK_CLOSED),
        ("on-time", model.FAST_ARRIVAL),
        ("late", model.TASK_CLOSED),
    ]


def test_patrol_time_counts_full_covered_hours() -> None:
    start = datetime(2026, 3, 2, 8, tzinfo=UTC)
    hours = model.patrol_hours(
        RULES, started_at=start, ended_at=start + timedelta(hours=3, minutes=10), fix_gaps=3
    )
    assert hours == 2  # 3h10 minus 15 minutes without fixes


def test_patrol_time_under_an_hour_earns_nothing() -> None:
    start = datetime(2026, 3, 2, 8, tzinfo=UTC)
    draft = model.patrol_time_draft(
        RULES, member_id="m", started_at=start, ended_at=start + timedelta(minutes=59), fix_gaps=0
    )
    assert draft is None


def test_periods_follow_china_time() -> None:
    sunday_night_utc = datetime(2026, 3, 1, 17, tzinfo=UTC)  # Monday 01:00 in Beijing
    assert model.period_keys(sunday_night_utc, RULES.utc_offset) == {
        "week": "2026-W10",
        "month": "2026-03",
        "all": "all",
    }


def test_ties_go_to_who_got_there_first_then_the_smaller_member_id() -> None:
    standings = [
        model.Standing("b", 10, 5),
        model.Standing("a", 10, 5),
        model.Standing("c", 10, 1),
        model.Standing("d", 20, 9),
    ]
    assert [s.member_id for _, s in model.ranked(standings)] == ["d", "c", "a", "b"]
