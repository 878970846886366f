"""The push stream ``GET /stream`` (CONTRACT.md "Reports, media, points, push"): Server-Sent
Events of the tasks and reports the caller may see, from this replica's ``StreamHub``, opened
with a bearer header or a single-use ticket (docs/push-stream.md)."""

from __future__ import annotations

import time
from dataclasses import dataclass

import jwt
from flask import Response, request

from services.gateway.access import Access
from services.gateway.auth import Caller, TokenVerifier, authenticate
from services.gateway.context import GatewayContext
from services.gateway.models.stream import StreamQuery, StreamTicket
from services.gateway.stream import (
    TICKET_SECONDS,
    EventStream,
    StreamGrant,
    StreamsFull,
    StreamTickets,
    Viewer,
)
from shouwang.errors import FieldError, Malformed, Unauthenticated, Unavailable
from shouwang.identity.v1 import identity_pb2
from shouwang.typed_routes import RawReply, TypedRoutes


@dataclass(frozen=True)
class StreamAccess:
    """Who may open a stream: a member by bearer header, or by a ticket redeemed here once."""

    verifier: TokenVerifier
    tickets: StreamTickets | None

    @property
    def secured(self) -> bool:
        return True

    def describe(self) -> str:
        return (
            "any signed-in member, with Authorization: Bearer or a single-use ?ticket= "
            "from POST /stream/tickets"
        )

    def authorize(self) -> StreamGrant:
        if "access_token" in request.args:
            # Refused rather than ignored, so a client still sending its token in the URL
            # learns why; the token has already reached the logs of every proxy on the way.
            raise Malformed(
                detail="access_token in the URL is not accepted (proxies log URLs): get a "
                "single-use ticket with POST /stream/tickets and open /stream?ticket=<ticket>",
                errors=[FieldError("access_token", "not accepted; use ?ticket= instead")],
            )
        if request.headers.get("Authorization"):
            caller = authenticate(self.verifier)
            return StreamGrant(caller, _bearer_expiry())
        ticket = request.args.get("ticket", "")
        if ticket and self.tickets is not None:
            grant = self.tickets.redeem(ticket[:100])
            if grant is None:
                raise Unauthenticated(detail="the stream ticket is unknown, spent or expired")
            if not self.verifier.versions.accepts(
                grant.caller.member_id, grant.caller.token_version
            ):
                raise Unauthenticated(detail="the access token behind this ticket was revoked")
            return grant
        raise Unauthenticated(
            detail="send Authorization: Bearer <access token>, or ?ticket= from "
            "POST /stream/tickets"
        )


def routes(context: GatewayContext) -> TypedRoutes:
    api = TypedRoutes("stream", tag="stream")
    tickets = context.hub.tickets

    @api.post(
        "/stream/tickets",
        summary="A single-use ticket that opens one stream (for EventSource)",
        description=f"Valid for {TICKET_SECONDS} s and one `GET /stream?ticket=`; the stream "
        "lasts as long as the access token that asked for it.",
        access=Access.MEMBER,
        reply=StreamTicket,
        status=201,
    )
    def issue_ticket(caller: Caller) -> StreamTicket:
        if tickets is None:
            raise Unavailable(detail="stream tickets are not available on this server")
        ticket = tickets.issue(StreamGrant(caller, _bearer_expiry()))
        return StreamTicket(ticket=ticket, expires_in=TICKET_SECONDS)

    @api.get(
        "/stream",
        summary="Server-Sent Events of the caller's tasks and reports",
        description="Never ends by itself: it lasts until the client leaves, the token expires "
        "or is revoked, or the member opens more streams than allowed (the oldest is closed). "
        "See docs/push-stream.md.",
        access=StreamAccess(context.verifier, tickets),
        query=StreamQuery,
        reply=RawReply(("text/event-stream",), "the event stream"),
        errors=(503,),
    )
    def stream(caller: StreamGrant, query: StreamQuery) -> Response:
        viewer = _viewer(context, caller.caller)
        last_event_id = request.headers.get("Last-Event-ID") or query.last_event_id
        try:
            opened = context.hub.open(viewer, last_event_id=last_event_id)
        except StreamsFull:
            raise Unavailable(
                detail="this server holds all the streams it can; retry shortly", retry_after_s=5
            ) from None
        versions = context.verifier.versions
        member = caller.caller

        def still_allowed() -> bool:
            # The token's expiry and revocation end the stream, so a client cannot keep
            # listening on a token it could no longer use for anything else.
            return time.time() < caller.expires_at and versions.accepts(
                member.member_id, member.token_version
            )

        response = Response(
            EventStream(context.hub, opened, still_allowed=still_allowed),
            mimetype="text/event-stream",
        )
        response.headers["Cache-Control"] = "no-cache, no-store"
        response.headers["X-Accel-Buffering"] = "no"  # nginx-style proxies: do not buffer
        return response

    return api


def _bearer_expiry() -> float:
    """The expiry (epoch seconds) of the bearer token, which the access rule has verified."""
    token = request.headers.get("Authorization", "").partition(" ")[2].strip()
    return float(jwt.decode(token, options={"verify_signature": False})["exp"])


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
