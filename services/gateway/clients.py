"""gRPC stubs of the services the gateway calls, over channels with deadlines."""

from __future__ import annotations

from dataclasses import dataclass

import grpc

from shouwang.comms.v1 import comms_pb2_grpc
from shouwang.identity.v1 import identity_pb2_grpc
from shouwang.location.v1 import location_pb2_grpc
from shouwang.points.v1 import points_pb2_grpc
from shouwang.rpc import connect
from shouwang.tasks.v1 import tasks_pb2_grpc
from shouwang.training.v1 import training_pb2_grpc


@dataclass(frozen=True)
class Addresses:
    identity: str
    location: str
    points: str
    tasks: str
    comms: str = ""  # unset: the bulletin and quiz endpoints answer 503
    training: str = ""  # unset: the training endpoints answer 503


@dataclass
class Clients:
    identity: identity_pb2_grpc.IdentityServiceStub
    location: location_pb2_grpc.LocationServiceStub
    points: points_pb2_grpc.PointsServiceStub
    tasks: tasks_pb2_grpc.TasksServiceStub
    channels: list[grpc.Channel]
    comms: comms_pb2_grpc.CommsServiceStub | None = None
    training: training_pb2_grpc.TrainingServiceStub | None = None

    @classmethod
    def connect(cls, addresses: Addresses, *, timeout_s: float) -> Clients:
        channels = {
            name: connect(getattr(addresses, name), timeout_s=timeout_s)
            for name in ("identity", "location", "points", "tasks")
        }
        comms = None
        if addresses.comms:
            channels["comms"] = connect(addresses.comms, timeout_s=timeout_s)
            comms = comms_pb2_grpc.CommsServiceStub(channels["comms"])
        training = None
        if addresses.training:
            channels["training"] = connect(addresses.training, timeout_s=timeout_s)
            training = training_pb2_grpc.TrainingServiceStub(channels["training"])
        return cls(
            identity=identity_pb2_grpc.IdentityServiceStub(channels["identity"]),
            location=location_pb2_grpc.LocationServiceStub(channels["location"]),
            points=points_pb2_grpc.PointsServiceStub(channels["points"]),
            tasks=tasks_pb2_grpc.TasksServiceStub(channels["tasks"]),
            channels=list(channels.values()),
            comms=comms,
            training=training,
        )

    def close(self) -> None:
        for channel in self.channels:
            channel.close()
