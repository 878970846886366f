"""Cluster mode: ``python -m services.tasks`` against Kafka, MongoDB, identity and location."""

import sys

from services.tasks import bootstrap
from services.tasks.settings import TasksSettings
from shouwang.identity.v1 import identity_pb2_grpc
from shouwang.location.v1 import location_pb2_grpc
from shouwang.rpc import connect
from shouwang.runtime import serve_cluster, settings_or_exit


def main() -> int:
    settings = settings_or_exit(TasksSettings)
    location = location_pb2_grpc.LocationServiceStub(
        connect(settings.location_addr, timeout_s=settings.rpc_timeout_s)
    )
    identity = identity_pb2_grpc.IdentityServiceStub(
        connect(settings.identity_addr, timeout_s=settings.rpc_timeout_s)
    )
    return serve_cluster(
        "tasks",
        settings,
        lambda adapters: bootstrap.build(
            adapters,
            location=location,
            identity=identity,
            replica_id=settings.replica_name,
            timeouts=settings.wave_timeouts,
        ).start(),
    )


if __name__ == "__main__":
    sys.exit(main())
