"""The all-in-one on a free loopback port with a seeded administrator, for tests that drive it
through the HTTP API (end to end and in the browser)."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

import allinone
from allinone.composition import AllInOne
from tests.support.api import Api

ADMIN = {"SHOUWANG_ADMIN_PHONE": "13800000000", "SHOUWANG_ADMIN_PASSWORD": "Admin-Password-1"}


@contextmanager
def embedded_with_admin(data_dir: Path) -> Iterator[AllInOne]:
    """Started with ADMIN in the environment (restored afterwards), stopped at the end."""
    with pytest.MonkeyPatch.context() as env:
        for name, value in ADMIN.items():
            env.setenv(name, value)
        running = allinone.start(port=0, data_dir=data_dir)
        try:
            yield running
        finally:
            running.stop()


def admin_token(api: Api) -> str:
    login = api.post(
        "/api/v1/auth/login",
        {"phone": ADMIN["SHOUWANG_ADMIN_PHONE"], "password": ADMIN["SHOUWANG_ADMIN_PASSWORD"]},
    )
    assert login.status == 200, login.body
    return login.body["access_token"]
