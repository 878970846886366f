"""Composition root of the tasks service: adapters and clients in, a service out. ``build`` wires
it without starting anything; ``start`` starts its timers and outbox recovery (tests drive the
timers themselves instead)."""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import partial

from services.tasks import grpc_api, handlers, timers
from services.tasks.model import WaveTimeouts
from services.tasks.ports import Ports
from services.tasks.repository import ReportRepository, TaskRepository
from shouwang.events import Event
from shouwang.identity.v1 import identity_pb2_grpc
from shouwang.location.v1 import events_pb2 as location_events
from shouwang.location.v1 import location_pb2_grpc
from shouwang.outbox import Outbox
from shouwang.rpc import ServiceBinding
from shouwang.runtime import Adapters
from shouwang.scheduler import Periodic

LOCATION_TOPIC = "shouwang.location.v1"
TIMER_TICK_S = 0.25  # the steps this replica scheduled, read by id
TIMER_SWEEP_S = 2.0  # every due step in the store, whoever scheduled it


@dataclass
class TasksService:
    ports: Ports
    bindings: list[ServiceBinding]
    jobs: list[Periodic] = field(default_factory=list)

    def outboxes(self) -> tuple[Outbox, ...]:
        return (*self.ports.tasks.outboxes(), self.ports.reports.outbox)

    def start(self) -> TasksService:
        """Publish what a previous run left staged, then run the timers and outbox recovery."""
        for box in self.outboxes():
            box.recover()
            box.start_recovery()
        self.jobs = [
            Periodic("task-timers", TIMER_TICK_S, lambda: timers.tick(self.ports)).start(),
            Periodic("task-timer-sweep", TIMER_SWEEP_S, lambda: timers.sweep(self.ports)).start(),
        ]
        return self

    def close(self) -> None:
        for job in self.jobs:
            job.stop()
        self.ports.deferred.close()
        for box in self.outboxes():
            box.stop()


def build(
    adapters: Adapters,
    *,
    location: location_pb2_grpc.LocationServiceStub,
    identity: identity_pb2_grpc.IdentityServiceStub,
    replica_id: str = "embedded",
    timeouts: WaveTimeouts | None = None,
) -> TasksService:
    outbox = partial(Outbox, adapters.bus, clock=adapters.clock)
    tasks = TaskRepository(adapters.store, outbox=outbox)
    reports = ReportRepository(adapters.store, outbox=outbox)
    tasks.ensure_indexes()
    tasks.hold_active_claimants()
    tasks.time_untimed_tasks()
    reports.ensure_indexes()
    ports = Ports(
        tasks=tasks,
        reports=reports,
        location=location,
        identity=identity,
        clock=adapters.clock,
        replica_id=replica_id,
        timeouts=timeouts or WaveTimeouts(),
    )

    def on_scene(event: Event) -> None:
        crossed: location_events.GeofenceCrossed = event.data  # type: ignore[assignment]
        handlers.arrive(ports, crossed.ref, crossed.member_id)

    adapters.bus.subscribe(
        LOCATION_TOPIC,
        group="tasks-arrivals",
        handler=on_scene,
        payload_types={"shouwang.geofence.entered": location_events.GeofenceCrossed},
    )
    return TasksService(ports=ports, bindings=[grpc_api.binding(ports)])
