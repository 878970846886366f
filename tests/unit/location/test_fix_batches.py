"""Ingestion over columns (issue #19) decides exactly what the fix-by-fix rules decide: the
validation, the throttle of location updates, and the track buckets a batch is stored in."""

from __future__ import annotations

import math
from datetime import UTC, datetime

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from services.location import model
from services.location.live_view import DUTY_CHANGED, FIXES_ACCEPTED, LiveView, batch_columns
from services.location.repository import TRACK_WINDOW_MS, bucket_fixes, track_buckets
from shouwang.events import Event
from shouwang.location.v1 import events_pb2, location_pb2

NOW = 1_764_500_000_000
WENZHOU = (27.9938, 120.6994)


def checked_fix_by_fix(
    raw: list[model.RawFix], previous: model.LastFix | None
) -> tuple[list[tuple[int, str]], list[tuple[float, float, int, bool, bool, bool]]]:
    """The rules as the module states them, one fix at a time (the reference)."""
    rejected, accepted = [], []
    last = previous
    for index, fix in enumerate(raw):
        if not (math.isfinite(fix.lat) and math.isfinite(fix.lon)):
            rejected.append((index, "lat and lon must be numbers"))
            continue
        if not -90 <= fix.lat <= 90:
            rejected.append((index, "lat must be between -90 and 90"))
            continue
        if not -180 <= fix.lon <= 180:
            rejected.append((index, "lon must be between -180 and 180"))
            continue
        if fix.ts_ms > NOW + model.MAX_FUTURE_MS:
            rejected.append((index, "ts is more than 2 minutes in the future"))
            continue
        if fix.ts_ms < NOW - model.MAX_AGE_MS:
            rejected.append((index, "ts is more than 24 hours old"))
            continue
        if fix.accuracy_m is not None and not (
            math.isfinite(fix.accuracy_m) and fix.accuracy_m >= 0
        ):
            rejected.append((index, "accuracy_m must be a non-negative number"))
            continue
        out_of_order = last is not None and fix.ts_ms <= last.ts_ms
        implausible = False
        if last is not None and not out_of_order:
            seconds = (fix.ts_ms - last.ts_ms) / 1000
            metres = model.great_circle_m(last.lat, last.lon, fix.lat, fix.lon)
            implausible = metres / seconds > model.MAX_SPEED_MPS
        inaccurate = (fix.accuracy_m or 0.0) > model.MAX_ACCURACY_M
        accepted.append((fix.lat, fix.lon, fix.ts_ms, implausible, inaccurate, out_of_order))
        if not (implausible or inaccurate or out_of_order):
            last = model.LastFix(fix.lat, fix.lon, fix.ts_ms)
    return rejected, accepted


raw_fixes = st.builds(
    model.RawFix,
    lat=st.one_of(
        st.floats(WENZHOU[0] - 0.05, WENZHOU[0] + 0.05), st.sampled_from([math.nan, 91.0])
    ),
    lon=st.one_of(st.floats(WENZHOU[1] - 0.05, WENZHOU[1] + 0.05), st.just(-181.0)),
    ts_ms=st.integers(NOW - model.MAX_AGE_MS - 60_000, NOW + model.MAX_FUTURE_MS + 60_000),
    accuracy_m=st.one_of(st.none(), st.floats(0, 2000), st.sampled_from([-1.0, math.inf])),
)
walk = st.lists(
    st.tuples(st.integers(1, 20_000), st.floats(-0.002, 0.002), st.floats(0, 40)),
    min_size=1,
    max_size=60,
)


@settings(max_examples=300, deadline=None)
@given(st.lists(raw_fixes, min_size=1, max_size=30), st.booleans())
def test_columns_decide_as_the_fix_by_fix_rules_on_any_batch(
    raw: list[model.RawFix], with_previous: bool
) -> None:
    previous = model.LastFix(*WENZHOU, NOW - 3_600_000) if with_previous else None
    checked = model.check_batch(
        model.FixColumns.of(raw), crs="wgs84", previous=previous, now_ms=NOW
    )
    rejected, accepted = checked_fix_by_fix(raw, previous)
    assert checked.rejected == rejected
    got = [
        (f.lat, f.lon, f.ts_ms, f.implausible_speed, f.inaccurate, f.out_of_order)
        for f in checked.fixes()
    ]
    assert got == accepted


@settings(max_examples=200, deadline=None)
@given(walk)
def test_columns_decide_as_the_fix_by_fix_rules_on_a_plausible_walk(
    steps: list[tuple[int, float, float]],
) -> None:
    """Mostly the fast path: increasing times, small moves, with now and then a jump."""
    raw, ts, lat = [], NOW - 600_000, WENZHOU[0]
    for gap_ms, move, accuracy in steps:
        ts, lat = ts + gap_ms, lat + move
        raw.append(model.RawFix(lat=lat, lon=WENZHOU[1], ts_ms=ts, accuracy_m=accuracy * 50))
    checked = model.check_batch(model.FixColumns.of(raw), crs="wgs84", previous=None, now_ms=NOW)
    _, accepted = checked_fix_by_fix(raw, None)
    got = [
        (f.lat, f.lon, f.ts_ms, f.implausible_speed, f.inaccurate, f.out_of_order)
        for f in checked.fixes()
    ]
    assert got == accepted


@settings(max_examples=200, deadline=None)
@given(walk, st.booleans())
def test_updates_chosen_over_a_batch_are_those_the_per_fix_throttle_chooses(
    steps: list[tuple[int, float, float]], with_last: bool
) -> None:
    lats, stamps, ts, lat = [], [], NOW, WENZHOU[0]
    for gap_ms, move, _ in steps:
        ts, lat = ts + gap_ms, lat + move / 20
        lats.append(lat)
        stamps.append(ts)
    last = model.LastFix(*WENZHOU, NOW) if with_last else None
    expected, current = [], last
    for i, (lat_i, ts_i) in enumerate(zip(lats, stamps, strict=True)):
        fix = model.Fix(lat=lat_i, lon=WENZHOU[1], ts_ms=ts_i, accuracy_m=5)
        if model.should_publish_update(current, fix):
            expected.append(i)
            current = model.LastFix(lat_i, WENZHOU[1], ts_i)

    chosen = model.updates_to_publish(
        last, np.array(lats), np.full(len(lats), WENZHOU[1]), np.array(stamps, dtype=np.int64)
    )

    assert chosen == expected


def test_a_batch_across_two_windows_is_stored_in_two_buckets_that_read_back_whole() -> None:
    window = NOW - NOW % TRACK_WINDOW_MS
    stamps = [window - 2_000, window + 1_000, window - 1_000, window + 3_000]  # not in order
    fixes = model.FixColumns.of(
        [
            model.RawFix(lat=WENZHOU[0] + i * 1e-4, lon=WENZHOU[1], ts_ms=ts)
            for i, ts in enumerate(stamps)
        ]
    )
    flags = np.array([0, model.FLAG_INACCURATE, 0, model.FLAG_OUT_OF_ORDER], dtype=np.uint8)
    fixes = model.FixColumns(
        fixes.lat, fixes.lon, fixes.ts_ms, np.zeros(4), fixes.speed_mps, fixes.heading_deg
    )

    buckets = track_buckets("m1", fixes, flags)

    assert [b["window"] for b in buckets] == [window - TRACK_WINDOW_MS, window]
    assert [b["count"] for b in buckets] == [2, 2]
    read = [f for b in buckets for f in bucket_fixes(b)]
    assert [f.ts_ms for f in read] == sorted(stamps)
    assert [(f.inaccurate, f.out_of_order) for f in read] == [
        (False, False),
        (False, False),
        (True, False),
        (False, True),
    ]
    assert track_buckets("m1", fixes, flags) == buckets  # a redelivery makes the same ids


def test_batches_written_before_as_one_message_per_fix_read_the_same() -> None:
    old = events_pb2.FixBatch(
        member_id="m1",
        fixes=[
            events_pb2.Fix(lat=27.9, lon=120.6, ts_ms=NOW, accuracy_m=5.0, out_of_order=True),
            events_pb2.Fix(lat=27.91, lon=120.6, ts_ms=NOW + 1, accuracy_m=5.0),
        ],
    )

    columns, flags = batch_columns(old)

    assert columns.lat.tolist() == [27.9, 27.91]
    assert columns.ts_ms.tolist() == [NOW, NOW + 1]
    assert flags.tolist() == [model.FLAG_OUT_OF_ORDER, 0]
    legacy_bucket = {"fixes": [{"lat": 27.9, "lon": 120.6, "ts_ms": NOW, "inaccurate": True}]}
    assert [(f.ts_ms, f.inaccurate) for f in bucket_fixes(legacy_bucket)] == [(NOW, True)]


def fix_batch_event(member_id: str, *fixes: tuple[float, int, int]) -> Event:
    """A FixBatch event of (lat, ts_ms, flags) fixes, as location publishes it."""
    batch = events_pb2.FixBatch(
        member_id=member_id,
        columns=events_pb2.FixColumns(
            lat=[lat for lat, _, _ in fixes],
            lon=[WENZHOU[1]] * len(fixes),
            ts_ms=[ts for _, ts, _ in fixes],
            accuracy_m=[5.0] * len(fixes),
            speed_mps=[0.0] * len(fixes),
            heading_deg=[0.0] * len(fixes),
            flags=[flags for _, _, flags in fixes],
        ),
    )
    return Event(FIXES_ACCEPTED, "/tests", member_id, batch, datetime.now(UTC))


def duty_event(member_id: str, *, on_duty: bool) -> Event:
    change = location_pb2.DutyChange(member_id=member_id, on_duty=on_duty, team_id="t1")
    return Event(DUTY_CHANGED, "/tests", member_id, change, datetime.now(UTC))


def test_a_run_of_events_leaves_the_live_view_as_one_by_one_would() -> None:
    run = [
        duty_event("m1", on_duty=True),
        duty_event("m2", on_duty=True),
        fix_batch_event("m1", (27.90, NOW, 0), (27.91, NOW + 1_000, 0)),
        fix_batch_event("m2", (27.80, NOW, 0)),
        # m2 then moves impossibly fast: still shown where last believed, but suspect
        fix_batch_event("m2", (29.0, NOW + 1_000, model.FLAG_IMPLAUSIBLE_SPEED)),
        fix_batch_event("m1", (27.92, NOW + 2_000, 0)),
        duty_event("m1", on_duty=False),
        fix_batch_event("m1", (27.95, NOW + 3_000, 0)),  # raced the end of duty: not shown
        duty_event("m3", on_duty=True),
        fix_batch_event("m3", (27.70, NOW, 0), (27.71, NOW + 500, model.FLAG_INACCURATE)),
    ]
    one_by_one, in_runs = LiveView(), LiveView()

    for event in run:
        one_by_one.apply(event)
    in_runs.apply_many(run)

    for view in (one_by_one, in_runs):
        assert view.index.get("m1") is None
        assert view.index.get("m2").lat == 27.80
        assert view.index.get("m3").lat == 27.70
    assert in_runs.index.get("m2") == one_by_one.index.get("m2")
    assert not dispatchable(one_by_one, "m2") and not dispatchable(in_runs, "m2")
    assert dispatchable(one_by_one, "m3") and dispatchable(in_runs, "m3")


def dispatchable(view: LiveView, member_id: str) -> bool:
    """Offered a task where they stand (a suspect fix keeps them out)."""
    here = view.index.get(member_id)
    assert here is not None
    found = view.index.nearest(here.lat, here.lon, k=3, radius_m=50, now=NOW / 1000 + 10)
    return member_id in [m for m, _ in found]
