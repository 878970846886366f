"""Patrol logs on the service built for real: filed only on duty and only against the member's
own shift or class, validated, evented without the note, and summed by unit and period within the
officer's scope; the class report carries its patrols' outcomes."""

from __future__ import annotations

from datetime import timedelta

import pytest

from services.training import handlers, patrol_logs, rosters
from shouwang.errors import Forbidden, InvalidArgument, NotFound
from shouwang.training.v1 import training_pb2 as pb
from tests.unit.training.conftest import OFFICER, Training, member
from tests.unit.training.test_rosters import roster_request


def log_request(**fields: object) -> pb.FilePatrolLogRequest:
    counts = {"people_checked": 12, "vehicles_checked": 3, "rooms_inspected": 5}
    return pb.FilePatrolLogRequest(counts=pb.PatrolCounts(**counts), note="巡逻正常", **fields)


def staffed(training: Training) -> tuple[list[str], list[str], dict]:
    shop, hotel = training.verified(2), training.verified(1)
    training.identity.teams = {"shop": shop, "hotel": hotel}
    training.identity.stations = {"shop": "st1", "hotel": "st1"}
    training.location.on_duty |= {*shop, *hotel}
    roster, _ = rosters.create_roster(
        training.ports, OFFICER, roster_request(["shop", "hotel"], months=3)
    )
    return shop, hotel, roster


def test_a_log_is_filed_on_duty_against_the_members_own_shift(training: Training) -> None:
    shop, hotel, roster = staffed(training)
    mine = next(s for s in roster["shifts"] if s.member_id == shop[0])
    theirs = next(s for s in roster["shifts"] if s.member_id == hotel[0])

    with pytest.raises(NotFound):
        patrol_logs.file_log(training.ports, member(shop[0]), log_request(shift_id=theirs.shift_id))
    with pytest.raises(InvalidArgument) as unlinked:
        patrol_logs.file_log(training.ports, member(shop[0]), log_request())
    assert unlinked.value.errors[0].field == "shift_id"
    training.location.on_duty.discard(shop[0])
    with pytest.raises(Forbidden):
        patrol_logs.file_log(training.ports, member(shop[0]), log_request(shift_id=mine.shift_id))
    training.location.on_duty.add(shop[0])

    log = patrol_logs.file_log(training.ports, member(shop[0]), log_request(shift_id=mine.shift_id))

    assert (log.org_id, log.station_id, log.counts["people_checked"]) == ("shop", "st1", 12)
    filed = training.bus.of_type("shouwang.patrol_log.filed")
    assert [(e.data.log_id, e.data.people_checked) for e in filed] == [(log.log_id, 12)]
    assert "巡逻正常" not in str(filed[0].data)


def test_counts_out_of_range_are_refused_by_field(training: Training) -> None:
    shop, _, roster = staffed(training)
    mine = next(s for s in roster["shifts"] if s.member_id == shop[0])
    bad = log_request(shift_id=mine.shift_id)
    bad.counts.hazards_found = -1
    with pytest.raises(InvalidArgument) as refused:
        patrol_logs.file_log(training.ports, member(shop[0]), bad)
    assert [e.field for e in refused.value.errors] == ["counts.hazards_found"]


def test_outcomes_are_summed_by_unit_and_period_within_scope(training: Training) -> None:
    shop, _, roster = staffed(training)
    for s in roster["shifts"]:
        training.at(training.clock.now() + timedelta(days=10))
        patrol_logs.file_log(training.ports, member(s.member_id), log_request(shift_id=s.shift_id))

    rows, total, logs = patrol_logs.outcome_stats(
        training.ports, OFFICER, from_ms=0, to_ms=0, org_id="", period="month"
    )
    assert logs == 6 and total["people_checked"] == 72 and total["offenders_caught"] == 0
    assert sum(n for _, n in rows.values()) == 6
    assert {org for org, _ in rows} == {"shop", "hotel"}
    shop_only, shop_total, _ = patrol_logs.outcome_stats(
        training.ports, OFFICER, from_ms=0, to_ms=0, org_id="shop", period="week"
    )
    assert shop_total["vehicles_checked"] == 9 and {org for org, _ in shop_only} == {"shop"}
    elsewhere = handlers.Caller("o2", frozenset({"officer"}), frozenset({"st2"}), False, "st2")
    assert (
        patrol_logs.outcome_stats(
            training.ports, elsewhere, from_ms=0, to_ms=0, org_id="", period="month"
        )[2]
        == 0
    )
    with pytest.raises(Forbidden):
        patrol_logs.outcome_stats(
            training.ports, member(shop[0]), from_ms=0, to_ms=0, org_id="", period="month"
        )
    with pytest.raises(InvalidArgument):
        patrol_logs.outcome_stats(
            training.ports, OFFICER, from_ms=0, to_ms=0, org_id="", period="year"
        )


def test_a_trainee_files_against_their_class(training: Training) -> None:
    instructor, trainee, outsider = training.verified(3)
    training.location.on_duty |= {trainee, outsider}
    cohort = training.cohort(instructor, [trainee])
    with pytest.raises(NotFound):
        patrol_logs.file_log(
            training.ports, member(outsider), log_request(cohort_id=cohort.cohort_id)
        )
    log = patrol_logs.file_log(
        training.ports, member(trainee), log_request(cohort_id=cohort.cohort_id)
    )
    assert training.ports.patrol_logs.of_cohort(cohort.cohort_id) == [log]
