"""gRPC stubs of the services the gateway calls: over channels with deadlines in a cluster, over
one in-process channel in the all-in-one."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import grpc

from shouwang.comms.v1 import comms_pb2_grpc
from shouwang.errors import Unavailable
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


_SERVICES = ("identity", "location", "points", "tasks", "comms", "training")


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
        # The four core services always; comms and training when given an address.
        names = [*_SERVICES[:4], *(name for name in _SERVICES[4:] if getattr(addresses, name))]
        return cls._over(
            {name: connect(getattr(addresses, name), timeout_s=timeout_s) for name in names}
        )

    @classmethod
    def over(cls, channel: grpc.Channel) -> Clients:
        """Every service, comms and training too, reached through ``channel``."""
        return cls._over(dict.fromkeys(_SERVICES, channel))

    @classmethod
    def _over(cls, channels: dict[str, grpc.Channel]) -> Clients:
        """Stubs on ``channels`` by service name; comms and training only when named."""
        comms, training = channels.get("comms"), channels.get("training")
        return cls(
            identity=identity_pb2_grpc.IdentityServiceStub(channels["identity"]),
            location=location_pb2_grpc.LocationServiceStub(channels["location"]),
            points=points_pb2_grpc.PointsServiceStub(channels["points"]),
            tasks=tasks_pb2_grpc.TasksServiceStub(channels["tasks"]),
            channels=list(dict.fromkeys(channels.values())),
            comms=comms_pb2_grpc.CommsServiceStub(comms) if comms else None,
            training=training_pb2_grpc.TrainingServiceStub(training) if training else None,
        )

    def close(self) -> None:
        for channel in self.channels:
            channel.close()


class OptionalService:
    """The stub of a service the gateway may be deployed without (comms, training): its calls
    answer 503 while the gateway was given no address for it. The stub is looked up per call."""

    def __init__(self, clients: Clients, name: str) -> None:
        self._clients = clients
        self._name = name

    def __getattr__(self, rpc: str) -> Any:
        stub = getattr(self._clients, self._name)
        if stub is None:
            raise Unavailable(detail=f"the {self._name} service is not configured")
        return getattr(stub, rpc)
