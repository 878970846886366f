"""Composition root of the points service: adapters in, a running service out. No I/O at import."""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import partial

from services.points import grpc_api, handlers
from services.points.repository import AccountRepository
from shouwang.rpc import ServiceBinding
from shouwang.runtime import Adapters

CONSUMER_GROUP = "points"


@dataclass
class PointsService:
    accounts: AccountRepository
    bindings: list[ServiceBinding] = field(default_factory=list)

    def close(self) -> None:
        pass


def build(adapters: Adapters) -> PointsService:
    accounts = AccountRepository(adapters.store)
    adapters.bus.subscribe(
        handlers.IDENTITY_TOPIC,
        group=CONSUMER_GROUP,
        handler=partial(handlers.open_account_for_registered_member, accounts),
        payload_types=handlers.IDENTITY_EVENTS,
    )
    return PointsService(accounts=accounts, bindings=[grpc_api.binding(accounts)])
