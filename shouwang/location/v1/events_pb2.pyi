import datetime

from google.protobuf import timestamp_pb2 as _timestamp_pb2
from google.protobuf.internal import containers as _containers
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from collections.abc import Iterable as _Iterable, Mapping as _Mapping
from typing import ClassVar as _ClassVar, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class DutyEnded(_message.Message):
    __slots__ = ("member_id", "started_at", "ended_at", "fix_gaps", "team_id")
    MEMBER_ID_FIELD_NUMBER: _ClassVar[int]
    STARTED_AT_FIELD_NUMBER: _ClassVar[int]
    ENDED_AT_FIELD_NUMBER: _ClassVar[int]
    FIX_GAPS_FIELD_NUMBER: _ClassVar[int]
    TEAM_ID_FIELD_NUMBER: _ClassVar[int]
    member_id: str
    started_at: _timestamp_pb2.Timestamp
    ended_at: _timestamp_pb2.Timestamp
    fix_gaps: int
    team_id: str
    def __init__(self, member_id: _Optional[str] = ..., started_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., ended_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., fix_gaps: _Optional[int] = ..., team_id: _Optional[str] = ...) -> None: ...

class DutyStarted(_message.Message):
    __slots__ = ("member_id", "started_at", "team_id")
    MEMBER_ID_FIELD_NUMBER: _ClassVar[int]
    STARTED_AT_FIELD_NUMBER: _ClassVar[int]
    TEAM_ID_FIELD_NUMBER: _ClassVar[int]
    member_id: str
    started_at: _timestamp_pb2.Timestamp
    team_id: str
    def __init__(self, member_id: _Optional[str] = ..., started_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., team_id: _Optional[str] = ...) -> None: ...

class PresenceChanged(_message.Message):
    __slots__ = ("member_id", "at", "last_seen")
    MEMBER_ID_FIELD_NUMBER: _ClassVar[int]
    AT_FIELD_NUMBER: _ClassVar[int]
    LAST_SEEN_FIELD_NUMBER: _ClassVar[int]
    member_id: str
    at: _timestamp_pb2.Timestamp
    last_seen: _timestamp_pb2.Timestamp
    def __init__(self, member_id: _Optional[str] = ..., at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., last_seen: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ...) -> None: ...

class LocationUpdated(_message.Message):
    __slots__ = ("member_id", "lat", "lon", "grid_id", "team_id", "at")
    MEMBER_ID_FIELD_NUMBER: _ClassVar[int]
    LAT_FIELD_NUMBER: _ClassVar[int]
    LON_FIELD_NUMBER: _ClassVar[int]
    GRID_ID_FIELD_NUMBER: _ClassVar[int]
    TEAM_ID_FIELD_NUMBER: _ClassVar[int]
    AT_FIELD_NUMBER: _ClassVar[int]
    member_id: str
    lat: float
    lon: float
    grid_id: str
    team_id: str
    at: _timestamp_pb2.Timestamp
    def __init__(self, member_id: _Optional[str] = ..., lat: _Optional[float] = ..., lon: _Optional[float] = ..., grid_id: _Optional[str] = ..., team_id: _Optional[str] = ..., at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ...) -> None: ...

class GeofenceCrossed(_message.Message):
    __slots__ = ("fence_id", "member_id", "ref", "at")
    FENCE_ID_FIELD_NUMBER: _ClassVar[int]
    MEMBER_ID_FIELD_NUMBER: _ClassVar[int]
    REF_FIELD_NUMBER: _ClassVar[int]
    AT_FIELD_NUMBER: _ClassVar[int]
    fence_id: str
    member_id: str
    ref: str
    at: _timestamp_pb2.Timestamp
    def __init__(self, fence_id: _Optional[str] = ..., member_id: _Optional[str] = ..., ref: _Optional[str] = ..., at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ...) -> None: ...

class FixBatch(_message.Message):
    __slots__ = ("member_id", "fixes", "columns")
    MEMBER_ID_FIELD_NUMBER: _ClassVar[int]
    FIXES_FIELD_NUMBER: _ClassVar[int]
    COLUMNS_FIELD_NUMBER: _ClassVar[int]
    member_id: str
    fixes: _containers.RepeatedCompositeFieldContainer[Fix]
    columns: FixColumns
    def __init__(self, member_id: _Optional[str] = ..., fixes: _Optional[_Iterable[_Union[Fix, _Mapping]]] = ..., columns: _Optional[_Union[FixColumns, _Mapping]] = ...) -> None: ...

class FixColumns(_message.Message):
    __slots__ = ("lat", "lon", "ts_ms", "accuracy_m", "speed_mps", "heading_deg", "flags")
    LAT_FIELD_NUMBER: _ClassVar[int]
    LON_FIELD_NUMBER: _ClassVar[int]
    TS_MS_FIELD_NUMBER: _ClassVar[int]
    ACCURACY_M_FIELD_NUMBER: _ClassVar[int]
    SPEED_MPS_FIELD_NUMBER: _ClassVar[int]
    HEADING_DEG_FIELD_NUMBER: _ClassVar[int]
    FLAGS_FIELD_NUMBER: _ClassVar[int]
    lat: _containers.RepeatedScalarFieldContainer[float]
    lon: _containers.RepeatedScalarFieldContainer[float]
    ts_ms: _containers.RepeatedScalarFieldContainer[int]
    accuracy_m: _containers.RepeatedScalarFieldContainer[float]
    speed_mps: _containers.RepeatedScalarFieldContainer[float]
    heading_deg: _containers.RepeatedScalarFieldContainer[float]
    flags: _containers.RepeatedScalarFieldContainer[int]
    def __init__(self, lat: _Optional[_Iterable[float]] = ..., lon: _Optional[_Iterable[float]] = ..., ts_ms: _Optional[_Iterable[int]] = ..., accuracy_m: _Optional[_Iterable[float]] = ..., speed_mps: _Optional[_Iterable[float]] = ..., heading_deg: _Optional[_Iterable[float]] = ..., flags: _Optional[_Iterable[int]] = ...) -> None: ...

class Fix(_message.Message):
    __slots__ = ("lat", "lon", "accuracy_m", "ts_ms", "speed_mps", "heading_deg", "implausible_speed", "inaccurate", "out_of_order")
    LAT_FIELD_NUMBER: _ClassVar[int]
    LON_FIELD_NUMBER: _ClassVar[int]
    ACCURACY_M_FIELD_NUMBER: _ClassVar[int]
    TS_MS_FIELD_NUMBER: _ClassVar[int]
    SPEED_MPS_FIELD_NUMBER: _ClassVar[int]
    HEADING_DEG_FIELD_NUMBER: _ClassVar[int]
    IMPLAUSIBLE_SPEED_FIELD_NUMBER: _ClassVar[int]
    INACCURATE_FIELD_NUMBER: _ClassVar[int]
    OUT_OF_ORDER_FIELD_NUMBER: _ClassVar[int]
    lat: float
    lon: float
    accuracy_m: float
    ts_ms: int
    speed_mps: float
    heading_deg: float
    implausible_speed: bool
    inaccurate: bool
    out_of_order: bool
    def __init__(self, lat: _Optional[float] = ..., lon: _Optional[float] = ..., accuracy_m: _Optional[float] = ..., ts_ms: _Optional[int] = ..., speed_mps: _Optional[float] = ..., heading_deg: _Optional[float] = ..., implausible_speed: _Optional[bool] = ..., inaccurate: _Optional[bool] = ..., out_of_order: _Optional[bool] = ...) -> None: ...
