"""What every route needs: the service clients, the token verifier, idempotency keys, the push
hub and the media blob store."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from flask import Response, make_response, request

from services.gateway.auth import TokenVerifier
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

    def idempotent(self, *, caller: str, view: Callable[[], Any]) -> Response:
        """Run a creating view once per ``Idempotency-Key`` (when the client sent one)."""
        key = request.headers.get("Idempotency-Key")
        if key is None:
            return make_response(view())
        return self.idempotency.run(caller=caller, key=key, view=lambda: make_response(view()))
