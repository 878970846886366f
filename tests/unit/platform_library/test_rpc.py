"""gRPC plumbing: health follows the lifecycle, domain errors cross the wire, deadlines hold —
and the all-in-one's in-process channel behaves as a call over the wire does."""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator

import grpc
import pytest
from grpc_health.v1 import health_pb2, health_pb2_grpc
from prometheus_client import REGISTRY

from shouwang.errors import (
    DomainError,
    FieldError,
    InvalidArgument,
    NotFound,
    RateLimited,
    Unavailable,
)
from shouwang.local_channel import LocalChannel
from shouwang.rpc import GrpcServer, ServiceBinding, connect

SERVICE = "test.v1.Echo"


def _binding(behaviour: Callable[[bytes, grpc.ServicerContext], bytes]) -> ServiceBinding:
    def add(servicer: object, server: grpc.Server) -> None:
        handlers = {
            "Call": grpc.unary_unary_rpc_method_handler(behaviour),
            "Upload": grpc.stream_unary_rpc_method_handler(
                lambda requests, context: b"|".join(requests)
            ),
        }
        server.add_generic_rpc_handlers([grpc.method_handlers_generic_handler(SERVICE, handlers)])

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


@pytest.fixture(params=["grpc", "local"])
def channel_to(request, serve) -> Callable[[Callable], grpc.Channel]:
    """A channel to a servicer with ``behaviour``: over the wire, or the all-in-one's in-process
    channel — every test using it holds for both."""

    def open_channel(behaviour: Callable) -> grpc.Channel:
        if request.param == "local":
            return LocalChannel([_binding(behaviour)])
        return connect(serve(behaviour).address, timeout_s=2.0)

    return open_channel


def _ping(channel: grpc.Channel, metadata: tuple = ()) -> bytes:
    return channel.unary_unary(f"/{SERVICE}/Call")(b"ping", metadata=metadata)


def test_health_is_serving_once_started_and_not_serving_when_stopping(serve) -> None:
    server = serve(lambda request, context: request)
    stub = health_pb2_grpc.HealthStub(grpc.insecure_channel(server.address))
    check = health_pb2.HealthCheckRequest(service=SERVICE)
    assert stub.Check(check, timeout=2).status == health_pb2.HealthCheckResponse.SERVING
    server._health.enter_graceful_shutdown()
    assert stub.Check(check, timeout=2).status == health_pb2.HealthCheckResponse.NOT_SERVING


def test_domain_error_raised_by_a_servicer_reaches_the_client_with_its_fields(channel_to) -> None:
    def refuse(request: bytes, context: grpc.ServicerContext) -> bytes:
        raise InvalidArgument(detail="bad", errors=[FieldError("name", "too short")])

    with pytest.raises(InvalidArgument) as raised:
        _ping(channel_to(refuse))
    assert raised.value.detail == "bad"
    assert raised.value.errors == [FieldError("name", "too short")]


def test_not_found_maps_to_its_status_code_and_is_counted(channel_to) -> None:
    def missing(request: bytes, context: grpc.ServicerContext) -> bytes:
        raise NotFound(detail="no such member")

    labels = {"grpc_service": SERVICE, "grpc_method": "Call", "grpc_code": "NOT_FOUND"}
    before = REGISTRY.get_sample_value("shouwang_grpc_server_handled_total", labels) or 0
    with pytest.raises(NotFound):
        _ping(channel_to(missing))
    assert REGISTRY.get_sample_value("shouwang_grpc_server_handled_total", labels) == before + 1


def test_unexpected_exception_becomes_internal_without_leaking_its_message(channel_to) -> None:
    def crash(request: bytes, context: grpc.ServicerContext) -> bytes:
        raise RuntimeError("secret 11010519491231002X")

    with pytest.raises(DomainError) as raised:
        _ping(channel_to(crash))
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


def test_a_servicer_aborting_with_its_own_status_reaches_the_client(channel_to) -> None:
    def busy(request: bytes, context: grpc.ServicerContext) -> bytes:
        context.abort(grpc.StatusCode.UNAVAILABLE, "try later")
        return b""

    with pytest.raises(Unavailable):
        _ping(channel_to(busy))


def test_the_reply_and_the_callers_metadata_cross(channel_to) -> None:
    def echo_header(request: bytes, context: grpc.ServicerContext) -> bytes:
        headers = dict(context.invocation_metadata())
        return request + b" " + headers["x-test"].encode()

    assert _ping(channel_to(echo_header), metadata=(("x-test", "pong"),)) == b"ping pong"


def test_a_stream_of_requests_gets_one_reply(channel_to) -> None:
    upload = channel_to(lambda request, context: request).stream_unary(f"/{SERVICE}/Upload")
    assert upload(iter([b"a", b"b", b"c"])) == b"a|b|c"


def test_a_method_no_servicer_has_is_refused(channel_to) -> None:
    with pytest.raises(Unavailable):
        channel_to(lambda request, context: request).unary_unary(f"/{SERVICE}/Missing")(b"x")


def test_the_local_servicer_reads_its_own_copy_of_the_request() -> None:
    """Messages are serialized across the in-process channel as across the wire, so a servicer
    that changes its request changes nothing the caller holds."""
    request = health_pb2.HealthCheckRequest(service="caller's")

    def change(received: health_pb2.HealthCheckRequest, context) -> health_pb2.HealthCheckResponse:
        received.service = "servicer's"
        return health_pb2.HealthCheckResponse(status=health_pb2.HealthCheckResponse.SERVING)

    def add(servicer: object, server: grpc.Server) -> None:
        handler = grpc.unary_unary_rpc_method_handler(
            change,
            request_deserializer=health_pb2.HealthCheckRequest.FromString,
            response_serializer=health_pb2.HealthCheckResponse.SerializeToString,
        )
        server.add_generic_rpc_handlers(
            [grpc.method_handlers_generic_handler(SERVICE, {"Check": handler})]
        )

    channel = LocalChannel([ServiceBinding(add=add, servicer=None, full_name=SERVICE)])
    check = channel.unary_unary(
        f"/{SERVICE}/Check",
        request_serializer=health_pb2.HealthCheckRequest.SerializeToString,
        response_deserializer=health_pb2.HealthCheckResponse.FromString,
    )
    assert check(request).status == health_pb2.HealthCheckResponse.SERVING
    assert request.service == "caller's"


def test_hundreds_of_field_errors_cross_as_the_first_ones_and_their_count(channel_to) -> None:
    """A status message travels in a header gRPC caps at 8 KiB: the errors are cut to fit."""
    errors = [FieldError(f"sessions[{i}].ends_at", "must be after starts_at") for i in range(200)]

    def refuse(request: bytes, context: grpc.ServicerContext) -> bytes:
        raise InvalidArgument(detail="bad sessions", errors=errors)

    with pytest.raises(InvalidArgument) as raised:
        _ping(channel_to(refuse))
    assert 0 < len(raised.value.errors) < 200
    assert raised.value.errors == errors[: len(raised.value.errors)]
    assert (
        raised.value.detail
        == f"bad sessions (the first {len(raised.value.errors)} of 200 field errors)"
    )


def test_a_reply_past_the_message_size_limit_fails_on_both_transports(channel_to) -> None:
    with pytest.raises(RateLimited):  # RESOURCE_EXHAUSTED
        _ping(channel_to(lambda request, context: b"x" * (4 * 1024 * 1024 + 1)))
