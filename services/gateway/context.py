"""What every route needs: the service clients, the token verifier and idempotency keys."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from flask import Response, make_response, request

from services.gateway.auth import TokenVerifier
from services.gateway.clients import Clients
from shouwang.http import IdempotencyKeys


@dataclass
class GatewayContext:
    clients: Clients
    verifier: TokenVerifier
    idempotency: IdempotencyKeys

    def idempotent(self, *, caller: str, view: Callable[[], Any]) -> Response:
        """Run a creating view once per ``Idempotency-Key`` (when the client sent one)."""
        key = request.headers.get("Idempotency-Key")
        if key is None:
            return make_response(view())
        return self.idempotency.run(caller=caller, key=key, view=lambda: make_response(view()))
