"""Points' event handlers and commands. Handlers are idempotent: events arrive at least once, and
every award is a ledger insert under keys derived from the event (see ``ledger.py``)."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import UTC, datetime

from google.protobuf.timestamp_pb2 import Timestamp

from services.points import model
from services.points.ledger import entry_id_for
from services.points.ports import Ports
from shouwang.comms.v1 import events_pb2 as comms_events
from shouwang.errors import FieldError, Forbidden, InvalidArgument
from shouwang.events import Event
from shouwang.identity.v1 import events_pb2 as identity_events
from shouwang.location.v1 import events_pb2 as presence_events
from shouwang.points.v1.limits import MAX_REASON
from shouwang.store import Document
from shouwang.tasks.v1 import events_pb2 as task_events
from shouwang.training.v1 import events_pb2 as training_events

log = logging.getLogger(__name__)

IDENTITY_TOPIC = "shouwang.identity.v1"
IDENTITY_EVENTS = {
    "shouwang.member.registered": identity_events.MemberRegistered,
    "shouwang.member.verified": identity_events.MemberStatusChanged,
    "shouwang.member.rejected": identity_events.MemberStatusChanged,
    "shouwang.member.suspended": identity_events.MemberStatusChanged,
    "shouwang.member.roles_changed": identity_events.MemberStatusChanged,
}
TASKS_TOPIC = "shouwang.tasks.v1"
TASK_EVENTS = {"shouwang.task.closed": task_events.TaskClosed}
REPORTS_TOPIC = "shouwang.reports.v1"
REPORT_EVENTS = {"shouwang.report.approved": task_events.ReportApproved}
PRESENCE_TOPIC = "shouwang.presence.v1"
PRESENCE_EVENTS = {"shouwang.member.duty_ended": presence_events.DutyEnded}
QUIZZES_TOPIC = "shouwang.quizzes.v1"
QUIZ_EVENTS = {"shouwang.quiz.answered": comms_events.QuizAnswered}
TRAINING_TOPIC = "shouwang.training.v1"
TRAINING_EVENTS = {
    "shouwang.trainee.checked_in": training_events.TraineeCheckedIn,
    "shouwang.shift.attended": training_events.ShiftAttended,
    "shouwang.cohort.completed": training_events.CohortCompleted,
}


# Members: accounts and their place on the boards ------------------------------------------------
def on_member_event(ports: Ports, event: Event) -> None:
    member = event.data
    team_id, station_id = member.team_id, member.station_id  # type: ignore[attr-defined]
    member_id: str = member.member_id  # type: ignore[attr-defined]
    now_ms = model.millis(event.time)
    if event.type == "shouwang.member.registered" and ports.accounts.open(
        member_id=member_id, opened_at_ms=now_ms, team_id=team_id, station_id=station_id
    ):
        log.info("points account opened", extra={"member_id": member_id})
        return
    account = ports.accounts.get(member_id) or {}
    if (account.get("team_id"), account.get("station_id")) == (team_id, station_id):
        return
    ports.accounts.set_attribution(member_id, team_id=team_id, station_id=station_id, now_ms=now_ms)
    ports.counters.move_member(member_id, team_id=team_id, station_id=station_id)


# Awards from other services' events --------------------------------------------------------------
def on_task_closed(ports: Ports, event: Event) -> None:
    closed: task_events.TaskClosed = event.data  # type: ignore[assignment]
    drafts = model.task_closed_drafts(
        ports.rules,
        task_id=closed.task_id,
        priority=closed.priority,
        points=closed.points,
        claimants=[
            model.Claim(c.member_id, c.arrived, c.arrival_seconds) for c in closed.claimants
        ],
    )
    at = _when(closed.closed_at, event)
    for draft in drafts:
        ports.ledger.credit(draft, entry_id=entry_id_for(event, draft), at=at)


def on_report_approved(ports: Ports, event: Event) -> None:
    approved: task_events.ReportApproved = event.data  # type: ignore[assignment]
    draft = model.report_approved_draft(
        ports.rules,
        report_id=approved.report_id,
        member_id=approved.member_id,
        points=approved.points,
    )
    at = _when(approved.approved_at, event)
    ports.ledger.credit(draft, entry_id=entry_id_for(event, draft), at=at)


def on_duty_ended(ports: Ports, event: Event) -> None:
    duty: presence_events.DutyEnded = event.data  # type: ignore[assignment]
    draft = model.patrol_time_draft(
        ports.rules,
        member_id=duty.member_id,
        started_at=duty.started_at.ToDatetime(tzinfo=UTC),
        ended_at=_when(duty.ended_at, event),
        fix_gaps=duty.fix_gaps,
    )
    if draft is not None:
        ports.ledger.credit(
            draft, entry_id=entry_id_for(event, draft), at=_when(duty.ended_at, event)
        )


def on_quiz_answered(ports: Ports, event: Event) -> None:
    """A quiz answered with at least one correct answer earns the quiz rule's points, once per
    quiz and member (the ledger's operation key), within the daily cap; replays change nothing."""
    answered: comms_events.QuizAnswered = event.data  # type: ignore[assignment]
    record_quiz_answer(
        ports,
        member_id=answered.member_id,
        quiz_id=answered.quiz_id,
        correct=answered.correct > 0,
        answered_at=_when(answered.answered_at, event),
    )


def on_training_event(ports: Ports, event: Event) -> None:
    """Roll calls answered, roster shifts attended and classes completed earn the [training]
    rules' points; each award's natural key (roll call + member, shift, class + member) makes a
    replay or a second announcement of the same fact earn nothing."""
    for draft, at in _training_drafts(ports, event):
        ports.ledger.credit(draft, entry_id=entry_id_for(event, draft), at=at)


def _training_drafts(ports: Ports, event: Event) -> list[tuple[model.Draft, datetime]]:
    data = event.data
    if isinstance(data, training_events.TraineeCheckedIn):
        draft = model.rollcall_draft(
            ports.rules, rollcall_id=data.rollcall_id, member_id=data.member_id, status=data.status
        )
        return [(draft, _when(data.at, event))] if draft else []
    if isinstance(data, training_events.ShiftAttended):
        draft = model.shift_draft(
            ports.rules,
            shift_id=data.shift_id,
            member_id=data.member_id,
            minutes_present=data.minutes_present,
            minutes_scheduled=data.minutes_scheduled,
        )
        return [(draft, _when(data.at, event))] if draft else []
    if isinstance(data, training_events.CohortCompleted):
        at = _when(data.at, event)
        drafts = (
            model.cohort_completed_draft(
                ports.rules, cohort_id=data.cohort_id, member_id=trainee.member_id
            )
            for trainee in data.completed
        )
        return [(draft, at) for draft in drafts if draft]
    return []


# Commands -----------------------------------------------------------------------------------------
@dataclass(frozen=True)
class AwardOutcome:
    entry: Document | None
    balance: int


def record_quiz_answer(
    ports: Ports, *, member_id: str, quiz_id: str, correct: bool, answered_at: datetime | None
) -> AwardOutcome:
    """A correct answer earns the quiz points once per quiz, within the daily cap.

    The cap is enforced with numbered slots per member and day (``quiz:<member>:<day>:<n>``): a
    slot is an entry id, inserted at most once, so no interleaving of replicas exceeds the cap.
    """
    _require(member_id=member_id, quiz_id=quiz_id)
    entry = None
    if correct:
        at = answered_at or ports.clock.now()
        day = model.local_day(at, ports.rules.utc_offset)
        draft = model.Draft(
            member_id,
            ports.rules.quiz_correct.points,
            model.QUIZ_CORRECT,
            quiz_id,
            f"quiz:{quiz_id}:{member_id}",
        )
        slots = [f"quiz:{member_id}:{day}:{n}" for n in range(1, model.quiz_slots(ports.rules) + 1)]
        entry = ports.ledger.credit_first_free(draft, entry_ids=slots, at=at)
    return AwardOutcome(entry, ports.ledger.available(member_id))


def penalise(
    ports: Ports, *, officer_id: str, member_id: str, points: int, reason: str, request_id: str
) -> AwardOutcome:
    """An officer takes up to ``points`` away, never below a zero balance; once per request id.

    Whether the member is in the officer's scope is identity's to say (the gateway asks it
    first); that an officer does not judge their own case is a rule of points."""
    if officer_id and officer_id == member_id:
        raise Forbidden(detail="an officer cannot penalise themselves; ask another officer")
    errors = []
    maximum = ports.rules.penalty.max_points
    if not 1 <= points <= maximum:
        errors.append(FieldError("points", f"must be between 1 and {maximum}"))
    if not reason.strip() or len(reason) > MAX_REASON:
        errors.append(FieldError("reason", f"is required, at most {MAX_REASON} characters"))
    if errors:
        raise InvalidArgument(detail="invalid penalty", errors=errors)
    _require(member_id=member_id, officer_id=officer_id, request_id=request_id)
    draft = model.Draft(
        member_id,
        -points,
        model.PENALTY,
        f"penalty:{request_id}",
        f"penalty:{request_id}",
        note=reason.strip(),
        actor_id=officer_id,
    )
    entry = ports.ledger.debit(draft, at=ports.clock.now(), counts=True, at_most_balance=True)
    return AwardOutcome(entry, ports.ledger.available(member_id))


def _require(**values: str) -> None:
    missing = [FieldError(name, "is required") for name, value in values.items() if not value]
    if missing:
        raise InvalidArgument(detail="missing values", errors=missing)


def _when(stamp: Timestamp, event: Event) -> datetime:
    """The payload's time if set, else the event's: replays then land in the same period."""
    if stamp.seconds == 0 and stamp.nanos == 0:
        return event.time
    return stamp.ToDatetime(tzinfo=UTC)
