"""Cluster mode: ``python -m services.training`` against Kafka, MongoDB, identity and location."""

import sys

from services.training import bootstrap
from services.training.settings import TrainingSettings
from shouwang.identity.v1.identity_pb2_grpc import IdentityServiceStub
from shouwang.location.v1.location_pb2_grpc import LocationServiceStub
from shouwang.rpc import connect
from shouwang.runtime import serve_cluster, settings_or_exit
from shouwang.tasks.v1.tasks_pb2_grpc import TasksServiceStub


def main() -> int:
    settings = settings_or_exit(TrainingSettings)
    location = LocationServiceStub(
        connect(settings.location_addr, timeout_s=settings.rpc_timeout_s)
    )
    identity = IdentityServiceStub(
        connect(settings.identity_addr, timeout_s=settings.rpc_timeout_s)
    )
    tasks = (
        TasksServiceStub(connect(settings.tasks_addr, timeout_s=settings.rpc_timeout_s))
        if settings.tasks_addr
        else None
    )
    return serve_cluster(
        "training",
        settings,
        lambda adapters: bootstrap.build(
            adapters, location=location, identity=identity, tasks=tasks
        ).start(),
    )


if __name__ == "__main__":
    sys.exit(main())
