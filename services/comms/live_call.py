"""A live call (实时视频) as a state machine, pure Python: an officer rings a member, the member
accepts or declines, either ends it; the system ends it when it rings unanswered, outlives its
maximum, its task ends or its member is suspended. Signals pass only while it rings or is
connected. The record it leaves is the call's audit: who, whom, when, how long."""

from __future__ import annotations

from dataclasses import dataclass, replace
from enum import StrEnum

from shouwang.errors import Conflict, FieldError, Forbidden, InvalidArgument


class Status(StrEnum):
    RINGING = "ringing"
    CONNECTED = "connected"
    DECLINED = "declined"
    ENDED = "ended"


class EndReason(StrEnum):
    DECLINED = "declined"
    HUNG_UP = "hung_up"
    UNANSWERED = "unanswered"
    TASK_ENDED = "task_ended"
    MAX_DURATION = "max_duration"
    SUSPENDED = "suspended"


SIGNAL_KINDS = ("offer", "answer", "candidate")
# An SDP offer of audio and video with a few codecs is 3-8 KB; a candidate line under 300 bytes.
MAX_SIGNAL_BYTES = 32 * 1024


@dataclass(frozen=True)
class CallLimits:
    """How long a call may ring and last (LIVE_CALL_RING_S, LIVE_CALL_MAX_S)."""

    ring_ms: int = 45_000
    max_ms: int = 30 * 60_000


@dataclass(frozen=True)
class LiveCall:
    call_id: str
    officer_id: str
    member_id: str
    station_id: str
    task_id: str
    status: Status
    created_at_ms: int
    accepted_at_ms: int = 0
    ended_at_ms: int = 0
    ended_by: str = ""
    end_reason: str = ""

    @property
    def parties(self) -> tuple[str, str]:
        return (self.officer_id, self.member_id)

    @property
    def live(self) -> bool:
        return self.status in (Status.RINGING, Status.CONNECTED)

    @property
    def connected_ms(self) -> int:
        if not self.accepted_at_ms:
            return 0
        return max(0, (self.ended_at_ms or self.accepted_at_ms) - self.accepted_at_ms)

    def deadline_ms(self, limits: CallLimits) -> int:
        """When ringing stops, or when a connected call is cut off (0 once it is over)."""
        if self.status is Status.RINGING:
            return self.created_at_ms + limits.ring_ms
        if self.status is Status.CONNECTED:
            return self.accepted_at_ms + limits.max_ms
        return 0

    def other_party(self, member_id: str) -> str:
        return self.member_id if member_id == self.officer_id else self.officer_id


def ring(
    *, call_id: str, officer_id: str, member_id: str, station_id: str, task_id: str, now_ms: int
) -> LiveCall:
    if officer_id == member_id:
        raise InvalidArgument(
            detail="an officer cannot call themselves",
            errors=[FieldError("member_id", "name another member")],
        )
    return LiveCall(
        call_id=call_id,
        officer_id=officer_id,
        member_id=member_id,
        station_id=station_id,
        task_id=task_id,
        status=Status.RINGING,
        created_at_ms=now_ms,
    )


def accept(call: LiveCall, by: str, *, now_ms: int) -> LiveCall:
    _only_the_member(call, by, "accept")
    if call.status is not Status.RINGING:
        raise Conflict(detail=f"the call is {call.status.value}, not ringing")
    return replace(call, status=Status.CONNECTED, accepted_at_ms=now_ms)


def decline(call: LiveCall, by: str, *, now_ms: int) -> LiveCall:
    _only_the_member(call, by, "decline")
    if call.status is not Status.RINGING:
        raise Conflict(detail=f"the call is {call.status.value}, not ringing")
    return replace(
        call, status=Status.DECLINED, ended_at_ms=now_ms, ended_by=by, end_reason=EndReason.DECLINED
    )


def hang_up(call: LiveCall, by: str, *, now_ms: int) -> LiveCall:
    """Either party ends the call, ringing or connected."""
    _only_a_party(call, by)
    if not call.live:
        raise Conflict(detail=f"the call has already {call.status.value}")
    return _ended(call, now_ms=now_ms, by=by, reason=EndReason.HUNG_UP)


def cut_off(call: LiveCall, reason: EndReason, *, now_ms: int) -> LiveCall | None:
    """The system ends a live call; None when it is over already (nothing to tell)."""
    if not call.live:
        return None
    if reason is EndReason.MAX_DURATION and call.status is Status.RINGING:
        reason = EndReason.UNANSWERED
    return _ended(call, now_ms=now_ms, by="", reason=reason)


def overdue(call: LiveCall, limits: CallLimits, *, now_ms: int) -> bool:
    deadline = call.deadline_ms(limits)
    return bool(deadline) and now_ms >= deadline


def check_signal(call: LiveCall, by: str, kind: str, payload_bytes: int) -> str:
    """Who a signal goes to; refused unless a party sends a known kind of bounded size while
    the call rings or is connected."""
    _only_a_party(call, by)
    errors = []
    if kind not in SIGNAL_KINDS:
        errors.append(FieldError("kind", f"one of {', '.join(SIGNAL_KINDS)}"))
    if payload_bytes > MAX_SIGNAL_BYTES:
        errors.append(
            FieldError("payload", f"{payload_bytes} bytes; a signal holds {MAX_SIGNAL_BYTES}")
        )
    if errors:
        raise InvalidArgument(detail="the signal is not one we relay", errors=errors)
    if not call.live:
        raise Conflict(detail=f"the call has {call.status.value}; signals are not relayed")
    return call.other_party(by)


def _ended(call: LiveCall, *, now_ms: int, by: str, reason: EndReason) -> LiveCall:
    return replace(call, status=Status.ENDED, ended_at_ms=now_ms, ended_by=by, end_reason=reason)


def _only_the_member(call: LiveCall, by: str, action: str) -> None:
    if by != call.member_id:
        raise Forbidden(detail=f"only the called member may {action} the call")


def _only_a_party(call: LiveCall, by: str) -> None:
    if by not in call.parties:
        raise Forbidden(detail="only the call's officer and member may do this")
