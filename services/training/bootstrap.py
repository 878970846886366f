"""Composition root of the training service: adapters and clients in, a service out. ``build``
wires it without starting anything; ``start`` starts outbox recovery."""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import partial

from services.training import grpc_api, handlers, patrol_windows, rosters
from services.training.patrol_windows import Grids, PresenceCounter
from services.training.ports import Ports
from services.training.repository import (
    CohortRepository,
    PatrolLogRepository,
    PresenceRepository,
    RosterRepository,
)
from shouwang.identity.v1 import identity_pb2_grpc
from shouwang.location.v1 import location_pb2_grpc
from shouwang.outbox import Outbox
from shouwang.rpc import ServiceBinding
from shouwang.runtime import Adapters
from shouwang.scheduler import Periodic
from shouwang.tasks.v1 import tasks_pb2_grpc

SETTLE_EVERY_S = 60.0  # reminders, ended shifts and classes: their events within a minute
FORGET_MARKS_EVERY_S = 3600.0


@dataclass
class TrainingService:
    ports: Ports
    bindings: list[ServiceBinding]
    presence_counter: PresenceCounter
    jobs: list[Periodic] = field(default_factory=list)

    def outboxes(self) -> tuple[Outbox, ...]:
        return (
            *self.ports.cohorts.outboxes(),
            *self.ports.rosters.outboxes(),
            *self.ports.patrol_logs.outboxes(),
        )

    def start(self) -> TrainingService:
        """Publish what a previous run left staged, keep recovering, and settle ended shifts."""
        for box in self.outboxes():
            box.recover()
            box.start_recovery()
        self.jobs = [
            Periodic("shift-attendance", SETTLE_EVERY_S, lambda: rosters.settle_ended(self.ports)),
            Periodic("shift-reminders", SETTLE_EVERY_S, lambda: rosters.send_reminders(self.ports)),
            Periodic(
                "cohort-completion",
                SETTLE_EVERY_S,
                lambda: handlers.settle_ended_cohorts(self.ports),
            ),
            Periodic(
                "presence-marks",
                FORGET_MARKS_EVERY_S,
                lambda: self.presence_counter.forget_old_marks(self.ports.clock),
            ),
        ]
        for job in self.jobs:
            job.start()
        return self

    def close(self) -> None:
        for job in self.jobs:
            job.stop()
        for box in self.outboxes():
            box.stop()


def build(
    adapters: Adapters,
    *,
    location: location_pb2_grpc.LocationServiceStub,
    identity: identity_pb2_grpc.IdentityServiceStub,
    tasks: tasks_pb2_grpc.TasksServiceStub | None = None,
) -> TrainingService:
    """Subscribes to location updates (presence for the hotspots): build before the bus starts."""
    outbox = partial(Outbox, adapters.bus, clock=adapters.clock)
    cohorts = CohortRepository(adapters.store, outbox=outbox)
    roster_repository = RosterRepository(adapters.store, outbox=outbox)
    patrol_logs = PatrolLogRepository(adapters.store, outbox=outbox)
    presence = PresenceRepository(adapters.store)
    for repository in (cohorts, roster_repository, patrol_logs, presence):
        repository.ensure_indexes()
    ports = Ports(
        cohorts=cohorts,
        rosters=roster_repository,
        patrol_logs=patrol_logs,
        location=location,
        identity=identity,
        clock=adapters.clock,
        presence=presence,
        grids=Grids(identity),
        tasks=tasks,
    )
    counter = PresenceCounter(presence, ports.grids)
    adapters.bus.subscribe(
        patrol_windows.LOCATION_TOPIC,
        group=patrol_windows.CONSUMER_GROUP,
        handler=counter.on_location_updated,
        payload_types=patrol_windows.LOCATION_EVENTS,
    )
    return TrainingService(
        ports=ports, bindings=[grpc_api.binding(ports)], presence_counter=counter
    )
