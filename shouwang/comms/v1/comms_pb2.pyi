import datetime

from google.protobuf import struct_pb2 as _struct_pb2
from google.protobuf import timestamp_pb2 as _timestamp_pb2
from google.protobuf.internal import containers as _containers
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from collections.abc import Iterable as _Iterable, Mapping as _Mapping
from typing import ClassVar as _ClassVar, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class Caller(_message.Message):
    __slots__ = ("member_id", "roles", "scope_org_ids", "city_wide", "station_id", "org_id")
    MEMBER_ID_FIELD_NUMBER: _ClassVar[int]
    ROLES_FIELD_NUMBER: _ClassVar[int]
    SCOPE_ORG_IDS_FIELD_NUMBER: _ClassVar[int]
    CITY_WIDE_FIELD_NUMBER: _ClassVar[int]
    STATION_ID_FIELD_NUMBER: _ClassVar[int]
    ORG_ID_FIELD_NUMBER: _ClassVar[int]
    member_id: str
    roles: _containers.RepeatedScalarFieldContainer[str]
    scope_org_ids: _containers.RepeatedScalarFieldContainer[str]
    city_wide: bool
    station_id: str
    org_id: str
    def __init__(self, member_id: _Optional[str] = ..., roles: _Optional[_Iterable[str]] = ..., scope_org_ids: _Optional[_Iterable[str]] = ..., city_wide: _Optional[bool] = ..., station_id: _Optional[str] = ..., org_id: _Optional[str] = ...) -> None: ...

class Point(_message.Message):
    __slots__ = ("lat", "lon")
    LAT_FIELD_NUMBER: _ClassVar[int]
    LON_FIELD_NUMBER: _ClassVar[int]
    lat: float
    lon: float
    def __init__(self, lat: _Optional[float] = ..., lon: _Optional[float] = ...) -> None: ...

class Circle(_message.Message):
    __slots__ = ("center", "radius_m")
    CENTER_FIELD_NUMBER: _ClassVar[int]
    RADIUS_M_FIELD_NUMBER: _ClassVar[int]
    center: Point
    radius_m: float
    def __init__(self, center: _Optional[_Union[Point, _Mapping]] = ..., radius_m: _Optional[float] = ...) -> None: ...

class Area(_message.Message):
    __slots__ = ("polygon_geojson", "circle")
    POLYGON_GEOJSON_FIELD_NUMBER: _ClassVar[int]
    CIRCLE_FIELD_NUMBER: _ClassVar[int]
    polygon_geojson: str
    circle: Circle
    def __init__(self, polygon_geojson: _Optional[str] = ..., circle: _Optional[_Union[Circle, _Mapping]] = ...) -> None: ...

class Audience(_message.Message):
    __slots__ = ("area", "grid_ids", "org_ids", "everyone")
    AREA_FIELD_NUMBER: _ClassVar[int]
    GRID_IDS_FIELD_NUMBER: _ClassVar[int]
    ORG_IDS_FIELD_NUMBER: _ClassVar[int]
    EVERYONE_FIELD_NUMBER: _ClassVar[int]
    area: Area
    grid_ids: _containers.RepeatedScalarFieldContainer[str]
    org_ids: _containers.RepeatedScalarFieldContainer[str]
    everyone: bool
    def __init__(self, area: _Optional[_Union[Area, _Mapping]] = ..., grid_ids: _Optional[_Iterable[str]] = ..., org_ids: _Optional[_Iterable[str]] = ..., everyone: _Optional[bool] = ...) -> None: ...

class PublishBulletinRequest(_message.Message):
    __slots__ = ("caller", "kind", "title", "body", "media_ids", "audience", "expires_at", "sms")
    CALLER_FIELD_NUMBER: _ClassVar[int]
    KIND_FIELD_NUMBER: _ClassVar[int]
    TITLE_FIELD_NUMBER: _ClassVar[int]
    BODY_FIELD_NUMBER: _ClassVar[int]
    MEDIA_IDS_FIELD_NUMBER: _ClassVar[int]
    AUDIENCE_FIELD_NUMBER: _ClassVar[int]
    EXPIRES_AT_FIELD_NUMBER: _ClassVar[int]
    SMS_FIELD_NUMBER: _ClassVar[int]
    caller: Caller
    kind: str
    title: str
    body: str
    media_ids: _containers.RepeatedScalarFieldContainer[str]
    audience: Audience
    expires_at: _timestamp_pb2.Timestamp
    sms: bool
    def __init__(self, caller: _Optional[_Union[Caller, _Mapping]] = ..., kind: _Optional[str] = ..., title: _Optional[str] = ..., body: _Optional[str] = ..., media_ids: _Optional[_Iterable[str]] = ..., audience: _Optional[_Union[Audience, _Mapping]] = ..., expires_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., sms: _Optional[bool] = ...) -> None: ...

class Bulletin(_message.Message):
    __slots__ = ("bulletin_id", "kind", "title", "body", "media_ids", "audience", "published_at", "expires_at", "station_id", "published_by", "recipient_count", "read_count", "read", "sms")
    BULLETIN_ID_FIELD_NUMBER: _ClassVar[int]
    KIND_FIELD_NUMBER: _ClassVar[int]
    TITLE_FIELD_NUMBER: _ClassVar[int]
    BODY_FIELD_NUMBER: _ClassVar[int]
    MEDIA_IDS_FIELD_NUMBER: _ClassVar[int]
    AUDIENCE_FIELD_NUMBER: _ClassVar[int]
    PUBLISHED_AT_FIELD_NUMBER: _ClassVar[int]
    EXPIRES_AT_FIELD_NUMBER: _ClassVar[int]
    STATION_ID_FIELD_NUMBER: _ClassVar[int]
    PUBLISHED_BY_FIELD_NUMBER: _ClassVar[int]
    RECIPIENT_COUNT_FIELD_NUMBER: _ClassVar[int]
    READ_COUNT_FIELD_NUMBER: _ClassVar[int]
    READ_FIELD_NUMBER: _ClassVar[int]
    SMS_FIELD_NUMBER: _ClassVar[int]
    bulletin_id: str
    kind: str
    title: str
    body: str
    media_ids: _containers.RepeatedScalarFieldContainer[str]
    audience: Audience
    published_at: _timestamp_pb2.Timestamp
    expires_at: _timestamp_pb2.Timestamp
    station_id: str
    published_by: str
    recipient_count: int
    read_count: int
    read: bool
    sms: bool
    def __init__(self, bulletin_id: _Optional[str] = ..., kind: _Optional[str] = ..., title: _Optional[str] = ..., body: _Optional[str] = ..., media_ids: _Optional[_Iterable[str]] = ..., audience: _Optional[_Union[Audience, _Mapping]] = ..., published_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., expires_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., station_id: _Optional[str] = ..., published_by: _Optional[str] = ..., recipient_count: _Optional[int] = ..., read_count: _Optional[int] = ..., read: _Optional[bool] = ..., sms: _Optional[bool] = ...) -> None: ...

class ListBulletinsRequest(_message.Message):
    __slots__ = ("caller", "kind", "page_size", "page_token")
    CALLER_FIELD_NUMBER: _ClassVar[int]
    KIND_FIELD_NUMBER: _ClassVar[int]
    PAGE_SIZE_FIELD_NUMBER: _ClassVar[int]
    PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    caller: Caller
    kind: str
    page_size: int
    page_token: str
    def __init__(self, caller: _Optional[_Union[Caller, _Mapping]] = ..., kind: _Optional[str] = ..., page_size: _Optional[int] = ..., page_token: _Optional[str] = ...) -> None: ...

class BulletinList(_message.Message):
    __slots__ = ("bulletins", "next_page_token")
    BULLETINS_FIELD_NUMBER: _ClassVar[int]
    NEXT_PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    bulletins: _containers.RepeatedCompositeFieldContainer[Bulletin]
    next_page_token: str
    def __init__(self, bulletins: _Optional[_Iterable[_Union[Bulletin, _Mapping]]] = ..., next_page_token: _Optional[str] = ...) -> None: ...

class ReadBulletinRequest(_message.Message):
    __slots__ = ("caller", "bulletin_id")
    CALLER_FIELD_NUMBER: _ClassVar[int]
    BULLETIN_ID_FIELD_NUMBER: _ClassVar[int]
    caller: Caller
    bulletin_id: str
    def __init__(self, caller: _Optional[_Union[Caller, _Mapping]] = ..., bulletin_id: _Optional[str] = ...) -> None: ...

class GetKnowledgeRequest(_message.Message):
    __slots__ = ("bulletin_id",)
    BULLETIN_ID_FIELD_NUMBER: _ClassVar[int]
    bulletin_id: str
    def __init__(self, bulletin_id: _Optional[str] = ...) -> None: ...

class Question(_message.Message):
    __slots__ = ("text", "choices", "answer")
    TEXT_FIELD_NUMBER: _ClassVar[int]
    CHOICES_FIELD_NUMBER: _ClassVar[int]
    ANSWER_FIELD_NUMBER: _ClassVar[int]
    text: str
    choices: _containers.RepeatedScalarFieldContainer[str]
    answer: int
    def __init__(self, text: _Optional[str] = ..., choices: _Optional[_Iterable[str]] = ..., answer: _Optional[int] = ...) -> None: ...

class CreateQuizRequest(_message.Message):
    __slots__ = ("caller", "title", "questions", "opens_at", "closes_at", "points_per_correct")
    CALLER_FIELD_NUMBER: _ClassVar[int]
    TITLE_FIELD_NUMBER: _ClassVar[int]
    QUESTIONS_FIELD_NUMBER: _ClassVar[int]
    OPENS_AT_FIELD_NUMBER: _ClassVar[int]
    CLOSES_AT_FIELD_NUMBER: _ClassVar[int]
    POINTS_PER_CORRECT_FIELD_NUMBER: _ClassVar[int]
    caller: Caller
    title: str
    questions: _containers.RepeatedCompositeFieldContainer[Question]
    opens_at: _timestamp_pb2.Timestamp
    closes_at: _timestamp_pb2.Timestamp
    points_per_correct: int
    def __init__(self, caller: _Optional[_Union[Caller, _Mapping]] = ..., title: _Optional[str] = ..., questions: _Optional[_Iterable[_Union[Question, _Mapping]]] = ..., opens_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., closes_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., points_per_correct: _Optional[int] = ...) -> None: ...

class Quiz(_message.Message):
    __slots__ = ("quiz_id", "title", "questions", "opens_at", "closes_at", "points_per_correct", "station_id", "created_by", "answered")
    QUIZ_ID_FIELD_NUMBER: _ClassVar[int]
    TITLE_FIELD_NUMBER: _ClassVar[int]
    QUESTIONS_FIELD_NUMBER: _ClassVar[int]
    OPENS_AT_FIELD_NUMBER: _ClassVar[int]
    CLOSES_AT_FIELD_NUMBER: _ClassVar[int]
    POINTS_PER_CORRECT_FIELD_NUMBER: _ClassVar[int]
    STATION_ID_FIELD_NUMBER: _ClassVar[int]
    CREATED_BY_FIELD_NUMBER: _ClassVar[int]
    ANSWERED_FIELD_NUMBER: _ClassVar[int]
    quiz_id: str
    title: str
    questions: _containers.RepeatedCompositeFieldContainer[Question]
    opens_at: _timestamp_pb2.Timestamp
    closes_at: _timestamp_pb2.Timestamp
    points_per_correct: int
    station_id: str
    created_by: str
    answered: bool
    def __init__(self, quiz_id: _Optional[str] = ..., title: _Optional[str] = ..., questions: _Optional[_Iterable[_Union[Question, _Mapping]]] = ..., opens_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., closes_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., points_per_correct: _Optional[int] = ..., station_id: _Optional[str] = ..., created_by: _Optional[str] = ..., answered: _Optional[bool] = ...) -> None: ...

class ListQuizzesRequest(_message.Message):
    __slots__ = ("caller", "open_only", "page_size", "page_token")
    CALLER_FIELD_NUMBER: _ClassVar[int]
    OPEN_ONLY_FIELD_NUMBER: _ClassVar[int]
    PAGE_SIZE_FIELD_NUMBER: _ClassVar[int]
    PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    caller: Caller
    open_only: bool
    page_size: int
    page_token: str
    def __init__(self, caller: _Optional[_Union[Caller, _Mapping]] = ..., open_only: _Optional[bool] = ..., page_size: _Optional[int] = ..., page_token: _Optional[str] = ...) -> None: ...

class QuizList(_message.Message):
    __slots__ = ("quizzes", "next_page_token")
    QUIZZES_FIELD_NUMBER: _ClassVar[int]
    NEXT_PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    quizzes: _containers.RepeatedCompositeFieldContainer[Quiz]
    next_page_token: str
    def __init__(self, quizzes: _Optional[_Iterable[_Union[Quiz, _Mapping]]] = ..., next_page_token: _Optional[str] = ...) -> None: ...

class AnswerQuizRequest(_message.Message):
    __slots__ = ("caller", "quiz_id", "answers")
    CALLER_FIELD_NUMBER: _ClassVar[int]
    QUIZ_ID_FIELD_NUMBER: _ClassVar[int]
    ANSWERS_FIELD_NUMBER: _ClassVar[int]
    caller: Caller
    quiz_id: str
    answers: _containers.RepeatedScalarFieldContainer[int]
    def __init__(self, caller: _Optional[_Union[Caller, _Mapping]] = ..., quiz_id: _Optional[str] = ..., answers: _Optional[_Iterable[int]] = ...) -> None: ...

class QuizResult(_message.Message):
    __slots__ = ("quiz_id", "correct", "total", "points")
    QUIZ_ID_FIELD_NUMBER: _ClassVar[int]
    CORRECT_FIELD_NUMBER: _ClassVar[int]
    TOTAL_FIELD_NUMBER: _ClassVar[int]
    POINTS_FIELD_NUMBER: _ClassVar[int]
    quiz_id: str
    correct: int
    total: int
    points: int
    def __init__(self, quiz_id: _Optional[str] = ..., correct: _Optional[int] = ..., total: _Optional[int] = ..., points: _Optional[int] = ...) -> None: ...

class CreateGroupRequest(_message.Message):
    __slots__ = ("caller", "name", "member_ids", "task_id", "expires_at", "cohort_id")
    CALLER_FIELD_NUMBER: _ClassVar[int]
    NAME_FIELD_NUMBER: _ClassVar[int]
    MEMBER_IDS_FIELD_NUMBER: _ClassVar[int]
    TASK_ID_FIELD_NUMBER: _ClassVar[int]
    EXPIRES_AT_FIELD_NUMBER: _ClassVar[int]
    COHORT_ID_FIELD_NUMBER: _ClassVar[int]
    caller: Caller
    name: str
    member_ids: _containers.RepeatedScalarFieldContainer[str]
    task_id: str
    expires_at: _timestamp_pb2.Timestamp
    cohort_id: str
    def __init__(self, caller: _Optional[_Union[Caller, _Mapping]] = ..., name: _Optional[str] = ..., member_ids: _Optional[_Iterable[str]] = ..., task_id: _Optional[str] = ..., expires_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., cohort_id: _Optional[str] = ...) -> None: ...

class Group(_message.Message):
    __slots__ = ("group_id", "name", "member_ids", "task_id", "created_at", "expires_at", "station_id", "created_by", "ended", "cohort_id")
    GROUP_ID_FIELD_NUMBER: _ClassVar[int]
    NAME_FIELD_NUMBER: _ClassVar[int]
    MEMBER_IDS_FIELD_NUMBER: _ClassVar[int]
    TASK_ID_FIELD_NUMBER: _ClassVar[int]
    CREATED_AT_FIELD_NUMBER: _ClassVar[int]
    EXPIRES_AT_FIELD_NUMBER: _ClassVar[int]
    STATION_ID_FIELD_NUMBER: _ClassVar[int]
    CREATED_BY_FIELD_NUMBER: _ClassVar[int]
    ENDED_FIELD_NUMBER: _ClassVar[int]
    COHORT_ID_FIELD_NUMBER: _ClassVar[int]
    group_id: str
    name: str
    member_ids: _containers.RepeatedScalarFieldContainer[str]
    task_id: str
    created_at: _timestamp_pb2.Timestamp
    expires_at: _timestamp_pb2.Timestamp
    station_id: str
    created_by: str
    ended: bool
    cohort_id: str
    def __init__(self, group_id: _Optional[str] = ..., name: _Optional[str] = ..., member_ids: _Optional[_Iterable[str]] = ..., task_id: _Optional[str] = ..., created_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., expires_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., station_id: _Optional[str] = ..., created_by: _Optional[str] = ..., ended: _Optional[bool] = ..., cohort_id: _Optional[str] = ...) -> None: ...

class ListGroupsRequest(_message.Message):
    __slots__ = ("caller", "page_size", "page_token")
    CALLER_FIELD_NUMBER: _ClassVar[int]
    PAGE_SIZE_FIELD_NUMBER: _ClassVar[int]
    PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    caller: Caller
    page_size: int
    page_token: str
    def __init__(self, caller: _Optional[_Union[Caller, _Mapping]] = ..., page_size: _Optional[int] = ..., page_token: _Optional[str] = ...) -> None: ...

class GroupList(_message.Message):
    __slots__ = ("groups", "next_page_token")
    GROUPS_FIELD_NUMBER: _ClassVar[int]
    NEXT_PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    groups: _containers.RepeatedCompositeFieldContainer[Group]
    next_page_token: str
    def __init__(self, groups: _Optional[_Iterable[_Union[Group, _Mapping]]] = ..., next_page_token: _Optional[str] = ...) -> None: ...

class ChangeMembersRequest(_message.Message):
    __slots__ = ("caller", "group_id", "add_member_ids", "remove_member_ids")
    CALLER_FIELD_NUMBER: _ClassVar[int]
    GROUP_ID_FIELD_NUMBER: _ClassVar[int]
    ADD_MEMBER_IDS_FIELD_NUMBER: _ClassVar[int]
    REMOVE_MEMBER_IDS_FIELD_NUMBER: _ClassVar[int]
    caller: Caller
    group_id: str
    add_member_ids: _containers.RepeatedScalarFieldContainer[str]
    remove_member_ids: _containers.RepeatedScalarFieldContainer[str]
    def __init__(self, caller: _Optional[_Union[Caller, _Mapping]] = ..., group_id: _Optional[str] = ..., add_member_ids: _Optional[_Iterable[str]] = ..., remove_member_ids: _Optional[_Iterable[str]] = ...) -> None: ...

class PostMessageRequest(_message.Message):
    __slots__ = ("caller", "group_id", "text", "media_ids", "location", "voice_media_id", "voice_duration_ms")
    CALLER_FIELD_NUMBER: _ClassVar[int]
    GROUP_ID_FIELD_NUMBER: _ClassVar[int]
    TEXT_FIELD_NUMBER: _ClassVar[int]
    MEDIA_IDS_FIELD_NUMBER: _ClassVar[int]
    LOCATION_FIELD_NUMBER: _ClassVar[int]
    VOICE_MEDIA_ID_FIELD_NUMBER: _ClassVar[int]
    VOICE_DURATION_MS_FIELD_NUMBER: _ClassVar[int]
    caller: Caller
    group_id: str
    text: str
    media_ids: _containers.RepeatedScalarFieldContainer[str]
    location: Point
    voice_media_id: str
    voice_duration_ms: int
    def __init__(self, caller: _Optional[_Union[Caller, _Mapping]] = ..., group_id: _Optional[str] = ..., text: _Optional[str] = ..., media_ids: _Optional[_Iterable[str]] = ..., location: _Optional[_Union[Point, _Mapping]] = ..., voice_media_id: _Optional[str] = ..., voice_duration_ms: _Optional[int] = ...) -> None: ...

class GroupMessage(_message.Message):
    __slots__ = ("message_id", "group_id", "sender_id", "text", "media_ids", "location", "sent_at", "recipient_ids", "station_id", "voice_media_id", "voice_duration_ms")
    MESSAGE_ID_FIELD_NUMBER: _ClassVar[int]
    GROUP_ID_FIELD_NUMBER: _ClassVar[int]
    SENDER_ID_FIELD_NUMBER: _ClassVar[int]
    TEXT_FIELD_NUMBER: _ClassVar[int]
    MEDIA_IDS_FIELD_NUMBER: _ClassVar[int]
    LOCATION_FIELD_NUMBER: _ClassVar[int]
    SENT_AT_FIELD_NUMBER: _ClassVar[int]
    RECIPIENT_IDS_FIELD_NUMBER: _ClassVar[int]
    STATION_ID_FIELD_NUMBER: _ClassVar[int]
    VOICE_MEDIA_ID_FIELD_NUMBER: _ClassVar[int]
    VOICE_DURATION_MS_FIELD_NUMBER: _ClassVar[int]
    message_id: str
    group_id: str
    sender_id: str
    text: str
    media_ids: _containers.RepeatedScalarFieldContainer[str]
    location: Point
    sent_at: _timestamp_pb2.Timestamp
    recipient_ids: _containers.RepeatedScalarFieldContainer[str]
    station_id: str
    voice_media_id: str
    voice_duration_ms: int
    def __init__(self, message_id: _Optional[str] = ..., group_id: _Optional[str] = ..., sender_id: _Optional[str] = ..., text: _Optional[str] = ..., media_ids: _Optional[_Iterable[str]] = ..., location: _Optional[_Union[Point, _Mapping]] = ..., sent_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., recipient_ids: _Optional[_Iterable[str]] = ..., station_id: _Optional[str] = ..., voice_media_id: _Optional[str] = ..., voice_duration_ms: _Optional[int] = ...) -> None: ...

class ListMessagesRequest(_message.Message):
    __slots__ = ("caller", "group_id", "page_size", "page_token")
    CALLER_FIELD_NUMBER: _ClassVar[int]
    GROUP_ID_FIELD_NUMBER: _ClassVar[int]
    PAGE_SIZE_FIELD_NUMBER: _ClassVar[int]
    PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    caller: Caller
    group_id: str
    page_size: int
    page_token: str
    def __init__(self, caller: _Optional[_Union[Caller, _Mapping]] = ..., group_id: _Optional[str] = ..., page_size: _Optional[int] = ..., page_token: _Optional[str] = ...) -> None: ...

class GroupMessageList(_message.Message):
    __slots__ = ("messages", "next_page_token")
    MESSAGES_FIELD_NUMBER: _ClassVar[int]
    NEXT_PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    messages: _containers.RepeatedCompositeFieldContainer[GroupMessage]
    next_page_token: str
    def __init__(self, messages: _Optional[_Iterable[_Union[GroupMessage, _Mapping]]] = ..., next_page_token: _Optional[str] = ...) -> None: ...

class GetMessageRequest(_message.Message):
    __slots__ = ("group_id", "message_id")
    GROUP_ID_FIELD_NUMBER: _ClassVar[int]
    MESSAGE_ID_FIELD_NUMBER: _ClassVar[int]
    group_id: str
    message_id: str
    def __init__(self, group_id: _Optional[str] = ..., message_id: _Optional[str] = ...) -> None: ...

class MaySeeMediaRequest(_message.Message):
    __slots__ = ("caller", "media_id")
    CALLER_FIELD_NUMBER: _ClassVar[int]
    MEDIA_ID_FIELD_NUMBER: _ClassVar[int]
    caller: Caller
    media_id: str
    def __init__(self, caller: _Optional[_Union[Caller, _Mapping]] = ..., media_id: _Optional[str] = ...) -> None: ...

class MaySeeMediaReply(_message.Message):
    __slots__ = ("allowed",)
    ALLOWED_FIELD_NUMBER: _ClassVar[int]
    allowed: bool
    def __init__(self, allowed: _Optional[bool] = ...) -> None: ...

class AddDrawingRequest(_message.Message):
    __slots__ = ("caller", "group_id", "feature_geojson")
    CALLER_FIELD_NUMBER: _ClassVar[int]
    GROUP_ID_FIELD_NUMBER: _ClassVar[int]
    FEATURE_GEOJSON_FIELD_NUMBER: _ClassVar[int]
    caller: Caller
    group_id: str
    feature_geojson: str
    def __init__(self, caller: _Optional[_Union[Caller, _Mapping]] = ..., group_id: _Optional[str] = ..., feature_geojson: _Optional[str] = ...) -> None: ...

class Drawing(_message.Message):
    __slots__ = ("drawing_id", "group_id", "feature_geojson", "created_by", "created_at", "deleted")
    DRAWING_ID_FIELD_NUMBER: _ClassVar[int]
    GROUP_ID_FIELD_NUMBER: _ClassVar[int]
    FEATURE_GEOJSON_FIELD_NUMBER: _ClassVar[int]
    CREATED_BY_FIELD_NUMBER: _ClassVar[int]
    CREATED_AT_FIELD_NUMBER: _ClassVar[int]
    DELETED_FIELD_NUMBER: _ClassVar[int]
    drawing_id: str
    group_id: str
    feature_geojson: str
    created_by: str
    created_at: _timestamp_pb2.Timestamp
    deleted: bool
    def __init__(self, drawing_id: _Optional[str] = ..., group_id: _Optional[str] = ..., feature_geojson: _Optional[str] = ..., created_by: _Optional[str] = ..., created_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., deleted: _Optional[bool] = ...) -> None: ...

class DeleteDrawingRequest(_message.Message):
    __slots__ = ("caller", "group_id", "drawing_id")
    CALLER_FIELD_NUMBER: _ClassVar[int]
    GROUP_ID_FIELD_NUMBER: _ClassVar[int]
    DRAWING_ID_FIELD_NUMBER: _ClassVar[int]
    caller: Caller
    group_id: str
    drawing_id: str
    def __init__(self, caller: _Optional[_Union[Caller, _Mapping]] = ..., group_id: _Optional[str] = ..., drawing_id: _Optional[str] = ...) -> None: ...

class ListDrawingsRequest(_message.Message):
    __slots__ = ("caller", "group_id")
    CALLER_FIELD_NUMBER: _ClassVar[int]
    GROUP_ID_FIELD_NUMBER: _ClassVar[int]
    caller: Caller
    group_id: str
    def __init__(self, caller: _Optional[_Union[Caller, _Mapping]] = ..., group_id: _Optional[str] = ...) -> None: ...

class DrawingList(_message.Message):
    __slots__ = ("drawings",)
    DRAWINGS_FIELD_NUMBER: _ClassVar[int]
    drawings: _containers.RepeatedCompositeFieldContainer[Drawing]
    def __init__(self, drawings: _Optional[_Iterable[_Union[Drawing, _Mapping]]] = ...) -> None: ...

class StartLiveCallRequest(_message.Message):
    __slots__ = ("caller", "member_id", "task_id")
    CALLER_FIELD_NUMBER: _ClassVar[int]
    MEMBER_ID_FIELD_NUMBER: _ClassVar[int]
    TASK_ID_FIELD_NUMBER: _ClassVar[int]
    caller: Caller
    member_id: str
    task_id: str
    def __init__(self, caller: _Optional[_Union[Caller, _Mapping]] = ..., member_id: _Optional[str] = ..., task_id: _Optional[str] = ...) -> None: ...

class LiveCallRequest(_message.Message):
    __slots__ = ("caller", "call_id")
    CALLER_FIELD_NUMBER: _ClassVar[int]
    CALL_ID_FIELD_NUMBER: _ClassVar[int]
    caller: Caller
    call_id: str
    def __init__(self, caller: _Optional[_Union[Caller, _Mapping]] = ..., call_id: _Optional[str] = ...) -> None: ...

class SignalLiveCallRequest(_message.Message):
    __slots__ = ("caller", "call_id", "kind", "payload")
    CALLER_FIELD_NUMBER: _ClassVar[int]
    CALL_ID_FIELD_NUMBER: _ClassVar[int]
    KIND_FIELD_NUMBER: _ClassVar[int]
    PAYLOAD_FIELD_NUMBER: _ClassVar[int]
    caller: Caller
    call_id: str
    kind: str
    payload: _struct_pb2.Struct
    def __init__(self, caller: _Optional[_Union[Caller, _Mapping]] = ..., call_id: _Optional[str] = ..., kind: _Optional[str] = ..., payload: _Optional[_Union[_struct_pb2.Struct, _Mapping]] = ...) -> None: ...

class SignalLiveCallReply(_message.Message):
    __slots__ = ("call_id", "to_member_id")
    CALL_ID_FIELD_NUMBER: _ClassVar[int]
    TO_MEMBER_ID_FIELD_NUMBER: _ClassVar[int]
    call_id: str
    to_member_id: str
    def __init__(self, call_id: _Optional[str] = ..., to_member_id: _Optional[str] = ...) -> None: ...

class IceServer(_message.Message):
    __slots__ = ("urls", "username", "credential")
    URLS_FIELD_NUMBER: _ClassVar[int]
    USERNAME_FIELD_NUMBER: _ClassVar[int]
    CREDENTIAL_FIELD_NUMBER: _ClassVar[int]
    urls: _containers.RepeatedScalarFieldContainer[str]
    username: str
    credential: str
    def __init__(self, urls: _Optional[_Iterable[str]] = ..., username: _Optional[str] = ..., credential: _Optional[str] = ...) -> None: ...

class LiveCall(_message.Message):
    __slots__ = ("call_id", "officer_id", "member_id", "station_id", "task_id", "status", "created_at", "accepted_at", "ended_at", "ended_by", "end_reason", "connected_s", "ice_servers", "deadline")
    CALL_ID_FIELD_NUMBER: _ClassVar[int]
    OFFICER_ID_FIELD_NUMBER: _ClassVar[int]
    MEMBER_ID_FIELD_NUMBER: _ClassVar[int]
    STATION_ID_FIELD_NUMBER: _ClassVar[int]
    TASK_ID_FIELD_NUMBER: _ClassVar[int]
    STATUS_FIELD_NUMBER: _ClassVar[int]
    CREATED_AT_FIELD_NUMBER: _ClassVar[int]
    ACCEPTED_AT_FIELD_NUMBER: _ClassVar[int]
    ENDED_AT_FIELD_NUMBER: _ClassVar[int]
    ENDED_BY_FIELD_NUMBER: _ClassVar[int]
    END_REASON_FIELD_NUMBER: _ClassVar[int]
    CONNECTED_S_FIELD_NUMBER: _ClassVar[int]
    ICE_SERVERS_FIELD_NUMBER: _ClassVar[int]
    DEADLINE_FIELD_NUMBER: _ClassVar[int]
    call_id: str
    officer_id: str
    member_id: str
    station_id: str
    task_id: str
    status: str
    created_at: _timestamp_pb2.Timestamp
    accepted_at: _timestamp_pb2.Timestamp
    ended_at: _timestamp_pb2.Timestamp
    ended_by: str
    end_reason: str
    connected_s: float
    ice_servers: _containers.RepeatedCompositeFieldContainer[IceServer]
    deadline: _timestamp_pb2.Timestamp
    def __init__(self, call_id: _Optional[str] = ..., officer_id: _Optional[str] = ..., member_id: _Optional[str] = ..., station_id: _Optional[str] = ..., task_id: _Optional[str] = ..., status: _Optional[str] = ..., created_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., accepted_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., ended_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., ended_by: _Optional[str] = ..., end_reason: _Optional[str] = ..., connected_s: _Optional[float] = ..., ice_servers: _Optional[_Iterable[_Union[IceServer, _Mapping]]] = ..., deadline: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ...) -> None: ...

class ListLiveCallsRequest(_message.Message):
    __slots__ = ("caller", "member_id", "page_size", "page_token")
    CALLER_FIELD_NUMBER: _ClassVar[int]
    MEMBER_ID_FIELD_NUMBER: _ClassVar[int]
    PAGE_SIZE_FIELD_NUMBER: _ClassVar[int]
    PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    caller: Caller
    member_id: str
    page_size: int
    page_token: str
    def __init__(self, caller: _Optional[_Union[Caller, _Mapping]] = ..., member_id: _Optional[str] = ..., page_size: _Optional[int] = ..., page_token: _Optional[str] = ...) -> None: ...

class LiveCallList(_message.Message):
    __slots__ = ("calls", "next_page_token")
    CALLS_FIELD_NUMBER: _ClassVar[int]
    NEXT_PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    calls: _containers.RepeatedCompositeFieldContainer[LiveCall]
    next_page_token: str
    def __init__(self, calls: _Optional[_Iterable[_Union[LiveCall, _Mapping]]] = ..., next_page_token: _Optional[str] = ...) -> None: ...

class LiveCallChanged(_message.Message):
    __slots__ = ("call_id", "status", "officer_id", "member_id", "task_id", "station_id", "ended_by", "end_reason", "at", "connected_s", "recipient_ids")
    CALL_ID_FIELD_NUMBER: _ClassVar[int]
    STATUS_FIELD_NUMBER: _ClassVar[int]
    OFFICER_ID_FIELD_NUMBER: _ClassVar[int]
    MEMBER_ID_FIELD_NUMBER: _ClassVar[int]
    TASK_ID_FIELD_NUMBER: _ClassVar[int]
    STATION_ID_FIELD_NUMBER: _ClassVar[int]
    ENDED_BY_FIELD_NUMBER: _ClassVar[int]
    END_REASON_FIELD_NUMBER: _ClassVar[int]
    AT_FIELD_NUMBER: _ClassVar[int]
    CONNECTED_S_FIELD_NUMBER: _ClassVar[int]
    RECIPIENT_IDS_FIELD_NUMBER: _ClassVar[int]
    call_id: str
    status: str
    officer_id: str
    member_id: str
    task_id: str
    station_id: str
    ended_by: str
    end_reason: str
    at: _timestamp_pb2.Timestamp
    connected_s: float
    recipient_ids: _containers.RepeatedScalarFieldContainer[str]
    def __init__(self, call_id: _Optional[str] = ..., status: _Optional[str] = ..., officer_id: _Optional[str] = ..., member_id: _Optional[str] = ..., task_id: _Optional[str] = ..., station_id: _Optional[str] = ..., ended_by: _Optional[str] = ..., end_reason: _Optional[str] = ..., at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., connected_s: _Optional[float] = ..., recipient_ids: _Optional[_Iterable[str]] = ...) -> None: ...

class LiveCallSignal(_message.Message):
    __slots__ = ("call_id", "from_member_id", "kind", "payload", "recipient_ids", "at")
    CALL_ID_FIELD_NUMBER: _ClassVar[int]
    FROM_MEMBER_ID_FIELD_NUMBER: _ClassVar[int]
    KIND_FIELD_NUMBER: _ClassVar[int]
    PAYLOAD_FIELD_NUMBER: _ClassVar[int]
    RECIPIENT_IDS_FIELD_NUMBER: _ClassVar[int]
    AT_FIELD_NUMBER: _ClassVar[int]
    call_id: str
    from_member_id: str
    kind: str
    payload: _struct_pb2.Struct
    recipient_ids: _containers.RepeatedScalarFieldContainer[str]
    at: _timestamp_pb2.Timestamp
    def __init__(self, call_id: _Optional[str] = ..., from_member_id: _Optional[str] = ..., kind: _Optional[str] = ..., payload: _Optional[_Union[_struct_pb2.Struct, _Mapping]] = ..., recipient_ids: _Optional[_Iterable[str]] = ..., at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ...) -> None: ...
