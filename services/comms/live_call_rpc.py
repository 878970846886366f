"""The live-call methods of comms' gRPC servicer (mixed into ``CommsServicer``): protobuf in,
use cases, protobuf out."""

from __future__ import annotations

from services.comms import live_calls as cases
from services.comms.live_calls import LiveCallPorts
from shouwang.comms.v1 import comms_pb2 as pb
from shouwang.comms.v1 import comms_pb2_grpc
from shouwang.errors import Unavailable
from shouwang.scope import Caller


class LiveCallRpcs(comms_pb2_grpc.CommsServiceServicer):
    live_calls: LiveCallPorts | None = None

    def _live(self) -> LiveCallPorts:
        if self.live_calls is None:
            raise Unavailable(detail="live calls are not configured")
        return self.live_calls

    def StartLiveCall(self, request, context):  # noqa: N802 - the RPC's name
        ports = self._live()
        call = cases.start_call(
            ports,
            Caller.from_message(request.caller),
            member_id=request.member_id,
            task_id=request.task_id,
        )
        return cases.call_message(ports, call)

    def AcceptLiveCall(self, request, context):  # noqa: N802 - the RPC's name
        ports = self._live()
        caller = Caller.from_message(request.caller)
        return cases.call_message(ports, cases.accept_call(ports, caller, request.call_id))

    def DeclineLiveCall(self, request, context):  # noqa: N802 - the RPC's name
        ports = self._live()
        caller = Caller.from_message(request.caller)
        return cases.call_message(ports, cases.decline_call(ports, caller, request.call_id))

    def EndLiveCall(self, request, context):  # noqa: N802 - the RPC's name
        ports = self._live()
        caller = Caller.from_message(request.caller)
        return cases.call_message(ports, cases.end_call(ports, caller, request.call_id))

    def GetLiveCall(self, request, context):  # noqa: N802 - the RPC's name
        ports = self._live()
        caller = Caller.from_message(request.caller)
        return cases.call_message(ports, cases.visible_call(ports, caller, request.call_id))

    def SignalLiveCall(self, request, context):  # noqa: N802 - the RPC's name
        to = cases.relay_signal(
            self._live(),
            Caller.from_message(request.caller),
            request.call_id,
            kind=request.kind,
            payload=request.payload,
        )
        return pb.SignalLiveCallReply(call_id=request.call_id, to_member_id=to)

    def ListLiveCalls(self, request, context):  # noqa: N802 - the RPC's name
        ports = self._live()
        page = cases.list_calls(
            ports,
            Caller.from_message(request.caller),
            member_id=request.member_id,
            size=request.page_size,
            cursor=request.page_token,
        )
        return pb.LiveCallList(
            calls=[cases.call_message(ports, c) for c in page.items],
            next_page_token=page.next_cursor,
        )
