from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from services.points import bootstrap
from shouwang.clock import ManualClock
from tests.unit.points.support import START, build


@pytest.fixture
def clock() -> ManualClock:
    return ManualClock(START)


@pytest.fixture
def service(tmp_path: Path, clock: ManualClock) -> Iterator[bootstrap.PointsService]:
    running = build(tmp_path, clock=clock)
    yield running
    running.close()
