"""The training service built for real on a manual clock: a cohort created and filled, a roll
call checked against the trainees' fixes, leave decided once, the report, and the events."""

from __future__ import annotations

from datetime import timedelta

import pytest

from services.training import handlers, model
from shouwang.clock import to_timestamp
from shouwang.errors import Conflict, Forbidden, Gone, InvalidArgument, NotFound
from shouwang.training.v1 import training_pb2 as pb
from tests.unit.training.conftest import MONDAY, OFFICER, Training, member


def test_only_verified_members_are_enrolled(training: Training) -> None:
    instructor, trainee = training.verified(2)
    training.identity.statuses["pending1"] = "pending"
    cohort = training.cohort(instructor, [trainee])

    with pytest.raises(InvalidArgument) as refused:
        handlers.enrol(training.ports, OFFICER, cohort.cohort_id, [trainee, "pending1", "nobody"])

    assert [e.field for e in refused.value.errors] == ["member_ids[1]", "member_ids[2]"]
    assert training.ports.cohorts.get(cohort.cohort_id).trainee_ids == (trainee,)


def test_a_member_may_not_create_or_enrol(training: Training) -> None:
    instructor, trainee = training.verified(2)
    cohort = training.cohort(instructor, [trainee])
    with pytest.raises(Forbidden):
        handlers.enrol(training.ports, member(trainee), cohort.cohort_id, [instructor])
    with pytest.raises(NotFound):  # an outsider does not learn the cohort exists
        handlers.visible_cohort(training.ports, member("outsider"), cohort.cohort_id)


def test_an_evening_roll_call(training: Training) -> None:
    instructor, near, late, far, stale = training.verified(5)
    cohort = training.cohort(instructor, [near, late, far, stale])
    patrol = cohort.sessions[1]  # Monday's patrol, 1 km north of the site
    training.at(MONDAY.replace(hour=20))

    with pytest.raises(Forbidden):
        handlers.open_rollcall(training.ports, member(near), cohort.cohort_id, patrol.session_id, 0)
    call = handlers.open_rollcall(
        training.ports, member(instructor), cohort.cohort_id, patrol.session_id, 0
    )
    assert call.closes_at_ms - call.opened_at_ms == model.DEFAULT_ROLLCALL_MINUTES * 60_000

    training.fix(near, 1100, ago_s=30)
    training.fix(far, 0)  # at the site, not on patrol: 700 m from the patrol circle
    training.fix(stale, 1000, ago_s=model.FRESH_FIX_S + 5)
    assert handlers.check_in(training.ports, member(near), call.rollcall_id).status == "present"
    with pytest.raises(InvalidArgument) as refused:
        handlers.check_in(training.ports, member(far), call.rollcall_id)
    assert refused.value.errors[0].field == "distance_m"
    assert 690 <= int(refused.value.errors[0].message) <= 710
    with pytest.raises(InvalidArgument, match="no position"):
        handlers.check_in(training.ports, member(stale), call.rollcall_id)
    with pytest.raises(NotFound):
        handlers.check_in(training.ports, member(instructor), call.rollcall_id)

    training.at(MONDAY.replace(hour=20, minute=15))
    training.fix(late, 900)
    assert handlers.check_in(training.ports, member(late), call.rollcall_id).status == "late"
    # a retry answers as the first check-in did, and is not counted twice
    assert handlers.check_in(training.ports, member(near), call.rollcall_id).status == "present"

    opened = training.bus.of_type("shouwang.rollcall.opened")
    assert [sorted(e.data.trainee_ids) for e in opened] == [sorted([near, late, far, stale])]
    checked = training.bus.of_type("shouwang.trainee.checked_in")
    assert sorted((e.data.member_id, e.data.status) for e in checked) == sorted(
        [(near, "present"), (late, "late")]
    )


def test_leave_is_decided_once_and_excuses_the_session(training: Training) -> None:
    instructor, away, absent = training.verified(3)
    cohort = training.cohort(instructor, [away, absent])
    tuesday = cohort.sessions[2]  # Tuesday's training, at the site
    request = pb.RequestLeaveRequest(
        to=to_timestamp(MONDAY + timedelta(days=1, hours=6)), reason="家里有事"
    )
    getattr(request, "from").CopyFrom(to_timestamp(MONDAY + timedelta(hours=16)))
    leave = handlers.request_leave(training.ports, member(away), cohort.cohort_id, request)
    with pytest.raises(Forbidden):
        handlers.decide_leave(training.ports, member(away), leave.leave_id, approve=True, note="")
    decided = handlers.decide_leave(
        training.ports, member(instructor), leave.leave_id, approve=True, note="准假"
    )
    assert decided.status == model.APPROVED
    with pytest.raises(Conflict):
        handlers.decide_leave(
            training.ports, member(instructor), leave.leave_id, approve=False, note=""
        )

    training.at(MONDAY + timedelta(days=1, hours=1, minutes=5))
    handlers.open_rollcall(
        training.ports, member(instructor), cohort.cohort_id, tuesday.session_id, 0
    )
    _, rows = handlers.report(training.ports, member(instructor), cohort.cohort_id)
    status = {row.member_id: dict(row.sessions)[tuesday.session_id] for row in rows}
    assert status == {away: model.EXCUSED, absent: model.ABSENT}

    decided_events = training.bus.of_type("shouwang.leave.decided")
    assert [(e.data.member_id, e.data.approved) for e in decided_events] == [(away, True)]
    assert "家里有事" not in str(decided_events[0].data)  # reasons stay out of events


def test_a_closed_roll_call_refuses_check_ins(training: Training) -> None:
    instructor, trainee = training.verified(2)
    cohort = training.cohort(instructor, [trainee])
    call = handlers.open_rollcall(
        training.ports, member(instructor), cohort.cohort_id, cohort.sessions[0].session_id, 5
    )
    training.at(MONDAY + timedelta(minutes=6))
    training.fix(trainee, 0)
    with pytest.raises(Gone):
        handlers.check_in(training.ports, member(trainee), call.rollcall_id)


def test_a_certificate_is_for_a_completed_trainee_and_whom_they_may_show(
    training: Training,
) -> None:
    instructor, done, missing = training.verified(3)
    cohort = training.cohort(instructor, [done, missing])
    call = handlers.open_rollcall(
        training.ports, member(instructor), cohort.cohort_id, cohort.sessions[0].session_id, 0
    )
    training.fix(done, 0)
    handlers.check_in(training.ports, member(done), call.rollcall_id)

    _, row, called = handlers.certificate(training.ports, member(done), cohort.cohort_id, "")
    assert (row.member_id, row.attended, called) == (done, 1, 1)
    _, row, _ = handlers.certificate(training.ports, member(instructor), cohort.cohort_id, done)
    assert row.member_id == done
    with pytest.raises(Conflict):
        handlers.certificate(training.ports, member(missing), cohort.cohort_id, "")
    with pytest.raises(NotFound):  # a classmate's is not theirs to read
        handlers.certificate(training.ports, member(missing), cohort.cohort_id, done)


def test_a_class_is_settled_once_when_its_last_session_ends(training: Training) -> None:
    instructor, done, missing = training.verified(3)
    cohort = training.cohort(instructor, [done, missing])
    call = handlers.open_rollcall(
        training.ports, member(instructor), cohort.cohort_id, cohort.sessions[0].session_id, 0
    )
    training.fix(done, 0)
    handlers.check_in(training.ports, member(done), call.rollcall_id)
    assert handlers.settle_ended_cohorts(training.ports) == 0  # the week is under way

    training.at(MONDAY + timedelta(days=5))
    assert handlers.settle_ended_cohorts(training.ports) == 1
    assert handlers.settle_ended_cohorts(training.ports) == 0
    (completed,) = training.bus.of_type("shouwang.cohort.completed")
    assert completed.data.trainee_count == 2
    assert [(c.member_id, c.attended) for c in completed.data.completed] == [(done, 1)]
