"""Points endpoints (CONTRACT.md "Reports, media, points, push"): balance and ledger, boards,
the reward catalogue, redemptions and penalties."""

from __future__ import annotations

from typing import Any

from flask import request

from services.gateway.access import Access
from services.gateway.auth import Caller
from services.gateway.context import GatewayContext
from services.gateway.models.common import PageQuery
from services.gateway.models.points import (
    BoardScope,
    Catalogue,
    CatalogueQuery,
    EntryView,
    ItemDraft,
    ItemView,
    Leaderboard,
    LeaderboardQuery,
    PenaltyDraft,
    PenaltyTaken,
    Period,
    PointsAccount,
    RedemptionOrder,
    Redemptions,
    RedemptionsQuery,
    RedemptionView,
    Standing,
    StockUpdate,
)
from shouwang.errors import Conflict
from shouwang.identity.v1 import identity_pb2
from shouwang.ids import new_id
from shouwang.points.v1 import points_pb2 as pb
from shouwang.typed_routes import TypedRoutes


def routes(context: GatewayContext) -> TypedRoutes:
    api = TypedRoutes("points", tag="points", idempotency=context.idempotent)
    points = context.clients.points
    identity = context.clients.identity

    @api.get(
        "/points/me",
        summary="The caller's balance and their ledger, newest first",
        access=Access.MEMBER,
        query=PageQuery,
        reply=PointsAccount,
        errors=(404,),
    )
    def my_points(caller: Caller, query: PageQuery) -> PointsAccount:
        account = points.GetAccount(pb.GetAccountRequest(member_id=caller.member_id))
        page = points.ListEntries(
            pb.ListEntriesRequest(
                member_id=caller.member_id, page_size=query.limit, page_token=query.cursor or ""
            )
        )
        return PointsAccount(
            balance=account.balance,
            entries=[EntryView.from_proto(e) for e in page.entries],
            next_cursor=page.next_page_token or None,
        )

    @api.get(
        "/points/leaderboard",
        summary="The top of a board (team, station or city; week, month or all time)",
        access=Access.MEMBER,
        query=LeaderboardQuery,
        reply=Leaderboard,
    )
    def leaderboard(caller: Caller, query: LeaderboardQuery) -> Leaderboard:
        board = points.GetLeaderboard(
            pb.GetLeaderboardRequest(
                period=query.period,
                scope=query.scope,
                # Members see their own team's or station's board; officers may name another.
                scope_id=query.scope_id if caller.is_officer else "",
                member_id=caller.member_id,
                limit=query.limit,
            )
        )
        names = _missing_names(identity, board)
        return Leaderboard(
            period=Period(board.period),
            scope=BoardScope(board.scope),
            period_key=board.period_key,
            entries=[
                Standing.from_proto(e, name=names.get(e.member_id, "")) for e in board.entries
            ],
            me=(
                Standing.from_proto(board.caller, name=names.get(board.caller.member_id, ""))
                if board.HasField("caller")
                else None
            ),
        )

    @api.get(
        "/points/catalogue",
        summary="The rewards on offer, cheapest first",
        access=Access.MEMBER,
        query=CatalogueQuery,
        reply=Catalogue,
    )
    def catalogue(caller: Caller, query: CatalogueQuery) -> Catalogue:
        page = points.ListItems(
            pb.ListItemsRequest(
                include_inactive=caller.is_officer and query.include_inactive,
                page_size=query.limit,
                page_token=query.cursor or "",
            )
        )
        return Catalogue(
            items=[ItemView.from_proto(i) for i in page.items],
            next_cursor=page.next_page_token or None,
        )

    @api.post(
        "/points/catalogue",
        summary="Offer a reward",
        access=Access.OFFICER,
        body=ItemDraft,
        reply=ItemView,
        status=201,
        idempotent=True,
    )
    def create_item(caller: Caller, body: ItemDraft) -> ItemView:
        item = points.CreateItem(
            pb.CreateItemRequest(
                officer_id=caller.member_id,
                name=body.name,
                description=body.description,
                cost=body.cost,
                stock=body.stock,
            )
        )
        return ItemView.from_proto(item)

    @api.post(
        "/points/catalogue/{item_id}/stock",
        summary="Grow an item's stock, or withdraw it from the catalogue",
        access=Access.OFFICER,
        body=StockUpdate,
        reply=ItemView,
        errors=(409,),
    )
    def update_stock(caller: Caller, item_id: str, body: StockUpdate) -> ItemView:
        update = pb.UpdateStockRequest(
            officer_id=caller.member_id, item_id=item_id, stock=body.stock
        )
        if body.active is not None:
            update.active = body.active
        return ItemView.from_proto(points.UpdateStock(update))

    @api.post(
        "/points/redeem",
        summary="Spend points on one unit of a reward",
        description="409 when the balance or the stock does not cover it, or it was withdrawn.",
        access=Access.MEMBER,
        body=RedemptionOrder,
        reply=RedemptionView,
        status=201,
        errors=(404, 409),
        idempotent=True,
    )
    def redeem(caller: Caller, body: RedemptionOrder) -> RedemptionView:
        # Without a key a retry would be a second redemption: that is the client's choice.
        key = request.headers.get("Idempotency-Key") or new_id()
        redemption = points.Redeem(
            pb.RedeemRequest(member_id=caller.member_id, item_id=body.item_id, idempotency_key=key)
        )
        if redemption.status == "refused":
            raise Conflict(
                detail=f"redemption {redemption.redemption_id} refused: {redemption.refusal}"
            )
        return RedemptionView.from_proto(redemption)

    @api.get(
        "/points/redemptions",
        summary="Redemptions, newest first: a member's own, or any member's for officers",
        access=Access.MEMBER,
        query=RedemptionsQuery,
        reply=Redemptions,
    )
    def redemptions(caller: Caller, query: RedemptionsQuery) -> Redemptions:
        page = points.ListRedemptions(
            pb.ListRedemptionsRequest(
                member_id=query.member_id if caller.is_officer else caller.member_id,
                status=query.status or "",
                page_size=query.limit,
                page_token=query.cursor or "",
            )
        )
        return Redemptions(
            redemptions=[RedemptionView.from_proto(r) for r in page.redemptions],
            next_cursor=page.next_page_token or None,
        )

    @api.post(
        "/points/redemptions/{redemption_id}/fulfil",
        summary="Record that a redeemed reward was handed over",
        access=Access.OFFICER,
        reply=RedemptionView,
        errors=(409,),
    )
    def fulfil(caller: Caller, redemption_id: str) -> RedemptionView:
        redemption = points.FulfillRedemption(
            pb.FulfillRedemptionRequest(officer_id=caller.member_id, redemption_id=redemption_id)
        )
        return RedemptionView.from_proto(redemption)

    @api.post(
        "/points/penalties",
        summary="Take points from a member of the officer's scope, with a reason",
        description="Never below a zero balance; an officer cannot penalise themselves.",
        access=Access.OFFICER,
        body=PenaltyDraft,
        reply=PenaltyTaken,
        status=201,
        errors=(404,),
        idempotent=True,
    )
    def penalise(caller: Caller, body: PenaltyDraft) -> PenaltyTaken:
        key = request.headers.get("Idempotency-Key") or new_id()
        # Scope: identity answers 404 for a member outside the officer's station.
        identity.GetMember(
            identity_pb2.GetMemberRequest(member_id=body.member_id, actor=caller.actor)
        )
        award = points.Penalise(
            pb.PenaliseRequest(
                officer_id=caller.member_id,
                member_id=body.member_id,
                points=body.points,
                reason=body.reason,
                request_id=f"{caller.member_id}:{key}",
            )
        )
        return PenaltyTaken.from_proto(award)

    return api


def _missing_names(identity: Any, board: pb.Leaderboard) -> dict[str, str]:
    """Names the points service could not fill (identity unreachable from it), asked once."""
    rows = [*board.entries, *([board.caller] if board.HasField("caller") else [])]
    unnamed = sorted({row.member_id for row in rows if not row.name})
    if not unnamed:
        return {}
    reply = identity.GetMembers(identity_pb2.GetMembersRequest(member_ids=unnamed))
    return {member.member_id: member.name for member in reply.members}
