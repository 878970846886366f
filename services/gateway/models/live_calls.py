"""Shapes of live video and voice calls (CONTRACT.md "Live video and voice"): the officer's
request, the call as both parties and the audit see it, and the WebRTC signals relayed between
the two (the browser's own RTCSessionDescriptionInit and RTCIceCandidateInit)."""

from __future__ import annotations

from typing import Annotated, Literal

from google.protobuf.struct_pb2 import Struct
from pydantic import ConfigDict, Field, StringConstraints

from services.gateway.models.common import Id, Page, PageQuery, timestamp_json
from shouwang.clock import rfc3339_of
from shouwang.comms.v1 import comms_pb2 as pb
from shouwang.typed_routes import ApiModel, ReplyModel

# comms refuses a signal over 32 KiB as a whole; these bound each part before it gets there.
MAX_SDP_CHARS = 30_000
MAX_CANDIDATE_CHARS = 1_000


class LiveCallDraft(ApiModel):
    """An officer asks a member for live video: the member must be on duty, or claim the task."""

    member_id: Id
    task_id: Id | None = Field(None, description="a task of the officer's that the member claimed")


class SignalPayload(ApiModel):
    """An offer's or answer's session description (``type``, ``sdp``), or an ICE candidate
    (``candidate``, ``sdpMid``, ``sdpMLineIndex``, ``usernameFragment``), as the browser gives
    them."""

    model_config = ConfigDict(extra="forbid", strict=True, populate_by_name=True)

    type: Literal["offer", "answer"] | None = None
    sdp: Annotated[str, StringConstraints(max_length=MAX_SDP_CHARS)] | None = None
    candidate: Annotated[str, StringConstraints(max_length=MAX_CANDIDATE_CHARS)] | None = None
    sdp_mid: Annotated[str, StringConstraints(max_length=64)] | None = Field(None, alias="sdpMid")
    sdp_m_line_index: Annotated[int, Field(ge=0, le=64)] | None = Field(None, alias="sdpMLineIndex")
    username_fragment: Annotated[str, StringConstraints(max_length=256)] | None = Field(
        None, alias="usernameFragment"
    )

    def to_struct(self) -> Struct:
        payload = Struct()
        payload.update(self.model_dump(by_alias=True, exclude_none=True))
        return payload


class Signal(ApiModel):
    """A WebRTC signal for the other party: ``offer`` and ``answer`` carry ``{type, sdp}``,
    ``candidate`` carries ``{candidate, sdpMid?, sdpMLineIndex?, usernameFragment?}``."""

    kind: Literal["offer", "answer", "candidate"]
    payload: SignalPayload


class SignalReply(ReplyModel):
    """The signal was relayed to the other party's streams."""

    call_id: str
    to_member_id: str


class IceServerView(ReplyModel):
    urls: list[str]
    username: str | None = None
    credential: str | None = None


class LiveCallView(ReplyModel):
    """A live call: who called whom, when, how long it was connected and how it ended."""

    call_id: str
    status: Literal["ringing", "connected", "declined", "ended"]
    officer_id: str
    member_id: str
    station_id: str
    task_id: str | None
    created_at: str
    accepted_at: str | None
    ended_at: str | None
    ended_by: str | None = Field(description="the party who ended or declined; null: the system")
    end_reason: (
        Literal["declined", "hung_up", "unanswered", "task_ended", "max_duration", "suspended"]
        | None
    )
    connected_s: float = Field(description="seconds from accept to end (or to now)")
    deadline: str | None = Field(
        description="when a ringing call stops ringing, or a connected one is cut off"
    )
    ice_servers: list[IceServerView] = Field(
        description="STUN/TURN servers for RTCPeerConnection (empty: host candidates only)"
    )

    @classmethod
    def from_proto(cls, call: pb.LiveCall) -> LiveCallView:
        return cls(
            call_id=call.call_id,
            status=call.status,  # type: ignore[arg-type]
            officer_id=call.officer_id,
            member_id=call.member_id,
            station_id=call.station_id,
            task_id=call.task_id or None,
            created_at=rfc3339_of(call.created_at),
            accepted_at=timestamp_json(call.accepted_at, present=call.HasField("accepted_at")),
            ended_at=timestamp_json(call.ended_at, present=call.HasField("ended_at")),
            ended_by=call.ended_by or None,
            end_reason=call.end_reason or None,  # type: ignore[arg-type]
            connected_s=call.connected_s,
            deadline=timestamp_json(call.deadline, present=call.HasField("deadline")),
            ice_servers=[
                IceServerView(
                    urls=list(s.urls), username=s.username or None, credential=s.credential or None
                )
                for s in call.ice_servers
            ],
        )


class LiveCallListQuery(PageQuery):
    member_id: Id | None = Field(None, description="officers: only this member's calls")


class LiveCallPage(Page):
    """Live calls newest first: the audit of who called whom, when and for how long."""

    calls: list[LiveCallView]
