"""``shouwang up``: every service, the gateway and the embedded adapters in one process, and
location's track keeper in a second one (``allinone.track_keeper``; one process with
``SHOUWANG_TRACK_KEEPER_PROCESS=false``).

The services are the cluster's: the same servicers behind the same generated stubs, events through
the bus. Only the adapters differ — the bus, the store, and the transport of gRPC calls, which
here are function calls into the servicers (``shouwang.local_channel``: messages still
serialized, errors still mapped, but no HTTP/2 over loopback and no thread hop per call). The
gRPC server still listens on loopback for tools (grpcurl, reflection, the dispatch benchmark).
"""

from __future__ import annotations

import logging
import secrets
import sys
from collections.abc import Collection
from dataclasses import dataclass
from pathlib import Path

from allinone.demo import start_demo, with_demo_admin
from allinone.settings import AllInOneSettings
from allinone.track_keeper import TrackKeeperProcess
from services.comms import bootstrap as comms_bootstrap
from services.comms.sms import FileSmsProvider
from services.gateway import bootstrap as gateway_bootstrap
from services.gateway.app import served_in_turns
from services.gateway.clients import Clients
from services.gateway.console import DEMO_HINT
from services.identity import bootstrap as identity_bootstrap
from services.identity.settings import IdentityKeys
from services.location import bootstrap as location_bootstrap
from services.points import bootstrap as points_bootstrap
from services.points.leaderboard import IdentityNames
from services.tasks import bootstrap as tasks_bootstrap
from services.training import bootstrap as training_bootstrap
from shouwang.config import load
from shouwang.http import SMALL_THREAD_STACK_BYTES, WsgiServer, is_loopback
from shouwang.local_channel import LocalChannel
from shouwang.logging import configure_logging
from shouwang.metrics import Readiness
from shouwang.rpc import GrpcServer
from shouwang.runtime import (
    Adapters,
    Service,
    ShutdownSignal,
    embedded_adapters,
    keep_interpreter_on_one_core,
    settings_or_exit,
)

log = logging.getLogger(__name__)

SMS_FILE = "sms.jsonl"  # in the data dir: the texts the embedded mode "sends"


@dataclass
class AllInOne:
    adapters: Adapters
    services: list[Service]
    grpc_server: GrpcServer
    gateway: gateway_bootstrap.Gateway
    http: WsgiServer
    readiness: Readiness
    track_keeper: TrackKeeperProcess | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.http.port}/"

    def stop(self) -> None:
        self.readiness.mark_stopping()
        self.gateway.close_streams()  # streams hold HTTP threads; end them so stop() is prompt
        self.http.stop()
        self.grpc_server.stop(grace_s=5)
        if self.track_keeper is not None:
            self.track_keeper.stop()
        self.gateway.close()
        for service in self.services:
            service.close()
        self.adapters.close()


def start(
    *,
    port: int,
    data_dir: Path,
    host: str = "127.0.0.1",
    settings: AllInOneSettings | None = None,
    keeper_cpus: Collection[int] = (),
) -> AllInOne:
    """Build and start everything (configured by ``settings``, by default read from the
    environment); returns once the HTTP API is ready. The track keeper's process runs on
    ``keeper_cpus`` (by default wherever this one may run)."""
    settings = settings or load(AllInOneSettings)
    adapters = embedded_adapters(data_dir, bus_idle_poll_s=settings.bus_idle_poll_s)
    readiness = Readiness()
    readiness.add_check("store", adapters.store.ping)
    # Services call each other through one in-process channel, served once they are built.
    grpc_server = GrpcServer()
    local = LocalChannel()
    clients = Clients.over(local)
    # Comms signs its phone lookups (for SMS) with a key only this process knows; texts go to
    # a file in the data dir (the embedded SMS provider).
    phone_lookup_key = secrets.token_bytes(32)
    services: list[Service] = [
        identity_bootstrap.build(
            adapters,
            keys=IdentityKeys.generated_in(data_dir),
            admin_phone=settings.admin_phone,
            admin_password=settings.admin_password,
            phone_lookup_key=phone_lookup_key,
        ),
        location_bootstrap.build(
            adapters, keep_tracks=not settings.track_keeper_process, sole_replica=True
        ),
        tasks_bootstrap.build(
            adapters,
            location=clients.location,
            identity=clients.identity,
            timeouts=settings.wave_timeouts,
        ).start(),
        points_bootstrap.build(adapters, names=IdentityNames(clients.identity)),
        training_bootstrap.build(
            adapters, location=clients.location, identity=clients.identity, tasks=clients.tasks
        ).start(),
        comms_bootstrap.build(
            adapters,
            location=clients.location,
            identity=clients.identity,
            training=clients.training,
            sms_provider=FileSmsProvider(data_dir / SMS_FILE),
            phone_lookup_key=phone_lookup_key,
            live_calls=settings,
        ).start(),
    ]
    bindings = [b for service in services for b in service.bindings]
    local.add(bindings)
    grpc_server.add(bindings)
    grpc_server.start()
    gateway = gateway_bootstrap.build(
        adapters,
        clients=clients,
        readiness=readiness,
        max_body_bytes=settings.max_body_bytes,
        # One process for a laptop or a test: metrics beside the API, but only on loopback.
        serve_metrics=is_loopback(host),
    )
    http = WsgiServer(
        served_in_turns(
            gateway.app, at_once=settings.requests_at_once, foreground=adapters.foreground
        ),
        host=host,
        port=port,
        threads=settings.http_threads + gateway.max_streams,  # a thread per open push stream
        max_body_bytes=settings.max_body_bytes,
        thread_stack_bytes=SMALL_THREAD_STACK_BYTES,
    )
    adapters.bus.start()
    track_keeper = None
    if settings.track_keeper_process:
        track_keeper = TrackKeeperProcess(
            data_dir, log_level=settings.log_level, cpus=keeper_cpus
        ).start()
        readiness.add_check("track keeper", track_keeper.check)
    readiness.wait_for_checks()  # e.g. the gateway's token versions, before any token is seen
    http.start()
    readiness.mark_serving()
    return AllInOne(adapters, services, grpc_server, gateway, http, readiness, track_keeper)


def start_as_the_process(
    *, port: int, data_dir: Path, settings: AllInOneSettings | None = None
) -> AllInOne:
    """``start`` in a process that runs nothing else (``shouwang up``, the benchmarks' server):
    first its threads, and those started later, go to one core (``interpreter_on_one_core``)
    and the track keeper's process to the others. Not for a process that does other work too
    (a test session): that would all share the one core."""
    settings = settings or load(AllInOneSettings)
    others = keep_interpreter_on_one_core() if settings.interpreter_on_one_core else frozenset()
    return start(port=port, data_dir=data_dir, settings=settings, keeper_cpus=others)


def up(*, port: int, data_dir: Path, demo: bool) -> int:
    shutdown = ShutdownSignal()
    settings = settings_or_exit(AllInOneSettings)
    configure_logging("shouwang", settings.log_level)
    if demo:
        settings = with_demo_admin(settings, data_dir)
    running = start_as_the_process(port=port, data_dir=data_dir, settings=settings)
    print(f"Shouwang is ready at {running.url} (data in {data_dir})", flush=True)
    simulation = start_demo(running.url, settings) if demo else None
    if simulation is not None:
        running.gateway.app.extensions[DEMO_HINT] = lambda: simulation.officer_hint
        print(
            f"Demo: a simulated patrol night; sign in to the console as {simulation.officer_login}"
            " (--no-demo for none)",
            flush=True,
        )
    shutdown.serve_until_received()
    print("Shutting down...", file=sys.stderr, flush=True)
    if simulation is not None:
        simulation.stop()
    running.stop()
    return 0
