import datetime

from google.protobuf import timestamp_pb2 as _timestamp_pb2
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from collections.abc import Mapping as _Mapping
from typing import ClassVar as _ClassVar, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class PointsAwarded(_message.Message):
    __slots__ = ("entry_id", "member_id", "delta", "reason", "ref", "rules_version", "at")
    ENTRY_ID_FIELD_NUMBER: _ClassVar[int]
    MEMBER_ID_FIELD_NUMBER: _ClassVar[int]
    DELTA_FIELD_NUMBER: _ClassVar[int]
    REASON_FIELD_NUMBER: _ClassVar[int]
    REF_FIELD_NUMBER: _ClassVar[int]
    RULES_VERSION_FIELD_NUMBER: _ClassVar[int]
    AT_FIELD_NUMBER: _ClassVar[int]
    entry_id: str
    member_id: str
    delta: int
    reason: str
    ref: str
    rules_version: str
    at: _timestamp_pb2.Timestamp
    def __init__(self, entry_id: _Optional[str] = ..., member_id: _Optional[str] = ..., delta: _Optional[int] = ..., reason: _Optional[str] = ..., ref: _Optional[str] = ..., rules_version: _Optional[str] = ..., at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ...) -> None: ...

class PointsRedeemed(_message.Message):
    __slots__ = ("redemption_id", "member_id", "item_id", "cost", "at")
    REDEMPTION_ID_FIELD_NUMBER: _ClassVar[int]
    MEMBER_ID_FIELD_NUMBER: _ClassVar[int]
    ITEM_ID_FIELD_NUMBER: _ClassVar[int]
    COST_FIELD_NUMBER: _ClassVar[int]
    AT_FIELD_NUMBER: _ClassVar[int]
    redemption_id: str
    member_id: str
    item_id: str
    cost: int
    at: _timestamp_pb2.Timestamp
    def __init__(self, redemption_id: _Optional[str] = ..., member_id: _Optional[str] = ..., item_id: _Optional[str] = ..., cost: _Optional[int] = ..., at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ...) -> None: ...
