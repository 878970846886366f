"""The simulator's HTTP side: JSON calls over keep-alive connections (one per worker thread,
so the pool of workers bounds the connections), and a member's session that renews itself."""

from __future__ import annotations

import http.client
import json
import threading
import uuid
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

API = "/api/v1"


@dataclass
class Reply:
    status: int
    body: Any

    @property
    def ok(self) -> bool:
        return 200 <= self.status < 300


class Http:
    """Calls ``base_url``'s API; each calling thread keeps one connection of its own."""

    def __init__(self, base_url: str, *, timeout_s: float = 30.0) -> None:
        parts = urlsplit(base_url)
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise ValueError(f"not an http(s) URL: {base_url!r}")
        self.scheme, self.host = parts.scheme, parts.hostname
        self.port = parts.port or (443 if parts.scheme == "https" else 80)
        self.timeout_s = timeout_s
        self._local = threading.local()

    def _connection(self) -> http.client.HTTPConnection:
        connection = getattr(self._local, "connection", None)
        if connection is None:
            kind = (
                http.client.HTTPSConnection
                if self.scheme == "https"
                else http.client.HTTPConnection
            )
            connection = kind(self.host, self.port, timeout=self.timeout_s)
            self._local.connection = connection
        return connection

    def close(self) -> None:
        """Close the calling thread's connection."""
        connection = getattr(self._local, "connection", None)
        if connection is not None:
            connection.close()
            self._local.connection = None

    def call(
        self,
        method: str,
        path: str,
        body: Any = None,
        *,
        token: str = "",
        raw: bytes | None = None,
        content_type: str = "application/json",
    ) -> Reply:
        data = raw if raw is not None else None if body is None else json.dumps(body).encode()
        headers = {"Accept": "application/json"}
        if data is not None:
            headers["Content-Type"] = content_type
        if token:
            headers["Authorization"] = f"Bearer {token}"
        if method == "POST":
            # A retry after a dropped connection must not create the thing twice.
            headers["Idempotency-Key"] = uuid.uuid4().hex
        for attempt in (1, 2):
            connection = self._connection()
            try:
                connection.request(method, API + path, body=data, headers=headers)
                response = connection.getresponse()
                payload = response.read()
            except (OSError, http.client.HTTPException):
                self.close()
                if attempt == 2:
                    raise
                continue
            kind = response.getheader("Content-Type", "")
            parsed = json.loads(payload) if payload and "json" in kind else payload
            return Reply(response.status, parsed)
        raise AssertionError("unreachable")


class Session:
    """A signed-in account: its tokens, renewed with the refresh token (or a fresh login) when
    the access token has expired."""

    def __init__(self, http: Http, *, phone: str, password: str) -> None:
        self.http, self.phone, self.password = http, phone, password
        self.access_token = ""
        self.refresh_token = ""
        self.member_id = ""
        self.member: dict[str, Any] = {}
        self._lock = threading.Lock()

    def login(self) -> Reply:
        reply = self.http.call(
            "POST", "/auth/login", {"phone": self.phone, "password": self.password}
        )
        if reply.status == 200:
            self._take(reply.body)
        return reply

    def _take(self, session: dict[str, Any]) -> None:
        self.access_token = session["access_token"]
        self.refresh_token = session["refresh_token"]
        self.member = session["member"]
        self.member_id = self.member["member_id"]

    def renew(self, stale_token: str) -> None:
        """New tokens, unless another thread already renewed the ``stale_token``."""
        with self._lock:
            if self.access_token != stale_token:
                return
            if self.refresh_token:
                reply = self.http.call(
                    "POST", "/auth/refresh", {"refresh_token": self.refresh_token}
                )
                if reply.status == 200:
                    self._take(reply.body)
                    return
            self.login()

    def call(self, method: str, path: str, body: Any = None, **kwargs: Any) -> Reply:
        token = self.access_token
        reply = self.http.call(method, path, body, token=token, **kwargs)
        if reply.status == 401:
            self.renew(token)
            reply = self.http.call(method, path, body, token=self.access_token, **kwargs)
        return reply

    def get(self, path: str) -> Reply:
        return self.call("GET", path)

    def post(self, path: str, body: Any = None, **kwargs: Any) -> Reply:
        return self.call("POST", path, body, **kwargs)
