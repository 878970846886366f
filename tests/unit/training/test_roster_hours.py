"""Hours reports over roster shifts: the pure sums, and the use case on the service built for real
(scheduled, settled, present and missed per unit and member; members read their own, officers their
stations'; ranges bounded)."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from services.training import rosters
from services.training.hours import ShiftHours, sum_hours
from shouwang.errors import Forbidden, InvalidArgument
from tests.unit.training.conftest import OFFICER, SITE, Training, member
from tests.unit.training.test_rosters import roster_request


def test_hours_sum_per_unit_and_member_with_pending_shifts_not_counted_present() -> None:
    report = sum_hours(
        [
            ShiftHours("shop", "a", 240, 200),
            ShiftHours("shop", "a", 240, 0),  # missed
            ShiftHours("shop", "b", 240, None),  # still to come
            ShiftHours("hotel", "c", 120, 500),  # present beyond the shift counts as the shift
        ]
    )
    assert [(r.org_id, r.shifts, r.settled, r.missed, r.present_minutes) for r in report.units] == [
        ("hotel", 1, 1, 0, 120),
        ("shop", 3, 2, 1, 200),
    ]
    assert [
        (r.org_id, r.member_id, r.scheduled_minutes, r.settled_scheduled_minutes)
        for r in report.members
    ] == [("hotel", "c", 120, 120), ("shop", "a", 480, 480), ("shop", "b", 240, 0)]
    total = report.total
    assert (total.shifts, total.settled, total.missed) == (4, 3, 1)
    assert (total.scheduled_minutes, total.present_minutes) == (840, 320)


def test_an_empty_report_has_no_rows_and_a_zero_total() -> None:
    report = sum_hours([])
    assert report.units == [] and report.members == []
    assert report.total.shifts == 0 and report.total.present_minutes == 0


def _month_of_shifts(training: Training) -> tuple[list, list[str]]:
    keepers = training.verified(3)
    training.identity.teams = {"shop": keepers[:2], "hotel": keepers[2:]}
    roster, _ = rosters.create_roster(
        training.ports, OFFICER, roster_request(["shop", "hotel"], months=1)
    )
    return roster["shifts"], keepers


def test_the_report_sums_settled_attendance_per_unit_and_member(training: Training) -> None:
    shifts, _ = _month_of_shifts(training)
    first = min(shifts, key=lambda s: s.starts_at_ms)
    minute = 60_000
    for k in range(0, 60, 2):  # an hour inside the area in the first shift
        training.location.fix(first.member_id, *SITE, ts_ms=first.starts_at_ms + k * minute)
    training.location.fix(
        first.member_id, SITE[0] + 0.05, SITE[1], ts_ms=first.starts_at_ms + 60 * minute
    )
    training.at(datetime.fromtimestamp(max(s.ends_at_ms for s in shifts) / 1000 + 60, UTC))
    assert rosters.settle_ended(training.ports) == len(shifts)

    span = {"from_ms": first.starts_at_ms, "to_ms": first.starts_at_ms + 40 * 86_400_000}
    report = rosters.roster_hours(
        training.ports, OFFICER, roster_id="", org_id="", member_id="", **span
    )
    assert {r.org_id: r.shifts for r in report.units} == {"shop": 1, "hotel": 1}
    assert report.total.settled == len(shifts) == 2
    assert report.total.present_minutes == 60
    assert report.total.missed == 1  # the other unit's member never came
    assert report.total.scheduled_minutes == 2 * 240
    (row,) = [r for r in report.members if r.member_id == first.member_id]
    assert (row.present_minutes, row.missed) == (60, 0)

    # A unit alone, and a member reading their own without naming themselves.
    shop = rosters.roster_hours(
        training.ports, OFFICER, roster_id="", org_id="shop", member_id="", **span
    )
    assert [r.org_id for r in shop.units] == ["shop"]
    own = rosters.roster_hours(
        training.ports, member(first.member_id), roster_id="", org_id="", member_id="", **span
    )
    assert [r.member_id for r in own.members] == [first.member_id]


def test_members_read_only_their_own_hours_and_officers_only_their_stations(
    training: Training,
) -> None:
    shifts, keepers = _month_of_shifts(training)
    span = {"from_ms": 1, "to_ms": 2 + 300 * 86_400_000 + shifts[0].starts_at_ms}
    with pytest.raises(Forbidden):
        rosters.roster_hours(
            training.ports, member(keepers[0]), roster_id="", org_id="", member_id=keepers[1],
            from_ms=shifts[0].starts_at_ms, to_ms=shifts[0].starts_at_ms + 86_400_000,
        )  # fmt: skip
    other_station = OFFICER.__class__("officer2", OFFICER.roles, frozenset({"st2"}), False, "st2")
    with pytest.raises(InvalidArgument):
        rosters.roster_hours(
            training.ports, other_station, roster_id="", org_id="", member_id="", **span
        )  # more than a year
    elsewhere = rosters.roster_hours(
        training.ports, other_station, roster_id="", org_id="", member_id="",
        from_ms=shifts[0].starts_at_ms - 1, to_ms=shifts[0].starts_at_ms + 40 * 86_400_000,
    )  # fmt: skip
    assert elsewhere.total.shifts == 0


def test_without_a_range_the_report_covers_the_current_month(training: Training) -> None:
    shifts, _ = _month_of_shifts(training)
    first = min(shifts, key=lambda s: s.starts_at_ms)
    training.at(datetime.fromtimestamp(first.starts_at_ms / 1000, UTC))
    report = rosters.roster_hours(
        training.ports, OFFICER, from_ms=0, to_ms=0, roster_id="", org_id="", member_id=""
    )
    in_month = [
        s
        for s in shifts
        if datetime.fromtimestamp(s.starts_at_ms / 1000, UTC).month
        == datetime.fromtimestamp(first.starts_at_ms / 1000, UTC).month
    ]
    assert report.total.shifts == len(in_month) > 0
