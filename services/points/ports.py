"""What points' commands and handlers are given: repositories, the ledger, the rules, the clock."""

from __future__ import annotations

from dataclasses import dataclass

from services.points.leaderboard import NameResolver
from services.points.ledger import Ledger
from services.points.redemption import Redemptions
from services.points.repository import AccountRepository, CounterRepository, LedgerRepository
from services.points.ruleset import Rules
from shouwang.clock import Clock


@dataclass(frozen=True)
class Ports:
    accounts: AccountRepository
    entries: LedgerRepository
    counters: CounterRepository
    ledger: Ledger
    redemptions: Redemptions
    names: NameResolver
    rules: Rules
    clock: Clock
