"""Cluster mode: ``python -m services.comms`` against Kafka, MongoDB, identity and location."""

import sys

from services.comms import bootstrap
from services.comms.settings import CommsSettings
from shouwang.identity.v1 import identity_pb2_grpc
from shouwang.location.v1 import location_pb2_grpc
from shouwang.rpc import connect
from shouwang.runtime import serve_cluster, settings_or_exit


def main() -> int:
    settings = settings_or_exit(CommsSettings)
    location = location_pb2_grpc.LocationServiceStub(
        connect(settings.location_addr, timeout_s=settings.rpc_timeout_s)
    )
    identity = identity_pb2_grpc.IdentityServiceStub(
        connect(settings.identity_addr, timeout_s=settings.rpc_timeout_s)
    )
    return serve_cluster(
        "comms",
        settings,
        lambda adapters: bootstrap.build(adapters, location=location, identity=identity).start(),
    )


if __name__ == "__main__":
    sys.exit(main())
