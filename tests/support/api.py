"""A small HTTP client for end-to-end tests, and test data that passes registration rules."""

from __future__ import annotations

import json
import random
import socket
import time
import urllib.error
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any, TypeVar

from services.identity.model import id_check_char

T = TypeVar("T")


@dataclass
class Reply:
    status: int
    headers: dict[str, str]
    body: Any


# A bound on a hung server, not a speed requirement: on a loaded 2-core machine a login (argon2)
# behind other work took over 10 s.
REQUEST_TIMEOUT_S = 60.0


class Api:
    def __init__(self, base_url: str) -> None:
        self.base_url = base_url.rstrip("/")

    def call(
        self,
        method: str,
        path: str,
        body: Any = None,
        *,
        token: str | None = None,
        headers: dict[str, str] | None = None,
    ) -> Reply:
        data = None if body is None else json.dumps(body).encode()
        request = urllib.request.Request(self.base_url + path, data=data, method=method)
        if data is not None:
            request.add_header("Content-Type", "application/json")
        if token:
            request.add_header("Authorization", f"Bearer {token}")
        for name, value in (headers or {}).items():
            request.add_header(name, value)
        try:
            with urllib.request.urlopen(request, timeout=REQUEST_TIMEOUT_S) as response:
                return _reply(response.status, response.headers, response.read())
        except urllib.error.HTTPError as error:
            return _reply(error.code, error.headers, error.read())

    def get(self, path: str, **kwargs: Any) -> Reply:
        return self.call("GET", path, **kwargs)

    def post(self, path: str, body: Any = None, **kwargs: Any) -> Reply:
        return self.call("POST", path, body, **kwargs)

    def register_and_login(self, person: dict[str, Any]) -> tuple[str, str]:
        """Returns (member_id, access_token)."""
        registered = self.post("/api/v1/auth/register", person)
        assert registered.status == 201, registered.body
        login = self.post(
            "/api/v1/auth/login", {"phone": person["phone"], "password": person["password"]}
        )
        assert login.status == 200, login.body
        return registered.body["member_id"], login.body["access_token"]


def _reply(status: int, headers: Any, raw: bytes) -> Reply:
    content_type = headers.get("Content-Type", "")
    body: Any = json.loads(raw) if raw and "json" in content_type else raw
    return Reply(status, dict(headers), body)


def new_person(rng: random.Random | None = None, **overrides: Any) -> dict[str, Any]:
    """A registration that passes every rule, with a unique ID number and phone."""
    rng = rng or random.Random()
    born = date(rng.randint(1960, 2000), rng.randint(1, 12), rng.randint(1, 28))
    first17 = f"330381{born:%Y%m%d}{rng.randint(0, 999):03d}"
    person = {
        "name": rng.choice(["张伟", "王芳", "李娜", "买买提·艾力", "刘洋"]),
        "id_number": first17 + id_check_char(first17),
        "phone": f"139{rng.randint(0, 99_999_999):08d}",
        "password": "Patrol-2026!",
        "consent": {"version": "2026-11", "accepted": True},
    }
    person.update(overrides)
    return person


def wait_for(
    condition: Callable[[], T],
    *,
    timeout_s: float = 20.0,
    interval_s: float = 0.05,
    what: str = "condition",
) -> T:
    """Poll ``condition`` until it returns something truthy; fail after ``timeout_s``."""
    deadline = time.monotonic() + timeout_s
    while True:
        value = condition()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout_s}s waiting for {what}")
        time.sleep(interval_s)


def verified_member(
    api: Api, admin_token: str, **overrides: Any
) -> tuple[str, str, dict[str, Any]]:
    """Register, have the administrator approve, and log in again: (member_id, token, person)."""
    person = new_person(**overrides)
    member_id, _ = api.register_and_login(person)
    approved = api.post(
        f"/api/v1/members/{member_id}/verify", {"decision": "approve"}, token=admin_token
    )
    assert approved.status == 200, approved.body
    login = api.post(
        "/api/v1/auth/login", {"phone": person["phone"], "password": person["password"]}
    )
    return member_id, login.body["access_token"], person


def fix_at(lat: float, lon: float, *, ago_s: float = 0, **extra: Any) -> dict[str, Any]:
    moment = datetime.now(UTC) - timedelta(seconds=ago_s)
    return {"lat": lat, "lon": lon, "ts": moment.isoformat().replace("+00:00", "Z"), **extra}


def wait_until_placed(
    api: Api, admin_token: str, member_ids: set[str], lat: float, lon: float, *, within_m: float
) -> None:
    """Wait until dispatch can see members whose fixes near (lat, lon) were answered 202: the
    fixes reach the live index through the bus, a moment later on a busy machine."""
    margin = within_m / 111_195 + 0.01
    bbox = f"{lon - margin},{lat - margin},{lon + margin},{lat + margin}"

    def placed() -> set[str]:
        reply = api.get(f"/api/v1/live/members?bbox={bbox}", token=admin_token)
        assert reply.status == 200, reply.body
        return {f["properties"]["member_id"] for f in reply.body["features"]}

    wait_for(lambda: member_ids <= placed(), what="the members in the live index")


def read_http_answer(sock: socket.socket) -> bytes:
    """A whole HTTP/1.1 answer read off a raw socket: the head, then as many body bytes as its
    Content-Length says (or until the server closes). One recv() may return only part of it."""
    received = b""
    while b"\r\n\r\n" not in received:
        chunk = sock.recv(65536)
        if not chunk:
            return received
        received += chunk
    head, _, body = received.partition(b"\r\n\r\n")
    length = next(
        (
            int(line.split(b":", 1)[1])
            for line in head.split(b"\r\n")[1:]
            if line.lower().startswith(b"content-length:")
        ),
        None,
    )
    while length is None or len(body) < length:
        chunk = sock.recv(65536)
        if not chunk:
            break
        body += chunk
    return head + b"\r\n\r\n" + body
