"""Cluster mode: ``python -m services.comms`` against Kafka, MongoDB, identity and location."""

import base64
import sys

from services.comms import bootstrap
from services.comms.settings import CommsSettings
from services.comms.sms import provider_from
from shouwang.identity.v1 import identity_pb2_grpc
from shouwang.location.v1 import location_pb2_grpc
from shouwang.rpc import connect
from shouwang.runtime import serve_cluster, settings_or_exit
from shouwang.training.v1 import training_pb2_grpc


def main() -> int:
    settings = settings_or_exit(CommsSettings)
    location = location_pb2_grpc.LocationServiceStub(
        connect(settings.location_addr, timeout_s=settings.rpc_timeout_s)
    )
    identity = identity_pb2_grpc.IdentityServiceStub(
        connect(settings.identity_addr, timeout_s=settings.rpc_timeout_s)
    )
    training = (
        training_pb2_grpc.TrainingServiceStub(
            connect(settings.training_addr, timeout_s=settings.rpc_timeout_s)
        )
        if settings.training_addr
        else None
    )
    return serve_cluster(
        "comms",
        settings,
        lambda adapters: bootstrap.build(
            adapters,
            location=location,
            identity=identity,
            training=training,
            sms_provider=provider_from(settings),
            phone_lookup_key=base64.b64decode(settings.phone_lookup_key),
            sms_per_hour=settings.sms_per_hour,
            live_calls=settings,
        ).start(),
    )


if __name__ == "__main__":
    sys.exit(main())
