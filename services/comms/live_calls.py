"""Live calls as use cases: an officer of the member's scope rings a member who is on duty (or on
a task of theirs), the member accepts or declines, either party ends it or passes WebRTC signals
to the other; task endings, suspensions and a sweep for unanswered and over-long calls end them
too. Every change is an event on the internal live-calls topic, which the gateways push to the
two parties' streams; signals are published as they come (nothing to store: a lost one fails
that call's connection, it corrupts nothing)."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import datetime

from google.protobuf import json_format
from google.protobuf.struct_pb2 import Struct

from services.comms import live_call
from services.comms.live_call import CallLimits, EndReason, LiveCall
from services.comms.live_call_repository import LiveCallRepository
from shouwang.bus import EventBus
from shouwang.clock import Clock, timestamp_of_millis, to_millis, to_timestamp
from shouwang.comms.v1 import comms_pb2
from shouwang.comms.v1.event_types import LIVE_CALL_SIGNAL, LIVE_CALLS_TOPIC
from shouwang.errors import Conflict, Forbidden, NotFound
from shouwang.events import Event
from shouwang.identity.v1 import identity_pb2, identity_pb2_grpc
from shouwang.ids import new_id
from shouwang.location.v1 import location_pb2, location_pb2_grpc
from shouwang.scope import Caller
from shouwang.store.paging import Page
from shouwang.tasks.v1 import events_pb2 as task_events

SOURCE = "/shouwang/comms"
TASK_ENDINGS = ("closed", "cancelled", "expired", "unfilled")


@dataclass(frozen=True)
class LiveCallPorts:
    calls: LiveCallRepository
    bus: EventBus
    clock: Clock
    identity: identity_pb2_grpc.IdentityServiceStub
    location: location_pb2_grpc.LocationServiceStub
    limits: CallLimits = field(default_factory=CallLimits)
    ice_servers: tuple[comms_pb2.IceServer, ...] = field(default=())


def start_call(ports: LiveCallPorts, caller: Caller, *, member_id: str, task_id: str) -> LiveCall:
    """Ring ``member_id``: the caller must be an officer whose scope holds the member's station;
    without a task (which the gateway checked is the caller's and the member's) the member must
    be on duty."""
    if not caller.is_officer:
        raise Forbidden(detail="only officers start live calls")
    member = ports.identity.GetMember(identity_pb2.GetMemberRequest(member_id=member_id))
    if not caller.covers(member.station_id):
        raise Forbidden(detail="the member is outside your scope")
    if member.status != "verified":
        raise Conflict(detail=f"the member is {member.status}, not verified")
    if not task_id:
        duty = ports.location.GetDutyState(location_pb2.GetDutyStateRequest(member_id=member_id))
        if not duty.on_duty:
            raise Conflict(detail="the member is not on duty; call them about a task of theirs")
    now = ports.clock.now()
    call = live_call.ring(
        call_id=new_id(),
        officer_id=caller.member_id,
        member_id=member_id,
        station_id=member.station_id,
        task_id=task_id,
        now_ms=to_millis(now),
    )
    return ports.calls.start(call, [changed(call, at=now)])


def visible_call(ports: LiveCallPorts, caller: Caller, call_id: str) -> LiveCall:
    """A call its parties and the officers of its station may read (its audit record)."""
    call = ports.calls.get(call_id)
    if call is None or not (caller.member_id in call.parties or caller.covers(call.station_id)):
        raise NotFound(detail="no such live call of yours")
    return call


def _party_call(ports: LiveCallPorts, caller: Caller, call_id: str) -> LiveCall:
    """A call to act on: 404 when there is none, 403 for anyone but its two parties."""
    call = ports.calls.get(call_id)
    if call is None:
        raise NotFound(detail="no such live call")
    if caller.member_id not in call.parties:
        raise Forbidden(detail="only the call's officer and member may do this")
    return call


def accept_call(ports: LiveCallPorts, caller: Caller, call_id: str) -> LiveCall:
    call = _party_call(ports, caller, call_id)
    now = ports.clock.now()
    accepted = live_call.accept(call, caller.member_id, now_ms=to_millis(now))
    return ports.calls.save(call, accepted, [changed(accepted, at=now)])


def decline_call(ports: LiveCallPorts, caller: Caller, call_id: str) -> LiveCall:
    call = _party_call(ports, caller, call_id)
    now = ports.clock.now()
    declined = live_call.decline(call, caller.member_id, now_ms=to_millis(now))
    return ports.calls.save(call, declined, [changed(declined, at=now)])


def end_call(ports: LiveCallPorts, caller: Caller, call_id: str) -> LiveCall:
    call = _party_call(ports, caller, call_id)
    now = ports.clock.now()
    ended = live_call.hang_up(call, caller.member_id, now_ms=to_millis(now))
    return ports.calls.save(call, ended, [changed(ended, at=now)])


def relay_signal(
    ports: LiveCallPorts, caller: Caller, call_id: str, *, kind: str, payload: Struct
) -> str:
    """Pass an offer, answer or ICE candidate to the other party's streams; returns who."""
    call = _party_call(ports, caller, call_id)
    size = len(json.dumps(json_format.MessageToDict(payload), separators=(",", ":")).encode())
    to = live_call.check_signal(call, caller.member_id, kind, size)
    now = ports.clock.now()
    signal = comms_pb2.LiveCallSignal(
        call_id=call.call_id,
        from_member_id=caller.member_id,
        kind=kind,
        recipient_ids=[to],
        at=to_timestamp(now),
    )
    signal.payload.CopyFrom(payload)
    ports.bus.publish(
        LIVE_CALLS_TOPIC,
        [Event(type=LIVE_CALL_SIGNAL, source=SOURCE, subject=call.call_id, time=now, data=signal)],
    )
    return to


def list_calls(
    ports: LiveCallPorts, caller: Caller, *, member_id: str, size: int, cursor: str
) -> Page:
    """The audit: calls the caller took part in; officers also every call of their scope."""
    stations: list[str] | None = []
    if caller.is_officer:
        stations = None if caller.city_wide else sorted(caller.scope_org_ids | {caller.station_id})
    return ports.calls.page(
        station_ids=stations,
        party_id=caller.member_id,
        member_id=member_id,
        size=size,
        cursor=cursor,
    )


def cut_off(ports: LiveCallPorts, call: LiveCall, reason: EndReason) -> LiveCall | None:
    """End a live call for the system; None when it had ended, or changed meanwhile (the sweep
    or the consumer meets it again if it is still live)."""
    now = ports.clock.now()
    ended = live_call.cut_off(call, reason, now_ms=to_millis(now))
    if ended is None:
        return None
    try:
        return ports.calls.save(call, ended, [changed(ended, at=now)])
    except Conflict:
        return None


def end_overdue_calls(ports: LiveCallPorts) -> int:
    """The sweep: calls that rang unanswered too long, or outlived the maximum."""
    now_ms = to_millis(ports.clock.now())
    overdue = [
        c for c in ports.calls.live_calls() if live_call.overdue(c, ports.limits, now_ms=now_ms)
    ]
    return sum(cut_off(ports, c, EndReason.MAX_DURATION) is not None for c in overdue)


def on_task_event(ports: LiveCallPorts, event: Event) -> None:
    """A task's end ends the calls made about it."""
    data = event.data
    if event.type.rsplit(".", 1)[-1] not in TASK_ENDINGS:
        return
    if isinstance(data, task_events.TaskUpdated | task_events.TaskClosed) and data.task_id:
        for call in ports.calls.live_calls({"task_id": data.task_id}):
            cut_off(ports, call, EndReason.TASK_ENDED)


def on_member_event(ports: LiveCallPorts, event: Event) -> None:
    """A member suspended (or erased) mid-call is cut off, as the called member or as the
    officer calling."""
    if event.type.rsplit(".", 1)[-1] not in ("suspended", "erased"):
        return
    member_id = getattr(event.data, "member_id", "")
    if not member_id:
        return
    for query in ({"member_id": member_id}, {"officer_id": member_id}):
        for call in ports.calls.live_calls(query):
            cut_off(ports, call, EndReason.SUSPENDED)


def changed(call: LiveCall, *, at: datetime) -> tuple[str, Event]:
    """``shouwang.live_call.<ringing|accepted|declined|ended>`` to both parties."""
    kind = {"ringing": "ringing", "connected": "accepted"}.get(call.status.value, call.status.value)
    return LIVE_CALLS_TOPIC, Event(
        type=f"shouwang.live_call.{kind}",
        source=SOURCE,
        subject=call.call_id,
        time=at,
        id=f"live-call:{call.call_id}:{kind}",
        data=comms_pb2.LiveCallChanged(
            call_id=call.call_id,
            status=call.status.value,
            officer_id=call.officer_id,
            member_id=call.member_id,
            task_id=call.task_id,
            station_id=call.station_id,
            ended_by=call.ended_by,
            end_reason=str(call.end_reason),
            at=to_timestamp(at),
            connected_s=call.connected_ms / 1000,
            recipient_ids=list(call.parties),
        ),
    )


def call_message(ports: LiveCallPorts, call: LiveCall) -> comms_pb2.LiveCall:
    message = comms_pb2.LiveCall(
        call_id=call.call_id,
        officer_id=call.officer_id,
        member_id=call.member_id,
        station_id=call.station_id,
        task_id=call.task_id,
        status=call.status.value,
        created_at=timestamp_of_millis(call.created_at_ms),
        ended_by=call.ended_by,
        end_reason=str(call.end_reason),
        connected_s=call.connected_ms / 1000,
        ice_servers=ports.ice_servers,
    )
    if call.accepted_at_ms:
        message.accepted_at.CopyFrom(timestamp_of_millis(call.accepted_at_ms))
    if call.ended_at_ms:
        message.ended_at.CopyFrom(timestamp_of_millis(call.ended_at_ms))
    deadline = call.deadline_ms(ports.limits)
    if deadline:
        message.deadline.CopyFrom(timestamp_of_millis(deadline))
    return message
