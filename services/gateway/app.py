"""The gateway's Flask app factory: ``create_app`` wires routes to a ``GatewayContext``."""

from __future__ import annotations

from collections.abc import Callable

from flask import Flask, Response, jsonify

from services.gateway import console
from services.gateway.access import VERIFIER_EXTENSION
from services.gateway.context import GatewayContext
from services.gateway.routes import (
    comms,
    directory,
    duty,
    identity,
    live_calls,
    media,
    members,
    points,
    stats,
    stream,
    tasks,
    training,
)
from shouwang.foreground import Foreground
from shouwang.http import install_platform, ops_blueprint
from shouwang.metrics import Readiness
from shouwang.turns import TakingTurns
from shouwang.typed_routes import Operation, TypedRoutes, openapi_document

API_PREFIX = "/api/v1"
API_VERSION = "1.0.0"
ROUTE_MODULES = (
    identity,
    members,
    directory,
    duty,
    tasks,
    training,
    comms,
    live_calls,
    points,
    stats,
    media,
    stream,
)


def create_app(
    context: GatewayContext, *, readiness: Readiness, max_body_bytes: int, serve_metrics: bool
) -> Flask:
    """The API app; ``serve_metrics`` mounts /metrics on it too (the embedded mode on loopback),
    otherwise metrics are on the ops port."""
    app = Flask("shouwang.gateway")
    app.json.ensure_ascii = False  # type: ignore[attr-defined]  # names are Chinese
    app.extensions[VERIFIER_EXTENSION] = context.verifier
    install_platform(app, max_body_bytes=max_body_bytes)
    app.register_blueprint(ops_blueprint(readiness, metrics=serve_metrics))
    operations: list[Operation] = []
    for module in ROUTE_MODULES:
        if hasattr(module, "routes"):
            typed: TypedRoutes = module.routes(context)
            operations += typed.operations
            app.register_blueprint(typed.blueprint, url_prefix=API_PREFIX)
        else:
            app.register_blueprint(module.blueprint(context), url_prefix=API_PREFIX)
    app.extensions["shouwang.operations"] = operations
    document = openapi_document(
        operations, title="Shouwang API", version=API_VERSION, server_url=API_PREFIX
    )

    app.register_blueprint(console.blueprint(api_prefix=API_PREFIX))

    @app.get(f"{API_PREFIX}/openapi.json")
    def openapi_json() -> Response:
        return jsonify(document)

    return app


def served_in_turns(app: Flask, *, at_once: int, foreground: Foreground | None = None) -> Callable:
    """The app as the HTTP server runs it: with ``at_once`` > 0, ordinary requests take turns
    (``TakingTurns``), phones' batches of fixes after the others; a push stream, which stays in
    flight, never waits for one, nor does a probe or a scrape (a readiness probe queued behind a
    claim race, or holding a turn while the store it pings is away, would mark the replica
    unready or slow everyone). With a ``foreground``, ordinary requests count as foreground
    work, which background consumers step aside for."""
    if at_once <= 0:
        return app
    stream_path, fixes_path = f"{API_PREFIX}/stream", f"{API_PREFIX}/location"
    never_waiting = {stream_path, "/healthz", "/readyz", "/metrics"}
    return TakingTurns(
        app,
        at_once=at_once,
        bypass=lambda environ: environ.get("PATH_INFO") in never_waiting,
        deferrable=lambda environ: (
            environ.get("PATH_INFO") == fixes_path and environ.get("REQUEST_METHOD") == "POST"
        ),
        foreground=foreground,
    )
