"""Points endpoints (CONTRACT.md "Reports, media, points, push"): balance and ledger, boards,
the reward catalogue, redemptions and penalties."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, Response, jsonify, request

from services.gateway.auth import Caller, authenticate, require_officer
from services.gateway.context import GatewayContext
from services.gateway.payloads import int_arg, optional_str, required_str
from shouwang.errors import Conflict, FieldError, InvalidArgument
from shouwang.http import json_body
from shouwang.identity.v1 import identity_pb2
from shouwang.ids import new_id
from shouwang.points.v1 import points_pb2 as pb

ENTRIES_SHOWN = 50


def blueprint(context: GatewayContext) -> Blueprint:
    routes = Blueprint("points", __name__)
    points = context.clients.points
    identity = context.clients.identity

    @routes.get("/points/me")
    def my_points() -> Response:
        caller = authenticate(context.verifier)
        account = points.GetAccount(pb.GetAccountRequest(member_id=caller.member_id))
        entries = points.ListEntries(
            pb.ListEntriesRequest(member_id=caller.member_id, limit=ENTRIES_SHOWN)
        )
        return jsonify(balance=account.balance, entries=[entry_json(e) for e in entries.entries])

    @routes.get("/points/leaderboard")
    def leaderboard() -> Response:
        caller = authenticate(context.verifier)
        errors: list[FieldError] = []
        limit = int_arg(request.args, "limit", errors)
        if errors:
            raise InvalidArgument(detail="bad query parameters", errors=errors)
        board = points.GetLeaderboard(
            pb.GetLeaderboardRequest(
                period=request.args.get("period", "week"),
                scope=request.args.get("scope", "team"),
                # Members see their own team's or station's board; officers may name another.
                scope_id=request.args.get("scope_id", "") if caller.is_officer else "",
                member_id=caller.member_id,
                limit=limit,
            )
        )
        names = _missing_names(identity, board)
        return jsonify(
            period=board.period,
            scope=board.scope,
            entries=[
                {
                    "rank": e.rank,
                    "member_id": e.member_id,
                    "name": e.name or names.get(e.member_id, ""),
                    "points": e.points,
                }
                for e in board.entries
            ],
        )

    @routes.get("/points/catalogue")
    def catalogue() -> Response:
        caller = authenticate(context.verifier)
        include_inactive = caller.is_officer and request.args.get("include_inactive") == "true"
        items = points.ListItems(pb.ListItemsRequest(include_inactive=include_inactive))
        return jsonify(items=[item_json(i) for i in items.items])

    @routes.post("/points/catalogue")
    def create_item() -> Response:
        caller = authenticate(context.verifier)
        require_officer(caller)

        def create() -> tuple[Response, int]:
            body = json_body()
            errors: list[FieldError] = []
            name = required_str(body, "name", errors)
            description = optional_str(body, "description", errors)
            cost = _required_int(body, "cost", errors)
            stock = _required_int(body, "stock", errors)
            if errors:
                raise InvalidArgument(
                    detail="an item needs a name, a cost and a stock", errors=errors
                )
            item = points.CreateItem(
                pb.CreateItemRequest(
                    officer_id=caller.member_id,
                    name=name,
                    description=description,
                    cost=cost,
                    stock=stock,
                )
            )
            return jsonify(item_json(item)), 201

        return context.idempotent(caller, create)

    @routes.post("/points/catalogue/<item_id>/stock")
    def update_stock(item_id: str) -> Response:
        caller = authenticate(context.verifier)
        require_officer(caller)
        body = json_body()
        errors: list[FieldError] = []
        stock = _required_int(body, "stock", errors)
        active = body.get("active")
        if active is not None and not isinstance(active, bool):
            errors.append(FieldError("active", "must be true or false"))
        if errors:
            raise InvalidArgument(detail="bad stock update", errors=errors)
        update = pb.UpdateStockRequest(officer_id=caller.member_id, item_id=item_id, stock=stock)
        if active is not None:
            update.active = active
        return jsonify(item_json(points.UpdateStock(update)))

    @routes.post("/points/redeem")
    def redeem() -> Response:
        caller = authenticate(context.verifier)
        # Without a key a retry would be a second redemption: that is the client's choice.
        key = request.headers.get("Idempotency-Key") or new_id()

        def spend() -> tuple[Response, int]:
            body = json_body()
            errors: list[FieldError] = []
            item_id = required_str(body, "item_id", errors)
            if errors:
                raise InvalidArgument(detail="name the item to redeem", errors=errors)
            redemption = points.Redeem(
                pb.RedeemRequest(member_id=caller.member_id, item_id=item_id, idempotency_key=key)
            )
            if redemption.status == "refused":
                raise Conflict(
                    detail=f"redemption {redemption.redemption_id} refused: {redemption.refusal}"
                )
            return jsonify(redemption_json(redemption)), 201

        return context.idempotent(caller, spend)

    @routes.get("/points/redemptions")
    def redemptions() -> Response:
        caller = authenticate(context.verifier)
        errors: list[FieldError] = []
        limit = int_arg(request.args, "limit", errors)
        if errors:
            raise InvalidArgument(detail="bad query parameters", errors=errors)
        member_id = _member_filter(caller)
        found = points.ListRedemptions(
            pb.ListRedemptionsRequest(
                member_id=member_id, status=request.args.get("status", ""), limit=limit
            )
        )
        return jsonify(redemptions=[redemption_json(r) for r in found.redemptions])

    @routes.post("/points/redemptions/<redemption_id>/fulfil")
    def fulfil(redemption_id: str) -> Response:
        caller = authenticate(context.verifier)
        require_officer(caller)
        redemption = points.FulfillRedemption(
            pb.FulfillRedemptionRequest(officer_id=caller.member_id, redemption_id=redemption_id)
        )
        return jsonify(redemption_json(redemption))

    @routes.post("/points/penalties")
    def penalise() -> Response:
        caller = authenticate(context.verifier)
        require_officer(caller)
        key = request.headers.get("Idempotency-Key") or new_id()

        def take() -> tuple[Response, int]:
            body = json_body()
            errors: list[FieldError] = []
            member_id = required_str(body, "member_id", errors)
            reason = required_str(body, "reason", errors)
            amount = _required_int(body, "points", errors)
            if errors:
                raise InvalidArgument(
                    detail="a penalty names the member, the points and the reason", errors=errors
                )
            # Scope: identity answers 404 for a member outside the officer's station.
            identity.GetMember(
                identity_pb2.GetMemberRequest(member_id=member_id, actor=caller.actor)
            )
            award = points.Penalise(
                pb.PenaliseRequest(
                    officer_id=caller.member_id,
                    member_id=member_id,
                    points=amount,
                    reason=reason,
                    request_id=f"{caller.member_id}:{key}",
                )
            )
            return jsonify(
                entry_id=award.entry_id or None,
                member_id=award.member_id,
                delta=award.delta,
                balance=award.balance,
            ), 201

        return context.idempotent(caller, take)

    return routes


def _member_filter(caller: Caller) -> str:
    """Members see their own redemptions; officers everyone's, or one member's."""
    if caller.is_officer:
        return request.args.get("member_id", "")
    return caller.member_id


def _missing_names(identity: Any, board: pb.Leaderboard) -> dict[str, str]:
    unnamed = [e.member_id for e in board.entries if not e.name]
    if not unnamed:
        return {}
    reply = identity.GetMembers(identity_pb2.GetMembersRequest(member_ids=unnamed))
    return {member.member_id: member.name for member in reply.members}


def _required_int(body: dict[str, Any], name: str, errors: list[FieldError]) -> int:
    value = body.get(name)
    if value is None:
        errors.append(FieldError(name, "is required"))
        return 0
    if not isinstance(value, int) or isinstance(value, bool):
        errors.append(FieldError(name, "must be an integer"))
        return 0
    return value


def entry_json(entry: pb.Entry) -> dict[str, Any]:
    shown: dict[str, Any] = {
        "delta": entry.delta,
        "reason": entry.reason,
        "ref": entry.ref,
        "at": entry.at.ToJsonString(),
    }
    if entry.note:
        shown["note"] = entry.note
    return shown


def item_json(item: pb.Item) -> dict[str, Any]:
    return {
        "item_id": item.item_id,
        "name": item.name,
        "description": item.description,
        "cost": item.cost,
        "stock": item.stock,
        "remaining": item.remaining,
        "active": item.active,
    }


def redemption_json(redemption: pb.Redemption) -> dict[str, Any]:
    return {
        "redemption_id": redemption.redemption_id,
        "member_id": redemption.member_id,
        "item_id": redemption.item_id,
        "item_name": redemption.item_name,
        "cost": redemption.cost,
        "status": redemption.status,
        "refusal": redemption.refusal or None,
        "created_at": redemption.created_at.ToJsonString(),
        "fulfilled_at": (
            redemption.fulfilled_at.ToJsonString() if redemption.HasField("fulfilled_at") else None
        ),
    }
