"""Shapes of registration, sessions and the member record (CONTRACT.md "Identity")."""

from __future__ import annotations

from enum import StrEnum
from typing import Annotated

from pydantic import Field, StringConstraints

from services.gateway.models.common import OptionalId, Point
from shouwang.clock import rfc3339_of
from shouwang.identity.v1 import identity_pb2 as pb
from shouwang.identity.v1.vocabulary import ROLES, SKILLS
from shouwang.typed_routes import ApiModel, ReplyModel

Role = StrEnum("Role", {name.upper(): name for name in ROLES})
SkillName = StrEnum("SkillName", {name.upper(): name for name in SKILLS})
SkillNames = Annotated[list[SkillName], Field(max_length=len(SKILLS))]

# Bounds well above any real value, so nothing a caller sends costs more than a moment: the
# password hash runs over at most 128 characters.
PersonName = Annotated[str, StringConstraints(max_length=64)]
IdNumber = Annotated[str, StringConstraints(max_length=32)]
Phone = Annotated[str, StringConstraints(max_length=32)]
Password = Annotated[str, StringConstraints(max_length=128)]
Token = Annotated[str, StringConstraints(min_length=1, max_length=2048)]


class Consent(ApiModel):
    version: Annotated[str, StringConstraints(max_length=32)] = ""
    accepted: bool = False


class Registration(ApiModel):
    """A volunteer's real-name registration; identity judges the values (checksum, age...)."""

    name: PersonName
    id_number: IdNumber
    phone: Phone
    password: Password
    team_id: OptionalId = ""
    skills: SkillNames = []
    home: Point | None = Field(
        default=None, description="where the member lives: picks their grid, not stored itself"
    )
    consent: Consent = Field(default_factory=Consent)


class Registered(ReplyModel):
    """The new member, pending verification."""

    member_id: str
    status: str


class Credentials(ApiModel):
    phone: Phone
    password: Password


class RefreshGrant(ApiModel):
    refresh_token: Token


class MemberView(ReplyModel):
    """A member as officers and the member see them: masked personal data."""

    member_id: str
    name: str
    phone_masked: str
    id_number_masked: str
    roles: list[str]
    status: str
    team_id: str
    station_id: str
    grid_id: str
    skills: list[str]
    registered_at: str
    requested_team_id: str = Field(
        default="", description="a team the member asked to join, waiting for its officers"
    )

    @classmethod
    def from_proto(cls, member: pb.Member) -> MemberView:
        return cls(
            member_id=member.member_id,
            name=member.name,
            phone_masked=member.phone_masked,
            id_number_masked=member.id_number_masked,
            roles=list(member.roles),
            status=member.status,
            team_id=member.team_id,
            station_id=member.station_id,
            grid_id=member.grid_id,
            skills=list(member.skills),
            registered_at=rfc3339_of(member.registered_at),
            requested_team_id=member.requested_team_id,
        )


class Profile(MemberView):
    """The caller's own record, with duty state and points balance."""

    on_duty: bool
    points: int


class Session(ReplyModel):
    """A fresh token pair: the access token lasts ``expires_in`` seconds."""

    access_token: str
    token_type: str = "Bearer"
    expires_in: int
    refresh_token: str
    member: MemberView

    @classmethod
    def from_proto(cls, session: pb.Session) -> Session:
        return cls(
            access_token=session.access_token,
            expires_in=session.expires_in,
            refresh_token=session.refresh_token,
            member=MemberView.from_proto(session.member),
        )


class PasswordChange(ApiModel):
    """The current password proves it is the member; every other session ends."""

    current: Password
    new: Password


class ProfileChange(ApiModel):
    """What a member may change themselves; a team is requested, an officer decides."""

    skills: SkillNames | None = None
    team_id: OptionalId | None = Field(
        default=None, description='the team to ask to join; "" withdraws a request'
    )


class ExportedConsent(ReplyModel):
    version: str
    accepted_at: str | None


class ExportedSession(ReplyModel):
    session_id: str
    started_at: str
    revoked: bool


class ExportedRead(ReplyModel):
    """Someone's read of the member's personal data (or the member's own export)."""

    actor_id: str
    field: str
    reason: str
    at: str


class MemberExport(ReplyModel):
    """Everything identity holds about the caller, unmasked (PIPL art. 45)."""

    member_id: str
    name: str
    id_number: str
    phone: str
    roles: list[str]
    status: str
    team_id: str
    station_id: str
    grid_id: str
    skills: list[str]
    registered_at: str
    requested_team_id: str
    consent: ExportedConsent
    sessions: list[ExportedSession]
    reads_of_personal_data: list[ExportedRead]

    @classmethod
    def from_proto(cls, held: pb.MemberExport) -> MemberExport:
        member = held.member
        return cls(
            member_id=member.member_id,
            name=member.name,
            id_number=held.id_number,
            phone=held.phone,
            roles=list(member.roles),
            status=member.status,
            team_id=member.team_id,
            station_id=member.station_id,
            grid_id=member.grid_id,
            skills=list(member.skills),
            registered_at=rfc3339_of(member.registered_at),
            requested_team_id=member.requested_team_id,
            consent=ExportedConsent(
                version=held.consent.version,
                accepted_at=rfc3339_of(held.consent.accepted_at)
                if held.consent.HasField("accepted_at")
                else None,
            ),
            sessions=[
                ExportedSession(
                    session_id=session.session_id,
                    started_at=rfc3339_of(session.started_at),
                    revoked=session.revoked,
                )
                for session in held.sessions
            ],
            reads_of_personal_data=[
                ExportedRead(
                    actor_id=read.actor_id,
                    field=read.field,
                    reason=read.reason,
                    at=rfc3339_of(read.at),
                )
                for read in held.audit
            ],
        )
