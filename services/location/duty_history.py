"""Duty over time, for statistics: each finished period on duty is kept as a session (from the
presence topic's ``duty_ended``, once per period however often it is delivered), and sessions,
with the periods still running, give the members on duty and the patrol hours of each time
bucket. Patrol hours leave out the 5-minute windows without a fix, as the points rules do."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC

from services.location.handlers import GAP_WINDOW_MS
from services.location.ports import Ports
from shouwang.clock import to_millis
from shouwang.errors import FieldError, InvalidArgument
from shouwang.events import Event
from shouwang.location.v1 import events_pb2

DUTY_ENDED = "shouwang.member.duty_ended"
PRESENCE_EVENTS = {DUTY_ENDED: events_pb2.DutyEnded}
HOUR_MS = 3600 * 1000
MAX_RANGE_MS = 366 * 24 * HOUR_MS
MAX_BUCKETS = 800
# Sessions are kept as long as the statistics look back (a year), and a little more.
RETENTION_MS = 400 * 24 * HOUR_MS


@dataclass(frozen=True)
class Session:
    member_id: str
    started_ms: int
    ended_ms: int
    fix_gaps: int = 0

    @property
    def patrol_share(self) -> float:
        """The share of the period covered by fixes (what counts as patrol time)."""
        duration = self.ended_ms - self.started_ms
        if duration <= 0:
            return 0.0
        return max(0.0, 1.0 - self.fix_gaps * GAP_WINDOW_MS / duration)


@dataclass(frozen=True)
class DutyBucket:
    start_ms: int
    members_on_duty: int
    patrol_hours: float


def record_session(ports: Ports, event: Event) -> None:
    """Keep a finished period on duty, with the station the member was placed in."""
    if ports.sessions is None:
        return
    ended: events_pb2.DutyEnded = event.data  # type: ignore[assignment]
    started_ms = to_millis(ended.started_at.ToDatetime(tzinfo=UTC))
    ended_ms = (
        to_millis(ended.ended_at.ToDatetime(tzinfo=UTC))
        if ended.HasField("ended_at")
        else to_millis(event.time)
    )
    duty = ports.duty.get(ended.member_id) or {}
    ports.sessions.record(
        {
            "_id": f"{ended.member_id}:{started_ms}",
            "member_id": ended.member_id,
            "station_id": duty.get("station_id", ""),
            "team_id": ended.team_id,
            "started_at": started_ms,
            "ended_at": ended_ms,
            "fix_gaps": ended.fix_gaps,
        }
    )


def purge_sessions(ports: Ports) -> int:
    """Forget the sessions that ended beyond the retention period."""
    if ports.sessions is None:
        return 0
    return ports.sessions.delete_ended_before(to_millis(ports.clock.now()) - RETENTION_MS)


def per_bucket(
    sessions: Iterable[Session], *, from_ms: int, to_ms: int, bucket_ms: int
) -> list[DutyBucket]:
    """Members on duty at some time in each bucket of [from_ms, to_ms), and the patrol hours
    spent in it (each session's overlap with the bucket, times its patrol share)."""
    starts = list(range(from_ms, to_ms, bucket_ms))
    members: list[set[str]] = [set() for _ in starts]
    hours = [0.0] * len(starts)
    for session in sessions:
        first = max(session.started_ms, from_ms)
        last = min(session.ended_ms, to_ms)
        if last <= first:
            continue
        share = session.patrol_share
        for index in range((first - from_ms) // bucket_ms, (last - 1 - from_ms) // bucket_ms + 1):
            bucket_start = starts[index]
            bucket_end = min(bucket_start + bucket_ms, to_ms)
            overlap = min(last, bucket_end) - max(first, bucket_start)
            if overlap > 0:
                members[index].add(session.member_id)
                hours[index] += overlap * share / HOUR_MS
    return [
        DutyBucket(start_ms=start, members_on_duty=len(who), patrol_hours=round(spent, 3))
        for start, who, spent in zip(starts, members, hours, strict=True)
    ]


def check_range(from_ms: int, to_ms: int, bucket_ms: int) -> None:
    """The bounds a gRPC caller meets as an HTTP one does (the gateway's are as tight)."""
    errors = []
    if to_ms <= from_ms or to_ms - from_ms > MAX_RANGE_MS:
        errors.append(FieldError("to", "must be after from, and at most 366 days after it"))
    if bucket_ms < HOUR_MS:
        errors.append(FieldError("bucket", "at least an hour"))
    elif to_ms > from_ms and -(-(to_ms - from_ms) // bucket_ms) > MAX_BUCKETS:
        errors.append(FieldError("bucket", f"at most {MAX_BUCKETS} buckets in the range"))
    if errors:
        raise InvalidArgument(detail="the time range is out of bounds", errors=errors)


def activity(
    ports: Ports, *, station_ids: Sequence[str], from_ms: int, to_ms: int, bucket_ms: int
) -> list[DutyBucket]:
    """Per bucket, from the kept sessions and the periods on duty now (up to now)."""
    check_range(from_ms, to_ms, bucket_ms)
    stations = list(station_ids) or None
    now_ms = to_millis(ports.clock.now())
    kept = (
        ports.sessions.overlapping(station_ids=stations, from_ms=from_ms, to_ms=to_ms)
        if ports.sessions is not None
        else []
    )
    sessions = [
        Session(d["member_id"], d["started_at"], d["ended_at"], d.get("fix_gaps", 0)) for d in kept
    ]
    for duty in ports.duty.on_duty():
        if stations is None or duty.get("station_id") in stations:
            sessions.append(Session(duty["_id"], duty["started_at"], now_ms))
    return per_bucket(sessions, from_ms=from_ms, to_ms=to_ms, bucket_ms=bucket_ms)
