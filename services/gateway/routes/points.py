"""Points endpoints (CONTRACT.md "Reports, media, points, push")."""

from __future__ import annotations

from flask import Blueprint, Response, jsonify

from services.gateway.auth import authenticate
from services.gateway.context import GatewayContext
from shouwang.points.v1 import points_pb2


def blueprint(context: GatewayContext) -> Blueprint:
    routes = Blueprint("points", __name__)

    @routes.get("/points/me")
    def my_points() -> Response:
        caller = authenticate(context.verifier)
        account = context.clients.points.GetAccount(
            points_pb2.GetAccountRequest(member_id=caller.member_id)
        )
        # The ledger arrives with issue #6; until then an account has a balance and no entries.
        return jsonify(balance=account.balance, entries=[])

    return routes
