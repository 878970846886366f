"""What every route needs: the service clients, the token verifier, idempotency keys, the push
hub and the media blob store."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from flask import Response, request

from services.gateway.auth import Caller, TokenVerifier
from services.gateway.clients import Clients
from services.gateway.stream import StreamHub
from shouwang.http import IdempotencyKeys
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
        owner = caller.member_id if caller else "anonymous"
        return self.idempotency.run(caller=owner, key=key, view=respond)
