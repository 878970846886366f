"""What tasks' commands, timers and consumers are given."""

from __future__ import annotations

from dataclasses import dataclass, field

from services.tasks.claim_gate import ClaimGate
from services.tasks.deferred import Deferred
from services.tasks.model import WaveTimeouts
from services.tasks.repository import ReportRepository, TaskRepository
from services.tasks.wakeups import Wakeups
from shouwang.clock import Clock
from shouwang.identity.v1 import identity_pb2_grpc
from shouwang.location.v1 import location_pb2_grpc


@dataclass(frozen=True)
class Ports:
    tasks: TaskRepository
    reports: ReportRepository
    location: location_pb2_grpc.LocationServiceStub
    identity: identity_pb2_grpc.IdentityServiceStub
    clock: Clock
    replica_id: str = "embedded"
    timeouts: WaveTimeouts = field(default_factory=WaveTimeouts)
    lease_s: float = 10.0
    wakeups: Wakeups = field(default_factory=Wakeups)
    claim_gate: ClaimGate = field(default_factory=ClaimGate)
    deferred: Deferred = field(default_factory=Deferred)
