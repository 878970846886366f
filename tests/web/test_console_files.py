"""The gateway serves the built console at / (its files only, with a strict content policy),
and the API's own answers are untouched by it."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from flask import Flask

from services.gateway import console
from services.gateway.app import API_PREFIX
from tests.support.declared_gateway import declared_gateway


@pytest.fixture(scope="module")
def client() -> Any:
    app = declared_gateway()
    return app.test_client()


def test_the_console_is_served_at_the_root_with_a_self_only_content_policy(client) -> None:
    reply = client.get("/")
    assert reply.status_code == 200 and reply.mimetype == "text/html"
    assert b'<script src="console.js">' in reply.data
    policy = reply.headers["Content-Security-Policy"]
    assert "default-src 'self'" in policy and "http" not in policy


def test_the_bundle_and_its_assets_are_served(client) -> None:
    assert client.get("/console.js").status_code == 200
    assert client.get("/console.css").mimetype == "text/css"
    asset = next((console.DIST / "assets").iterdir()).name
    assert client.get(f"/assets/{asset}").status_code == 200


def test_files_outside_the_build_are_not_served(client) -> None:
    assert client.get("/../pyproject.toml").status_code == 404
    assert client.get("/assets/../../../pyproject.toml").status_code == 404
    assert client.get("/nothing.js").status_code == 404


def test_an_api_route_called_with_the_wrong_method_still_answers_405(client) -> None:
    assert client.get(f"{API_PREFIX}/auth/login").status_code == 405


def test_without_a_build_the_root_says_how_to_make_one(tmp_path: Path) -> None:
    app = Flask("bare")
    app.register_blueprint(console.blueprint(dist=tmp_path, api_prefix=API_PREFIX))
    reply = app.test_client().get("/")
    assert reply.json["api"] == f"{API_PREFIX}/openapi.json"
    assert "scripts/build-web" in reply.json["console"]
