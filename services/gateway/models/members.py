"""Shapes of the officers' member endpoints: the scoped list, decisions, roles, audited reads."""

from __future__ import annotations

from enum import StrEnum
from typing import Annotated, Literal

from pydantic import Field, StringConstraints

from services.gateway.models.common import OptionalId, Page, PageQuery, ShortText
from services.gateway.models.identity import MemberView, Role
from shouwang.clock import rfc3339_of
from shouwang.identity.v1 import identity_pb2 as pb
from shouwang.typed_routes import ApiModel, ReplyModel


class MemberStatus(StrEnum):
    PENDING = "pending"
    VERIFIED = "verified"
    REJECTED = "rejected"
    SUSPENDED = "suspended"
    ERASED = "erased"


class MemberQuery(PageQuery):
    """Filters of the member list; an officer sees their station's members (see identity)."""

    status: MemberStatus | None = None
    team_id: OptionalId = ""
    grid_id: OptionalId = ""
    requested_team_id: OptionalId = Field(
        default="", description="members asking to join this team (the team-change queue)"
    )


class MemberPage(Page):
    members: list[MemberView]

    @classmethod
    def from_proto(cls, reply: pb.MemberList) -> MemberPage:
        return cls(
            members=[MemberView.from_proto(member) for member in reply.members],
            next_cursor=reply.next_page_token or None,
        )


class Verdict(ApiModel):
    """An officer's decision on a pending member."""

    decision: Literal["approve", "reject"]
    reason: ShortText = ""


class RoleAssignment(ApiModel):
    """The roles a member holds from now on, and the station or team that places them."""

    roles: Annotated[list[Role], Field(min_length=1, max_length=len(Role))]
    org_id: OptionalId = ""


class RevealRequest(ApiModel):
    """An administrator's unmasked read of one field, with the reason the audit keeps."""

    field: Literal["id_number", "phone"]
    reason: Annotated[str, StringConstraints(max_length=500)]


class RevealedValue(ReplyModel):
    member_id: str
    field: str
    value: str


class TeamChangeDecision(ApiModel):
    """An officer of the requested team's station moves the member there, or declines."""

    approve: bool


class AuditQuery(PageQuery):
    member_id: OptionalId = ""
    actor_id: OptionalId = ""


class AuditRecordView(ReplyModel):
    """Who read whose personal data, which field, why and when."""

    audit_id: str
    actor_id: str
    member_id: str
    field: str
    reason: str
    at: str

    @classmethod
    def from_proto(cls, record: pb.AuditRecord) -> AuditRecordView:
        return cls(
            audit_id=record.audit_id,
            actor_id=record.actor_id,
            member_id=record.member_id,
            field=record.field,
            reason=record.reason,
            at=rfc3339_of(record.at),
        )


class AuditPage(Page):
    records: list[AuditRecordView]

    @classmethod
    def from_proto(cls, reply: pb.AuditRecordList) -> AuditPage:
        return cls(
            records=[AuditRecordView.from_proto(record) for record in reply.records],
            next_cursor=reply.next_page_token or None,
        )
