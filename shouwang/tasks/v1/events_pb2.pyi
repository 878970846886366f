import datetime

from google.protobuf import timestamp_pb2 as _timestamp_pb2
from google.protobuf.internal import containers as _containers
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from collections.abc import Iterable as _Iterable, Mapping as _Mapping
from typing import ClassVar as _ClassVar, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class Claimant(_message.Message):
    __slots__ = ("member_id", "arrival_seconds", "arrived", "team_id")
    MEMBER_ID_FIELD_NUMBER: _ClassVar[int]
    ARRIVAL_SECONDS_FIELD_NUMBER: _ClassVar[int]
    ARRIVED_FIELD_NUMBER: _ClassVar[int]
    TEAM_ID_FIELD_NUMBER: _ClassVar[int]
    member_id: str
    arrival_seconds: int
    arrived: bool
    team_id: str
    def __init__(self, member_id: _Optional[str] = ..., arrival_seconds: _Optional[int] = ..., arrived: _Optional[bool] = ..., team_id: _Optional[str] = ...) -> None: ...

class TaskClosed(_message.Message):
    __slots__ = ("task_id", "priority", "points", "claimants", "closed_at", "station_id", "officer_id")
    TASK_ID_FIELD_NUMBER: _ClassVar[int]
    PRIORITY_FIELD_NUMBER: _ClassVar[int]
    POINTS_FIELD_NUMBER: _ClassVar[int]
    CLAIMANTS_FIELD_NUMBER: _ClassVar[int]
    CLOSED_AT_FIELD_NUMBER: _ClassVar[int]
    STATION_ID_FIELD_NUMBER: _ClassVar[int]
    OFFICER_ID_FIELD_NUMBER: _ClassVar[int]
    task_id: str
    priority: int
    points: int
    claimants: _containers.RepeatedCompositeFieldContainer[Claimant]
    closed_at: _timestamp_pb2.Timestamp
    station_id: str
    officer_id: str
    def __init__(self, task_id: _Optional[str] = ..., priority: _Optional[int] = ..., points: _Optional[int] = ..., claimants: _Optional[_Iterable[_Union[Claimant, _Mapping]]] = ..., closed_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., station_id: _Optional[str] = ..., officer_id: _Optional[str] = ...) -> None: ...

class ReportApproved(_message.Message):
    __slots__ = ("report_id", "member_id", "points", "approved_at", "officer_id", "category", "station_id")
    REPORT_ID_FIELD_NUMBER: _ClassVar[int]
    MEMBER_ID_FIELD_NUMBER: _ClassVar[int]
    POINTS_FIELD_NUMBER: _ClassVar[int]
    APPROVED_AT_FIELD_NUMBER: _ClassVar[int]
    OFFICER_ID_FIELD_NUMBER: _ClassVar[int]
    CATEGORY_FIELD_NUMBER: _ClassVar[int]
    STATION_ID_FIELD_NUMBER: _ClassVar[int]
    report_id: str
    member_id: str
    points: int
    approved_at: _timestamp_pb2.Timestamp
    officer_id: str
    category: str
    station_id: str
    def __init__(self, report_id: _Optional[str] = ..., member_id: _Optional[str] = ..., points: _Optional[int] = ..., approved_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., officer_id: _Optional[str] = ..., category: _Optional[str] = ..., station_id: _Optional[str] = ...) -> None: ...

class Offer(_message.Message):
    __slots__ = ("member_id", "distance_m", "wave")
    MEMBER_ID_FIELD_NUMBER: _ClassVar[int]
    DISTANCE_M_FIELD_NUMBER: _ClassVar[int]
    WAVE_FIELD_NUMBER: _ClassVar[int]
    member_id: str
    distance_m: float
    wave: int
    def __init__(self, member_id: _Optional[str] = ..., distance_m: _Optional[float] = ..., wave: _Optional[int] = ...) -> None: ...

class TaskOffered(_message.Message):
    __slots__ = ("task_id", "wave", "offers", "radius_m", "station_id", "title", "priority", "lat", "lon", "expires_at")
    TASK_ID_FIELD_NUMBER: _ClassVar[int]
    WAVE_FIELD_NUMBER: _ClassVar[int]
    OFFERS_FIELD_NUMBER: _ClassVar[int]
    RADIUS_M_FIELD_NUMBER: _ClassVar[int]
    STATION_ID_FIELD_NUMBER: _ClassVar[int]
    TITLE_FIELD_NUMBER: _ClassVar[int]
    PRIORITY_FIELD_NUMBER: _ClassVar[int]
    LAT_FIELD_NUMBER: _ClassVar[int]
    LON_FIELD_NUMBER: _ClassVar[int]
    EXPIRES_AT_FIELD_NUMBER: _ClassVar[int]
    task_id: str
    wave: int
    offers: _containers.RepeatedCompositeFieldContainer[Offer]
    radius_m: float
    station_id: str
    title: str
    priority: int
    lat: float
    lon: float
    expires_at: _timestamp_pb2.Timestamp
    def __init__(self, task_id: _Optional[str] = ..., wave: _Optional[int] = ..., offers: _Optional[_Iterable[_Union[Offer, _Mapping]]] = ..., radius_m: _Optional[float] = ..., station_id: _Optional[str] = ..., title: _Optional[str] = ..., priority: _Optional[int] = ..., lat: _Optional[float] = ..., lon: _Optional[float] = ..., expires_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ...) -> None: ...

class TaskUpdated(_message.Message):
    __slots__ = ("task_id", "status", "station_id", "member_id", "participant_ids", "at", "title", "priority", "seconds")
    TASK_ID_FIELD_NUMBER: _ClassVar[int]
    STATUS_FIELD_NUMBER: _ClassVar[int]
    STATION_ID_FIELD_NUMBER: _ClassVar[int]
    MEMBER_ID_FIELD_NUMBER: _ClassVar[int]
    PARTICIPANT_IDS_FIELD_NUMBER: _ClassVar[int]
    AT_FIELD_NUMBER: _ClassVar[int]
    TITLE_FIELD_NUMBER: _ClassVar[int]
    PRIORITY_FIELD_NUMBER: _ClassVar[int]
    SECONDS_FIELD_NUMBER: _ClassVar[int]
    task_id: str
    status: str
    station_id: str
    member_id: str
    participant_ids: _containers.RepeatedScalarFieldContainer[str]
    at: _timestamp_pb2.Timestamp
    title: str
    priority: int
    seconds: float
    def __init__(self, task_id: _Optional[str] = ..., status: _Optional[str] = ..., station_id: _Optional[str] = ..., member_id: _Optional[str] = ..., participant_ids: _Optional[_Iterable[str]] = ..., at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., title: _Optional[str] = ..., priority: _Optional[int] = ..., seconds: _Optional[float] = ...) -> None: ...

class ReportUpdated(_message.Message):
    __slots__ = ("report_id", "member_id", "status", "category", "station_id", "at", "task_id")
    REPORT_ID_FIELD_NUMBER: _ClassVar[int]
    MEMBER_ID_FIELD_NUMBER: _ClassVar[int]
    STATUS_FIELD_NUMBER: _ClassVar[int]
    CATEGORY_FIELD_NUMBER: _ClassVar[int]
    STATION_ID_FIELD_NUMBER: _ClassVar[int]
    AT_FIELD_NUMBER: _ClassVar[int]
    TASK_ID_FIELD_NUMBER: _ClassVar[int]
    report_id: str
    member_id: str
    status: str
    category: str
    station_id: str
    at: _timestamp_pb2.Timestamp
    task_id: str
    def __init__(self, report_id: _Optional[str] = ..., member_id: _Optional[str] = ..., status: _Optional[str] = ..., category: _Optional[str] = ..., station_id: _Optional[str] = ..., at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., task_id: _Optional[str] = ...) -> None: ...
