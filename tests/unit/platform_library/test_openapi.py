"""The OpenAPI document describes every route the gateway serves, and nothing it does not."""

from __future__ import annotations

import re

from services.gateway.app import API_PREFIX, create_app
from services.gateway.openapi import document
from shouwang.metrics import Readiness


class _Nothing:
    """Routes are only registered, never called, so the context can be empty."""

    def __getattr__(self, name: str) -> object:
        return self


def test_every_api_route_is_documented_and_every_documented_route_exists() -> None:
    app = create_app(_Nothing(), readiness=Readiness(), max_body_bytes=1024)  # type: ignore[arg-type]
    served = {
        (method.lower(), re.sub(r"<(?:\w+:)?(\w+)>", r"{\1}", rule.rule[len(API_PREFIX) :]))
        for rule in app.url_map.iter_rules()
        if rule.rule.startswith(API_PREFIX)
        for method in rule.methods - {"HEAD", "OPTIONS"}
    }
    documented = {
        (method, path) for path, operations in document()["paths"].items() for method in operations
    }
    assert served == documented
