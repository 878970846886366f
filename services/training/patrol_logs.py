"""Patrol logs: a member on duty files what a patrol found, linked to their shift or their class;
the outcome statistics sum them by unit and period."""

from __future__ import annotations

from typing import Any

from services.training import events, model
from services.training.handlers import Caller
from services.training.model import COUNT_FIELDS, PatrolLog
from services.training.ports import Ports
from shouwang.clock import to_millis
from shouwang.errors import FieldError, Forbidden, InvalidArgument, NotFound
from shouwang.identity.v1 import identity_pb2
from shouwang.ids import new_id
from shouwang.location.v1 import location_pb2

MAX_STATS_SPAN_MS = 366 * 24 * 3_600_000


def file_log(ports: Ports, caller: Caller, request: Any) -> PatrolLog:
    """``request`` is a FilePatrolLogRequest."""
    duty = ports.location.GetDutyState(location_pb2.GetDutyStateRequest(member_id=caller.member_id))
    if not duty.on_duty:
        raise Forbidden(detail="only a member on duty files a patrol log")
    if request.shift_id:
        shift = ports.rosters.shift(request.shift_id)
        if shift is None or shift.member_id != caller.member_id:
            raise NotFound(detail="no such shift of the caller")
    if request.cohort_id:
        cohort = ports.cohorts.get(request.cohort_id)
        if cohort is None or caller.member_id not in (*cohort.trainee_ids, *cohort.instructor_ids):
            raise NotFound(detail="no such cohort of the caller")
    member = ports.identity.GetMember(identity_pb2.GetMemberRequest(member_id=caller.member_id))
    now = ports.clock.now()
    log = PatrolLog(
        log_id=new_id(),
        member_id=caller.member_id,
        org_id=member.team_id or member.org_id,
        station_id=member.station_id,
        shift_id=request.shift_id,
        cohort_id=request.cohort_id,
        counts={name: getattr(request.counts, name) for name in COUNT_FIELDS},
        note=request.note,
        media_ids=tuple(request.media_ids),
        filed_at_ms=to_millis(now),
    )
    model.validate_patrol_log(log)
    return ports.patrol_logs.new_log(log, [events.patrol_log_filed(log, at=now)])


def outcome_stats(
    ports: Ports, caller: Caller, *, from_ms: int, to_ms: int, org_id: str, period: str
) -> tuple[dict, dict[str, int], int]:
    if not caller.is_officer:
        raise Forbidden(detail="only officers read outcome statistics")
    now_ms = to_millis(ports.clock.now())
    to_ms = to_ms or now_ms + 1  # up to and including now
    from_ms = from_ms or to_ms - MAX_STATS_SPAN_MS
    if not 0 <= to_ms - from_ms <= MAX_STATS_SPAN_MS:
        raise InvalidArgument(
            detail="a statistics range is at most a year",
            errors=[FieldError("to", "after from, within 366 days")],
        )
    logs = ports.patrol_logs.between(
        from_ms=from_ms,
        to_ms=to_ms,
        station_ids=None if caller.city_wide else sorted(caller.scope_org_ids),
        org_id=org_id,
    )
    rows, total = model.sum_outcomes(logs, period=period or "month")
    return rows, total, len(logs)
