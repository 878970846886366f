"""Who may see and act on whom: roles, the station → team tree, and an actor's scope. Pure."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from shouwang.identity.v1.vocabulary import ROLES as ROLE_NAMES

MEMBER, TEAM_LEADER, OFFICER, ADMIN = ROLE_NAMES
ROLES = frozenset(ROLE_NAMES)
STATION, TEAM = "station", "team"


@dataclass(frozen=True)
class Actor:
    member_id: str
    roles: frozenset[str]
    org_id: str

    @property
    def is_admin(self) -> bool:
        return ADMIN in self.roles

    @property
    def is_officer(self) -> bool:
        return bool(self.roles & {OFFICER, ADMIN})


@dataclass(frozen=True)
class Scope:
    """The orgs an actor acts within; ``city_wide`` for administrators."""

    city_wide: bool
    org_ids: frozenset[str]

    def covers(self, org_id: str) -> bool:
        return self.city_wide or (bool(org_id) and org_id in self.org_ids)


NOWHERE = Scope(city_wide=False, org_ids=frozenset())


def scope_of(actor: Actor, orgs: Mapping[str, Mapping[str, str]]) -> Scope:
    """An admin sees the city; an officer their station and its teams; anyone else nobody else.

    ``orgs`` maps org id → {"kind", "parent_id"}. An officer attached to a team acts for the
    team's station.
    """
    if actor.is_admin:
        return Scope(city_wide=True, org_ids=frozenset(orgs))
    if not actor.is_officer or actor.org_id not in orgs:
        return NOWHERE
    station = station_of(actor.org_id, orgs)
    teams = {org_id for org_id, org in orgs.items() if org.get("parent_id") == station}
    return Scope(city_wide=False, org_ids=frozenset({station, *teams}))


def station_of(org_id: str, orgs: Mapping[str, Mapping[str, str]]) -> str:
    org = orgs.get(org_id)
    if org is None:
        return ""
    return org_id if org["kind"] == STATION else org.get("parent_id", "")


def unknown_roles(roles: Iterable[str]) -> list[str]:
    return sorted(set(roles) - ROLES)
