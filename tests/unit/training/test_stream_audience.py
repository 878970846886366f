"""Who the gateway pushes each training event to: the class's trainees for a roll call, the
member concerned for a check-in, a leave decision, a shift reminder and a shift's attendance, and
the officers of the station in every case."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from services.gateway.stream import Viewer, audience_of
from services.training import events
from services.training.model import Checkin, Cohort, Leave, Point, Rollcall, Session, Shift, Site
from tests.unit.training.conftest import SITE

AT = datetime(2026, 7, 6, 20, tzinfo=UTC)
SHIFT = Shift("s1", "r1", "shop", "m1", 0, 3_600_000, "st1")


def _cohort() -> Cohort:
    return Cohort(
        "c1", "第1期", Site("基地", Point(*SITE), 200), "2026-07-06", "2026-07-10", ("i1",),
        (Session("s", 0, 1, "training"),), ("m1", "m2"), "st1", "o1", 0,
    )  # fmt: skip


@pytest.mark.parametrize(
    ("built", "members"),
    [
        (
            lambda: events.rollcall_opened(_cohort(), Rollcall("r", "c1", "s", "i1", 0, 1), at=AT),
            {"m1", "m2"},
        ),
        (
            lambda: events.trainee_checked_in(
                _cohort(),
                Rollcall("r", "c1", "s", "i1", 0, 1),
                Checkin("r", "m2", "late", 0, 0),
                at=AT,
            ),
            {"m2"},
        ),
        (
            lambda: events.leave_decided(
                _cohort(), Leave("l", "c1", "m1", 0, 1, ""), approved=True, at=AT
            ),
            {"m1"},
        ),
        (lambda: events.shift_reminder(SHIFT, at=AT), {"m1"}),
        (lambda: events.shift_attended(SHIFT, 30, at=AT), {"m1"}),
    ],
)
def test_each_event_reaches_the_members_it_concerns_and_the_station(built, members) -> None:  # type: ignore[no-untyped-def]
    _, event = built()
    audience = audience_of(event, {})
    assert audience.member_ids == members
    assert audience.includes(Viewer("o9", officer=True, station_ids=frozenset({"st1"})))
    assert not audience.includes(Viewer("o8", officer=True, station_ids=frozenset({"st2"})))
    assert not audience.includes(Viewer("someone-else"))
