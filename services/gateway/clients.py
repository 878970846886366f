"""gRPC stubs of the services the gateway calls, over channels with deadlines."""

from __future__ import annotations

from dataclasses import dataclass

import grpc

from shouwang.identity.v1 import identity_pb2_grpc
from shouwang.points.v1 import points_pb2_grpc
from shouwang.rpc import connect


@dataclass
class Clients:
    identity: identity_pb2_grpc.IdentityServiceStub
    points: points_pb2_grpc.PointsServiceStub
    channels: list[grpc.Channel]

    @classmethod
    def connect(cls, *, identity_addr: str, points_addr: str, timeout_s: float) -> Clients:
        identity = connect(identity_addr, timeout_s=timeout_s)
        points = connect(points_addr, timeout_s=timeout_s)
        return cls(
            identity=identity_pb2_grpc.IdentityServiceStub(identity),
            points=points_pb2_grpc.PointsServiceStub(points),
            channels=[identity, points],
        )

    def close(self) -> None:
        for channel in self.channels:
            channel.close()
