"""Leaderboards read from the maintained counters (never by scanning the ledger), with names
from identity. Only the display name crosses over: never a phone or an ID number."""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Protocol

from services.points import model
from services.points.repository import AccountRepository, CounterRepository
from services.points.ruleset import Rules
from shouwang.clock import Clock
from shouwang.errors import DomainError, FieldError, InvalidArgument
from shouwang.identity.v1 import identity_pb2, identity_pb2_grpc

log = logging.getLogger(__name__)

DEFAULT_LIMIT, MAX_LIMIT = 50, 200
_SCOPE_FIELDS = {"team": "team_id", "station": "station_id", "city": None}


class NameResolver(Protocol):
    def names(self, member_ids: Sequence[str]) -> dict[str, str]:
        """Display names by member id; members it cannot name are left out."""
        ...


class NoNames:
    """Used when identity is not wired in: the gateway fills the names."""

    def names(self, member_ids: Sequence[str]) -> dict[str, str]:
        return {}


class IdentityNames:
    """Names from identity's ``GetMembers``; boards still render (unnamed) if identity is down."""

    def __init__(self, identity: identity_pb2_grpc.IdentityServiceStub) -> None:
        self.identity = identity

    def names(self, member_ids: Sequence[str]) -> dict[str, str]:
        if not member_ids:
            return {}
        try:
            reply = self.identity.GetMembers(
                identity_pb2.GetMembersRequest(member_ids=list(member_ids))
            )
        except DomainError as error:
            log.warning("names unavailable for a leaderboard: %s", error)
            return {}
        return {member.member_id: member.name for member in reply.members}


@dataclass(frozen=True)
class BoardRow:
    rank: int
    member_id: str
    name: str
    points: int


@dataclass(frozen=True)
class Board:
    period: str
    scope: str
    scope_id: str
    period_key: str
    rows: list[BoardRow]
    caller: BoardRow | None = None  # where the asking member stands, in the top rows or not


def leaderboard(
    *,
    counters: CounterRepository,
    accounts: AccountRepository,
    names: NameResolver,
    rules: Rules,
    clock: Clock,
    period: str,
    scope: str,
    scope_id: str,
    member_id: str,
    limit: int,
) -> Board:
    errors = []
    if period not in model.PERIODS:
        errors.append(FieldError("period", f"must be one of {', '.join(model.PERIODS)}"))
    if scope not in model.SCOPES:
        errors.append(FieldError("scope", f"must be one of {', '.join(model.SCOPES)}"))
    if errors:
        raise InvalidArgument(detail="unknown board", errors=errors)
    field = _SCOPE_FIELDS[scope]
    if field is not None and not scope_id:
        account = accounts.get(member_id) if member_id else None
        scope_id = (account or {}).get(field, "")
        if not scope_id:  # no team or station known: an empty board, not everyone's
            return Board(period, scope, "", _key(rules, clock, period), [])
    key = _key(rules, clock, period)
    limit = min(limit or DEFAULT_LIMIT, MAX_LIMIT)
    found = counters.board(key=key, scope_field=field, scope_id=scope_id, limit=limit)
    standings = [model.Standing(c["member_id"], c["points"], c["reached_at"]) for c in found]
    caller = _caller_standing(counters, key, field, scope_id, member_id, standings)
    named = names.names(
        [s.member_id for s in standings] + ([caller[1].member_id] if caller else [])
    )
    rows = [_row(rank, s, named) for rank, s in model.ranked(standings)]
    return Board(
        period,
        scope,
        scope_id if field else "",
        key,
        rows,
        _row(*caller, named) if caller else None,
    )


def _caller_standing(
    counters: CounterRepository,
    key: str,
    field: str | None,
    scope_id: str,
    member_id: str,
    top: list[model.Standing],
) -> tuple[int, model.Standing] | None:
    """The caller's rank on this board, counted rather than read when below the top rows;
    None when they have no points in the period or are not in the board's scope."""
    for rank, standing in model.ranked(top):
        if standing.member_id == member_id:
            return rank, standing
    counter = counters.get(key=key, member_id=member_id) if member_id else None
    if counter is None or (field is not None and counter.get(field) != scope_id):
        return None
    ahead = counters.count_ahead(counter, scope_field=field, scope_id=scope_id)
    return ahead + 1, model.Standing(member_id, counter["points"], counter["reached_at"])


def _row(rank: int, standing: model.Standing, named: dict[str, str]) -> BoardRow:
    return BoardRow(rank, standing.member_id, named.get(standing.member_id, ""), standing.points)


def _key(rules: Rules, clock: Clock, period: str) -> str:
    return model.period_keys(clock.now(), rules.utc_offset)[period]
