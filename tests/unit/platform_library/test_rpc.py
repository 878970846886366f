"""gRPC plumbing: health follows the lifecycle, domain errors cross the wire, deadlines hold."""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator

import grpc
import pytest
from grpc_health.v1 import health_pb2, health_pb2_grpc
from prometheus_client import REGISTRY

from shouwang.errors import DomainError, FieldError, InvalidArgument, NotFound, Unavailable
from shouwang.rpc import GrpcServer, ServiceBinding, connect

SERVICE = "test.v1.Echo"


def _binding(behaviour: Callable[[bytes, grpc.ServicerContext], bytes]) -> ServiceBinding:
    def add(servicer: object, server: grpc.Server) -> None:
        handler = grpc.unary_unary_rpc_method_handler(behaviour)
        server.add_generic_rpc_handlers(
            [grpc.method_handlers_generic_handler(SERVICE, {"Call": handler})]
        )

    return ServiceBinding(add=add, servicer=None, full_name=SERVICE)


@pytest.fixture
def serve() -> Iterator[Callable[[Callable], GrpcServer]]:
    servers: list[GrpcServer] = []

    def start(behaviour: Callable) -> GrpcServer:
        server = GrpcServer([_binding(behaviour)])
        server.start()
        servers.append(server)
        return server

    yield start
    for server in servers:
        server.stop(0)


def _call(server: GrpcServer, *, timeout_s: float = 2.0) -> bytes:
    channel = connect(server.address, timeout_s=timeout_s)
    return channel.unary_unary(f"/{SERVICE}/Call")(b"ping")


def test_health_is_serving_once_started_and_not_serving_when_stopping(serve) -> None:
    server = serve(lambda request, context: request)
    stub = health_pb2_grpc.HealthStub(grpc.insecure_channel(server.address))
    check = health_pb2.HealthCheckRequest(service=SERVICE)
    assert stub.Check(check, timeout=2).status == health_pb2.HealthCheckResponse.SERVING
    server._health.enter_graceful_shutdown()
    assert stub.Check(check, timeout=2).status == health_pb2.HealthCheckResponse.NOT_SERVING


def test_domain_error_raised_by_a_servicer_reaches_the_client_with_its_fields(serve) -> None:
    def refuse(request: bytes, context: grpc.ServicerContext) -> bytes:
        raise InvalidArgument(detail="bad", errors=[FieldError("name", "too short")])

    with pytest.raises(InvalidArgument) as raised:
        _call(serve(refuse))
    assert raised.value.detail == "bad"
    assert raised.value.errors == [FieldError("name", "too short")]


def test_not_found_maps_to_its_status_code_and_is_counted(serve) -> None:
    def missing(request: bytes, context: grpc.ServicerContext) -> bytes:
        raise NotFound(detail="no such member")

    labels = {"grpc_service": SERVICE, "grpc_method": "Call", "grpc_code": "NOT_FOUND"}
    before = REGISTRY.get_sample_value("shouwang_grpc_server_handled_total", labels) or 0
    with pytest.raises(NotFound):
        _call(serve(missing))
    assert REGISTRY.get_sample_value("shouwang_grpc_server_handled_total", labels) == before + 1


def test_unexpected_exception_becomes_internal_without_leaking_its_message(serve) -> None:
    def crash(request: bytes, context: grpc.ServicerContext) -> bytes:
        raise RuntimeError("secret 11010519491231002X")

    with pytest.raises(DomainError) as raised:
        _call(serve(crash))
    assert raised.value.http_status == 500
    assert "11010519491231002X" not in str(raised.value)


def test_every_call_gets_a_deadline(serve) -> None:
    release = threading.Event()

    def stall(request: bytes, context: grpc.ServicerContext) -> bytes:
        release.wait(5)
        return request

    with pytest.raises(Unavailable):
        _call(serve(stall), timeout_s=0.2)
    release.set()
