"""Protobuf times from stored epoch milliseconds, made in integers."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from shouwang.clock import from_millis, timestamp_of_millis, to_timestamp

# From before the epoch (birth dates) to the year 2200.
MILLIS = st.integers(-2_000_000_000_000, 7_258_118_400_000)


@given(MILLIS)
def test_a_stamp_of_millis_is_the_stamp_of_their_moment(millis: int) -> None:
    assert timestamp_of_millis(millis) == to_timestamp(from_millis(millis))


@given(MILLIS)
def test_a_stamp_of_millis_keeps_every_millisecond(millis: int) -> None:
    stamp = timestamp_of_millis(millis)
    assert stamp.ToMilliseconds() == millis
    assert 0 <= stamp.nanos < 1_000_000_000


def test_a_stored_float_is_stamped_to_its_millisecond() -> None:
    assert timestamp_of_millis(1_764_700_000_123.9) == timestamp_of_millis(1_764_700_000_123)
