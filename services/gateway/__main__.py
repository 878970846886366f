"""Cluster mode: ``python -m services.gateway``, the HTTP API in front of the gRPC services."""

import logging
import sys

from services.gateway import bootstrap
from services.gateway.app import served_in_turns
from services.gateway.clients import Addresses, Clients
from services.gateway.settings import GatewaySettings
from shouwang.http import SMALL_THREAD_STACK_BYTES, WsgiServer
from shouwang.logging import configure_logging
from shouwang.metrics import OpsServer, Readiness
from shouwang.runtime import (
    ShutdownSignal,
    cluster_adapters,
    limit_malloc_arenas,
    settings_or_exit,
)


def main() -> int:
    limit_malloc_arenas()
    settings = settings_or_exit(GatewaySettings)
    configure_logging("gateway", settings.log_level)
    adapters = cluster_adapters(settings, client_id="gateway")
    readiness = Readiness()
    readiness.add_check("store", adapters.store.ping)
    addresses = Addresses(
        identity=settings.identity_addr,
        location=settings.location_addr,
        points=settings.points_addr,
        tasks=settings.tasks_addr,
        comms=settings.comms_addr,
        training=settings.training_addr,
    )
    clients = Clients.connect(addresses, timeout_s=settings.rpc_timeout_s)
    gateway = bootstrap.build(
        adapters,
        clients=clients,
        readiness=readiness,
        max_body_bytes=settings.max_body_bytes,
        max_streams=settings.max_streams,
    )
    server = WsgiServer(
        served_in_turns(gateway.app, at_once=settings.requests_at_once),
        host=settings.bind_host,
        port=settings.http_port,
        threads=settings.http_threads + gateway.max_streams,  # a thread per open push stream
        max_body_bytes=settings.max_body_bytes,
        thread_stack_bytes=SMALL_THREAD_STACK_BYTES,
    )
    ops = OpsServer(readiness, host=settings.bind_host, port=settings.ops_port)
    ops.start()
    adapters.bus.start()
    readiness.wait_for_checks(timeout_s=120)  # identity may still be starting beside us
    server.start()
    shutdown = ShutdownSignal()
    readiness.mark_serving()
    logging.getLogger(__name__).info(
        "serving", extra={"http_port": server.port, "ops_port": ops.port}
    )
    shutdown.serve_until_received()
    readiness.mark_stopping()
    gateway.close_streams()
    server.stop(settings.shutdown_grace_s)
    gateway.close()
    adapters.close()
    ops.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
