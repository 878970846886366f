"""What every route needs: the service clients, the token verifier, idempotency keys, the push
hub and the media blob store."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from flask import Response, request

from services.gateway.auth import Caller, TokenVerifier
from services.gateway.clients import Clients
from services.gateway.stream import StreamHub
from shouwang.http import IdempotencyKeys, idempotency_slot
from shouwang.store import BlobStore


@dataclass
class GatewayContext:
    clients: Clients
    verifier: TokenVerifier
    idempotency: IdempotencyKeys
    hub: StreamHub
    blobs: BlobStore

    def idempotent(self, caller: Caller | None, respond: Callable[[], Response]) -> Response:
        """Run a creating view once per ``Idempotency-Key`` (when the client sent one); a retry
        gets the first reply again."""
        key = request.headers.get("Idempotency-Key")
        if key is None:
            return respond()
        return self.idempotency.run(caller=_owner(caller), key=key, view=respond)

    def retry_id(self, caller: Caller | None) -> str:
        """The request's retry id for a domain service ("" without an ``Idempotency-Key``)."""
        key = request.headers.get("Idempotency-Key")
        return "" if key is None else idempotency_slot(_owner(caller), key)


def _owner(caller: Caller | None) -> str:
    return caller.member_id if caller else "anonymous"
