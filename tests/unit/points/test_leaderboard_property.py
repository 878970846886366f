"""Boards read from the maintained counters agree with a brute-force recomputation from the
ledger, whatever the events, their order, penalties and members changing teams."""

from __future__ import annotations

import tempfile
from collections import defaultdict
from datetime import timedelta
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from services.points import handlers, model
from services.points.bootstrap import PointsService
from services.points.leaderboard import leaderboard
from shouwang.clock import ManualClock
from tests.unit.points.support import (
    START,
    build,
    registered,
    report_approved,
    roles_changed,
    task_closed,
)

MEMBERS = [f"m{n}" for n in range(6)]
TEAMS = {"t1": "s1", "t2": "s1", "t3": "s2"}

member = st.sampled_from(MEMBERS)
moment = st.integers(min_value=-45 * 24, max_value=0).map(lambda h: START + timedelta(hours=h))
closure = st.tuples(
    st.just("task"),
    st.lists(st.tuples(member, st.one_of(st.none(), st.integers(0, 600))), min_size=1, max_size=3),
    st.integers(1, 3),
    moment,
)
report = st.tuples(st.just("report"), member, st.integers(0, 80), moment)
penalty = st.tuples(st.just("penalty"), member, st.integers(1, 60))
move = st.tuples(st.just("move"), member, st.sampled_from(sorted(TEAMS)))
happening = st.one_of(closure, report, penalty, move)


def apply(service: PointsService, happenings: list, teams: dict[str, str]) -> None:
    for n, happening in enumerate(happenings):
        kind = happening[0]
        if kind == "task":
            _, claimants, priority, at = happening
            event = task_closed(f"task-{n}", claimants, priority=priority, at=at)
            handlers.on_task_closed(service.ports, event)
        elif kind == "report":
            _, member_id, points, at = happening
            handlers.on_report_approved(
                service.ports, report_approved(f"report-{n}", member_id, points, at=at)
            )
        elif kind == "penalty":
            _, member_id, points = happening
            handlers.penalise(
                service.ports,
                officer_id="o",
                member_id=member_id,
                points=points,
                reason="r",
                request_id=f"p{n}",
            )
        else:
            _, member_id, team = happening
            first = member_id not in teams
            teams[member_id] = team
            make = registered if first else roles_changed
            handlers.on_member_event(
                service.ports, make(member_id, team_id=team, station_id=TEAMS[team])
            )


def brute_force(service: PointsService, period: str, scope: str, scope_id: str, teams) -> list:
    key = model.period_keys(START, service.ports.rules.utc_offset)[period]
    points: dict[str, int] = defaultdict(int)
    reached: dict[str, int] = defaultdict(int)
    for entry in service.ports.entries.all():
        entry_key = model.period_keys(
            START.fromtimestamp(entry["at"] / 1000, START.tzinfo), service.ports.rules.utc_offset
        )[period]
        if not entry["counts"] or entry_key != key:
            continue
        member_id = entry["member_id"]
        team = teams.get(member_id, "")
        if scope == "team" and team != scope_id:
            continue
        if scope == "station" and TEAMS.get(team, "") != scope_id:
            continue
        points[member_id] += entry["delta"]
        reached[member_id] = max(reached[member_id], entry["at"])
    standings = [model.Standing(m, points[m], reached[m]) for m in points]
    return [(rank, s.member_id, s.points) for rank, s in model.ranked(standings)]


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(happenings=st.lists(happening, max_size=25))
def test_boards_match_a_recomputation_from_the_ledger(happenings: list) -> None:
    with tempfile.TemporaryDirectory() as directory:
        clock = ManualClock(START)
        service = build(Path(directory), clock=clock)
        teams: dict[str, str] = {}
        try:
            apply(service, happenings, teams)
            boards = (
                [("city", "")]
                + [("team", t) for t in TEAMS]
                + [("station", "s1"), ("station", "s2")]
            )
            for period in model.PERIODS:
                for scope, scope_id in boards:
                    board = leaderboard(
                        counters=service.ports.counters,
                        accounts=service.ports.accounts,
                        names=service.ports.names,
                        rules=service.ports.rules,
                        clock=clock,
                        period=period,
                        scope=scope,
                        scope_id=scope_id,
                        member_id="",
                        limit=200,
                    )
                    shown = [(row.rank, row.member_id, row.points) for row in board.rows]
                    assert shown == brute_force(service, period, scope, scope_id, teams), (
                        period,
                        scope,
                        scope_id,
                    )
                    assert all(row.name == f"name-of-{row.member_id}" for row in board.rows)
        finally:
            service.close()


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(happenings=st.lists(happening, max_size=25))
def test_a_members_own_rank_is_their_place_on_the_whole_board_beyond_the_top(
    happenings: list,
) -> None:
    with tempfile.TemporaryDirectory() as directory:
        clock = ManualClock(START)
        service = build(Path(directory), clock=clock)
        teams: dict[str, str] = {}
        try:
            apply(service, happenings, teams)
            for scope, scope_id in [("city", ""), ("station", "s1"), ("team", "t1")]:
                whole = brute_force(service, "week", scope, scope_id, teams)
                for member_id in MEMBERS:
                    board = leaderboard(
                        counters=service.ports.counters,
                        accounts=service.ports.accounts,
                        names=service.ports.names,
                        rules=service.ports.rules,
                        clock=clock,
                        period="week",
                        scope=scope,
                        scope_id=scope_id,
                        member_id=member_id,
                        limit=1,
                    )
                    place = [(rank, points) for rank, m, points in whole if m == member_id]
                    mine = board.caller
                    shown = [(mine.rank, mine.points)] if mine else []
                    assert shown == place, (scope, scope_id, member_id)
                    assert mine is None or mine.name == f"name-of-{member_id}"
        finally:
            service.close()
