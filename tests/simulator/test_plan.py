"""The night's plan is drawn from the seed alone: the same seed gives the same streets, members
and decisions; every member passes registration's own rules; routes follow the streets."""

from __future__ import annotations

import itertools
import statistics
from datetime import date

import pytest

from services.identity.model import validate_id_number, validate_mobile, validate_name
from simulator.plan import Plan, make_plan
from simulator.streets import Walker, distance_m


def decisions_of(seed: int, count: int) -> list[list[tuple[str, float]]]:
    plan = make_plan(seed, members=20)
    return [
        [(d.answer, d.delay_s) for d in itertools.islice(plan.decisions(member), count)]
        for member in plan.members
    ]


def test_the_same_seed_gives_the_same_members_streets_and_decisions() -> None:
    first, second = make_plan(7, members=50), make_plan(7, members=50)
    assert first.members == second.members
    assert first.officer == second.officer
    assert first.streets == second.streets
    assert first.teams == second.teams
    assert decisions_of(7, 30) == decisions_of(7, 30)

    def walks(plan: Plan) -> list[float]:
        return [plan.rng("member", m.index, "walk").random() for m in plan.members]

    assert walks(first) == walks(second)


def test_another_seed_gives_another_night() -> None:
    first, other = make_plan(7, members=50), make_plan(8, members=50)
    assert [m.id_number for m in first.members] != [m.id_number for m in other.members]
    assert first.streets.nodes != other.streets.nodes
    assert decisions_of(7, 30) != decisions_of(8, 30)


def test_every_member_passes_registrations_rules_and_is_unique() -> None:
    plan = make_plan(3, members=300)
    people = [*plan.members, plan.officer]
    today = date.today()
    for person in people:
        assert validate_name(person.name)[1] is None, person
        assert validate_id_number(person.id_number, today=today)[1] is None, person
        assert validate_mobile(person.phone)[1] is None, person
    assert len({p.id_number for p in people}) == len({p.phone for p in people}) == len(people)


def test_members_spread_over_teams_of_two_stations_with_trainees_and_a_roster() -> None:
    plan = make_plan(1, members=300)
    assert {team.station for team in plan.teams} == {0, 1}
    per_team = {t: sum(m.team == t for m in plan.members) for t in range(len(plan.teams))}
    assert all(count > 0 for count in per_team.values())
    rostered = [m for m in plan.members if plan.teams[m.team].roster]
    trainees = [m for m in plan.members if m.trainee]
    assert 0 < len(rostered) < 150 and 0 < len(trainees) < 100
    assert {m.mode for m in plan.members} == {"walk", "ride"}
    for member in plan.members:  # everyone lives in their team's patch
        assert member.home in plan.team_nodes(plan.teams[member.team])


def test_about_forty_percent_accept_and_the_median_reaction_is_well_under_two_minutes() -> None:
    plan = make_plan(11, members=1)
    draws = list(itertools.islice(plan.decisions(plan.members[0]), 4000))
    accepted = sum(d.answer == "accept" for d in draws) / len(draws)
    assert 0.36 < accepted < 0.44
    assert statistics.median(d.delay_s for d in draws) < 40
    assert max(d.delay_s for d in draws) <= 180


def test_routes_follow_street_segments_and_reach_their_end() -> None:
    plan = make_plan(5, members=1)
    streets = plan.streets
    assert streets.connected()
    segments = {frozenset(edge) for edge in streets.edges}
    start, end = streets.node_at(0, 0), streets.node_at(streets.columns - 1, streets.rows - 1)
    route = streets.route(start, end)
    assert route[0] == start and route[-1] == end
    assert all(frozenset(pair) in segments for pair in itertools.pairwise(route))
    # Streets, not a straight line through the blocks.
    length = sum(
        distance_m(streets.nodes[a], streets.nodes[b]) for a, b in itertools.pairwise(route)
    )
    assert length > 1.2 * distance_m(streets.nodes[start], streets.nodes[end])


def test_a_walker_moves_along_its_route_by_the_distance_it_is_given() -> None:
    plan = make_plan(5, members=1)
    streets = plan.streets
    route = [streets.nodes[n] for n in streets.route(0, streets.node_at(3, 0))]
    walker = Walker(route[0])
    walker.follow(route)
    first_leg = distance_m(route[0], route[1])
    assert walker.advance(first_leg / 2) == pytest.approx(first_leg / 2)
    assert distance_m(walker.position, route[0]) == pytest.approx(first_leg / 2, rel=1e-3)
    walker.advance(1e6)
    assert walker.position == route[-1] and not walker.moving
