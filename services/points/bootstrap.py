"""Composition root of the points service: adapters in, a running service out. No I/O at import."""

from __future__ import annotations

import logging
import random
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import partial

import grpc

from services.points import grpc_api, handlers
from services.points.leaderboard import IdentityNames, NameResolver, NoNames
from services.points.ledger import Ledger, Reconciliation
from services.points.ports import Ports
from services.points.redemption import Redemptions
from services.points.repository import (
    AccountRepository,
    CatalogueRepository,
    CounterRepository,
    LedgerRepository,
    RedemptionRepository,
)
from services.points.ruleset import Rules, load_rules
from shouwang.events import Event
from shouwang.identity.v1 import identity_pb2_grpc
from shouwang.outbox import Outbox
from shouwang.rpc import ServiceBinding, connect
from shouwang.runtime import Adapters

log = logging.getLogger(__name__)

# One consumer group per topic, so a rebalance on one topic does not pause the others. The
# identity group keeps the name it had before the ledger existed (its offsets stay valid).
CONSUMER_GROUPS = {
    handlers.IDENTITY_TOPIC: "points",
    handlers.TASKS_TOPIC: "points-tasks",
    handlers.REPORTS_TOPIC: "points-reports",
    handlers.PRESENCE_TOPIC: "points-presence",
    handlers.QUIZZES_TOPIC: "points-quizzes",
    handlers.TRAINING_TOPIC: "points-training",
}


@dataclass
class PointsService:
    ports: Ports
    outboxes: list[Outbox]
    bindings: list[ServiceBinding] = field(default_factory=list)
    channels: list[grpc.Channel] = field(default_factory=list)
    _stop: threading.Event = field(default_factory=threading.Event)

    def reconcile(self) -> Reconciliation:
        """Repair balances and boards from the ledger and finish redemptions left pending."""
        self.ports.redemptions.resume_stale()
        return self.ports.ledger.reconcile()

    def start_reconciliation(self, interval_s: float) -> None:
        def loop() -> None:
            while not self._stop.wait(interval_s):
                try:
                    self.reconcile()
                except Exception:
                    log.exception("points reconciliation failed")

        threading.Thread(target=loop, daemon=True, name="points-reconcile").start()

    def close(self) -> None:
        self._stop.set()
        for outbox in self.outboxes:
            outbox.stop()
        for channel in self.channels:
            channel.close()


def build(
    adapters: Adapters,
    *,
    rules: Rules | None = None,
    names: NameResolver | None = None,
    identity_addr: str = "",
    rpc_timeout_s: float = 5.0,
    reconcile_interval_s: float = 0.0,
    rng: random.Random | None = None,
    consumer_groups: dict[str, str] | None = None,
) -> PointsService:
    """``names`` wins over ``identity_addr``; with neither, boards carry no names and the
    gateway fills them from identity."""
    rules = rules or load_rules()
    store, clock = adapters.store, adapters.clock
    accounts, entries, counters = (
        AccountRepository(store),
        LedgerRepository(store),
        CounterRepository(store),
    )
    catalogue, redemptions = CatalogueRepository(store), RedemptionRepository(store)
    for repository in (entries, counters, catalogue, redemptions):
        repository.ensure_indexes()
    redemption_outbox = Outbox(adapters.bus, redemptions.redemptions, clock)
    channels: list[grpc.Channel] = []
    if names is None and identity_addr:
        channel = connect(identity_addr, timeout_s=rpc_timeout_s)
        channels.append(channel)
        names = IdentityNames(identity_pb2_grpc.IdentityServiceStub(channel))
    ledger = Ledger(
        entries=entries,
        accounts=accounts,
        counters=counters,
        bus=adapters.bus,
        rules=rules,
        clock=clock,
    )
    ports = Ports(
        accounts=accounts,
        entries=entries,
        counters=counters,
        ledger=ledger,
        redemptions=Redemptions(
            catalogue=catalogue,
            redemptions=redemptions,
            ledger=ledger,
            outbox=redemption_outbox,
            clock=clock,
            rng=rng or random.Random(),
        ),
        names=names or NoNames(),
        rules=rules,
        clock=clock,
    )
    _subscribe(adapters, ports, {**CONSUMER_GROUPS, **(consumer_groups or {})})
    service = PointsService(
        ports=ports,
        outboxes=[redemption_outbox],
        bindings=[grpc_api.binding(ports)],
        channels=channels,
    )
    for outbox in service.outboxes:
        outbox.recover()
        outbox.start_recovery()
    if reconcile_interval_s > 0:
        service.start_reconciliation(reconcile_interval_s)
    return service


def _subscribe(adapters: Adapters, ports: Ports, groups: dict[str, str]) -> None:
    subscriptions: list[tuple[str, Callable[[Ports, Event], None], dict]] = [
        (handlers.IDENTITY_TOPIC, handlers.on_member_event, handlers.IDENTITY_EVENTS),
        (handlers.TASKS_TOPIC, handlers.on_task_closed, handlers.TASK_EVENTS),
        (handlers.REPORTS_TOPIC, handlers.on_report_approved, handlers.REPORT_EVENTS),
        (handlers.PRESENCE_TOPIC, handlers.on_duty_ended, handlers.PRESENCE_EVENTS),
        (handlers.QUIZZES_TOPIC, handlers.on_quiz_answered, handlers.QUIZ_EVENTS),
        (handlers.TRAINING_TOPIC, handlers.on_training_event, handlers.TRAINING_EVENTS),
    ]
    for topic, handler, payload_types in subscriptions:
        adapters.bus.subscribe(
            topic, group=groups[topic], handler=partial(handler, ports), payload_types=payload_types
        )
