"""Points' gRPC servicer: protobuf in, commands and queries, protobuf out. Errors map in
shouwang.rpc."""

from __future__ import annotations

from datetime import UTC

import grpc

from services.points import handlers
from services.points.leaderboard import BoardRow, leaderboard
from services.points.ports import Ports
from shouwang.clock import timestamp_of_millis
from shouwang.errors import NotFound
from shouwang.points.v1 import points_pb2 as pb
from shouwang.points.v1 import points_pb2_grpc
from shouwang.rpc import ServiceBinding
from shouwang.store import Document

Context = grpc.ServicerContext


class PointsServicer(points_pb2_grpc.PointsServiceServicer):
    def __init__(self, ports: Ports) -> None:
        self.ports = ports

    # Balances, ledger, boards ----------------------------------------------------------------
    def GetAccount(self, request, context: Context):
        account = self.ports.accounts.get(request.member_id)
        if account is None:
            raise NotFound(detail="no points account for this member yet")
        return pb.Account(
            member_id=account["_id"],
            balance=account["balance"],
            opened_at=timestamp_of_millis(account["opened_at"]),
        )

    def ListEntries(self, request, context: Context):
        page = self.ports.entries.page_of(
            request.member_id,
            size=request.page_size or request.limit,
            cursor=request.page_token,
        )
        return pb.EntryList(
            entries=[entry_message(e) for e in page.items], next_page_token=page.next_cursor
        )

    def GetLeaderboard(self, request, context: Context):
        board = leaderboard(
            counters=self.ports.counters,
            accounts=self.ports.accounts,
            names=self.ports.names,
            rules=self.ports.rules,
            clock=self.ports.clock,
            period=request.period,
            scope=request.scope,
            scope_id=request.scope_id,
            member_id=request.member_id,
            limit=request.limit,
        )
        return pb.Leaderboard(
            period=board.period,
            scope=board.scope,
            scope_id=board.scope_id,
            period_key=board.period_key,
            entries=[_standing(row) for row in board.rows],
            caller=_standing(board.caller) if board.caller else None,
        )

    # Commands ----------------------------------------------------------------------------------
    def RecordQuizAnswer(self, request, context: Context):
        outcome = handlers.record_quiz_answer(
            self.ports,
            member_id=request.member_id,
            quiz_id=request.quiz_id,
            correct=request.correct,
            answered_at=(
                request.answered_at.ToDatetime(tzinfo=UTC)
                if request.HasField("answered_at")
                else None
            ),
        )
        return _award(request.member_id, outcome)

    def Penalise(self, request, context: Context):
        outcome = handlers.penalise(
            self.ports,
            officer_id=request.officer_id,
            member_id=request.member_id,
            points=request.points,
            reason=request.reason,
            request_id=request.request_id,
        )
        return _award(request.member_id, outcome)

    # Catalogue and redemptions -----------------------------------------------------------------
    def CreateItem(self, request, context: Context):
        item = self.ports.redemptions.create_item(
            officer_id=request.officer_id,
            name=request.name,
            description=request.description,
            cost=request.cost,
            stock=request.stock,
        )
        return self._item(item)

    def ListItems(self, request, context: Context):
        page = self.ports.redemptions.catalogue.list_items(
            include_inactive=request.include_inactive,
            size=request.page_size,
            cursor=request.page_token,
        )
        return pb.ItemList(
            items=[self._item(item) for item in page.items], next_page_token=page.next_cursor
        )

    def UpdateStock(self, request, context: Context):
        item = self.ports.redemptions.update_stock(
            item_id=request.item_id,
            stock=request.stock,
            active=request.active if request.HasField("active") else None,
        )
        return self._item(item)

    def Redeem(self, request, context: Context):
        redemption = self.ports.redemptions.redeem(
            member_id=request.member_id,
            item_id=request.item_id,
            idempotency_key=request.idempotency_key,
        )
        return redemption_message(redemption)

    def FulfillRedemption(self, request, context: Context):
        redemption = self.ports.redemptions.fulfil(
            redemption_id=request.redemption_id, officer_id=request.officer_id
        )
        return redemption_message(redemption)

    def ListRedemptions(self, request, context: Context):
        page = self.ports.redemptions.redemptions.listing(
            member_id=request.member_id,
            status=request.status,
            size=request.page_size or request.limit,
            cursor=request.page_token,
        )
        return pb.RedemptionList(
            redemptions=[redemption_message(r) for r in page.items],
            next_page_token=page.next_cursor,
        )

    def _item(self, item: Document) -> pb.Item:
        return pb.Item(
            item_id=item["_id"],
            name=item["name"],
            description=item["description"],
            cost=item["cost"],
            stock=item["stock"],
            remaining=self.ports.redemptions.remaining(item),
            active=item["active"],
        )


def _standing(row: BoardRow) -> pb.LeaderboardEntry:
    return pb.LeaderboardEntry(
        rank=row.rank, member_id=row.member_id, name=row.name, points=row.points
    )


def _award(member_id: str, outcome: handlers.AwardOutcome) -> pb.Award:
    entry = outcome.entry
    return pb.Award(
        entry_id=entry["_id"] if entry else "",
        member_id=member_id,
        delta=entry["delta"] if entry else 0,
        balance=outcome.balance,
    )


def entry_message(entry: Document) -> pb.Entry:
    return pb.Entry(
        entry_id=entry["_id"],
        member_id=entry["member_id"],
        delta=entry["delta"],
        reason=entry["reason"],
        ref=entry["ref"],
        at=timestamp_of_millis(entry["at"]),
        rules_version=entry["rules_version"],
        note=entry.get("note", ""),
    )


def redemption_message(redemption: Document) -> pb.Redemption:
    message = pb.Redemption(
        redemption_id=redemption["_id"],
        member_id=redemption["member_id"],
        item_id=redemption["item_id"],
        item_name=redemption["item_name"],
        cost=redemption["cost"],
        status=redemption["status"],
        refusal=redemption["refusal"],
        created_at=timestamp_of_millis(redemption["created_at"]),
        fulfilled_by=redemption["fulfilled_by"],
    )
    if redemption["fulfilled_at"]:
        message.fulfilled_at.CopyFrom(timestamp_of_millis(redemption["fulfilled_at"]))
    return message


def binding(ports: Ports) -> ServiceBinding:
    return ServiceBinding(
        add=points_pb2_grpc.add_PointsServiceServicer_to_server,
        servicer=PointsServicer(ports),
        full_name=pb.DESCRIPTOR.services_by_name["PointsService"].full_name,
    )
