"""Composition root of the identity service: adapters in, a service out; no I/O at import."""

from __future__ import annotations

import base64
from dataclasses import dataclass, field

from services.identity import grpc_api, handlers
from services.identity.pii import PiiVault
from services.identity.ports import Ports
from services.identity.repository import (
    AuditRepository,
    GridRepository,
    LoginFailureRepository,
    MemberRepository,
    OrgRepository,
    SessionRepository,
)
from services.identity.settings import IdentityKeys
from services.identity.tokens import TokenIssuer
from shouwang.outbox import Outbox
from shouwang.rpc import ServiceBinding
from shouwang.runtime import Adapters


@dataclass
class IdentityService:
    ports: Ports
    bindings: list[ServiceBinding] = field(default_factory=list)

    def close(self) -> None:
        self.ports.outbox.stop()


def build(
    adapters: Adapters,
    *,
    keys: IdentityKeys,
    admin_phone: str = "",
    admin_password: str = "",
    phone_lookup_key: bytes = b"",
) -> IdentityService:
    """``phone_lookup_key``: the key comms signs its phone lookups with (none: refused)."""
    store = adapters.store
    members, orgs, grids = MemberRepository(store), OrgRepository(store), GridRepository(store)
    sessions, audit = SessionRepository(store), AuditRepository(store)
    for repository in (members, orgs, grids, sessions, audit):
        repository.ensure_indexes()
    ports = Ports(
        members=members,
        orgs=orgs,
        grids=grids,
        sessions=sessions,
        login_failures=LoginFailureRepository(store),
        audit=audit,
        outbox=Outbox(adapters.bus, members.members, adapters.clock),
        vault=PiiVault(
            key=base64.b64decode(keys.pii_key),
            key_id=keys.pii_key_id,
            blind_index_key=base64.b64decode(keys.blind_index_key),
        ),
        tokens=TokenIssuer(base64.b64decode(keys.signing_key), ttl_s=keys.access_token_ttl_s),
        clock=adapters.clock,
    )
    ports.outbox.recover()
    ports.outbox.start_recovery()
    if admin_phone and admin_password:
        handlers.seed_admin(ports, phone=admin_phone, password=admin_password)
    return IdentityService(
        ports=ports, bindings=[grpc_api.binding(ports, phone_lookup_key=phone_lookup_key)]
    )
