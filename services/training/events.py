"""Building training's events (topic shouwang.training.v1, keyed by cohort id). Member ids only:
no names, no leave reasons, no notes."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from google.protobuf.message import Message

from services.training.model import (
    COUNT_FIELDS,
    Checkin,
    Cohort,
    Leave,
    PatrolLog,
    Rollcall,
    Shift,
    TraineeAttendance,
)
from shouwang.clock import timestamp_of_millis, to_timestamp
from shouwang.events import Event
from shouwang.training.v1 import events_pb2
from shouwang.training.v1.event_types import TRAINING_TOPIC

SOURCE = "/shouwang/training"


def _event(kind: str, cohort_id: str, data: Message, at: datetime) -> tuple[str, Event]:
    return TRAINING_TOPIC, Event(
        type=f"shouwang.{kind}", source=SOURCE, subject=cohort_id, time=at, data=data
    )


def cohort_created(cohort: Cohort, *, at: datetime) -> tuple[str, Event]:
    first = min(s.starts_at_ms for s in cohort.sessions)
    return _event(
        "cohort.created",
        cohort.cohort_id,
        events_pb2.CohortCreated(
            cohort_id=cohort.cohort_id,
            station_id=cohort.station_id,
            session_count=len(cohort.sessions),
            starts_at=timestamp_of_millis(first),
            at=to_timestamp(at),
        ),
        at,
    )


def cohort_enrolled(
    cohort: Cohort, member_ids: Sequence[str], *, at: datetime
) -> tuple[str, Event]:
    """The trainees newly enrolled, so the cohort's groups can take them in."""
    return _event(
        "cohort.enrolled",
        cohort.cohort_id,
        events_pb2.CohortEnrolled(
            cohort_id=cohort.cohort_id,
            station_id=cohort.station_id,
            member_ids=list(member_ids),
            at=to_timestamp(at),
        ),
        at,
    )


def rollcall_opened(cohort: Cohort, rollcall: Rollcall, *, at: datetime) -> tuple[str, Event]:
    return _event(
        "rollcall.opened",
        cohort.cohort_id,
        events_pb2.RollcallOpened(
            rollcall_id=rollcall.rollcall_id,
            cohort_id=cohort.cohort_id,
            session_id=rollcall.session_id,
            station_id=cohort.station_id,
            trainee_ids=sorted(cohort.trainee_ids),
            closes_at=timestamp_of_millis(rollcall.closes_at_ms),
            at=to_timestamp(at),
        ),
        at,
    )


def trainee_checked_in(
    cohort: Cohort, rollcall: Rollcall, checkin: Checkin, *, at: datetime
) -> tuple[str, Event]:
    return _event(
        "trainee.checked_in",
        cohort.cohort_id,
        events_pb2.TraineeCheckedIn(
            rollcall_id=rollcall.rollcall_id,
            cohort_id=cohort.cohort_id,
            session_id=rollcall.session_id,
            station_id=cohort.station_id,
            member_id=checkin.member_id,
            status=checkin.status,
            at=to_timestamp(at),
        ),
        at,
    )


def leave_decided(
    cohort: Cohort, leave: Leave, *, approved: bool, at: datetime
) -> tuple[str, Event]:
    return _event(
        "leave.decided",
        cohort.cohort_id,
        events_pb2.LeaveDecided(
            leave_id=leave.leave_id,
            cohort_id=cohort.cohort_id,
            station_id=cohort.station_id,
            member_id=leave.member_id,
            approved=approved,
            at=to_timestamp(at),
        ),
        at,
    )


def patrol_log_filed(log: PatrolLog, *, at: datetime) -> tuple[str, Event]:
    """Keyed by the cohort when the log belongs to one, else by the log itself."""
    return _event(
        "patrol_log.filed",
        log.cohort_id or log.log_id,
        events_pb2.PatrolLogFiled(
            log_id=log.log_id,
            member_id=log.member_id,
            org_id=log.org_id,
            station_id=log.station_id,
            shift_id=log.shift_id,
            cohort_id=log.cohort_id,
            at=to_timestamp(at),
            **{name: log.counts.get(name, 0) for name in COUNT_FIELDS},
        ),
        at,
    )


def shift_attended(shift: Shift, minutes: int, *, at: datetime) -> tuple[str, Event]:
    """Keyed by the shift's roster."""
    return _event(
        "shift.attended",
        shift.roster_id,
        events_pb2.ShiftAttended(
            shift_id=shift.shift_id,
            roster_id=shift.roster_id,
            org_id=shift.org_id,
            station_id=shift.station_id,
            member_id=shift.member_id,
            minutes_present=minutes,
            minutes_scheduled=(shift.ends_at_ms - shift.starts_at_ms) // 60_000,
            starts_at=timestamp_of_millis(shift.starts_at_ms),
            at=to_timestamp(at),
        ),
        at,
    )


def cohort_completed(
    cohort: Cohort, completed: list[TraineeAttendance], *, at: datetime
) -> tuple[str, Event]:
    return _event(
        "cohort.completed",
        cohort.cohort_id,
        events_pb2.CohortCompleted(
            cohort_id=cohort.cohort_id,
            station_id=cohort.station_id,
            trainee_count=len(cohort.trainee_ids),
            completed=[
                events_pb2.CompletedTrainee(
                    member_id=row.member_id, attended=row.attended, patrol_hours=row.patrol_hours
                )
                for row in completed
            ],
            at=to_timestamp(at),
        ),
        at,
    )


def shift_reminder(shift: Shift, *, at: datetime) -> tuple[str, Event]:
    return _event(
        "shift.reminder",
        shift.roster_id,
        events_pb2.ShiftReminder(
            shift_id=shift.shift_id,
            roster_id=shift.roster_id,
            station_id=shift.station_id,
            member_id=shift.member_id,
            starts_at=timestamp_of_millis(shift.starts_at_ms),
            ends_at=timestamp_of_millis(shift.ends_at_ms),
            at=to_timestamp(at),
        ),
        at,
    )
