"""Points' gRPC servicer: protobuf in, queries, protobuf out."""

from __future__ import annotations

import grpc

from services.points.repository import AccountRepository
from shouwang.clock import from_millis, to_timestamp
from shouwang.errors import NotFound
from shouwang.points.v1 import points_pb2, points_pb2_grpc
from shouwang.rpc import ServiceBinding


class PointsServicer(points_pb2_grpc.PointsServiceServicer):
    def __init__(self, accounts: AccountRepository) -> None:
        self.accounts = accounts

    def GetAccount(self, request, context: grpc.ServicerContext):
        account = self.accounts.get(request.member_id)
        if account is None:
            raise NotFound(detail="no points account for this member yet")
        return points_pb2.Account(
            member_id=account["_id"],
            balance=account["balance"],
            opened_at=to_timestamp(from_millis(account["opened_at"])),
        )


def binding(accounts: AccountRepository) -> ServiceBinding:
    return ServiceBinding(
        add=points_pb2_grpc.add_PointsServiceServicer_to_server,
        servicer=PointsServicer(accounts),
        full_name=points_pb2.DESCRIPTOR.services_by_name["PointsService"].full_name,
    )
