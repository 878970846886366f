"""Composition root of the gateway: clients and its own small store in, a WSGI app out."""

from __future__ import annotations

from dataclasses import dataclass

from flask import Flask

from services.gateway import token_versions
from services.gateway.app import create_app
from services.gateway.auth import TokenVerifier
from services.gateway.clients import Clients
from services.gateway.context import GatewayContext
from services.gateway.token_versions import TokenVersions
from shouwang.http import IdempotencyKeys
from shouwang.ids import new_id
from shouwang.metrics import Readiness
from shouwang.runtime import Adapters

IDEMPOTENCY_KEYS = "gateway_idempotency_keys"


@dataclass
class Gateway:
    app: Flask
    clients: Clients

    def close(self) -> None:
        self.clients.close()


def build(
    adapters: Adapters, *, clients: Clients, readiness: Readiness, max_body_bytes: int
) -> Gateway:
    idempotency = IdempotencyKeys(adapters.store.collection(IDEMPOTENCY_KEYS), adapters.clock)
    idempotency.ensure_indexes()
    versions = TokenVersions()
    # Each replica needs every version bump, so each is its own consumer group.
    adapters.bus.subscribe(
        token_versions.IDENTITY_TOPIC,
        group=f"gateway-{new_id()}",
        handler=versions.on_member_changed,
        payload_types=token_versions.VERSION_EVENTS,
    )
    context = GatewayContext(
        clients=clients, verifier=TokenVerifier(clients.identity, versions), idempotency=idempotency
    )
    app = create_app(context, readiness=readiness, max_body_bytes=max_body_bytes)
    return Gateway(app=app, clients=clients)
