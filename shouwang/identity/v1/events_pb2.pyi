import datetime

from google.protobuf import timestamp_pb2 as _timestamp_pb2
from google.protobuf.internal import containers as _containers
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from collections.abc import Iterable as _Iterable, Mapping as _Mapping
from typing import ClassVar as _ClassVar, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class MemberRegistered(_message.Message):
    __slots__ = ("member_id", "team_id", "status", "registered_at", "station_id")
    MEMBER_ID_FIELD_NUMBER: _ClassVar[int]
    TEAM_ID_FIELD_NUMBER: _ClassVar[int]
    STATUS_FIELD_NUMBER: _ClassVar[int]
    REGISTERED_AT_FIELD_NUMBER: _ClassVar[int]
    STATION_ID_FIELD_NUMBER: _ClassVar[int]
    member_id: str
    team_id: str
    status: str
    registered_at: _timestamp_pb2.Timestamp
    station_id: str
    def __init__(self, member_id: _Optional[str] = ..., team_id: _Optional[str] = ..., status: _Optional[str] = ..., registered_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., station_id: _Optional[str] = ...) -> None: ...

class MemberStatusChanged(_message.Message):
    __slots__ = ("member_id", "team_id", "station_id", "status", "roles", "token_version", "changed_at", "actor_id")
    MEMBER_ID_FIELD_NUMBER: _ClassVar[int]
    TEAM_ID_FIELD_NUMBER: _ClassVar[int]
    STATION_ID_FIELD_NUMBER: _ClassVar[int]
    STATUS_FIELD_NUMBER: _ClassVar[int]
    ROLES_FIELD_NUMBER: _ClassVar[int]
    TOKEN_VERSION_FIELD_NUMBER: _ClassVar[int]
    CHANGED_AT_FIELD_NUMBER: _ClassVar[int]
    ACTOR_ID_FIELD_NUMBER: _ClassVar[int]
    member_id: str
    team_id: str
    station_id: str
    status: str
    roles: _containers.RepeatedScalarFieldContainer[str]
    token_version: int
    changed_at: _timestamp_pb2.Timestamp
    actor_id: str
    def __init__(self, member_id: _Optional[str] = ..., team_id: _Optional[str] = ..., station_id: _Optional[str] = ..., status: _Optional[str] = ..., roles: _Optional[_Iterable[str]] = ..., token_version: _Optional[int] = ..., changed_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., actor_id: _Optional[str] = ...) -> None: ...
