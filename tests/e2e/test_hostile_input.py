"""Input a hostile caller sends answers a precise 4xx problem, never a 500, and changes nothing
(issue #10, "Input that answers 500"). One shared mechanism decides these for every route, so each
case here stands for a class."""

from __future__ import annotations

import json
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest

import allinone
from tests.support.api import Api, Reply, new_person

API = "/api/v1"
ADMIN_PHONE, ADMIN_PASSWORD = "13800000000", "Admin-Password-1"


@pytest.fixture(scope="module")
def api(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Api]:
    with pytest.MonkeyPatch.context() as env:
        env.setenv("SHOUWANG_ADMIN_PHONE", ADMIN_PHONE)
        env.setenv("SHOUWANG_ADMIN_PASSWORD", ADMIN_PASSWORD)
        running = allinone.start(port=0, data_dir=Path(tmp_path_factory.mktemp("hostile")))
    try:
        yield Api(running.url)
    finally:
        running.stop()


@pytest.fixture(scope="module")
def admin(api: Api) -> str:
    reply = api.post(f"{API}/auth/login", {"phone": ADMIN_PHONE, "password": ADMIN_PASSWORD})
    return reply.body["access_token"]


def raw_post(api: Api, path: str, data: bytes, token: str = "") -> Reply:
    headers = {"Content-Type": "application/json"}
    if token:
        headers["Authorization"] = f"Bearer {token}"
    request = urllib.request.Request(api.base_url + path, data=data, method="POST", headers=headers)
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            return Reply(response.status, dict(response.headers), response.read())
    except urllib.error.HTTPError as error:
        return Reply(error.code, dict(error.headers), error.read())


def problem(reply: Reply) -> dict:
    assert reply.headers.get("Content-Type", "").startswith("application/problem+json")
    body = reply.body if isinstance(reply.body, dict) else json.loads(reply.body)
    assert body["status"] == reply.status
    return body


def test_json_nested_a_hundred_thousand_deep_is_malformed_not_a_crash(api: Api) -> None:
    deep = b'{"name": ' + b"[" * 100_000 + b"]" * 100_000 + b"}"
    reply = raw_post(api, f"{API}/auth/register", deep)
    assert reply.status == 400
    problem(reply)


def test_a_lone_surrogate_in_a_name_is_refused_not_a_crash(api: Api) -> None:
    person = json.dumps(new_person()).replace('"name": "', '"name": "\\ud800', 1)
    reply = raw_post(api, f"{API}/auth/register", person.encode())
    assert reply.status in (400, 422)
    problem(reply)


def test_an_integer_beyond_protobufs_range_is_a_field_error(api: Api, admin: str) -> None:
    reply = api.get(f"{API}/tasks?limit=2147483648", token=admin)
    assert reply.status == 422
    assert [error["field"] for error in problem(reply)["errors"]] == ["limit"]


def test_two_thousand_unknown_skills_are_one_bounded_field_error(api: Api) -> None:
    reply = api.post(f"{API}/auth/register", new_person(skills=["juggling"] * 2000))
    assert reply.status == 422
    assert [error["field"] for error in problem(reply)["errors"]] == ["skills"]


def test_a_megabyte_password_is_refused_before_it_is_hashed(api: Api) -> None:
    reply = api.post(f"{API}/auth/register", new_person(password="Aa1!" * 250_000))
    assert reply.status == 422
    assert "password" in [error["field"] for error in problem(reply)["errors"]]


def test_logout_answers_204_with_no_body_and_no_content_type(api: Api) -> None:
    person = new_person()
    api.post(f"{API}/auth/register", person)
    session = api.post(
        f"{API}/auth/login", {"phone": person["phone"], "password": person["password"]}
    ).body
    reply = api.post(
        f"{API}/auth/logout",
        {"refresh_token": session["refresh_token"]},
        token=session["access_token"],
    )
    assert reply.status == 204
    assert reply.body in (b"", None)
    assert "Content-Type" not in reply.headers


def test_an_unknown_field_is_named_not_ignored(api: Api) -> None:
    reply = api.post(f"{API}/auth/login", {"phone": "13900000000", "password": "x", "admin": 1})
    assert reply.status == 422
    assert [error["field"] for error in problem(reply)["errors"]] == ["admin"]
