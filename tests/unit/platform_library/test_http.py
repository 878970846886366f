"""Flask pieces: problem+json for every error, request ids, size limits, idempotent POSTs."""

from __future__ import annotations

import json
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest
from flask import Flask, jsonify, request

from shouwang.clock import ManualClock
from shouwang.errors import FieldError, InvalidArgument, RateLimited
from shouwang.http import IdempotencyKeys, WsgiServer, install_platform, ops_blueprint
from shouwang.metrics import Readiness
from shouwang.store.embedded import SqliteDocumentStore


@pytest.fixture
def app(tmp_path: Path) -> Flask:
    app = Flask("test")
    install_platform(app, max_body_bytes=1024)
    readiness = Readiness()
    app.register_blueprint(ops_blueprint(readiness, metrics=True))
    store = SqliteDocumentStore(tmp_path / "docs.sqlite3")
    clock = ManualClock()
    keys = IdempotencyKeys(store.collection("keys"), clock)
    created: list[dict] = []

    @app.post("/things")
    def create() -> object:
        def view() -> object:
            body = request.get_json()
            if body.get("name") == "killed":
                raise ProcessKilled  # the process dies here: nothing after this line runs
            created.append(body)
            response = jsonify(id=len(created), **body)
            response.status_code = 201
            return response

        return keys.run(caller="alice", key=app_key(), view=view)

    @app.post("/invalid")
    def invalid() -> object:
        raise InvalidArgument(detail="bad", errors=[FieldError("name", "is required")])

    @app.get("/limited")
    def limited() -> object:
        raise RateLimited(detail="slow down", retry_after_s=30)

    @app.get("/crash")
    def crash() -> object:
        raise RuntimeError("boom")

    app.config["created"] = created
    app.config["readiness"] = readiness
    app.config["clock"] = clock
    return app


class ProcessKilled(BaseException):
    """Stands for a SIGKILL mid-request: no handler of ordinary exceptions sees it."""


def app_key() -> str:
    from flask import request

    return request.headers["Idempotency-Key"]


def test_unknown_path_is_a_problem_document(app: Flask) -> None:
    response = app.test_client().get("/nowhere")
    assert response.status_code == 404
    assert response.mimetype == "application/problem+json"
    assert set(response.json) >= {"type", "title", "status", "detail", "request_id"}


def test_wrong_method_is_405_problem_with_allow_header(app: Flask) -> None:
    response = app.test_client().get("/invalid")
    assert response.status_code == 405
    assert response.mimetype == "application/problem+json"
    assert "POST" in response.headers["Allow"]


def test_body_over_the_limit_is_413_problem(app: Flask) -> None:
    response = app.test_client().post(
        "/things",
        data=b"x" * 2048,
        headers={"Idempotency-Key": "k", "Content-Type": "application/json"},
    )
    assert response.status_code == 413
    assert response.json["status"] == 413


def test_unexpected_error_is_500_problem_without_internals(app: Flask) -> None:
    response = app.test_client().get("/crash")
    assert response.status_code == 500
    assert "boom" not in response.get_data(as_text=True)


def test_validation_error_lists_fields(app: Flask) -> None:
    response = app.test_client().post("/invalid")
    assert response.status_code == 422
    assert response.json["errors"] == [{"field": "name", "message": "is required"}]


def test_rate_limit_carries_retry_after(app: Flask) -> None:
    response = app.test_client().get("/limited")
    assert response.status_code == 429
    assert response.headers["Retry-After"] == "30"


def test_request_id_is_echoed_or_made(app: Flask) -> None:
    client = app.test_client()
    assert client.get("/healthz", headers={"X-Request-Id": "abc"}).headers["X-Request-Id"] == "abc"
    assert len(client.get("/healthz").headers["X-Request-Id"]) == 26


def test_retry_with_same_idempotency_key_replays_first_response_and_creates_nothing(
    app: Flask,
) -> None:
    client = app.test_client()
    first = client.post("/things", json={"name": "a"}, headers={"Idempotency-Key": "k1"})
    again = client.post("/things", json={"name": "a"}, headers={"Idempotency-Key": "k1"})
    assert first.status_code == again.status_code == 201
    assert again.json == first.json
    assert again.headers["Idempotent-Replayed"] == "true"
    assert len(app.config["created"]) == 1


def test_idempotency_key_reused_with_another_body_is_refused(app: Flask) -> None:
    client = app.test_client()
    client.post("/things", json={"name": "a"}, headers={"Idempotency-Key": "k1"})
    response = client.post("/things", json={"name": "b"}, headers={"Idempotency-Key": "k1"})
    assert response.status_code == 422
    assert len(app.config["created"]) == 1


def test_failed_request_releases_its_idempotency_key(app: Flask) -> None:
    client = app.test_client()
    assert (
        client.post(
            "/things", data="{", content_type="application/json", headers={"Idempotency-Key": "k1"}
        ).status_code
        == 400
    )
    assert (
        client.post("/things", json={"name": "a"}, headers={"Idempotency-Key": "k1"}).status_code
        == 201
    )


def test_a_key_left_running_by_a_dead_gateway_is_taken_over_by_a_later_retry(
    app: Flask,
) -> None:
    client = app.test_client()
    killed = {"name": "killed"}
    with pytest.raises(ProcessKilled):
        client.post("/things", json=killed, headers={"Idempotency-Key": "k1"})
    # Meanwhile the first request might still be running: a retry waits.
    assert client.post("/things", json=killed, headers={"Idempotency-Key": "k1"}).status_code == 409
    app.config["clock"].advance(IdempotencyKeys.ABANDONED_AFTER_S + 1)
    retried = client.post("/things", json={"name": "a"}, headers={"Idempotency-Key": "k1"})
    assert retried.status_code == 201
    again = client.post("/things", json={"name": "a"}, headers={"Idempotency-Key": "k1"})
    assert again.headers["Idempotent-Replayed"] == "true"
    assert len(app.config["created"]) == 1


def test_readyz_reports_failing_checks_with_503(app: Flask) -> None:
    readiness: Readiness = app.config["readiness"]
    client = app.test_client()
    assert client.get("/readyz").status_code == 503  # not serving yet
    readiness.mark_serving()
    assert client.get("/readyz").status_code == 200

    def broken() -> None:
        raise ConnectionError

    readiness.add_check("store", broken)
    response = client.get("/readyz")
    assert response.status_code == 503
    assert response.json["checks"]["store"].startswith("failing")


def test_a_burst_of_probes_runs_the_checks_once_and_a_later_probe_again() -> None:
    readiness = Readiness(reuse_s=0.2)
    pings: list[float] = []
    readiness.add_check("store", lambda: pings.append(time.monotonic()))

    for _ in range(20):
        readiness.report()
    assert len(pings) == 1
    time.sleep(0.25)
    readiness.report()
    assert len(pings) == 2
    readiness.report(fresh=True)  # what wait_for_checks asks for
    assert len(pings) == 3


def test_metrics_are_served_in_prometheus_format(app: Flask) -> None:
    app.test_client().get("/healthz")
    body = app.test_client().get("/metrics").get_data(as_text=True)
    assert "shouwang_http_requests_total" in body


def test_invented_http_methods_share_one_metrics_label(app: Flask) -> None:
    client = app.test_client()
    for n in range(20):
        client.open("/healthz", method=f"BREW{n}")
    body = client.get("/metrics").get_data(as_text=True)
    assert "BREW" not in body
    assert 'method="other"' in body


def test_a_public_app_leaves_metrics_to_the_ops_port() -> None:
    public = Flask("public")
    install_platform(public, max_body_bytes=1024)
    public.register_blueprint(ops_blueprint(Readiness(), metrics=False))
    client = public.test_client()
    assert client.get("/healthz").status_code == 200
    assert client.get("/metrics").status_code == 404


def test_a_body_over_the_servers_limit_is_refused_as_problem_json(app: Flask) -> None:
    server = WsgiServer(app, host="127.0.0.1", port=0, threads=2, max_body_bytes=1024)
    server.start()
    try:
        request = urllib.request.Request(
            f"http://127.0.0.1:{server.port}/things",
            data=b"x" * 50_000,
            method="POST",
            headers={"Content-Type": "application/json"},
        )
        with pytest.raises(urllib.error.HTTPError) as refused:
            urllib.request.urlopen(request, timeout=10)
        assert refused.value.code == 413
        assert refused.value.headers["Content-Type"] == "application/problem+json"
        assert json.loads(refused.value.read())["status"] == 413
    finally:
        server.stop()
