"""How often the outbox's recovery reads its collection for staged events: rarely while this
process publishes well (the read is a scan of the collection on FerretDB 1.x), every few seconds
once a flush failed, until a scan finds nothing left."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator, Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from google.protobuf.wrappers_pb2 import StringValue

from shouwang import outbox as outbox_module
from shouwang.clock import ManualClock
from shouwang.events import Event
from shouwang.outbox import RECOVERY_AGE_S, Outbox, stage
from shouwang.runtime import embedded_adapters
from shouwang.store import Collection

INTERVAL_S = 0.02
WELL_AFTER_S = 30.0  # longer than any test here: a scan while well is the first one's alone


class FlakyBus:
    def __init__(self) -> None:
        self.away = False
        self.published: list[str] = []

    def publish(self, topic: str, events: Sequence[Event]) -> None:
        if self.away:
            raise ConnectionError("the broker is away")
        self.published += [event.id for event in events]


class CountedScans:
    """The collection, counting the recovery's reads of it."""

    def __init__(self, collection: Collection) -> None:
        self._collection = collection
        self.scans = 0

    def find(self, query: Any = None, **kwargs: Any) -> Any:
        self.scans += 1
        return self._collection.find(query, **kwargs)

    def __getattr__(self, name: str) -> Any:
        return getattr(self._collection, name)


@pytest.fixture(autouse=True)
def well_again(monkeypatch: pytest.MonkeyPatch) -> None:
    """Each test starts with no failure remembered by the process."""
    monkeypatch.setattr(outbox_module, "_trouble", outbox_module._Trouble())


Parts = tuple[Outbox, FlakyBus, CountedScans, ManualClock]


@pytest.fixture
def parts(tmp_path: Path) -> Iterator[Parts]:
    adapters = embedded_adapters(tmp_path)
    clock = ManualClock(datetime(2026, 12, 4, 3, 0, tzinfo=UTC))
    bus, collection = FlakyBus(), CountedScans(adapters.store.collection("things"))
    box = Outbox(bus, collection, clock)  # type: ignore[arg-type]
    yield box, bus, collection, clock
    box.stop()
    adapters.close()


def staged(collection: CountedScans, clock: ManualClock, thing_id: str) -> str:
    event = Event("thing.changed", "test", thing_id, StringValue(value=thing_id), clock.now())
    collection.insert({"_id": thing_id, **stage([("things", event)])})
    return event.id


def eventually(condition: Callable[[], bool], timeout_s: float = 5.0) -> bool:
    deadline = time.monotonic() + timeout_s
    while not condition():
        if time.monotonic() > deadline:
            return False
        time.sleep(INTERVAL_S)
    return True


def test_while_publishing_is_well_the_recovery_does_not_scan_every_interval(parts: Parts) -> None:
    box, _, collection, _ = parts
    box.start_recovery(interval_s=INTERVAL_S, well_after_s=WELL_AFTER_S)
    time.sleep(INTERVAL_S * 20)
    assert collection.scans == 0


def test_after_a_failed_flush_the_recovery_publishes_what_it_left_once_the_broker_is_back(
    parts: Parts,
) -> None:
    box, bus, collection, clock = parts
    box.start_recovery(interval_s=INTERVAL_S, well_after_s=WELL_AFTER_S)
    event_id = staged(collection, clock, "t1")
    bus.away = True
    with pytest.raises(ConnectionError):
        box.flush(collection.get("t1"))
    assert eventually(lambda: collection.scans >= 2)  # scanning every interval now
    clock.advance(RECOVERY_AGE_S + 1)
    bus.away = False
    assert eventually(lambda: bus.published == [event_id])
    assert collection.get("t1")["_outbox_count"] == 0


def test_a_failure_in_one_outbox_makes_the_others_scan_too(parts: Parts) -> None:
    """A write whose flush was never reached, because another outbox's failed first."""
    box, bus, collection, clock = parts
    other = Outbox(bus, collection, clock)  # type: ignore[arg-type]
    other.start_recovery(interval_s=INTERVAL_S, well_after_s=WELL_AFTER_S)
    try:
        bus.away = True
        staged(collection, clock, "t2")
        with pytest.raises(ConnectionError):
            box.flush(collection.get("t2"))
        assert eventually(lambda: collection.scans >= 2)
    finally:
        other.stop()
