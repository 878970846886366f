import datetime

from google.protobuf import timestamp_pb2 as _timestamp_pb2
from google.protobuf.internal import containers as _containers
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from collections.abc import Iterable as _Iterable, Mapping as _Mapping
from typing import ClassVar as _ClassVar, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class Actor(_message.Message):
    __slots__ = ("member_id", "roles", "org_id")
    MEMBER_ID_FIELD_NUMBER: _ClassVar[int]
    ROLES_FIELD_NUMBER: _ClassVar[int]
    ORG_ID_FIELD_NUMBER: _ClassVar[int]
    member_id: str
    roles: _containers.RepeatedScalarFieldContainer[str]
    org_id: str
    def __init__(self, member_id: _Optional[str] = ..., roles: _Optional[_Iterable[str]] = ..., org_id: _Optional[str] = ...) -> None: ...

class Consent(_message.Message):
    __slots__ = ("version", "accepted")
    VERSION_FIELD_NUMBER: _ClassVar[int]
    ACCEPTED_FIELD_NUMBER: _ClassVar[int]
    version: str
    accepted: bool
    def __init__(self, version: _Optional[str] = ..., accepted: _Optional[bool] = ...) -> None: ...

class Point(_message.Message):
    __slots__ = ("lat", "lon")
    LAT_FIELD_NUMBER: _ClassVar[int]
    LON_FIELD_NUMBER: _ClassVar[int]
    lat: float
    lon: float
    def __init__(self, lat: _Optional[float] = ..., lon: _Optional[float] = ...) -> None: ...

class RegisterMemberRequest(_message.Message):
    __slots__ = ("name", "id_number", "phone", "password", "team_id", "skills", "consent", "home", "validate_only")
    NAME_FIELD_NUMBER: _ClassVar[int]
    ID_NUMBER_FIELD_NUMBER: _ClassVar[int]
    PHONE_FIELD_NUMBER: _ClassVar[int]
    PASSWORD_FIELD_NUMBER: _ClassVar[int]
    TEAM_ID_FIELD_NUMBER: _ClassVar[int]
    SKILLS_FIELD_NUMBER: _ClassVar[int]
    CONSENT_FIELD_NUMBER: _ClassVar[int]
    HOME_FIELD_NUMBER: _ClassVar[int]
    VALIDATE_ONLY_FIELD_NUMBER: _ClassVar[int]
    name: str
    id_number: str
    phone: str
    password: str
    team_id: str
    skills: _containers.RepeatedScalarFieldContainer[str]
    consent: Consent
    home: Point
    validate_only: bool
    def __init__(self, name: _Optional[str] = ..., id_number: _Optional[str] = ..., phone: _Optional[str] = ..., password: _Optional[str] = ..., team_id: _Optional[str] = ..., skills: _Optional[_Iterable[str]] = ..., consent: _Optional[_Union[Consent, _Mapping]] = ..., home: _Optional[_Union[Point, _Mapping]] = ..., validate_only: _Optional[bool] = ...) -> None: ...

class RegisterMemberResponse(_message.Message):
    __slots__ = ("member_id", "status")
    MEMBER_ID_FIELD_NUMBER: _ClassVar[int]
    STATUS_FIELD_NUMBER: _ClassVar[int]
    member_id: str
    status: str
    def __init__(self, member_id: _Optional[str] = ..., status: _Optional[str] = ...) -> None: ...

class Member(_message.Message):
    __slots__ = ("member_id", "name", "phone_masked", "id_number_masked", "roles", "status", "team_id", "skills", "registered_at", "station_id", "grid_id", "org_id", "token_version", "requested_team_id")
    MEMBER_ID_FIELD_NUMBER: _ClassVar[int]
    NAME_FIELD_NUMBER: _ClassVar[int]
    PHONE_MASKED_FIELD_NUMBER: _ClassVar[int]
    ID_NUMBER_MASKED_FIELD_NUMBER: _ClassVar[int]
    ROLES_FIELD_NUMBER: _ClassVar[int]
    STATUS_FIELD_NUMBER: _ClassVar[int]
    TEAM_ID_FIELD_NUMBER: _ClassVar[int]
    SKILLS_FIELD_NUMBER: _ClassVar[int]
    REGISTERED_AT_FIELD_NUMBER: _ClassVar[int]
    STATION_ID_FIELD_NUMBER: _ClassVar[int]
    GRID_ID_FIELD_NUMBER: _ClassVar[int]
    ORG_ID_FIELD_NUMBER: _ClassVar[int]
    TOKEN_VERSION_FIELD_NUMBER: _ClassVar[int]
    REQUESTED_TEAM_ID_FIELD_NUMBER: _ClassVar[int]
    member_id: str
    name: str
    phone_masked: str
    id_number_masked: str
    roles: _containers.RepeatedScalarFieldContainer[str]
    status: str
    team_id: str
    skills: _containers.RepeatedScalarFieldContainer[str]
    registered_at: _timestamp_pb2.Timestamp
    station_id: str
    grid_id: str
    org_id: str
    token_version: int
    requested_team_id: str
    def __init__(self, member_id: _Optional[str] = ..., name: _Optional[str] = ..., phone_masked: _Optional[str] = ..., id_number_masked: _Optional[str] = ..., roles: _Optional[_Iterable[str]] = ..., status: _Optional[str] = ..., team_id: _Optional[str] = ..., skills: _Optional[_Iterable[str]] = ..., registered_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., station_id: _Optional[str] = ..., grid_id: _Optional[str] = ..., org_id: _Optional[str] = ..., token_version: _Optional[int] = ..., requested_team_id: _Optional[str] = ...) -> None: ...

class MemberList(_message.Message):
    __slots__ = ("members", "next_page_token")
    MEMBERS_FIELD_NUMBER: _ClassVar[int]
    NEXT_PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    members: _containers.RepeatedCompositeFieldContainer[Member]
    next_page_token: str
    def __init__(self, members: _Optional[_Iterable[_Union[Member, _Mapping]]] = ..., next_page_token: _Optional[str] = ...) -> None: ...

class GetMemberRequest(_message.Message):
    __slots__ = ("member_id", "actor")
    MEMBER_ID_FIELD_NUMBER: _ClassVar[int]
    ACTOR_FIELD_NUMBER: _ClassVar[int]
    member_id: str
    actor: Actor
    def __init__(self, member_id: _Optional[str] = ..., actor: _Optional[_Union[Actor, _Mapping]] = ...) -> None: ...

class GetMembersRequest(_message.Message):
    __slots__ = ("member_ids",)
    MEMBER_IDS_FIELD_NUMBER: _ClassVar[int]
    member_ids: _containers.RepeatedScalarFieldContainer[str]
    def __init__(self, member_ids: _Optional[_Iterable[str]] = ...) -> None: ...

class ListMembersRequest(_message.Message):
    __slots__ = ("actor", "status", "team_id", "grid_id", "page_size", "page_token", "requested_team_id")
    ACTOR_FIELD_NUMBER: _ClassVar[int]
    STATUS_FIELD_NUMBER: _ClassVar[int]
    TEAM_ID_FIELD_NUMBER: _ClassVar[int]
    GRID_ID_FIELD_NUMBER: _ClassVar[int]
    PAGE_SIZE_FIELD_NUMBER: _ClassVar[int]
    PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    REQUESTED_TEAM_ID_FIELD_NUMBER: _ClassVar[int]
    actor: Actor
    status: str
    team_id: str
    grid_id: str
    page_size: int
    page_token: str
    requested_team_id: str
    def __init__(self, actor: _Optional[_Union[Actor, _Mapping]] = ..., status: _Optional[str] = ..., team_id: _Optional[str] = ..., grid_id: _Optional[str] = ..., page_size: _Optional[int] = ..., page_token: _Optional[str] = ..., requested_team_id: _Optional[str] = ...) -> None: ...

class VerifyMemberRequest(_message.Message):
    __slots__ = ("actor", "member_id", "decision", "reason")
    ACTOR_FIELD_NUMBER: _ClassVar[int]
    MEMBER_ID_FIELD_NUMBER: _ClassVar[int]
    DECISION_FIELD_NUMBER: _ClassVar[int]
    REASON_FIELD_NUMBER: _ClassVar[int]
    actor: Actor
    member_id: str
    decision: str
    reason: str
    def __init__(self, actor: _Optional[_Union[Actor, _Mapping]] = ..., member_id: _Optional[str] = ..., decision: _Optional[str] = ..., reason: _Optional[str] = ...) -> None: ...

class SuspendMemberRequest(_message.Message):
    __slots__ = ("actor", "member_id", "reason")
    ACTOR_FIELD_NUMBER: _ClassVar[int]
    MEMBER_ID_FIELD_NUMBER: _ClassVar[int]
    REASON_FIELD_NUMBER: _ClassVar[int]
    actor: Actor
    member_id: str
    reason: str
    def __init__(self, actor: _Optional[_Union[Actor, _Mapping]] = ..., member_id: _Optional[str] = ..., reason: _Optional[str] = ...) -> None: ...

class SetRolesRequest(_message.Message):
    __slots__ = ("actor", "member_id", "roles", "org_id")
    ACTOR_FIELD_NUMBER: _ClassVar[int]
    MEMBER_ID_FIELD_NUMBER: _ClassVar[int]
    ROLES_FIELD_NUMBER: _ClassVar[int]
    ORG_ID_FIELD_NUMBER: _ClassVar[int]
    actor: Actor
    member_id: str
    roles: _containers.RepeatedScalarFieldContainer[str]
    org_id: str
    def __init__(self, actor: _Optional[_Union[Actor, _Mapping]] = ..., member_id: _Optional[str] = ..., roles: _Optional[_Iterable[str]] = ..., org_id: _Optional[str] = ...) -> None: ...

class CheckEligibilityRequest(_message.Message):
    __slots__ = ("member_id",)
    MEMBER_ID_FIELD_NUMBER: _ClassVar[int]
    member_id: str
    def __init__(self, member_id: _Optional[str] = ...) -> None: ...

class Eligibility(_message.Message):
    __slots__ = ("eligible", "status", "reason")
    ELIGIBLE_FIELD_NUMBER: _ClassVar[int]
    STATUS_FIELD_NUMBER: _ClassVar[int]
    REASON_FIELD_NUMBER: _ClassVar[int]
    eligible: bool
    status: str
    reason: str
    def __init__(self, eligible: _Optional[bool] = ..., status: _Optional[str] = ..., reason: _Optional[str] = ...) -> None: ...

class LoginRequest(_message.Message):
    __slots__ = ("phone", "password", "client_address")
    PHONE_FIELD_NUMBER: _ClassVar[int]
    PASSWORD_FIELD_NUMBER: _ClassVar[int]
    CLIENT_ADDRESS_FIELD_NUMBER: _ClassVar[int]
    phone: str
    password: str
    client_address: str
    def __init__(self, phone: _Optional[str] = ..., password: _Optional[str] = ..., client_address: _Optional[str] = ...) -> None: ...

class RefreshRequest(_message.Message):
    __slots__ = ("refresh_token",)
    REFRESH_TOKEN_FIELD_NUMBER: _ClassVar[int]
    refresh_token: str
    def __init__(self, refresh_token: _Optional[str] = ...) -> None: ...

class LogoutRequest(_message.Message):
    __slots__ = ("actor", "refresh_token")
    ACTOR_FIELD_NUMBER: _ClassVar[int]
    REFRESH_TOKEN_FIELD_NUMBER: _ClassVar[int]
    actor: Actor
    refresh_token: str
    def __init__(self, actor: _Optional[_Union[Actor, _Mapping]] = ..., refresh_token: _Optional[str] = ...) -> None: ...

class LogoutResponse(_message.Message):
    __slots__ = ("token_version",)
    TOKEN_VERSION_FIELD_NUMBER: _ClassVar[int]
    token_version: int
    def __init__(self, token_version: _Optional[int] = ...) -> None: ...

class RefreshResponse(_message.Message):
    __slots__ = ("session", "revoked")
    SESSION_FIELD_NUMBER: _ClassVar[int]
    REVOKED_FIELD_NUMBER: _ClassVar[int]
    session: Session
    revoked: MemberTokenVersion
    def __init__(self, session: _Optional[_Union[Session, _Mapping]] = ..., revoked: _Optional[_Union[MemberTokenVersion, _Mapping]] = ...) -> None: ...

class ChangePasswordRequest(_message.Message):
    __slots__ = ("actor", "current_password", "new_password")
    ACTOR_FIELD_NUMBER: _ClassVar[int]
    CURRENT_PASSWORD_FIELD_NUMBER: _ClassVar[int]
    NEW_PASSWORD_FIELD_NUMBER: _ClassVar[int]
    actor: Actor
    current_password: str
    new_password: str
    def __init__(self, actor: _Optional[_Union[Actor, _Mapping]] = ..., current_password: _Optional[str] = ..., new_password: _Optional[str] = ...) -> None: ...

class SkillSet(_message.Message):
    __slots__ = ("skills",)
    SKILLS_FIELD_NUMBER: _ClassVar[int]
    skills: _containers.RepeatedScalarFieldContainer[str]
    def __init__(self, skills: _Optional[_Iterable[str]] = ...) -> None: ...

class UpdateProfileRequest(_message.Message):
    __slots__ = ("actor", "skills", "team_id")
    ACTOR_FIELD_NUMBER: _ClassVar[int]
    SKILLS_FIELD_NUMBER: _ClassVar[int]
    TEAM_ID_FIELD_NUMBER: _ClassVar[int]
    actor: Actor
    skills: SkillSet
    team_id: str
    def __init__(self, actor: _Optional[_Union[Actor, _Mapping]] = ..., skills: _Optional[_Union[SkillSet, _Mapping]] = ..., team_id: _Optional[str] = ...) -> None: ...

class DecideTeamChangeRequest(_message.Message):
    __slots__ = ("actor", "member_id", "approve")
    ACTOR_FIELD_NUMBER: _ClassVar[int]
    MEMBER_ID_FIELD_NUMBER: _ClassVar[int]
    APPROVE_FIELD_NUMBER: _ClassVar[int]
    actor: Actor
    member_id: str
    approve: bool
    def __init__(self, actor: _Optional[_Union[Actor, _Mapping]] = ..., member_id: _Optional[str] = ..., approve: _Optional[bool] = ...) -> None: ...

class ExportMemberRequest(_message.Message):
    __slots__ = ("actor",)
    ACTOR_FIELD_NUMBER: _ClassVar[int]
    actor: Actor
    def __init__(self, actor: _Optional[_Union[Actor, _Mapping]] = ...) -> None: ...

class ConsentRecord(_message.Message):
    __slots__ = ("version", "accepted_at")
    VERSION_FIELD_NUMBER: _ClassVar[int]
    ACCEPTED_AT_FIELD_NUMBER: _ClassVar[int]
    version: str
    accepted_at: _timestamp_pb2.Timestamp
    def __init__(self, version: _Optional[str] = ..., accepted_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ...) -> None: ...

class SessionRecord(_message.Message):
    __slots__ = ("session_id", "started_at", "revoked")
    SESSION_ID_FIELD_NUMBER: _ClassVar[int]
    STARTED_AT_FIELD_NUMBER: _ClassVar[int]
    REVOKED_FIELD_NUMBER: _ClassVar[int]
    session_id: str
    started_at: _timestamp_pb2.Timestamp
    revoked: bool
    def __init__(self, session_id: _Optional[str] = ..., started_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., revoked: _Optional[bool] = ...) -> None: ...

class MemberExport(_message.Message):
    __slots__ = ("member", "id_number", "phone", "consent", "sessions", "audit")
    MEMBER_FIELD_NUMBER: _ClassVar[int]
    ID_NUMBER_FIELD_NUMBER: _ClassVar[int]
    PHONE_FIELD_NUMBER: _ClassVar[int]
    CONSENT_FIELD_NUMBER: _ClassVar[int]
    SESSIONS_FIELD_NUMBER: _ClassVar[int]
    AUDIT_FIELD_NUMBER: _ClassVar[int]
    member: Member
    id_number: str
    phone: str
    consent: ConsentRecord
    sessions: _containers.RepeatedCompositeFieldContainer[SessionRecord]
    audit: _containers.RepeatedCompositeFieldContainer[AuditRecord]
    def __init__(self, member: _Optional[_Union[Member, _Mapping]] = ..., id_number: _Optional[str] = ..., phone: _Optional[str] = ..., consent: _Optional[_Union[ConsentRecord, _Mapping]] = ..., sessions: _Optional[_Iterable[_Union[SessionRecord, _Mapping]]] = ..., audit: _Optional[_Iterable[_Union[AuditRecord, _Mapping]]] = ...) -> None: ...

class EraseMemberRequest(_message.Message):
    __slots__ = ("actor",)
    ACTOR_FIELD_NUMBER: _ClassVar[int]
    actor: Actor
    def __init__(self, actor: _Optional[_Union[Actor, _Mapping]] = ...) -> None: ...

class Session(_message.Message):
    __slots__ = ("access_token", "expires_in", "refresh_token", "member")
    ACCESS_TOKEN_FIELD_NUMBER: _ClassVar[int]
    EXPIRES_IN_FIELD_NUMBER: _ClassVar[int]
    REFRESH_TOKEN_FIELD_NUMBER: _ClassVar[int]
    MEMBER_FIELD_NUMBER: _ClassVar[int]
    access_token: str
    expires_in: int
    refresh_token: str
    member: Member
    def __init__(self, access_token: _Optional[str] = ..., expires_in: _Optional[int] = ..., refresh_token: _Optional[str] = ..., member: _Optional[_Union[Member, _Mapping]] = ...) -> None: ...

class GetSigningKeysRequest(_message.Message):
    __slots__ = ()
    def __init__(self) -> None: ...

class SigningKey(_message.Message):
    __slots__ = ("key_id", "algorithm", "public_key_pem")
    KEY_ID_FIELD_NUMBER: _ClassVar[int]
    ALGORITHM_FIELD_NUMBER: _ClassVar[int]
    PUBLIC_KEY_PEM_FIELD_NUMBER: _ClassVar[int]
    key_id: str
    algorithm: str
    public_key_pem: str
    def __init__(self, key_id: _Optional[str] = ..., algorithm: _Optional[str] = ..., public_key_pem: _Optional[str] = ...) -> None: ...

class SigningKeys(_message.Message):
    __slots__ = ("keys",)
    KEYS_FIELD_NUMBER: _ClassVar[int]
    keys: _containers.RepeatedCompositeFieldContainer[SigningKey]
    def __init__(self, keys: _Optional[_Iterable[_Union[SigningKey, _Mapping]]] = ...) -> None: ...

class Org(_message.Message):
    __slots__ = ("org_id", "name", "kind", "parent_id")
    ORG_ID_FIELD_NUMBER: _ClassVar[int]
    NAME_FIELD_NUMBER: _ClassVar[int]
    KIND_FIELD_NUMBER: _ClassVar[int]
    PARENT_ID_FIELD_NUMBER: _ClassVar[int]
    org_id: str
    name: str
    kind: str
    parent_id: str
    def __init__(self, org_id: _Optional[str] = ..., name: _Optional[str] = ..., kind: _Optional[str] = ..., parent_id: _Optional[str] = ...) -> None: ...

class OrgList(_message.Message):
    __slots__ = ("orgs", "next_page_token")
    ORGS_FIELD_NUMBER: _ClassVar[int]
    NEXT_PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    orgs: _containers.RepeatedCompositeFieldContainer[Org]
    next_page_token: str
    def __init__(self, orgs: _Optional[_Iterable[_Union[Org, _Mapping]]] = ..., next_page_token: _Optional[str] = ...) -> None: ...

class CreateOrgRequest(_message.Message):
    __slots__ = ("actor", "name", "kind", "parent_id")
    ACTOR_FIELD_NUMBER: _ClassVar[int]
    NAME_FIELD_NUMBER: _ClassVar[int]
    KIND_FIELD_NUMBER: _ClassVar[int]
    PARENT_ID_FIELD_NUMBER: _ClassVar[int]
    actor: Actor
    name: str
    kind: str
    parent_id: str
    def __init__(self, actor: _Optional[_Union[Actor, _Mapping]] = ..., name: _Optional[str] = ..., kind: _Optional[str] = ..., parent_id: _Optional[str] = ...) -> None: ...

class ListOrgsRequest(_message.Message):
    __slots__ = ("actor", "page_size", "page_token")
    ACTOR_FIELD_NUMBER: _ClassVar[int]
    PAGE_SIZE_FIELD_NUMBER: _ClassVar[int]
    PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    actor: Actor
    page_size: int
    page_token: str
    def __init__(self, actor: _Optional[_Union[Actor, _Mapping]] = ..., page_size: _Optional[int] = ..., page_token: _Optional[str] = ...) -> None: ...

class ResolveScopeRequest(_message.Message):
    __slots__ = ("actor",)
    ACTOR_FIELD_NUMBER: _ClassVar[int]
    actor: Actor
    def __init__(self, actor: _Optional[_Union[Actor, _Mapping]] = ...) -> None: ...

class Scope(_message.Message):
    __slots__ = ("city_wide", "org_ids")
    CITY_WIDE_FIELD_NUMBER: _ClassVar[int]
    ORG_IDS_FIELD_NUMBER: _ClassVar[int]
    city_wide: bool
    org_ids: _containers.RepeatedScalarFieldContainer[str]
    def __init__(self, city_wide: _Optional[bool] = ..., org_ids: _Optional[_Iterable[str]] = ...) -> None: ...

class Grid(_message.Message):
    __slots__ = ("grid_id", "name", "level", "parent_id", "geometry_json")
    GRID_ID_FIELD_NUMBER: _ClassVar[int]
    NAME_FIELD_NUMBER: _ClassVar[int]
    LEVEL_FIELD_NUMBER: _ClassVar[int]
    PARENT_ID_FIELD_NUMBER: _ClassVar[int]
    GEOMETRY_JSON_FIELD_NUMBER: _ClassVar[int]
    grid_id: str
    name: str
    level: int
    parent_id: str
    geometry_json: str
    def __init__(self, grid_id: _Optional[str] = ..., name: _Optional[str] = ..., level: _Optional[int] = ..., parent_id: _Optional[str] = ..., geometry_json: _Optional[str] = ...) -> None: ...

class GridList(_message.Message):
    __slots__ = ("grids", "next_page_token")
    GRIDS_FIELD_NUMBER: _ClassVar[int]
    NEXT_PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    grids: _containers.RepeatedCompositeFieldContainer[Grid]
    next_page_token: str
    def __init__(self, grids: _Optional[_Iterable[_Union[Grid, _Mapping]]] = ..., next_page_token: _Optional[str] = ...) -> None: ...

class CreateGridRequest(_message.Message):
    __slots__ = ("actor", "name", "level", "parent_id", "geometry_json")
    ACTOR_FIELD_NUMBER: _ClassVar[int]
    NAME_FIELD_NUMBER: _ClassVar[int]
    LEVEL_FIELD_NUMBER: _ClassVar[int]
    PARENT_ID_FIELD_NUMBER: _ClassVar[int]
    GEOMETRY_JSON_FIELD_NUMBER: _ClassVar[int]
    actor: Actor
    name: str
    level: int
    parent_id: str
    geometry_json: str
    def __init__(self, actor: _Optional[_Union[Actor, _Mapping]] = ..., name: _Optional[str] = ..., level: _Optional[int] = ..., parent_id: _Optional[str] = ..., geometry_json: _Optional[str] = ...) -> None: ...

class ListGridsRequest(_message.Message):
    __slots__ = ("actor", "level", "parent_id", "page_size", "page_token")
    ACTOR_FIELD_NUMBER: _ClassVar[int]
    LEVEL_FIELD_NUMBER: _ClassVar[int]
    PARENT_ID_FIELD_NUMBER: _ClassVar[int]
    PAGE_SIZE_FIELD_NUMBER: _ClassVar[int]
    PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    actor: Actor
    level: int
    parent_id: str
    page_size: int
    page_token: str
    def __init__(self, actor: _Optional[_Union[Actor, _Mapping]] = ..., level: _Optional[int] = ..., parent_id: _Optional[str] = ..., page_size: _Optional[int] = ..., page_token: _Optional[str] = ...) -> None: ...

class RevealPersonalDataRequest(_message.Message):
    __slots__ = ("actor", "member_id", "field", "reason")
    ACTOR_FIELD_NUMBER: _ClassVar[int]
    MEMBER_ID_FIELD_NUMBER: _ClassVar[int]
    FIELD_FIELD_NUMBER: _ClassVar[int]
    REASON_FIELD_NUMBER: _ClassVar[int]
    actor: Actor
    member_id: str
    field: str
    reason: str
    def __init__(self, actor: _Optional[_Union[Actor, _Mapping]] = ..., member_id: _Optional[str] = ..., field: _Optional[str] = ..., reason: _Optional[str] = ...) -> None: ...

class PersonalData(_message.Message):
    __slots__ = ("member_id", "field", "value")
    MEMBER_ID_FIELD_NUMBER: _ClassVar[int]
    FIELD_FIELD_NUMBER: _ClassVar[int]
    VALUE_FIELD_NUMBER: _ClassVar[int]
    member_id: str
    field: str
    value: str
    def __init__(self, member_id: _Optional[str] = ..., field: _Optional[str] = ..., value: _Optional[str] = ...) -> None: ...

class AuditRecord(_message.Message):
    __slots__ = ("audit_id", "actor_id", "member_id", "field", "reason", "at")
    AUDIT_ID_FIELD_NUMBER: _ClassVar[int]
    ACTOR_ID_FIELD_NUMBER: _ClassVar[int]
    MEMBER_ID_FIELD_NUMBER: _ClassVar[int]
    FIELD_FIELD_NUMBER: _ClassVar[int]
    REASON_FIELD_NUMBER: _ClassVar[int]
    AT_FIELD_NUMBER: _ClassVar[int]
    audit_id: str
    actor_id: str
    member_id: str
    field: str
    reason: str
    at: _timestamp_pb2.Timestamp
    def __init__(self, audit_id: _Optional[str] = ..., actor_id: _Optional[str] = ..., member_id: _Optional[str] = ..., field: _Optional[str] = ..., reason: _Optional[str] = ..., at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ...) -> None: ...

class AuditRecordList(_message.Message):
    __slots__ = ("records", "next_page_token")
    RECORDS_FIELD_NUMBER: _ClassVar[int]
    NEXT_PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    records: _containers.RepeatedCompositeFieldContainer[AuditRecord]
    next_page_token: str
    def __init__(self, records: _Optional[_Iterable[_Union[AuditRecord, _Mapping]]] = ..., next_page_token: _Optional[str] = ...) -> None: ...

class ListAuditRecordsRequest(_message.Message):
    __slots__ = ("actor", "member_id", "actor_id", "page_size", "page_token")
    ACTOR_FIELD_NUMBER: _ClassVar[int]
    MEMBER_ID_FIELD_NUMBER: _ClassVar[int]
    ACTOR_ID_FIELD_NUMBER: _ClassVar[int]
    PAGE_SIZE_FIELD_NUMBER: _ClassVar[int]
    PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    actor: Actor
    member_id: str
    actor_id: str
    page_size: int
    page_token: str
    def __init__(self, actor: _Optional[_Union[Actor, _Mapping]] = ..., member_id: _Optional[str] = ..., actor_id: _Optional[str] = ..., page_size: _Optional[int] = ..., page_token: _Optional[str] = ...) -> None: ...

class RecordAccessRequest(_message.Message):
    __slots__ = ("actor", "member_id", "field", "reason")
    ACTOR_FIELD_NUMBER: _ClassVar[int]
    MEMBER_ID_FIELD_NUMBER: _ClassVar[int]
    FIELD_FIELD_NUMBER: _ClassVar[int]
    REASON_FIELD_NUMBER: _ClassVar[int]
    actor: Actor
    member_id: str
    field: str
    reason: str
    def __init__(self, actor: _Optional[_Union[Actor, _Mapping]] = ..., member_id: _Optional[str] = ..., field: _Optional[str] = ..., reason: _Optional[str] = ...) -> None: ...

class ListTokenVersionsRequest(_message.Message):
    __slots__ = ("changed_since",)
    CHANGED_SINCE_FIELD_NUMBER: _ClassVar[int]
    changed_since: _timestamp_pb2.Timestamp
    def __init__(self, changed_since: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ...) -> None: ...

class MemberTokenVersion(_message.Message):
    __slots__ = ("member_id", "token_version")
    MEMBER_ID_FIELD_NUMBER: _ClassVar[int]
    TOKEN_VERSION_FIELD_NUMBER: _ClassVar[int]
    member_id: str
    token_version: int
    def __init__(self, member_id: _Optional[str] = ..., token_version: _Optional[int] = ...) -> None: ...

class TokenVersionList(_message.Message):
    __slots__ = ("versions",)
    VERSIONS_FIELD_NUMBER: _ClassVar[int]
    versions: _containers.RepeatedCompositeFieldContainer[MemberTokenVersion]
    def __init__(self, versions: _Optional[_Iterable[_Union[MemberTokenVersion, _Mapping]]] = ...) -> None: ...

class LookupPhonesRequest(_message.Message):
    __slots__ = ("member_ids", "purpose", "reference")
    MEMBER_IDS_FIELD_NUMBER: _ClassVar[int]
    PURPOSE_FIELD_NUMBER: _ClassVar[int]
    REFERENCE_FIELD_NUMBER: _ClassVar[int]
    member_ids: _containers.RepeatedScalarFieldContainer[str]
    purpose: str
    reference: str
    def __init__(self, member_ids: _Optional[_Iterable[str]] = ..., purpose: _Optional[str] = ..., reference: _Optional[str] = ...) -> None: ...

class MemberPhone(_message.Message):
    __slots__ = ("member_id", "phone")
    MEMBER_ID_FIELD_NUMBER: _ClassVar[int]
    PHONE_FIELD_NUMBER: _ClassVar[int]
    member_id: str
    phone: str
    def __init__(self, member_id: _Optional[str] = ..., phone: _Optional[str] = ...) -> None: ...

class PhoneList(_message.Message):
    __slots__ = ("phones",)
    PHONES_FIELD_NUMBER: _ClassVar[int]
    phones: _containers.RepeatedCompositeFieldContainer[MemberPhone]
    def __init__(self, phones: _Optional[_Iterable[_Union[MemberPhone, _Mapping]]] = ...) -> None: ...
