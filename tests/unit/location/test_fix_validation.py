"""Fix validation: what is refused, what is kept but flagged, and CRS conversion on entry."""

from __future__ import annotations

import pytest

from services.location.model import Fix, LastFix, RawFix, should_publish_update, validate_fixes
from shouwang.geo import gcj02_to_wgs84, haversine_m

NOW = 1_800_000_000_000  # epoch ms
WENZHOU = (27.80, 120.65)


def fix(lat: float = WENZHOU[0], lon: float = WENZHOU[1], *, ago_s: float = 0, **extra) -> RawFix:
    return RawFix(lat=lat, lon=lon, ts_ms=int(NOW - ago_s * 1000), **extra)


@pytest.mark.parametrize(
    ("raw", "reason"),
    [
        (fix(lat=90.5), "lat must be between -90 and 90"),
        (fix(lon=-181), "lon must be between -180 and 180"),
        (fix(ago_s=-121), "ts is more than 2 minutes in the future"),
        (fix(ago_s=24 * 3600 + 1), "ts is more than 24 hours old"),
        (fix(accuracy_m=-1), "accuracy_m must be a non-negative number"),
        (fix(lat=float("nan")), "lat and lon must be numbers"),
    ],
)
def test_impossible_fixes_are_refused_by_index_with_a_reason(raw: RawFix, reason: str) -> None:
    checked = validate_fixes([fix(ago_s=5), raw], crs="wgs84", previous=None, now_ms=NOW)
    assert checked.rejected == [(1, reason)]
    assert len(checked.accepted) == 1


def test_fix_slightly_in_the_future_is_accepted() -> None:
    checked = validate_fixes([fix(ago_s=-100)], crs="wgs84", previous=None, now_ms=NOW)
    assert checked.rejected == [] and checked.accepted[0].usable


def test_inaccurate_fix_is_kept_but_not_usable() -> None:
    checked = validate_fixes([fix(accuracy_m=1500)], crs="wgs84", previous=None, now_ms=NOW)
    assert checked.accepted[0].inaccurate and not checked.accepted[0].usable


def test_impossible_speed_from_the_previous_fix_is_flagged() -> None:
    previous = LastFix(*WENZHOU, NOW - 10_000)
    far = fix(lat=WENZHOU[0] + 0.01)  # 1.1 km in 10 s = 400 km/h
    checked = validate_fixes([far], crs="wgs84", previous=previous, now_ms=NOW)
    assert checked.accepted[0].implausible_speed and not checked.accepted[0].usable


def test_fast_but_possible_speed_is_not_flagged() -> None:
    previous = LastFix(*WENZHOU, NOW - 60_000)
    car = fix(lat=WENZHOU[0] + 0.01)  # 1.1 km in 60 s = 67 km/h
    assert validate_fixes([car], crs="wgs84", previous=previous, now_ms=NOW).accepted[0].usable


def test_fix_older_than_the_shown_position_is_kept_as_out_of_order() -> None:
    previous = LastFix(*WENZHOU, NOW - 5_000)
    checked = validate_fixes([fix(ago_s=30)], crs="wgs84", previous=previous, now_ms=NOW)
    assert checked.accepted[0].out_of_order and not checked.accepted[0].usable


def test_speed_is_checked_against_the_last_usable_fix_of_the_batch() -> None:
    batch = [fix(ago_s=20), fix(lat=WENZHOU[0] + 0.5, ago_s=10), fix(lat=WENZHOU[0] + 0.0001)]
    checked = validate_fixes(batch, crs="wgs84", previous=None, now_ms=NOW)
    assert [f.implausible_speed for f in checked.accepted] == [False, True, False]


def test_gcj02_fixes_are_converted_to_wgs84_on_entry() -> None:
    checked = validate_fixes([fix()], crs="gcj02", previous=None, now_ms=NOW)
    expected = gcj02_to_wgs84(*WENZHOU)
    assert float(haversine_m(checked.accepted[0].lat, checked.accepted[0].lon, *expected)) < 0.5
    assert float(haversine_m(checked.accepted[0].lat, checked.accepted[0].lon, *WENZHOU)) > 100


def test_location_updates_are_throttled_to_ten_seconds_or_fifty_metres() -> None:
    last = LastFix(*WENZHOU, NOW)
    near_soon = Fix(lat=WENZHOU[0] + 0.0001, lon=WENZHOU[1], ts_ms=NOW + 5_000, accuracy_m=5)
    far_soon = Fix(lat=WENZHOU[0] + 0.001, lon=WENZHOU[1], ts_ms=NOW + 5_000, accuracy_m=5)
    near_later = Fix(lat=WENZHOU[0], lon=WENZHOU[1], ts_ms=NOW + 10_000, accuracy_m=5)
    assert not should_publish_update(last, near_soon)
    assert should_publish_update(last, far_soon)
    assert should_publish_update(last, near_later)
