"""The all-in-one's services call each other in process, and its gRPC port still serves every
one of them to tools (grpcurl, the dispatch benchmark) — the same state either way."""

from __future__ import annotations

from pathlib import Path

from grpc_health.v1 import health_pb2, health_pb2_grpc

from shouwang.identity.v1 import identity_pb2
from shouwang.identity.v1.identity_pb2_grpc import IdentityServiceStub
from shouwang.location.v1 import location_pb2
from shouwang.location.v1.location_pb2_grpc import LocationServiceStub
from shouwang.rpc import connect
from tests.support.api import Api, new_person
from tests.support.embedded import embedded_with_admin

SERVICES = (
    "shouwang.identity.v1.IdentityService",
    "shouwang.location.v1.LocationService",
    "shouwang.tasks.v1.TasksService",
    "shouwang.points.v1.PointsService",
    "shouwang.training.v1.TrainingService",
    "shouwang.comms.v1.CommsService",
)


def test_what_the_api_wrote_in_process_the_grpc_port_reads(tmp_path: Path) -> None:
    with embedded_with_admin(tmp_path / "data") as running:
        api = Api(running.url.rstrip("/"))
        person = new_person(name="钱守望")
        registered = api.post("/api/v1/auth/register", person)
        assert registered.status == 201, registered.body

        channel = connect(running.grpc_server.address, timeout_s=10)
        health = health_pb2_grpc.HealthStub(channel)
        for service in SERVICES:
            check = health.Check(health_pb2.HealthCheckRequest(service=service))
            assert check.status == health_pb2.HealthCheckResponse.SERVING, service
        member = IdentityServiceStub(channel).GetMember(
            identity_pb2.GetMemberRequest(member_id=registered.body["member_id"])
        )
        assert member.status == "pending"
        summary = LocationServiceStub(channel).Summary(location_pb2.SummaryRequest())
        assert summary.on_duty == 0
        channel.close()
