"""A gRPC channel whose calls are function calls into servicers in the same process: the
all-in-one's transport between the gateway and its services.

Everything a cluster call goes through except the network stays: the generated stubs; the
request and reply serialized and parsed again, so neither side shares a message object with the
other, a message that would not cross the wire does not cross here, and one past grpcio's
default size limit fails as it would there; the server's RED metrics and its mapping of domain
errors to status codes, mapped back to domain errors on the caller's side; the caller's metadata
(identity's signed phone lookups). What goes is grpcio's machinery — HTTP/2 framing over
loopback, a completion queue and a pool thread per call — which in one interpreter cost more
than the services' own work (46 % of the all-in-one's time in a 10,000-member dispatch profile;
README, "What is missing").

The servicer runs on the caller's thread, so a call has no deadline here: nothing could stop
it half way, and a gRPC server does not stop a servicer past its deadline either. Only plain
calls are offered (no ``future()`` or ``with_call()``): nothing here uses the others.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from typing import Any

import grpc

from shouwang.errors import from_grpc
from shouwang.rpc import ServiceBinding, observed

Serializer = Callable[[Any], bytes] | None

# grpcio's default limit on a message received, by the server and by the client: a request or a
# reply larger than this fails with RESOURCE_EXHAUSTED in the cluster, so it does here too.
MAX_MESSAGE_BYTES = 4 * 1024 * 1024


class LocalChannel(grpc.Channel):
    """Calls the servicers of ``bindings`` (added now or later, like ``GrpcServer.add``)."""

    def __init__(self, bindings: Sequence[ServiceBinding] = ()) -> None:
        self._generic: list[grpc.GenericRpcHandler] = []
        self._handlers: dict[str, grpc.RpcMethodHandler] = {}
        self._lock = threading.Lock()
        self.add(bindings)

    def add(self, bindings: Sequence[ServiceBinding]) -> None:
        registrar = _Registrar()
        for binding in bindings:
            binding.add(binding.servicer, registrar)  # type: ignore[arg-type]
        with self._lock:
            self._generic.extend(registrar.generic)

    def handler(self, method: str) -> grpc.RpcMethodHandler:
        """The method's handler, wrapped as ``GrpcServer`` wraps it (metrics, error mapping)."""
        handler = self._handlers.get(method)
        if handler is None:
            with self._lock:
                handler = self._found(method)
        return handler

    def _found(self, method: str) -> grpc.RpcMethodHandler:
        details = _HandlerCallDetails(method=method, invocation_metadata=())
        for generic in self._generic:
            handler = generic.service(details)
            if handler is not None:
                service, _, name = method.lstrip("/").rpartition("/")
                self._handlers[method] = observed(handler, service, name)
                return self._handlers[method]
        raise from_grpc(grpc.StatusCode.UNIMPLEMENTED, f"no servicer for {method}")

    def unary_unary(self, method, request_serializer=None, response_deserializer=None, **_):  # type: ignore[no-untyped-def, override]
        return _UnaryUnary(self, method, request_serializer, response_deserializer)

    def stream_unary(self, method, request_serializer=None, response_deserializer=None, **_):  # type: ignore[no-untyped-def, override]
        return _StreamUnary(self, method, request_serializer, response_deserializer)

    def unary_stream(self, method, *args, **kwargs):  # type: ignore[no-untyped-def, override]
        raise NotImplementedError("no Shouwang RPC replies with a stream")

    def stream_stream(self, method, *args, **kwargs):  # type: ignore[no-untyped-def, override]
        raise NotImplementedError("no Shouwang RPC replies with a stream")

    def subscribe(self, callback, try_to_connect=False):  # type: ignore[no-untyped-def, override]
        callback(grpc.ChannelConnectivity.READY)

    def unsubscribe(self, callback):  # type: ignore[no-untyped-def, override]
        pass

    def close(self) -> None:
        pass

    def __enter__(self) -> LocalChannel:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()


class _Registrar:
    """Stands in for ``grpc.Server`` when the generated ``add_*Servicer_to_server`` runs."""

    def __init__(self) -> None:
        self.generic: list[grpc.GenericRpcHandler] = []

    def add_generic_rpc_handlers(self, generic_handlers: Iterable[grpc.GenericRpcHandler]) -> None:
        self.generic.extend(generic_handlers)

    def add_registered_method_handlers(self, service: str, handlers: dict) -> None:
        """The same handlers as the generic ones the generated code adds too; found there."""


@dataclass(frozen=True)
class _HandlerCallDetails(grpc.HandlerCallDetails):
    method: str
    invocation_metadata: tuple


class _Aborted(Exception):
    """What ``context.abort`` raises, as grpcio's does, to end the servicer."""


class _Context:
    """The parts of ``grpc.ServicerContext`` a servicer here uses."""

    def __init__(self, metadata: Sequence[tuple[str, str | bytes]] | None) -> None:
        self._metadata = tuple(metadata or ())
        self._code: grpc.StatusCode | None = None
        self._details: str | None = None

    def invocation_metadata(self) -> tuple[tuple[str, str | bytes], ...]:
        return self._metadata

    def set_code(self, code: grpc.StatusCode) -> None:
        self._code = code

    def set_details(self, details: str) -> None:
        self._details = details

    def code(self) -> grpc.StatusCode | None:
        return self._code

    def details(self) -> str | None:
        return self._details

    def abort(self, code: grpc.StatusCode, details: str) -> None:
        self._code, self._details = code, details
        raise _Aborted

    def time_remaining(self) -> None:
        return None

    def is_active(self) -> bool:
        return True

    def failed(self) -> bool:
        return self._code not in (None, grpc.StatusCode.OK)


class _Call:
    def __init__(
        self,
        channel: LocalChannel,
        method: str,
        serialize: Serializer,
        deserialize: Serializer,
    ) -> None:
        self._channel = channel
        self._method = method
        self._serialize = serialize or _same
        self._deserialize = deserialize or _same

    def _invoke(
        self,
        handler: grpc.RpcMethodHandler,
        behaviour: Callable[[Any, _Context], Any],
        request: Any,
        metadata: Sequence[tuple[str, str | bytes]] | None,
    ) -> Any:
        context = _Context(metadata)
        try:
            reply = behaviour(request, context)
        except _Aborted:
            reply = None
        if context.failed():
            raise from_grpc(context.code(), context.details()) from None  # type: ignore[arg-type]
        if reply is None:  # a servicer that returns nothing is an internal error in grpcio too
            raise from_grpc(grpc.StatusCode.INTERNAL, None)
        return self._deserialize(_within_limit((handler.response_serializer or _same)(reply)))

    def _as_received(self, handler: grpc.RpcMethodHandler, request: Any) -> Any:
        """``request`` as the servicer would read it off the wire."""
        return (handler.request_deserializer or _same)(_within_limit(self._serialize(request)))


class _UnaryUnary(_Call):
    def __call__(self, request: Any, timeout: float | None = None, metadata=None, **_: Any) -> Any:  # type: ignore[no-untyped-def]
        handler = self._channel.handler(self._method)
        received = self._as_received(handler, request)
        return self._invoke(handler, handler.unary_unary, received, metadata)


class _StreamUnary(_Call):
    def __call__(
        self, requests: Iterator[Any], timeout: float | None = None, metadata=None, **_: Any
    ) -> Any:  # type: ignore[no-untyped-def]
        handler = self._channel.handler(self._method)
        received = (self._as_received(handler, request) for request in requests)
        return self._invoke(handler, handler.stream_unary, received, metadata)


def _same(value: Any) -> Any:
    return value


def _within_limit(wire: bytes) -> bytes:
    if len(wire) > MAX_MESSAGE_BYTES:
        raise from_grpc(grpc.StatusCode.RESOURCE_EXHAUSTED, None)
    return wire
