"""What comms' commands and consumers are given."""

from __future__ import annotations

from dataclasses import dataclass

from services.comms.repository import BulletinRepository, GroupRepository, QuizRepository
from services.comms.sms import SmsService
from shouwang.clock import Clock
from shouwang.identity.v1 import identity_pb2_grpc
from shouwang.location.v1 import location_pb2_grpc
from shouwang.training.v1 import training_pb2_grpc


@dataclass(frozen=True)
class Ports:
    bulletins: BulletinRepository
    quizzes: QuizRepository
    groups: GroupRepository
    location: location_pb2_grpc.LocationServiceStub
    identity: identity_pb2_grpc.IdentityServiceStub
    clock: Clock
    # The SMS port (None: no provider configured, bulletins go without SMS).
    sms: SmsService | None = None
    # Who is in a cohort (None: cohort groups answer 503).
    training: training_pb2_grpc.TrainingServiceStub | None = None
