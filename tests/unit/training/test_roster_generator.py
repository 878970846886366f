"""The roster generator, pure, under hypothesis: over a year every member of a unit has within one
shift of the others (when nobody is away), nobody ever holds two overlapping shifts (members of
two units included), no shift falls in a member's leave, and each unit sends its quota a month."""

from __future__ import annotations

from collections import Counter
from datetime import date, datetime, time
from itertools import pairwise

from hypothesis import given, settings
from hypothesis import strategies as st

from services.training.model import LOCAL_TZ, Window, generate_shifts, months_of

YEAR = date(2027, 1, 1)
windows = st.builds(
    Window,
    weekdays=st.lists(st.integers(1, 7), min_size=1, max_size=7, unique=True).map(tuple),
    start=st.sampled_from([time(19), time(0), time(22), time(8, 30)]),
    end=st.sampled_from([time(22), time(4), time(2), time(12, 30)]),
).filter(lambda w: w.start != w.end)
units = st.dictionaries(
    st.sampled_from([f"org{i}" for i in range(8)]),
    st.lists(st.sampled_from([f"m{i}" for i in range(30)]), min_size=1, max_size=9, unique=True),
    min_size=1,
    max_size=6,
)


def _exclusive(members: dict[str, list[str]]) -> dict[str, list[str]]:
    """Each member in one unit only (the first that names them)."""
    seen: set[str] = set()
    result = {}
    for org in sorted(members):
        result[org] = [m for m in members[org] if m not in seen] or [f"{org}-solo"]
        seen |= set(result[org])
    return result


@settings(max_examples=60, deadline=None)
@given(units, windows, st.integers(1, 3))
def test_over_a_year_every_member_of_a_unit_is_within_one_shift(
    members: dict[str, list[str]], window: Window, per_month: int
) -> None:
    members = _exclusive(members)
    shifts, unfilled = generate_shifts(
        members, window, first=YEAR, months=12, per_org_per_month=per_month
    )
    counts = Counter(s.member_id for s in shifts)
    for org, people in members.items():
        own = [counts[m] for m in people]
        assert max(own) - min(own) <= 1, (org, own)
        for first, last in months_of(YEAR, 12):
            sent = [
                s
                for s in shifts
                if s.org_id == org and first <= _day(s.starts_at_ms, window) <= last
            ]
            assert len(sent) + _unfilled_in(unfilled, org, first, last, window) == per_month
    _no_overlaps(shifts)


@settings(max_examples=60, deadline=None)
@given(units, windows, st.integers(1, 2), st.data())
def test_leave_is_respected_and_nobody_holds_two_shifts_at_once(
    members: dict[str, list[str]], window: Window, per_month: int, data: st.DataObject
) -> None:
    everyone = sorted({m for people in members.values() for m in people})
    slots = window.slots(YEAR, date(2027, 12, 31))
    leave = {
        m: [slots[i] for i in data.draw(st.lists(st.integers(0, len(slots) - 1), max_size=20))]
        for m in data.draw(st.lists(st.sampled_from(everyone), max_size=len(everyone)))
    }
    shifts, _ = generate_shifts(
        members, window, first=YEAR, months=12, per_org_per_month=per_month, busy=leave
    )
    for s in shifts:
        assert s.member_id in members[s.org_id]
        assert not any(
            a < s.ends_at_ms and s.starts_at_ms < b for a, b in leave.get(s.member_id, [])
        )
    _no_overlaps(shifts)


def test_rotation_continues_from_earlier_shifts() -> None:
    window = Window((6,), time(19), time(23))
    first, _ = generate_shifts(
        {"shop": ["a", "b", "c"]}, window, first=YEAR, months=2, per_org_per_month=1
    )
    assert [s.member_id for s in first] == ["a", "b"]
    done = Counter(s.member_id for s in first)
    later, _ = generate_shifts(
        {"shop": ["a", "b", "c"]},
        window,
        first=date(2027, 3, 1),
        months=2,
        per_org_per_month=1,
        done=dict(done),
    )
    assert [s.member_id for s in later] == ["c", "a"]


def test_a_unit_with_everyone_away_leaves_the_window_unfilled() -> None:
    window = Window((1,), time(19), time(23))
    slots = window.slots(YEAR, date(2027, 1, 31))
    shifts, unfilled = generate_shifts(
        {"hotel": ["a"]},
        window,
        first=YEAR,
        months=1,
        per_org_per_month=1,
        busy={"a": [(slots[0][0], slots[-1][1])]},
    )
    assert shifts == [] and unfilled == [("hotel", slots[0][0])]


def _no_overlaps(shifts: list) -> None:
    by_member: dict[str, list[tuple[int, int]]] = {}
    for s in shifts:
        by_member.setdefault(s.member_id, []).append((s.starts_at_ms, s.ends_at_ms))
    for spans in by_member.values():
        spans.sort()
        assert all(a[1] <= b[0] for a, b in pairwise(spans))


def _day(start_ms: int, window: Window) -> date:
    return datetime.fromtimestamp(start_ms / 1000, LOCAL_TZ).date()


def _unfilled_in(unfilled: list, org: str, first: date, last: date, window: Window) -> int:
    return sum(1 for o, start in unfilled if o == org and first <= _day(start, window) <= last)
