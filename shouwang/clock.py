"""The one source of time for every service, injectable so tests can drive it."""

from __future__ import annotations

import threading
import time
from datetime import UTC, datetime, timedelta
from typing import Protocol

from google.protobuf.timestamp_pb2 import Timestamp


class Clock(Protocol):
    def now(self) -> datetime:
        """Current UTC time, timezone-aware."""
        ...

    def monotonic(self) -> float:
        """Seconds on a clock that never goes backwards, for durations and deadlines."""
        ...


class SystemClock:
    def now(self) -> datetime:
        return datetime.now(UTC)

    def monotonic(self) -> float:
        return time.monotonic()


class ManualClock:
    """A clock that moves only when told to; for tests and simulations."""

    def __init__(self, start: datetime | None = None) -> None:
        self._now = start or datetime(2026, 1, 1, tzinfo=UTC)
        self._mono = 0.0
        self._lock = threading.Lock()

    def now(self) -> datetime:
        with self._lock:
            return self._now

    def monotonic(self) -> float:
        with self._lock:
            return self._mono

    def advance(self, seconds: float) -> None:
        with self._lock:
            self._now += timedelta(seconds=seconds)
            self._mono += seconds


def to_rfc3339(moment: datetime) -> str:
    """RFC 3339 UTC with millisecond precision, the only time format on the wire."""
    return moment.astimezone(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def rfc3339_of(stamp: Timestamp) -> str:
    """A protobuf time on the wire: ``Timestamp.ToJsonString`` drops a zero fraction and may
    print six or nine digits, so the strings of one list would not sort as the times do."""
    return to_rfc3339(stamp.ToDatetime(tzinfo=UTC))


def to_millis(moment: datetime) -> int:
    """Epoch milliseconds: how documents store time, identical in every store adapter."""
    return int(moment.timestamp() * 1000)


def from_millis(millis: int) -> datetime:
    return datetime.fromtimestamp(millis / 1000, tz=UTC)


def to_timestamp(moment: datetime) -> Timestamp:
    stamp = Timestamp()
    stamp.FromDatetime(moment)
    return stamp


def timestamp_of_millis(millis: int) -> Timestamp:
    """``to_timestamp(from_millis(millis))`` in integers: a sixth of the time (a task's view
    stamps every offer), and no float on the way (a stored float is cut to its millisecond)."""
    whole = int(millis)
    return Timestamp(seconds=whole // 1000, nanos=whole % 1000 * 1_000_000)
