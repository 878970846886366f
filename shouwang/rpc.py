"""gRPC plumbing shared by every service: the server (health, reflection, RED metrics, domain
error mapping) and client channels (a deadline on every call, status codes back to domain errors).
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Sequence
from concurrent import futures
from dataclasses import dataclass
from typing import Any

import grpc
from grpc_health.v1 import health, health_pb2, health_pb2_grpc
from grpc_reflection.v1alpha import reflection
from prometheus_client import Counter, Histogram

from shouwang import turns
from shouwang.errors import DomainError, Unavailable, from_grpc, to_grpc_details

log = logging.getLogger(__name__)

RPC_HANDLED = Counter(
    "shouwang_grpc_server_handled_total",
    "gRPC calls completed by the server, by method and status code.",
    ["grpc_service", "grpc_method", "grpc_code"],
)
RPC_SECONDS = Histogram(
    "shouwang_grpc_server_handling_seconds",
    "Time the server spent on a gRPC call.",
    ["grpc_service", "grpc_method"],
    buckets=(0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5),
)


@dataclass(frozen=True)
class ServiceBinding:
    """One servicer and how to add it: ``add`` is the generated ``add_XServicer_to_server``."""

    add: Callable[[Any, grpc.Server], None]
    servicer: Any
    full_name: str  # e.g. "shouwang.identity.v1.IdentityService"


class GrpcServer:
    """A gRPC server whose health status follows its lifecycle: SERVING once started, NOT_SERVING
    as soon as shutdown begins, so load balancers drain it before in-flight calls are cut."""

    def __init__(
        self,
        bindings: Sequence[ServiceBinding] = (),
        *,
        host: str = "127.0.0.1",
        port: int = 0,
        max_workers: int = 32,
    ) -> None:
        self._server = grpc.server(
            futures.ThreadPoolExecutor(max_workers=max_workers, thread_name_prefix="grpc"),
            interceptors=[_ObservedErrorMappingInterceptor()],
        )
        self._health = health.HealthServicer(experimental_non_blocking=True)
        health_pb2_grpc.add_HealthServicer_to_server(self._health, self._server)
        self._names: list[str] = []
        # Bound before any servicer is added, so clients of this address can be built first
        # (the all-in-one process's services call each other here).
        self.port = self._server.add_insecure_port(f"{host}:{port}")
        if self.port == 0:
            raise OSError(f"cannot bind gRPC server to {host}:{port}")
        self._health.set("", health_pb2.HealthCheckResponse.NOT_SERVING)
        self.add(bindings)

    def add(self, bindings: Sequence[ServiceBinding]) -> None:
        """Register servicers; only before ``start()``."""
        for binding in bindings:
            binding.add(binding.servicer, self._server)
            self._names.append(binding.full_name)

    @property
    def address(self) -> str:
        return f"127.0.0.1:{self.port}"

    def start(self) -> None:
        reflection.enable_server_reflection(
            [*self._names, health.SERVICE_NAME, reflection.SERVICE_NAME], self._server
        )
        self._server.start()
        self._set_status(health_pb2.HealthCheckResponse.SERVING)

    def stop(self, grace_s: float) -> None:
        self._health.enter_graceful_shutdown()
        self._server.stop(grace_s).wait()

    def wait(self) -> None:
        self._server.wait_for_termination()

    def _set_status(self, status: int) -> None:
        for name in ["", *self._names]:
            self._health.set(name, status)


class _ObservedErrorMappingInterceptor(grpc.ServerInterceptor):
    """Counts and times every call, and turns domain errors into status codes in one place."""

    def intercept_service(self, continuation, handler_call_details):  # type: ignore[no-untyped-def]
        handler = continuation(handler_call_details)
        if handler is None:
            return None
        service, _, method = handler_call_details.method.lstrip("/").rpartition("/")
        return observed(handler, service, method)


def observed(handler: grpc.RpcMethodHandler, service: str, method: str) -> grpc.RpcMethodHandler:
    """``handler`` counted, timed and with domain errors turned into status codes (the server's
    interceptor, and the all-in-one's ``LocalChannel``, serve every method through it)."""
    if handler.unary_unary:
        return grpc.unary_unary_rpc_method_handler(
            _observe(handler.unary_unary, service, method),
            request_deserializer=handler.request_deserializer,
            response_serializer=handler.response_serializer,
        )
    if handler.stream_unary:
        return grpc.stream_unary_rpc_method_handler(
            _observe(handler.stream_unary, service, method),
            request_deserializer=handler.request_deserializer,
            response_serializer=handler.response_serializer,
        )
    if handler.unary_stream:
        return grpc.unary_stream_rpc_method_handler(
            _observe_stream(handler.unary_stream, service, method),
            request_deserializer=handler.request_deserializer,
            response_serializer=handler.response_serializer,
        )
    return grpc.stream_stream_rpc_method_handler(
        _observe_stream(handler.stream_stream, service, method),
        request_deserializer=handler.request_deserializer,
        response_serializer=handler.response_serializer,
    )


def _observe(behaviour: Callable, service: str, method: str) -> Callable:
    def wrapped(request: Any, context: grpc.ServicerContext) -> Any:
        started = time.perf_counter()
        code = grpc.StatusCode.OK
        try:
            return behaviour(request, context)
        except DomainError as error:
            code = error.grpc_code
            context.abort(code, to_grpc_details(error))
        except Exception as error:
            if context.code() not in (None, grpc.StatusCode.OK):  # already aborted by the servicer
                code = context.code()
                raise
            code = grpc.StatusCode.INTERNAL
            log.exception("unhandled error in %s/%s", service, method)
            context.abort(code, f"internal error ({type(error).__name__})")
        finally:
            RPC_HANDLED.labels(service, method, code.name).inc()
            RPC_SECONDS.labels(service, method).observe(time.perf_counter() - started)

    return wrapped


def _observe_stream(behaviour: Callable, service: str, method: str) -> Callable:
    def wrapped(request: Any, context: grpc.ServicerContext) -> Any:
        started = time.perf_counter()
        code = grpc.StatusCode.OK
        try:
            yield from behaviour(request, context)
        except DomainError as error:
            code = error.grpc_code
            context.abort(code, to_grpc_details(error))
        finally:
            RPC_HANDLED.labels(service, method, code.name).inc()
            RPC_SECONDS.labels(service, method).observe(time.perf_counter() - started)

    return wrapped


class _DeadlineAndErrorInterceptor(
    grpc.UnaryUnaryClientInterceptor, grpc.StreamUnaryClientInterceptor
):
    """Every call gets a deadline; failures come back as the domain error the server raised. A
    request running by turns (``shouwang.turns``) gives its turn up if the wait is long."""

    def __init__(self, timeout_s: float) -> None:
        self.timeout_s = timeout_s

    def _with_deadline(self, details: grpc.ClientCallDetails) -> grpc.ClientCallDetails:
        if details.timeout is not None:
            return details
        return _CallDetails(
            method=details.method,
            timeout=self.timeout_s,
            metadata=details.metadata,
            credentials=details.credentials,
            wait_for_ready=details.wait_for_ready,
            compression=details.compression,
        )

    def _call(self, continuation, details, request):  # type: ignore[no-untyped-def]
        with turns.waiting_elsewhere():  # a long wait lets another request run
            outcome = continuation(self._with_deadline(details), request)
            error = outcome.exception()
        if isinstance(error, grpc.RpcError):
            raise from_grpc(error.code(), error.details()) from None
        return outcome

    def intercept_unary_unary(self, continuation, client_call_details, request):  # type: ignore[no-untyped-def]
        return self._call(continuation, client_call_details, request)

    def intercept_stream_unary(self, continuation, client_call_details, request_iterator):  # type: ignore[no-untyped-def]
        return self._call(continuation, client_call_details, request_iterator)


@dataclass(frozen=True)
class _CallDetails(grpc.ClientCallDetails):
    method: str
    timeout: float | None
    metadata: Any
    credentials: Any
    wait_for_ready: Any
    compression: Any


def connect(address: str, *, timeout_s: float) -> grpc.Channel:
    """A channel to ``address`` whose calls carry a deadline and raise domain errors."""
    channel = grpc.insecure_channel(
        address, options=[("grpc.keepalive_time_ms", 30_000), ("grpc.enable_retries", 1)]
    )
    return grpc.intercept_channel(channel, _DeadlineAndErrorInterceptor(timeout_s))


def wait_until_serving(address: str, *, service: str = "", timeout_s: float = 30.0) -> None:
    """Block until the health service at ``address`` reports SERVING."""
    deadline = time.monotonic() + timeout_s
    with grpc.insecure_channel(address) as channel:
        stub = health_pb2_grpc.HealthStub(channel)
        while True:
            try:
                reply = stub.Check(health_pb2.HealthCheckRequest(service=service), timeout=1.0)
                if reply.status == health_pb2.HealthCheckResponse.SERVING:
                    return
            except grpc.RpcError:
                pass
            if time.monotonic() > deadline:
                raise Unavailable(detail=f"gRPC service at {address} is not serving")
            time.sleep(0.05)
