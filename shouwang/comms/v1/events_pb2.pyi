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

class BulletinExpired(_message.Message):
    __slots__ = ("bulletin_id", "kind", "station_id", "expired_at")
    BULLETIN_ID_FIELD_NUMBER: _ClassVar[int]
    KIND_FIELD_NUMBER: _ClassVar[int]
    STATION_ID_FIELD_NUMBER: _ClassVar[int]
    EXPIRED_AT_FIELD_NUMBER: _ClassVar[int]
    bulletin_id: str
    kind: str
    station_id: str
    expired_at: _timestamp_pb2.Timestamp
    def __init__(self, bulletin_id: _Optional[str] = ..., kind: _Optional[str] = ..., station_id: _Optional[str] = ..., expired_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ...) -> None: ...

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

class GroupCreated(_message.Message):
    __slots__ = ("group_id", "station_id", "created_by", "member_ids", "task_id", "created_at", "expires_at")
    GROUP_ID_FIELD_NUMBER: _ClassVar[int]
    STATION_ID_FIELD_NUMBER: _ClassVar[int]
    CREATED_BY_FIELD_NUMBER: _ClassVar[int]
    MEMBER_IDS_FIELD_NUMBER: _ClassVar[int]
    TASK_ID_FIELD_NUMBER: _ClassVar[int]
    CREATED_AT_FIELD_NUMBER: _ClassVar[int]
    EXPIRES_AT_FIELD_NUMBER: _ClassVar[int]
    group_id: str
    station_id: str
    created_by: str
    member_ids: _containers.RepeatedScalarFieldContainer[str]
    task_id: str
    created_at: _timestamp_pb2.Timestamp
    expires_at: _timestamp_pb2.Timestamp
    def __init__(self, group_id: _Optional[str] = ..., station_id: _Optional[str] = ..., created_by: _Optional[str] = ..., member_ids: _Optional[_Iterable[str]] = ..., task_id: _Optional[str] = ..., created_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., expires_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ...) -> None: ...

class GroupMessageSent(_message.Message):
    __slots__ = ("group_id", "message_id", "sender_id", "station_id", "recipient_ids", "has_text", "media_count", "has_location", "sent_at", "has_voice", "voice_duration_ms")
    GROUP_ID_FIELD_NUMBER: _ClassVar[int]
    MESSAGE_ID_FIELD_NUMBER: _ClassVar[int]
    SENDER_ID_FIELD_NUMBER: _ClassVar[int]
    STATION_ID_FIELD_NUMBER: _ClassVar[int]
    RECIPIENT_IDS_FIELD_NUMBER: _ClassVar[int]
    HAS_TEXT_FIELD_NUMBER: _ClassVar[int]
    MEDIA_COUNT_FIELD_NUMBER: _ClassVar[int]
    HAS_LOCATION_FIELD_NUMBER: _ClassVar[int]
    SENT_AT_FIELD_NUMBER: _ClassVar[int]
    HAS_VOICE_FIELD_NUMBER: _ClassVar[int]
    VOICE_DURATION_MS_FIELD_NUMBER: _ClassVar[int]
    group_id: str
    message_id: str
    sender_id: str
    station_id: str
    recipient_ids: _containers.RepeatedScalarFieldContainer[str]
    has_text: bool
    media_count: int
    has_location: bool
    sent_at: _timestamp_pb2.Timestamp
    has_voice: bool
    voice_duration_ms: int
    def __init__(self, group_id: _Optional[str] = ..., message_id: _Optional[str] = ..., sender_id: _Optional[str] = ..., station_id: _Optional[str] = ..., recipient_ids: _Optional[_Iterable[str]] = ..., has_text: _Optional[bool] = ..., media_count: _Optional[int] = ..., has_location: _Optional[bool] = ..., sent_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., has_voice: _Optional[bool] = ..., voice_duration_ms: _Optional[int] = ...) -> None: ...

class GroupDrawing(_message.Message):
    __slots__ = ("group_id", "drawing_id", "station_id", "change", "feature_geojson", "recipient_ids", "at")
    GROUP_ID_FIELD_NUMBER: _ClassVar[int]
    DRAWING_ID_FIELD_NUMBER: _ClassVar[int]
    STATION_ID_FIELD_NUMBER: _ClassVar[int]
    CHANGE_FIELD_NUMBER: _ClassVar[int]
    FEATURE_GEOJSON_FIELD_NUMBER: _ClassVar[int]
    RECIPIENT_IDS_FIELD_NUMBER: _ClassVar[int]
    AT_FIELD_NUMBER: _ClassVar[int]
    group_id: str
    drawing_id: str
    station_id: str
    change: str
    feature_geojson: str
    recipient_ids: _containers.RepeatedScalarFieldContainer[str]
    at: _timestamp_pb2.Timestamp
    def __init__(self, group_id: _Optional[str] = ..., drawing_id: _Optional[str] = ..., station_id: _Optional[str] = ..., change: _Optional[str] = ..., feature_geojson: _Optional[str] = ..., recipient_ids: _Optional[_Iterable[str]] = ..., at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ...) -> None: ...
