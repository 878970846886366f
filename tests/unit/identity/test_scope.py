"""Scope: who acts on whom — administrators city-wide, officers within their station's tree."""

from __future__ import annotations

import pytest

from services.identity.scope import (
    ADMIN,
    MEMBER,
    NOWHERE,
    OFFICER,
    TEAM_LEADER,
    Actor,
    Scope,
    scope_of,
    station_of,
    unknown_roles,
)

ORGS = {
    "station-a": {"kind": "station", "parent_id": ""},
    "team-a1": {"kind": "team", "parent_id": "station-a"},
    "team-a2": {"kind": "team", "parent_id": "station-a"},
    "station-b": {"kind": "station", "parent_id": ""},
    "team-b1": {"kind": "team", "parent_id": "station-b"},
}


def actor(*roles: str, org_id: str = "") -> Actor:
    return Actor(member_id="m1", roles=frozenset(roles), org_id=org_id)


def test_an_admin_acts_city_wide() -> None:
    scope = scope_of(actor(ADMIN), ORGS)
    assert scope.city_wide
    assert scope.org_ids == frozenset(ORGS)


def test_an_admin_covers_members_without_a_station() -> None:
    assert scope_of(actor(ADMIN), ORGS).covers("")


def test_an_officer_acts_for_their_station_and_its_teams() -> None:
    scope = scope_of(actor(OFFICER, org_id="station-a"), ORGS)
    assert not scope.city_wide
    assert scope.org_ids == {"station-a", "team-a1", "team-a2"}


def test_an_officer_does_not_cover_another_station_or_its_teams() -> None:
    scope = scope_of(actor(OFFICER, org_id="station-a"), ORGS)
    assert not scope.covers("station-b")
    assert not scope.covers("team-b1")


def test_an_officer_does_not_cover_members_without_a_station() -> None:
    assert not scope_of(actor(OFFICER, org_id="station-a"), ORGS).covers("")


def test_an_officer_attached_to_a_team_acts_for_the_teams_station() -> None:
    scope = scope_of(actor(OFFICER, org_id="team-a1"), ORGS)
    assert scope.org_ids == {"station-a", "team-a1", "team-a2"}


def test_an_officer_of_an_unknown_org_has_no_scope() -> None:
    assert scope_of(actor(OFFICER, org_id="gone"), ORGS) == NOWHERE


def test_an_officer_without_an_org_has_no_scope() -> None:
    assert scope_of(actor(OFFICER), ORGS) == NOWHERE


@pytest.mark.parametrize("roles", [(MEMBER,), (TEAM_LEADER,), (MEMBER, TEAM_LEADER), ()])
def test_members_and_team_leaders_have_no_scope(roles: tuple[str, ...]) -> None:
    assert scope_of(actor(*roles, org_id="station-a"), ORGS) == NOWHERE


def test_nowhere_covers_nothing() -> None:
    assert not NOWHERE.covers("station-a")
    assert not NOWHERE.covers("")


def test_a_city_wide_scope_covers_orgs_it_has_not_heard_of() -> None:
    assert Scope(city_wide=True, org_ids=frozenset()).covers("created-a-moment-ago")


@pytest.mark.parametrize(
    ("roles", "is_officer", "is_admin"),
    [
        ((ADMIN,), True, True),
        ((OFFICER,), True, False),
        ((TEAM_LEADER,), False, False),
        ((MEMBER,), False, False),
    ],
)
def test_admins_hold_every_officer_right(
    roles: tuple[str, ...], is_officer: bool, is_admin: bool
) -> None:
    assert (actor(*roles).is_officer, actor(*roles).is_admin) == (is_officer, is_admin)


@pytest.mark.parametrize(
    ("org_id", "station"),
    [("station-a", "station-a"), ("team-b1", "station-b"), ("gone", ""), ("", "")],
)
def test_station_of_an_org(org_id: str, station: str) -> None:
    assert station_of(org_id, ORGS) == station


def test_unknown_roles_are_listed_sorted() -> None:
    assert unknown_roles(["officer", "sheriff", "deputy", "member"]) == ["deputy", "sheriff"]
