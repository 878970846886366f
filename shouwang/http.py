"""Flask pieces every HTTP-facing process uses: problem+json (RFC 9457) for every error, request
ids, size limits, JSON body parsing, ``Idempotency-Key`` replay and the ops endpoints."""

from __future__ import annotations

import hashlib
import ipaddress
import json
import logging
import threading
import time
from collections.abc import Callable
from typing import Any

from flask import Blueprint, Flask, Response, g, request
from prometheus_client import Counter, Histogram
from werkzeug.exceptions import HTTPException

from shouwang.clock import Clock, to_millis
from shouwang.errors import Conflict, DomainError, FieldError, InvalidArgument, Malformed
from shouwang.ids import new_id
from shouwang.logging import request_id_var
from shouwang.metrics import Readiness, metrics_payload
from shouwang.store import Collection, DuplicateKey

log = logging.getLogger(__name__)

PROBLEM_JSON = "application/problem+json"
HTTP_METHODS = frozenset({"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"})
PROBLEM_TYPE_BASE = "https://shouwang.dev/problems/"

HTTP_REQUESTS = Counter(
    "shouwang_http_requests_total", "HTTP requests served.", ["method", "route", "status"]
)
HTTP_SECONDS = Histogram(
    "shouwang_http_request_seconds",
    "Time to serve an HTTP request.",
    ["method", "route"],
    buckets=(0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5),
)


def is_loopback(host: str | None) -> bool:
    """An address (or "localhost") of this machine only."""
    if host == "localhost":
        return True
    try:
        return host is not None and ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def problem(
    status: int,
    title: str,
    detail: str = "",
    *,
    errors: list[FieldError] | None = None,
    headers: dict[str, str] | None = None,
) -> Response:
    body: dict[str, Any] = {
        "type": PROBLEM_TYPE_BASE + title.lower().replace(" ", "-"),
        "title": title,
        "status": status,
        "detail": detail or title,
    }
    if errors:
        body["errors"] = [{"field": e.field, "message": e.message} for e in errors]
    request_id = getattr(g, "request_id", None)
    if request_id:
        body["request_id"] = request_id
    response = Response(json.dumps(body, ensure_ascii=False), status=status, mimetype=PROBLEM_JSON)
    for name, value in (headers or {}).items():
        response.headers[name] = value
    return response


def install_platform(app: Flask, *, max_body_bytes: int) -> None:
    """Problem handlers, request ids, metrics and the size limit, for any Flask app."""
    app.config["MAX_CONTENT_LENGTH"] = max_body_bytes

    @app.before_request
    def _start() -> None:
        incoming = request.headers.get("X-Request-Id", "")
        g.request_id = incoming if 0 < len(incoming) <= 64 and incoming.isprintable() else new_id()
        g.request_id_token = request_id_var.set(g.request_id)
        g.started = time.perf_counter()

    @app.after_request
    def _finish(response: Response) -> Response:
        response.headers["X-Request-Id"] = getattr(g, "request_id", "")
        # Label values come from closed sets only: a client choosing them could grow /metrics
        # without bound (any token is a valid HTTP method name).
        method = request.method if request.method in HTTP_METHODS else "other"
        route = request.url_rule.rule if request.url_rule else "unmatched"
        HTTP_REQUESTS.labels(method, route, str(response.status_code)).inc()
        if hasattr(g, "started"):
            HTTP_SECONDS.labels(method, route).observe(time.perf_counter() - g.started)
        return response

    @app.teardown_request
    def _forget(_: BaseException | None) -> None:
        token = g.pop("request_id_token", None)
        if token is not None:
            request_id_var.reset(token)

    @app.errorhandler(DomainError)
    def _domain_error(error: DomainError) -> Response:
        headers = {"Retry-After": str(error.retry_after_s)} if error.retry_after_s else None
        return problem(
            error.http_status, error.title, error.detail, errors=error.errors, headers=headers
        )

    @app.errorhandler(HTTPException)
    def _http_error(error: HTTPException) -> Response:
        status = error.code or 500
        detail = error.description or ""
        if status == 413:
            detail = f"the request body is larger than {max_body_bytes} bytes"
        response = problem(status, error.name, detail)
        if status == 405 and error.valid_methods:  # type: ignore[attr-defined]
            response.headers["Allow"] = ", ".join(error.valid_methods)  # type: ignore[attr-defined]
        return response

    @app.errorhandler(Exception)
    def _unexpected(error: Exception) -> Response:
        log.exception("unhandled error", extra={"path": request.path})
        return problem(500, "Internal Server Error", "an unexpected error occurred")


def ops_blueprint(readiness: Readiness, *, metrics: bool) -> Blueprint:
    """/healthz (alive), /readyz (ready for traffic) and, when ``metrics``, /metrics (Prometheus):
    a public port leaves metrics to the ops port, which only the cluster reaches."""
    ops = Blueprint("ops", __name__)

    @ops.get("/healthz")
    def healthz() -> Response:
        return Response('{"status": "ok"}', mimetype="application/json")

    @ops.get("/readyz")
    def readyz() -> Response:
        ready, checks = readiness.report()
        return Response(
            json.dumps({"ready": ready, "checks": checks}),
            status=200 if ready else 503,
            mimetype="application/json",
        )

    def prometheus() -> Response:
        payload, content_type = metrics_payload()
        return Response(payload, content_type=content_type)

    if metrics:
        ops.add_url_rule("/metrics", "metrics", prometheus, methods=["GET"])
    return ops


class UnsupportedMediaType(DomainError):
    http_status = 415
    title = "Unsupported Media Type"


def idempotency_slot(caller: str, key: str) -> str:
    """The identity of a creating request: its caller, method, path and ``Idempotency-Key``. Also
    handed to a domain service as the request's retry id, so a retry after a reply that failed
    (the key's slot is then freed) still finds what the first attempt created."""
    slot = hashlib.sha256(f"{caller}\x00{request.method}\x00{request.path}\x00{key}".encode())
    return slot.hexdigest()


class IdempotencyKeys:
    """Replays the first response to a retried creating POST with the same ``Idempotency-Key``.

    The first request claims the key with a unique insert, so two concurrent retries cannot both
    create; a retry that arrives while the first is still running gets 409. Reusing a key for a
    different request body is a client bug and gets 422. A key still "running" after
    ``ABANDONED_AFTER_S`` belongs to a gateway that died mid-request: one retry takes it over.
    """

    # Longer than any request runs (RPC deadlines, a publish's 30 s timeout).
    ABANDONED_AFTER_S = 120

    def __init__(self, collection: Collection, clock: Clock) -> None:
        self.collection = collection
        self.clock = clock

    def ensure_indexes(self) -> None:
        self.collection.create_index([("created_at", 1)])

    def run(self, *, caller: str, key: str, view: Callable[[], Response]) -> Response:
        if not 1 <= len(key) <= 200:
            raise Malformed(detail="Idempotency-Key must be 1 to 200 characters")
        slot_id = idempotency_slot(caller, key)
        fingerprint = hashlib.sha256(request.get_data(cache=True)).hexdigest()
        try:
            self.collection.insert(
                {
                    "_id": slot_id,
                    "fingerprint": fingerprint,
                    "state": "running",
                    "created_at": to_millis(self.clock.now()),
                }
            )
        except DuplicateKey:
            if not self._take_over_abandoned(slot_id, fingerprint):
                return self._replay(slot_id, fingerprint)
        try:
            response = view()
        except Exception:
            self.collection.delete(slot_id)  # the request failed: let the client retry it
            raise
        if response.status_code >= 500:
            self.collection.delete(slot_id)
            return response
        self.collection.find_one_and_update(
            {"_id": slot_id},
            {
                "$set": {
                    "state": "done",
                    "status": response.status_code,
                    "body": response.get_data(as_text=True),
                    "content_type": response.content_type,
                }
            },
        )
        return response

    def _take_over_abandoned(self, slot_id: str, fingerprint: str) -> bool:
        now = to_millis(self.clock.now())
        taken = self.collection.find_one_and_update(
            {
                "_id": slot_id,
                "state": "running",
                "created_at": {"$lt": now - self.ABANDONED_AFTER_S * 1000},
            },
            {"$set": {"fingerprint": fingerprint, "created_at": now}},
        )
        return taken is not None

    def _replay(self, slot_id: str, fingerprint: str) -> Response:
        first = self.collection.get(slot_id)
        if first is None or first["state"] != "done":
            raise Conflict(detail="a request with this Idempotency-Key is still in progress")
        if first["fingerprint"] != fingerprint:
            raise InvalidArgument(
                detail="this Idempotency-Key was used for a different request body",
                errors=[FieldError("Idempotency-Key", "reused with a different body")],
            )
        response = Response(
            first["body"], status=first["status"], content_type=first["content_type"]
        )
        response.headers["Idempotent-Replayed"] = "true"
        return response


# Thread stacks of an HTTP server with many threads (see WsgiServer); Linux's default is 8 MiB
# of address space each. Python code needs little C stack since 3.11 (docs/push-stream.md).
SMALL_THREAD_STACK_BYTES = 512 * 1024


def _waitress_problem_channel() -> type:
    from waitress.channel import HTTPChannel
    from waitress.task import ErrorTask

    class ProblemErrorTask(ErrorTask):
        def execute(self) -> None:
            error = self.request.error
            detail = str(error.body or error.reason)
            if error.code == 413:
                detail = "the request body is larger than the server accepts"
            body = json.dumps(
                {
                    "type": PROBLEM_TYPE_BASE + error.reason.lower().replace(" ", "-"),
                    "title": error.reason,
                    "status": error.code,
                    "detail": detail,
                }
            ).encode()
            self.status = f"{error.code} {error.reason}"
            self.response_headers.append(("Content-Type", PROBLEM_JSON))
            self.set_close_on_finish()
            self.content_length = len(body)
            self.write(body)

    class ProblemChannel(HTTPChannel):
        error_task_class = ProblemErrorTask

    return ProblemChannel


_ProblemChannel = _waitress_problem_channel()


class WsgiServer:
    """waitress in a background thread: a production WSGI server with a clean ``stop()``.

    waitress gives each in-flight request a thread, and a push stream is a request that stays in
    flight, so a server that holds streams needs a thread per stream (docs/push-stream.md):
    ``threads`` counts them, small ``thread_stack_bytes`` keep them cheap, and the socket map is
    polled with poll(2) since select(2) stops at 1024 descriptors. ``max_body_bytes`` makes
    waitress refuse a larger body as it arrives instead of spooling all of it first.
    """

    def __init__(
        self,
        app: Callable,
        *,
        host: str,
        port: int,
        threads: int,
        max_body_bytes: int | None = None,
        thread_stack_bytes: int = 0,
    ) -> None:
        from waitress import create_server

        limits = {} if max_body_bytes is None else {"max_request_body_size": max_body_bytes + 1}
        # threading.stack_size is process-wide: set it only while waitress starts its threads.
        previous = threading.stack_size(thread_stack_bytes)
        try:
            self._server = create_server(
                app,
                host=host,
                port=port,
                threads=threads,
                connection_limit=threads + 1000,  # idle keep-alive connections hold no thread
                asyncore_use_poll=True,
                ident="shouwang",
                clear_untrusted_proxy_headers=True,
                **limits,
            )
        finally:
            threading.stack_size(previous)
        # Errors waitress answers itself (a body over the limit, a malformed request line) are
        # problem+json like every other error, not waitress's text/plain.
        self._server.channel_class = _ProblemChannel  # type: ignore[union-attr]
        self._thread = threading.Thread(target=self._server.run, daemon=True, name="http")

    @property
    def port(self) -> int:
        return self._server.effective_port  # type: ignore[union-attr]

    def start(self) -> None:
        self._thread.start()

    def stop(self, grace_s: float = 5.0) -> None:
        # Let requests in flight finish before their sockets close (readiness already says no
        # to new traffic), then stop the server.
        self._server.task_dispatcher.shutdown(cancel_pending=False, timeout=grace_s)
        self._server.close()
        self._thread.join(grace_s)
