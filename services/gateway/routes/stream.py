"""The push stream ``GET /stream`` (CONTRACT.md "Reports, media, points, push"): Server-Sent
Events of the tasks and reports the caller may see, from this replica's ``StreamHub``."""

from __future__ import annotations

import time

import jwt
from flask import Blueprint, Response, g, request

from services.gateway.auth import Caller
from services.gateway.context import GatewayContext
from services.gateway.stream import EventStream, StreamsFull, Viewer
from shouwang.errors import Unauthenticated, Unavailable
from shouwang.identity.v1 import identity_pb2


def blueprint(context: GatewayContext) -> Blueprint:
    routes = Blueprint("stream", __name__)

    @routes.get("/stream")
    def stream() -> Response:
        token = _token()
        caller = context.verifier.verify(token)
        g.caller = caller
        # The token is already verified; its expiry ends the stream so a client cannot keep
        # listening on a token it could no longer use for anything else.
        expires_at = float(jwt.decode(token, options={"verify_signature": False})["exp"])
        viewer = _viewer(context, caller)
        last_event_id = request.headers.get("Last-Event-ID") or request.args.get("last_event_id")
        try:
            opened = context.hub.open(viewer, last_event_id=last_event_id)
        except StreamsFull:
            raise Unavailable(
                detail="this server holds all the streams it can; retry shortly", retry_after_s=5
            ) from None
        versions = context.verifier.versions

        def still_allowed() -> bool:
            return time.time() < expires_at and versions.accepts(
                caller.member_id, caller.token_version
            )

        response = Response(
            EventStream(context.hub, opened, still_allowed=still_allowed),
            mimetype="text/event-stream",
        )
        response.headers["Cache-Control"] = "no-cache, no-store"
        response.headers["X-Accel-Buffering"] = "no"  # nginx-style proxies: do not buffer
        return response

    return routes


def _token() -> str:
    """The bearer token from the header, or from ``access_token`` (EventSource sets no headers)."""
    scheme, _, token = request.headers.get("Authorization", "").partition(" ")
    if scheme.lower() == "bearer" and token.strip():
        return token.strip()
    token = request.args.get("access_token", "").strip()
    if token:
        return token
    raise Unauthenticated(
        detail="send Authorization: Bearer <access token> or ?access_token=<access token>"
    )


def _viewer(context: GatewayContext, caller: Caller) -> Viewer:
    if not caller.is_officer:
        return Viewer(member_id=caller.member_id)
    # Resolved once per connection; a scope change bumps the token version, which ends it.
    scope = context.clients.identity.ResolveScope(
        identity_pb2.ResolveScopeRequest(actor=caller.actor)
    )
    return Viewer(
        member_id=caller.member_id,
        officer=True,
        city_wide=scope.city_wide,
        station_ids=frozenset(scope.org_ids),
    )
