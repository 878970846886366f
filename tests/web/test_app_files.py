"""The gateway serves the built patroller app at /app/ (a PWA: page, bundle, service worker,
manifest, icons drawn at build time) with a self-only content policy, and nothing outside it."""

from __future__ import annotations

import json
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


def test_the_app_page_is_served_at_app_with_a_self_only_content_policy(client) -> None:
    reply = client.get("/app/")
    assert reply.status_code == 200 and reply.mimetype == "text/html"
    assert b'<script src="app.js">' in reply.data
    assert b'<link rel="manifest" href="manifest.webmanifest"' in reply.data
    policy = reply.headers["Content-Security-Policy"]
    assert "default-src 'self'" in policy and "worker-src 'self'" in policy
    assert "http" not in policy


def test_app_without_its_slash_is_redirected_keeping_the_language(client) -> None:
    reply = client.get("/app?lang=en")
    assert reply.status_code == 308 and reply.headers["Location"] == "/app/?lang=en"


def test_the_manifest_names_the_app_and_icons_the_build_made(client) -> None:
    reply = client.get("/app/manifest.webmanifest")
    assert reply.mimetype == "application/manifest+json"
    manifest = json.loads(reply.data)
    assert manifest["display"] == "standalone" and manifest["start_url"] == "./"
    sizes = {icon["sizes"] for icon in manifest["icons"]}
    assert {"192x192", "512x512"} <= sizes
    for icon in manifest["icons"]:
        served = client.get(f"/app/{icon['src']}")
        assert served.status_code == 200 and served.mimetype == icon["type"]


def test_the_service_worker_caches_every_file_of_its_build(client) -> None:
    worker = client.get("/app/sw.js")
    assert worker.status_code == 200 and worker.mimetype == "text/javascript"
    text = worker.data.decode()
    built = [
        path.relative_to(console.APP_DIST).as_posix()
        for path in console.APP_DIST.rglob("*")
        if path.is_file() and path.name not in ("sw.js", "index.html")
    ]
    assert built and all(f'"./{name}"' in text for name in built)
    assert '"./"' in text  # the page itself, under any query


def test_files_outside_the_app_build_are_not_served(client) -> None:
    assert client.get("/app/../pyproject.toml").status_code == 404
    assert client.get("/app/assets/../../../pyproject.toml").status_code == 404
    assert client.get("/app/nothing.js").status_code == 404


def test_without_a_build_the_app_says_how_to_make_one(tmp_path: Path) -> None:
    app = Flask("bare")
    app.register_blueprint(console.patroller_app(dist=tmp_path))
    assert "scripts/build-web" in app.test_client().get("/app/").json["app"]


def test_the_console_and_the_api_are_untouched(client) -> None:
    assert client.get("/").status_code == 200
    assert client.get(f"{API_PREFIX}/auth/login").status_code == 405
