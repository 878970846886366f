"""Live video and voice endpoints (CONTRACT.md "Live video and voice"): the call's record and its
signals go through comms, which publishes them for the gateways to push to the two parties'
streams only; the media go browser to browser (docs/live-calls.md)."""

from __future__ import annotations

from functools import partial

from services.gateway.access import Access
from services.gateway.auth import Caller
from services.gateway.clients import OptionalService
from services.gateway.context import GatewayContext
from services.gateway.models.live_calls import (
    LiveCallDraft,
    LiveCallListQuery,
    LiveCallPage,
    LiveCallView,
    Signal,
    SignalReply,
)
from services.gateway.scope import caller_message
from shouwang.comms.v1 import comms_pb2 as pb
from shouwang.errors import Conflict, FieldError, InvalidArgument
from shouwang.tasks.v1 import tasks_pb2
from shouwang.typed_routes import TypedRoutes

# A call about a task needs the task still in hand (its end ends the call anyway).
TASK_IN_HAND = ("claimed", "on_scene", "resolved")


def routes(context: GatewayContext) -> TypedRoutes:
    api = TypedRoutes("live_calls", tag="live calls", idempotency=context.idempotent)

    comms = OptionalService(context.clients, "comms")
    scoped = partial(caller_message, context.clients.identity, pb.Caller)

    def check_task(caller: Caller, task_id: str, member_id: str) -> None:
        """The task must be the officer's to see (404 otherwise), in hand and claimed by the
        member."""
        task = context.clients.tasks.GetTask(
            tasks_pb2.GetTaskRequest(
                caller=caller_message(context.clients.identity, tasks_pb2.Caller, caller),
                task_id=task_id,
            )
        )
        if task.status not in TASK_IN_HAND:
            raise Conflict(detail=f"the task is {task.status}; calls are about tasks in hand")
        if member_id not in {c.member_id for c in task.claims}:
            raise InvalidArgument(
                detail="the member is not on this task",
                errors=[FieldError("task_id", "the member has not claimed this task")],
            )

    @api.post(
        "/live-calls",
        summary="Ask a member of the officer's scope for live video and voice; rings their app",
        description="The member must be on duty, or have claimed `task_id` (the call then ends "
        "with the task). One live call per member at a time (409).",
        access=Access.OFFICER,
        body=LiveCallDraft,
        reply=LiveCallView,
        status=201,
        idempotent=True,
        errors=(409,),
    )
    def start_live_call(caller: Caller, body: LiveCallDraft) -> LiveCallView:
        if body.task_id:
            check_task(caller, body.task_id, body.member_id)
        call = comms.StartLiveCall(
            pb.StartLiveCallRequest(
                caller=scoped(caller), member_id=body.member_id, task_id=body.task_id or ""
            )
        )
        return LiveCallView.from_proto(call)

    @api.get(
        "/live-calls",
        summary="The audit of live calls: the caller's own, and officers' every call of their "
        "scope; newest first",
        access=Access.MEMBER,
        query=LiveCallListQuery,
        reply=LiveCallPage,
    )
    def list_live_calls(caller: Caller, query: LiveCallListQuery) -> LiveCallPage:
        reply = comms.ListLiveCalls(
            pb.ListLiveCallsRequest(
                caller=scoped(caller),
                member_id=query.member_id or "",
                page_size=query.limit,
                page_token=query.cursor or "",
            )
        )
        return LiveCallPage(
            calls=[LiveCallView.from_proto(c) for c in reply.calls],
            next_cursor=reply.next_page_token or None,
        )

    @api.get(
        "/live-calls/{call_id}",
        summary="A live call, to its parties and the officers of its station",
        access=Access.MEMBER,
        reply=LiveCallView,
    )
    def get_live_call(caller: Caller, call_id: str) -> LiveCallView:
        request = pb.LiveCallRequest(caller=scoped(caller), call_id=call_id)
        return LiveCallView.from_proto(comms.GetLiveCall(request))

    def act(rpc: str, caller: Caller, call_id: str) -> LiveCallView:
        request = pb.LiveCallRequest(caller=scoped(caller), call_id=call_id)
        return LiveCallView.from_proto(getattr(comms, rpc)(request))

    @api.post(
        "/live-calls/{call_id}/accept",
        summary="The called member accepts: the call is connected",
        access=Access.MEMBER,
        reply=LiveCallView,
        errors=(409,),
    )
    def accept_live_call(caller: Caller, call_id: str) -> LiveCallView:
        return act("AcceptLiveCall", caller, call_id)

    @api.post(
        "/live-calls/{call_id}/decline",
        summary="The called member declines: the call never connects",
        access=Access.MEMBER,
        reply=LiveCallView,
        errors=(409,),
    )
    def decline_live_call(caller: Caller, call_id: str) -> LiveCallView:
        return act("DeclineLiveCall", caller, call_id)

    @api.post(
        "/live-calls/{call_id}/end",
        summary="Either party ends the call, ringing or connected",
        access=Access.MEMBER,
        reply=LiveCallView,
        errors=(409,),
    )
    def end_live_call(caller: Caller, call_id: str) -> LiveCallView:
        return act("EndLiveCall", caller, call_id)

    @api.post(
        "/live-calls/{call_id}/signal",
        summary="Relay a WebRTC offer, answer or ICE candidate to the other party's stream",
        description="Delivered on the other party's `/stream` as `shouwang.live_call.signal` "
        "`{call_id, from_member_id, kind, payload}`; only while the call rings or is connected "
        "(409 after), at most 32 KiB (422).",
        access=Access.MEMBER,
        body=Signal,
        reply=SignalReply,
        errors=(409,),
    )
    def signal_live_call(caller: Caller, call_id: str, body: Signal) -> SignalReply:
        check_signal_shape(body)
        reply = comms.SignalLiveCall(
            pb.SignalLiveCallRequest(
                caller=scoped(caller),
                call_id=call_id,
                kind=body.kind,
                payload=body.payload.to_struct(),
            )
        )
        return SignalReply(call_id=reply.call_id, to_member_id=reply.to_member_id)

    return api


def check_signal_shape(signal: Signal) -> None:
    """An offer or answer is a session description of its own kind; a candidate is a candidate
    (an empty ``candidate`` is the end of candidates)."""
    payload, errors = signal.payload, []
    if signal.kind in ("offer", "answer"):
        if payload.type != signal.kind:
            errors.append(
                FieldError("payload.type", f"must be {signal.kind!r} for an {signal.kind}")
            )
        if not payload.sdp:
            errors.append(FieldError("payload.sdp", "the session description is missing"))
        if payload.candidate is not None:
            errors.append(FieldError("payload.candidate", "an offer or answer has no candidate"))
    else:
        if payload.candidate is None:
            errors.append(FieldError("payload.candidate", "the ICE candidate is missing"))
        if payload.sdp is not None or payload.type is not None:
            errors.append(FieldError("payload.sdp", "a candidate has no session description"))
    if errors:
        raise InvalidArgument(detail=f"the {signal.kind} is not well formed", errors=errors)
