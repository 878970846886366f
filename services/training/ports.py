"""What training's commands are given."""

from __future__ import annotations

from dataclasses import dataclass

from services.training.repository import (
    CohortRepository,
    PatrolLogRepository,
    RosterRepository,
)
from shouwang.clock import Clock
from shouwang.identity.v1 import identity_pb2_grpc
from shouwang.location.v1 import location_pb2_grpc


@dataclass(frozen=True)
class Ports:
    cohorts: CohortRepository
    rosters: RosterRepository
    patrol_logs: PatrolLogRepository
    location: location_pb2_grpc.LocationServiceStub
    identity: identity_pb2_grpc.IdentityServiceStub
    clock: Clock
