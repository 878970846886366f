"""The gateway's Flask app factory: ``create_app`` wires routes to a ``GatewayContext``."""

from __future__ import annotations

from flask import Flask, Response, jsonify

from services.gateway import openapi
from services.gateway.context import GatewayContext
from services.gateway.routes import (
    directory,
    duty,
    identity,
    media,
    members,
    points,
    stream,
    tasks,
)
from shouwang.http import install_platform, ops_blueprint
from shouwang.metrics import Readiness

API_PREFIX = "/api/v1"


def create_app(context: GatewayContext, *, readiness: Readiness, max_body_bytes: int) -> Flask:
    app = Flask("shouwang.gateway")
    app.json.ensure_ascii = False  # type: ignore[attr-defined]  # names are Chinese
    install_platform(app, max_body_bytes=max_body_bytes)
    app.register_blueprint(ops_blueprint(readiness))
    for routes in (identity, members, directory, duty, tasks, points, media, stream):
        app.register_blueprint(routes.blueprint(context), url_prefix=API_PREFIX)

    @app.get("/")
    def index() -> Response:
        # The dispatch console will be served here; until it exists, say where the API is.
        return jsonify(
            name="Shouwang",
            console="not built yet",
            api=f"{API_PREFIX}/openapi.json",
            health="/healthz",
        )

    @app.get(f"{API_PREFIX}/openapi.json")
    def openapi_document() -> Response:
        return jsonify(openapi.document())

    return app
