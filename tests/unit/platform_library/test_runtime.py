"""The process lifecycle's helpers in shouwang.runtime."""

from __future__ import annotations

import gc
import weakref
from collections.abc import Iterator

import pytest

from shouwang.runtime import freeze_start_up_objects


class _Node:
    def __init__(self) -> None:
        self.me = self  # a cycle: only the collector frees it


@pytest.fixture
def unfrozen_afterwards() -> Iterator[None]:
    yield
    gc.unfreeze()  # the rest of the test session collects as usual


@pytest.mark.usefixtures("unfrozen_afterwards")
def test_what_start_up_keeps_is_frozen_and_its_garbage_freed_first() -> None:
    kept, garbage = _Node(), _Node()
    garbage_alive = weakref.ref(garbage)
    del garbage

    freeze_start_up_objects()

    assert garbage_alive() is None  # collected, not frozen for ever
    assert gc.get_freeze_count() > 0
    assert all(o is not kept for o in gc.get_objects(generation=2))  # no full walk meets it
