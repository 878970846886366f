"""The gateway's Flask app with its routes declared but nothing behind them, for tests that read
what it serves (the OpenAPI document, the static faces, the route table)."""

from __future__ import annotations

from flask import Flask

from services.gateway.app import create_app
from shouwang.metrics import Readiness


class _Nothing:
    """Routes are only registered, never called, so the context can be empty."""

    def __getattr__(self, name: str) -> object:
        return self

    def __call__(self, *args: object, **kwargs: object) -> object:
        return self


def declared_gateway() -> Flask:
    return create_app(
        _Nothing(),  # type: ignore[arg-type]
        readiness=Readiness(),
        max_body_bytes=1024,
        serve_metrics=False,
    )
