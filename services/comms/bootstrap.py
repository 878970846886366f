"""Composition root of the comms service: adapters and clients in, a service out. ``build``
wires it without starting anything; ``start`` starts its outboxes' recovery."""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import partial

from services.comms import groups as group_cases
from services.comms import grpc_api, handlers
from services.comms import live_calls as live_call_cases
from services.comms.live_call_repository import LiveCallRepository
from services.comms.live_call_settings import LiveCallSettings
from services.comms.live_calls import LiveCallPorts
from services.comms.ports import Ports
from services.comms.repository import BulletinRepository, GroupRepository, QuizRepository
from services.comms.sms import IdentityPhoneBook, SmsProvider, SmsService
from shouwang.identity.v1 import identity_pb2_grpc
from shouwang.identity.v1.event_types import IDENTITY_EVENT_TYPES, IDENTITY_TOPIC
from shouwang.location.v1 import location_pb2_grpc
from shouwang.outbox import Outbox
from shouwang.rpc import ServiceBinding
from shouwang.runtime import Adapters
from shouwang.scheduler import Periodic
from shouwang.tasks.v1.event_types import TASK_EVENT_TYPES, TASKS_TOPIC
from shouwang.training.v1 import training_pb2_grpc
from shouwang.training.v1.event_types import TRAINING_EVENT_TYPES, TRAINING_TOPIC

# A task's claims and its end (closed, cancelled, expired, unfilled) shape its group.
TASK_GROUP_EVENTS = {
    name: payload
    for name, payload in TASK_EVENT_TYPES.items()
    if name.rsplit(".", 1)[-1] in ("claimed", *group_cases.TASK_ENDINGS)
}
# Trainees enrolled after a cohort's group was made join it.
COHORT_ENROLLED = "shouwang.cohort.enrolled"


EXPIRY_SWEEP_S = 30.0  # how late a bulletin's expiry may be told
SMS_SWEEP_S = 1.0  # how late a bulletin's texts may start (the queue holds only unsent ones)
LIVE_CALL_SWEEP_S = 2.0  # how late an unanswered or over-long live call may be ended


@dataclass
class CommsService:
    ports: Ports
    bindings: list[ServiceBinding]
    live_calls: LiveCallPorts
    jobs: list[Periodic] = field(default_factory=list)

    def outboxes(self) -> tuple[Outbox, ...]:
        return (
            self.ports.bulletins.outbox,
            self.ports.quizzes.outbox,
            *self.ports.groups.outboxes(),
            self.live_calls.calls.outbox,
        )

    def start(self) -> CommsService:
        """Publish what a previous run left staged, then keep recovering; tell expiries."""
        for box in self.outboxes():
            box.recover()
            box.start_recovery()
        self.jobs = [
            Periodic(
                "bulletin-expiry", EXPIRY_SWEEP_S, lambda: handlers.tell_expiries(self.ports)
            ).start(),
            Periodic(
                "live-call-sweep",
                LIVE_CALL_SWEEP_S,
                lambda: live_call_cases.end_overdue_calls(self.live_calls),
            ).start(),
        ]
        if self.ports.sms is not None:
            self.jobs.append(
                Periodic(
                    "bulletin-sms", SMS_SWEEP_S, lambda: handlers.send_bulletin_texts(self.ports)
                ).start()
            )
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
    training: training_pb2_grpc.TrainingServiceStub | None = None,
    sms_provider: SmsProvider | None = None,
    phone_lookup_key: bytes = b"",
    sms_per_hour: int = 3,
    live_calls: LiveCallSettings = LiveCallSettings(),  # noqa: B008 - frozen, safe as a default
) -> CommsService:
    """SMS is on with a provider and the key identity checks comms' phone lookups with."""
    outbox = partial(Outbox, adapters.bus, clock=adapters.clock)
    bulletins = BulletinRepository(adapters.store, outbox=outbox)
    quizzes = QuizRepository(adapters.store, outbox=outbox)
    groups = GroupRepository(adapters.store, outbox=outbox)
    for repository in (bulletins, quizzes, groups):
        repository.ensure_indexes()
    sms = None
    if sms_provider is not None and phone_lookup_key:
        sms = SmsService(
            adapters.store,
            sms_provider,
            IdentityPhoneBook(identity, phone_lookup_key),
            adapters.clock,
            per_hour=sms_per_hour,
        )
        sms.ensure_indexes()
    ports = Ports(
        bulletins=bulletins,
        quizzes=quizzes,
        groups=groups,
        location=location,
        identity=identity,
        clock=adapters.clock,
        sms=sms,
        training=training,
    )
    adapters.bus.subscribe(
        TASKS_TOPIC,
        group="comms-task-groups",
        handler=partial(group_cases.on_task_event, ports),
        payload_types=TASK_GROUP_EVENTS,
    )
    adapters.bus.subscribe(
        TRAINING_TOPIC,
        group="comms-cohort-groups",
        handler=partial(group_cases.on_training_event, ports),
        payload_types={COHORT_ENROLLED: TRAINING_EVENT_TYPES[COHORT_ENROLLED]},
    )
    calls = LiveCallRepository(adapters.store, outbox=outbox)
    calls.ensure_indexes()
    live = LiveCallPorts(
        calls=calls,
        bus=adapters.bus,
        clock=adapters.clock,
        identity=identity,
        location=location,
        limits=live_calls.live_call_limits,
        ice_servers=live_calls.ice_servers,
    )
    # Calls about a task end with it; a suspended member's calls are cut off.
    adapters.bus.subscribe(
        TASKS_TOPIC,
        group="comms-live-calls",
        handler=partial(live_call_cases.on_task_event, live),
        payload_types=TASK_GROUP_EVENTS,
    )
    adapters.bus.subscribe(
        IDENTITY_TOPIC,
        group="comms-live-calls",
        handler=partial(live_call_cases.on_member_event, live),
        payload_types={
            name: payload
            for name, payload in IDENTITY_EVENT_TYPES.items()
            if name.endswith((".suspended", ".erased"))
        },
    )
    return CommsService(ports=ports, bindings=[grpc_api.binding(ports, live)], live_calls=live)
