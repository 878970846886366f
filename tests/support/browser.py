"""Debian's Chromium for the browser tests: where it is, and a clear failure when it is not
(scripts/setup-browser installs it; `make test` runs that first). Never `playwright install`."""

from __future__ import annotations

import os

import pytest

CHROMIUM = "/usr/bin/chromium"


def require_chromium() -> None:
    if not os.access(CHROMIUM, os.X_OK):
        pytest.fail(f"{CHROMIUM} is missing: run scripts/setup-browser (make test does)")
