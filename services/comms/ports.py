"""What comms' commands and consumers are given."""

from __future__ import annotations

from dataclasses import dataclass

from services.comms.repository import BulletinRepository, GroupRepository, QuizRepository
from shouwang.clock import Clock
from shouwang.identity.v1 import identity_pb2_grpc
from shouwang.location.v1 import location_pb2_grpc


@dataclass(frozen=True)
class Ports:
    bulletins: BulletinRepository
    quizzes: QuizRepository
    groups: GroupRepository
    location: location_pb2_grpc.LocationServiceStub
    identity: identity_pb2_grpc.IdentityServiceStub
    clock: Clock
