"""The roll call's rules, pure: where a trainee must be (circle and polygon, with the fix's
accuracy), how fresh the fix must be, when a check-in is late, and how attendance is counted."""

from __future__ import annotations

import json

import pytest

from services.training import model
from services.training.model import (
    ABSENT,
    APPROVED,
    EXCUSED,
    LATE,
    NOT_CALLED,
    PATROL,
    PENDING,
    PRESENT,
    Circle,
    Cohort,
    Leave,
    Point,
    Polygon,
    Rollcall,
    Session,
    Site,
)
from shouwang.errors import Gone, InvalidArgument

LAT, LON = 27.78, 120.66
M = 1 / 111_195  # a metre of latitude in degrees
OPENED = 1_000_000_000
ROLLCALL = Rollcall("r", "c", "s", "i", OPENED, OPENED + 30 * 60_000)
SITE = Circle(LAT, LON, 200)


def square(half_m: float) -> Polygon:
    import math

    dlat, dlon = half_m * M, half_m * M / math.cos(math.radians(LAT))
    ring = [
        [LON - dlon, LAT - dlat],
        [LON + dlon, LAT - dlat],
        [LON + dlon, LAT + dlat],
        [LON - dlon, LAT + dlat],
        [LON - dlon, LAT - dlat],
    ]
    return Polygon(json.dumps({"type": "Polygon", "coordinates": [ring]}))


def test_distance_outside_a_circle_is_from_its_edge() -> None:
    assert model.distance_outside_m(SITE, LAT + 150 * M, LON) == 0
    assert model.distance_outside_m(SITE, LAT + 500 * M, LON) == pytest.approx(300, abs=1)


@pytest.mark.parametrize(("north_m", "outside_m"), [(0, 0), (400, 0), (700, 200), (1500, 1000)])
def test_distance_outside_a_polygon_is_in_metres(north_m: float, outside_m: float) -> None:
    assert model.distance_outside_m(square(500), LAT + north_m * M, LON) == pytest.approx(
        outside_m, abs=2
    )


def test_a_fresh_fix_inside_at_opening_is_present() -> None:
    status, distance = model.checkin_status(
        ROLLCALL, now_ms=OPENED + 60_000, area=SITE, fix=(LAT, LON, 5, OPENED + 50_000)
    )
    assert (status, distance) == (PRESENT, 0)


def test_after_the_grace_period_is_late() -> None:
    now = OPENED + model.LATE_AFTER_S * 1000 + 1
    status, _ = model.checkin_status(ROLLCALL, now_ms=now, area=SITE, fix=(LAT, LON, 5, now))
    assert status == LATE


def test_outside_the_area_is_refused_with_the_distance() -> None:
    with pytest.raises(InvalidArgument) as refused:
        model.checkin_status(
            ROLLCALL, now_ms=OPENED, area=SITE, fix=(LAT + 1000 * M, LON, 5, OPENED)
        )
    assert "800 m" in refused.value.detail
    assert refused.value.errors[0].field == "distance_m"


def test_the_fix_accuracy_is_allowed_up_to_a_bound() -> None:
    just_out = (LAT + 230 * M, LON)
    status, distance = model.checkin_status(
        ROLLCALL, now_ms=OPENED, area=SITE, fix=(*just_out, 40, OPENED)
    )
    assert status == PRESENT and distance == pytest.approx(30, abs=1)
    with pytest.raises(InvalidArgument):
        model.checkin_status(ROLLCALL, now_ms=OPENED, area=SITE, fix=(*just_out, 10, OPENED))
    far = (LAT + 300 * M, LON)  # 100 m out: a 500 m accuracy does not make it inside
    with pytest.raises(InvalidArgument):
        model.checkin_status(ROLLCALL, now_ms=OPENED, area=SITE, fix=(*far, 500, OPENED))


def test_a_stale_or_missing_fix_is_refused() -> None:
    now = OPENED + 5 * 60_000
    stale = now - (model.FRESH_FIX_S + 1) * 1000
    with pytest.raises(InvalidArgument, match="no position"):
        model.checkin_status(ROLLCALL, now_ms=now, area=SITE, fix=(LAT, LON, 5, stale))
    with pytest.raises(InvalidArgument, match="no position"):
        model.checkin_status(ROLLCALL, now_ms=now, area=SITE, fix=None)


def test_a_closed_roll_call_is_gone() -> None:
    now = ROLLCALL.closes_at_ms + 1
    with pytest.raises(Gone):
        model.checkin_status(ROLLCALL, now_ms=now, area=SITE, fix=(LAT, LON, 5, now))


def _cohort(trainees: tuple[str, ...]) -> Cohort:
    hour = 3_600_000
    sessions = tuple(
        Session(f"s{i}", i * 24 * hour, i * 24 * hour + 3 * hour, PATROL) for i in range(5)
    )
    return Cohort(
        "c", "第1期", Site("基地", Point(LAT, LON), 200), "2026-07-06", "2026-07-10",
        ("i",), sessions, trainees, "st1", "o", 0,
    )  # fmt: skip


def test_attendance_counts_an_approved_absence_as_excused_not_missed() -> None:
    cohort = _cohort(("a", "b", "c"))
    day = 24 * 3_600_000
    leaves = [
        Leave("l1", "c", "b", 1 * day, 2 * day, "", APPROVED),  # covers s1
        Leave("l2", "c", "c", 1 * day, 2 * day, "", PENDING),  # not decided: no excuse
    ]
    called = {"s0", "s1", "s2", "s3"}
    checkins = {(m, s): PRESENT for m in "abc" for s in ("s0", "s2", "s3")}
    checkins[("a", "s1")] = LATE
    rows = {
        r.member_id: r
        for r in model.attendance(cohort, called=called, checkins=checkins, leaves=leaves)
    }

    assert dict(rows["a"].sessions) == {
        "s0": PRESENT,
        "s1": LATE,
        "s2": PRESENT,
        "s3": PRESENT,
        "s4": NOT_CALLED,
    }
    assert dict(rows["b"].sessions)["s1"] == EXCUSED and rows["b"].missed == 0
    assert dict(rows["c"].sessions)["s1"] == ABSENT and rows["c"].missed == 1
    assert (rows["a"].attended, rows["a"].patrol_hours) == (4, 12.0)
    # 3 of 3 counted for b, 3 of 4 for c: below the 80 % needed
    assert rows["a"].completed and rows["b"].completed and not rows["c"].completed


def test_nobody_completes_a_class_never_called() -> None:
    rows = model.attendance(_cohort(("a",)), called=set(), checkins={}, leaves=[])
    assert not rows[0].completed and rows[0].missed == 0


def test_validation_names_each_bad_field() -> None:
    bad = Cohort(
        "c", " ", Site("x", Point(LAT, LON), 5), "2026-07-10", "2026-07-06", (),
        (Session("s", 10, 5, "nap"),), (), "", "", 0,
    )  # fmt: skip
    with pytest.raises(InvalidArgument) as refused:
        model.validate_cohort(bad)
    fields = {e.field for e in refused.value.errors}
    assert fields == {
        "name",
        "site.radius_m",
        "ends_on",
        "instructor_ids",
        "sessions[0].kind",
        "sessions[0].ends_at",
    }


def test_minutes_present_count_fixes_inside_until_the_next_one() -> None:
    start = OPENED
    inside, outside = (LAT, LON), (LAT + 1000 * M, LON)
    minute = 60_000
    fixes = [
        (*inside, start),  # 0-2 inside
        (*inside, start + 2 * minute),  # 2-4 inside
        (*outside, start + 4 * minute),  # 4-6 away: not counted
        (*inside, start + 6 * minute),  # 6-11: a 20-minute gap counts 5 minutes
        (*inside, start + 26 * minute),  # 26-30 inside, to the end of the shift
        (*inside, start + 40 * minute),  # after the shift: not counted
    ]
    minutes = model.minutes_present(fixes, SITE, starts_at_ms=start, ends_at_ms=start + 30 * minute)
    assert minutes == 2 + 2 + 5 + 4


def test_no_fixes_no_minutes_and_a_polygon_works_too() -> None:
    assert model.minutes_present([], SITE, starts_at_ms=0, ends_at_ms=3_600_000) == 0
    fixes = [(LAT, LON, OPENED), (LAT, LON, OPENED + 60_000)]
    assert (
        model.minutes_present(fixes, square(100), starts_at_ms=OPENED, ends_at_ms=OPENED + 120_000)
        == 2
    )
