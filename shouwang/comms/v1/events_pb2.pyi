import datetime

from google.protobuf import timestamp_pb2 as _timestamp_pb2
from google.protobuf.internal import containers as _containers
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from collections.abc import Iterable as _Iterable, Mapping as _Mapping
from typing import ClassVar as _ClassVar, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class BulletinPublished(_message.Message):
    __slots__ = ("bulletin_id", "kind", "title", "station_id", "recipient_ids", "published_at", "expires_at", "batch")
    BULLETIN_ID_FIELD_NUMBER: _ClassVar[int]
    KIND_FIELD_NUMBER: _ClassVar[int]
    TITLE_FIELD_NUMBER: _ClassVar[int]
    STATION_ID_FIELD_NUMBER: _ClassVar[int]
    RECIPIENT_IDS_FIELD_NUMBER: _ClassVar[int]
    PUBLISHED_AT_FIELD_NUMBER: _ClassVar[int]
    EXPIRES_AT_FIELD_NUMBER: _ClassVar[int]
    BATCH_FIELD_NUMBER: _ClassVar[int]
    bulletin_id: str
    kind: str
    title: str
    station_id: str
    recipient_ids: _containers.RepeatedScalarFieldContainer[str]
    published_at: _timestamp_pb2.Timestamp
    expires_at: _timestamp_pb2.Timestamp
    batch: int
    def __init__(self, bulletin_id: _Optional[str] = ..., kind: _Optional[str] = ..., title: _Optional[str] = ..., station_id: _Optional[str] = ..., recipient_ids: _Optional[_Iterable[str]] = ..., published_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., expires_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., batch: _Optional[int] = ...) -> None: ...

class QuizAnswered(_message.Message):
    __slots__ = ("quiz_id", "member_id", "correct", "total", "points", "answered_at", "station_id")
    QUIZ_ID_FIELD_NUMBER: _ClassVar[int]
    MEMBER_ID_FIELD_NUMBER: _ClassVar[int]
    CORRECT_FIELD_NUMBER: _ClassVar[int]
    TOTAL_FIELD_NUMBER: _ClassVar[int]
    POINTS_FIELD_NUMBER: _ClassVar[int]
    ANSWERED_AT_FIELD_NUMBER: _ClassVar[int]
    STATION_ID_FIELD_NUMBER: _ClassVar[int]
    quiz_id: str
    member_id: str
    correct: int
    total: int
    points: int
    answered_at: _timestamp_pb2.Timestamp
    station_id: str
    def __init__(self, quiz_id: _Optional[str] = ..., member_id: _Optional[str] = ..., correct: _Optional[int] = ..., total: _Optional[int] = ..., points: _Optional[int] = ..., answered_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., station_id: _Optional[str] = ...) -> None: ...
