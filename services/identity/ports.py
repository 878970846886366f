"""What identity's commands are given: repositories, the outbox, secrets and the clock."""

from __future__ import annotations

from dataclasses import dataclass

from services.identity.pii import PiiVault
from services.identity.repository import (
    AuditRepository,
    GridRepository,
    LoginFailureRepository,
    MemberRepository,
    OrgRepository,
    SessionRepository,
)
from services.identity.tokens import TokenIssuer
from shouwang.clock import Clock
from shouwang.outbox import Outbox


@dataclass(frozen=True)
class LoginLimits:
    """Failed logins allowed per window before 429: brute force is slowed, typos are not."""

    per_phone: int = 5
    per_address: int = 30
    window_s: int = 15 * 60


@dataclass(frozen=True)
class Ports:
    members: MemberRepository
    orgs: OrgRepository
    grids: GridRepository
    sessions: SessionRepository
    login_failures: LoginFailureRepository
    audit: AuditRepository
    outbox: Outbox
    vault: PiiVault
    tokens: TokenIssuer
    clock: Clock
    login_limits: LoginLimits = LoginLimits()
    refresh_ttl_s: int = 30 * 24 * 3600
