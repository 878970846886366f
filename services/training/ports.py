"""What training's commands are given."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from services.training.repository import (
    CohortRepository,
    PatrolLogRepository,
    PresenceRepository,
    RosterRepository,
)
from shouwang.clock import Clock
from shouwang.identity.v1 import identity_pb2_grpc
from shouwang.location.v1 import location_pb2_grpc
from shouwang.tasks.v1 import tasks_pb2_grpc

if TYPE_CHECKING:
    from services.training.patrol_windows import Grids


@dataclass(frozen=True)
class Ports:
    cohorts: CohortRepository
    rosters: RosterRepository
    patrol_logs: PatrolLogRepository
    location: location_pb2_grpc.LocationServiceStub
    identity: identity_pb2_grpc.IdentityServiceStub
    clock: Clock
    presence: PresenceRepository
    grids: Grids
    # Incidents for the hotspots; None when the process was given no TASKS_ADDR.
    tasks: tasks_pb2_grpc.TasksServiceStub | None = None
