"""Points for rotation training and rosters (rules v2 [training]): roll calls answered, shifts
attended and classes completed, consumed from shouwang.training.v1 and credited once however often
the events are delivered or replayed."""

from __future__ import annotations

import time
from dataclasses import replace
from pathlib import Path

from services.points import bootstrap, model
from services.points.ruleset import DEFAULT_RULES_FILE, NO_TRAINING, load_rules
from shouwang.bus.embedded import SqliteEventBus
from shouwang.clock import ManualClock, to_timestamp
from shouwang.events import Event
from shouwang.training.v1 import events_pb2 as training_events
from tests.unit.points.support import START, adapters

RULES = load_rules()
TRAINING = RULES.training
TOPIC = "shouwang.training.v1"


def checked_in(rollcall_id: str, member_id: str, status: str) -> Event:
    return Event(
        type="shouwang.trainee.checked_in",
        source="/tests",
        subject="c1",
        time=START,
        data=training_events.TraineeCheckedIn(
            rollcall_id=rollcall_id, cohort_id="c1", member_id=member_id, status=status,
            at=to_timestamp(START),
        ),
    )  # fmt: skip


def shift_attended(shift_id: str, member_id: str, present: int, scheduled: int = 240) -> Event:
    return Event(
        type="shouwang.shift.attended",
        source="/tests",
        subject="r1",
        time=START,
        data=training_events.ShiftAttended(
            shift_id=shift_id, roster_id="r1", member_id=member_id, minutes_present=present,
            minutes_scheduled=scheduled, at=to_timestamp(START),
        ),
    )  # fmt: skip


def cohort_completed(cohort_id: str, member_ids: list[str]) -> Event:
    return Event(
        type="shouwang.cohort.completed",
        source="/tests",
        subject=cohort_id,
        time=START,
        data=training_events.CohortCompleted(
            cohort_id=cohort_id,
            trainee_count=len(member_ids) + 1,
            completed=[training_events.CompletedTrainee(member_id=m) for m in member_ids],
            at=to_timestamp(START),
        ),
    )


def balance_becomes(service: bootstrap.PointsService, member_id: str, points: int) -> None:
    deadline = time.monotonic() + 10
    while service.ports.ledger.available(member_id) != points:
        assert time.monotonic() < deadline, (member_id, service.ports.ledger.available(member_id))
        time.sleep(0.02)


def test_the_bundled_rules_are_v2_and_award_training() -> None:
    assert RULES.version == "v2"
    assert TRAINING.rollcall_present > TRAINING.rollcall_late > 0
    assert TRAINING.cohort_completed > 0 and TRAINING.shift_attended > 0


def test_late_answer_earns_the_late_points_and_absence_of_status_nothing() -> None:
    late = model.rollcall_draft(RULES, rollcall_id="r", member_id="m", status="late")
    assert late is not None
    assert (late.delta, late.reason) == (TRAINING.rollcall_late, model.ROLLCALL_LATE)
    assert model.rollcall_draft(RULES, rollcall_id="r", member_id="m", status="") is None


def test_a_shift_below_the_presence_share_earns_nothing() -> None:
    share = TRAINING.shift_min_present_percent
    just_under = 240 * share // 100 - 1
    assert model.shift_draft(
        RULES, shift_id="s", member_id="m", minutes_present=just_under, minutes_scheduled=240
    ) is None  # fmt: skip
    draft = model.shift_draft(
        RULES, shift_id="s", member_id="m", minutes_present=185, minutes_scheduled=240
    )
    assert draft is not None
    assert draft.delta == TRAINING.shift_attended + 3 * TRAINING.shift_points_per_hour


def test_rules_without_a_training_section_award_nothing_for_training() -> None:
    v1 = load_rules(DEFAULT_RULES_FILE.with_name("v1.toml"))  # still valid, as entries name it
    assert (v1.version, v1.training) == ("v1", NO_TRAINING)
    assert model.rollcall_draft(v1, rollcall_id="r", member_id="m", status="present") is None
    assert model.cohort_completed_draft(v1, cohort_id="c", member_id="m") is None
    full = {"minutes_present": 240, "minutes_scheduled": 240}
    assert model.shift_draft(v1, shift_id="s", member_id="m", **full) is None


def test_training_events_credit_once_across_a_redelivery_and_a_replay(tmp_path: Path) -> None:
    clock = ManualClock(START)
    shared = adapters(tmp_path, clock=clock)
    points = bootstrap.build(shared)
    bus = shared.bus
    events = [
        checked_in("rc1", "a", "present"),
        checked_in("rc2", "a", "late"),
        checked_in("rc1", "b", "late"),
        shift_attended("s1", "a", present=130),  # 2 full hours, above the share
        shift_attended("s2", "b", present=30),  # below the share: nothing
        cohort_completed("c1", ["a"]),
    ]
    expected_a = (
        TRAINING.rollcall_present
        + TRAINING.rollcall_late
        + TRAINING.shift_attended
        + 2 * TRAINING.shift_points_per_hour
        + TRAINING.cohort_completed
    )
    expected_b = TRAINING.rollcall_late
    bus.publish(TOPIC, events)
    bus.start()
    replay_bus = SqliteEventBus(tmp_path / "events.sqlite3")  # the same topic, read afresh
    try:
        balance_becomes(points, "a", expected_a)
        balance_becomes(points, "b", expected_b)
        # Every event delivered again (same ids), then the same facts under new event ids.
        bus.publish(TOPIC, events)
        bus.publish(TOPIC, [checked_in("rc1", "a", "present"), cohort_completed("c1", ["a"])])
        replay = bootstrap.build(
            replace(shared, bus=replay_bus),
            consumer_groups={t: f"{g}-replay" for t, g in bootstrap.CONSUMER_GROUPS.items()},
        )
        replay_bus.start()
        marker = checked_in("rc-marker", "m", "present")
        bus.publish(TOPIC, [marker])
        balance_becomes(points, "m", TRAINING.rollcall_present)  # both past the replayed events
        balance_becomes(replay, "m", TRAINING.rollcall_present)
        assert points.ports.ledger.available("a") == expected_a
        assert points.ports.ledger.available("b") == expected_b
        reasons = sorted(e["reason"] for e in points.ports.entries.of_member("a"))
        assert reasons == sorted(
            ["rollcall_present", "rollcall_late", "shift_attended", "cohort_completed"]
        )
        replay.close()
    finally:
        replay_bus.close()
        points.close()
