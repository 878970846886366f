"""Rosters on the service built for real: shifts generated from each unit's verified members
(read from identity page by page), a trainee's class and approved leave respected, members read
their own shifts and officers their scope's, and a swap taken only by the member asked."""

from __future__ import annotations

from collections import Counter
from datetime import UTC, datetime, timedelta

import pytest

from services.training import handlers, rosters
from services.training.model import LOCAL_TZ
from shouwang.clock import to_millis, to_timestamp
from shouwang.errors import Conflict, Forbidden, InvalidArgument, NotFound
from shouwang.training.v1 import training_pb2 as pb
from tests.unit.training.conftest import MONDAY, OFFICER, SITE, Training, member


def roster_request(org_ids: list[str], **fields: object) -> pb.CreateRosterRequest:
    request = pb.CreateRosterRequest(
        name="塘下商铺联防",
        org_ids=org_ids,
        shifts=pb.ShiftWindow(weekdays=[5, 6], to="23:00"),
        per_org_per_month=1,
        starts_on="2026-08-01",
        months=6,
    )
    setattr(request.shifts, "from", "19:00")
    request.area.circle.CopyFrom(pb.Circle(center=pb.Point(lat=SITE[0], lon=SITE[1]), radius_m=800))
    for key, value in fields.items():
        setattr(request, key, value)
    return request


def test_a_roster_rotates_through_each_units_verified_members(training: Training) -> None:
    shop, hotel = training.verified(3), training.verified(2)
    training.identity.teams = {"shop": [*shop, "pending1"], "hotel": hotel}
    training.identity.statuses["pending1"] = "pending"

    roster, unfilled = rosters.create_roster(
        training.ports, OFFICER, roster_request(["shop", "hotel"])
    )

    shifts = roster["shifts"]
    assert unfilled == [] and len(shifts) == 12  # 2 units x 6 months
    assert Counter(s.member_id for s in shifts if s.org_id == "shop") == {m: 2 for m in shop}
    assert Counter(s.member_id for s in shifts if s.org_id == "hotel") == {m: 3 for m in hotel}
    for s in shifts:
        starts = datetime.fromtimestamp(s.starts_at_ms / 1000, LOCAL_TZ)
        assert starts.isoweekday() in (5, 6) and (starts.hour, starts.minute) == (19, 0)
        assert s.ends_at_ms - s.starts_at_ms == 4 * 3_600_000


def test_a_second_roster_continues_the_rotation_and_never_doubles_a_shift(
    training: Training,
) -> None:
    shop = training.verified(3)
    training.identity.teams = {"shop": shop}
    first, _ = rosters.create_roster(training.ports, OFFICER, roster_request(["shop"], months=1))
    second, _ = rosters.create_roster(training.ports, OFFICER, roster_request(["shop"], months=1))
    # Same window, same month: whoever had the first is busy then and the rotation moves on.
    assert first["shifts"][0].member_id == shop[0]
    assert second["shifts"][0].member_id == shop[1]


def test_class_sessions_and_approved_leave_are_busy_time(training: Training) -> None:
    instructor, trainee, free = training.verified(3)
    training.identity.teams = {"shop": [trainee, free]}
    cohort = training.cohort(instructor, [trainee])
    leave = pb.RequestLeaveRequest(to=to_timestamp(MONDAY + timedelta(days=60)))
    getattr(leave, "from").CopyFrom(to_timestamp(MONDAY + timedelta(days=5)))
    asked = handlers.request_leave(training.ports, member(trainee), cohort.cohort_id, leave)
    handlers.decide_leave(training.ports, member(instructor), asked.leave_id, approve=True, note="")

    roster, _ = rosters.create_roster(
        training.ports,
        OFFICER,
        roster_request(["shop"], starts_on="2026-07-06", months=2, per_org_per_month=3),
    )
    # The class week (its sessions) and the leave after it cover every Friday and Saturday
    # evening of July and August but the leave's last days.
    end_of_leave = to_millis(MONDAY + timedelta(days=60))
    for s in roster["shifts"]:
        assert s.member_id == free or s.starts_at_ms >= end_of_leave


def test_members_read_their_own_shifts_officers_their_scope(training: Training) -> None:
    shop = training.verified(2)
    training.identity.teams = {"shop": shop}
    rosters.create_roster(training.ports, OFFICER, roster_request(["shop"]))

    own = rosters.list_shifts(
        training.ports, member(shop[0]), member_id="", from_ms=0, to_ms=0, size=2, cursor=""
    )
    assert [s.member_id for s in own.items] == [shop[0]] * 2 and own.next_cursor
    rest = rosters.list_shifts(
        training.ports,
        member(shop[0]),
        member_id="",
        from_ms=0,
        to_ms=0,
        size=50,
        cursor=own.next_cursor,
    )
    assert len(rest.items) == 1 and rest.next_cursor == ""
    with pytest.raises(Forbidden):
        rosters.list_shifts(
            training.ports,
            member(shop[0]),
            member_id=shop[1],
            from_ms=0,
            to_ms=0,
            size=5,
            cursor="",
        )
    elsewhere = handlers.Caller("o2", frozenset({"officer"}), frozenset({"st2"}), False, "st2")
    scoped = rosters.list_shifts(
        training.ports, elsewhere, member_id="", from_ms=0, to_ms=0, size=50, cursor=""
    )
    assert scoped.items == []
    september = to_millis(datetime(2026, 9, 1, tzinfo=UTC))
    october = to_millis(datetime(2026, 10, 1, tzinfo=UTC))
    month = rosters.list_shifts(
        training.ports, OFFICER, member_id="", from_ms=september, to_ms=october, size=50, cursor=""
    )
    assert len(month.items) == 1


def test_a_swap_is_taken_only_by_the_member_asked_and_only_when_free(training: Training) -> None:
    a, b, c = training.verified(3)
    training.identity.teams = {"shop": [a, b], "hotel": [c]}
    roster, _ = rosters.create_roster(
        training.ports, OFFICER, roster_request(["shop", "hotel"], months=1)
    )
    shift = next(s for s in roster["shifts"] if s.member_id == a)

    with pytest.raises(NotFound):
        rosters.offer_swap(training.ports, member(b), shift.shift_id, c)
    with pytest.raises(InvalidArgument):
        rosters.offer_swap(training.ports, member(a), shift.shift_id, "nobody")
    rosters.offer_swap(training.ports, member(a), shift.shift_id, b)
    with pytest.raises(NotFound):
        rosters.accept_swap(training.ports, member(c), shift.shift_id)
    taken = rosters.accept_swap(training.ports, member(b), shift.shift_id)
    assert (taken.member_id, taken.swap_with) == (b, "")
    with pytest.raises(NotFound):  # a no longer holds it
        rosters.offer_swap(training.ports, member(a), shift.shift_id, c)


def test_a_swap_into_a_busy_time_is_refused(training: Training) -> None:
    a, b = training.verified(2)
    training.identity.teams = {"shop": [a, b]}
    first, _ = rosters.create_roster(training.ports, OFFICER, roster_request(["shop"], months=1))
    second, _ = rosters.create_roster(training.ports, OFFICER, roster_request(["shop"], months=1))
    mine, theirs = first["shifts"][0], second["shifts"][0]
    assert (mine.member_id, theirs.member_id) == (a, b)
    assert mine.starts_at_ms == theirs.starts_at_ms  # same evening, one for each roster

    rosters.offer_swap(training.ports, member(a), mine.shift_id, b)
    with pytest.raises(Conflict):
        rosters.accept_swap(training.ports, member(b), mine.shift_id)
    assert training.ports.rosters.shift(mine.shift_id).member_id == a


def test_a_shifts_attendance_is_read_from_the_members_fixes(training: Training) -> None:
    (keeper,) = training.verified(1)
    training.identity.teams = {"shop": [keeper]}
    roster, _ = rosters.create_roster(training.ports, OFFICER, roster_request(["shop"], months=1))
    shift = roster["shifts"][0]
    areas: dict = {}
    assert rosters.minutes_present(training.ports, shift, areas) is None  # not started yet

    minute = 60_000
    for k in range(0, 60, 2):  # an hour inside the area, a fix every 2 minutes
        ts = shift.starts_at_ms + 30 * minute + k * minute
        training.location.fix(keeper, SITE[0], SITE[1], ts_ms=ts)
    training.location.fix(keeper, SITE[0] + 0.05, SITE[1], ts_ms=shift.starts_at_ms + 95 * minute)
    training.at(datetime.fromtimestamp(shift.ends_at_ms / 1000 + 3600, UTC))

    # 29 fixes two minutes apart, and the last inside one counts 5 minutes (the next is away)
    assert rosters.minutes_present(training.ports, shift, areas) == 29 * 2 + 5
    listed = rosters.list_shifts(
        training.ports, member(keeper), member_id="", from_ms=0, to_ms=0, size=1, cursor=""
    )
    assert listed.items == [shift]


def test_an_ended_shift_is_settled_once_with_its_event(training: Training) -> None:
    (keeper,) = training.verified(1)
    training.identity.teams = {"shop": [keeper]}
    roster, _ = rosters.create_roster(training.ports, OFFICER, roster_request(["shop"], months=1))
    shift = roster["shifts"][0]
    training.location.fix(keeper, SITE[0], SITE[1], ts_ms=shift.starts_at_ms + 60_000)
    training.at(datetime.fromtimestamp(shift.starts_at_ms / 1000 + 600, UTC))
    assert rosters.settle_ended(training.ports) == 0  # under way: nothing to settle

    training.at(datetime.fromtimestamp(shift.ends_at_ms / 1000, UTC))
    assert rosters.settle_ended(training.ports) == 1
    assert rosters.settle_ended(training.ports) == 0
    attended = training.bus.of_type("shouwang.shift.attended")
    assert [
        (e.data.member_id, e.data.minutes_present, e.data.minutes_scheduled) for e in attended
    ] == [(keeper, 5, 240)]
    # Later fixes do not change a settled shift.
    training.location.fix(keeper, SITE[0], SITE[1], ts_ms=shift.starts_at_ms + 120 * 60_000)
    assert rosters.minutes_present(training.ports, shift, {}) == 5


def test_the_member_is_reminded_once_within_the_hour_before_their_shift(
    training: Training,
) -> None:
    (keeper,) = training.verified(1)
    training.identity.teams = {"shop": [keeper]}
    roster, _ = rosters.create_roster(training.ports, OFFICER, roster_request(["shop"], months=1))
    shift = roster["shifts"][0]
    starts = datetime.fromtimestamp(shift.starts_at_ms / 1000, UTC)

    training.at(starts - timedelta(minutes=61))
    assert rosters.send_reminders(training.ports) == 0
    training.at(starts - timedelta(minutes=59))
    assert rosters.send_reminders(training.ports) == 1
    assert rosters.send_reminders(training.ports) == 0
    (reminder,) = training.bus.of_type("shouwang.shift.reminder")
    assert (reminder.data.member_id, reminder.data.shift_id) == (keeper, shift.shift_id)
