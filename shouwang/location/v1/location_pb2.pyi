import datetime

from google.protobuf import timestamp_pb2 as _timestamp_pb2
from shouwang.location.v1 import events_pb2 as _events_pb2
from google.protobuf.internal import containers as _containers
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from collections.abc import Iterable as _Iterable, Mapping as _Mapping
from typing import ClassVar as _ClassVar, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class DutyRequest(_message.Message):
    __slots__ = ("member_id", "team_id", "station_id", "grid_id", "skills")
    MEMBER_ID_FIELD_NUMBER: _ClassVar[int]
    TEAM_ID_FIELD_NUMBER: _ClassVar[int]
    STATION_ID_FIELD_NUMBER: _ClassVar[int]
    GRID_ID_FIELD_NUMBER: _ClassVar[int]
    SKILLS_FIELD_NUMBER: _ClassVar[int]
    member_id: str
    team_id: str
    station_id: str
    grid_id: str
    skills: _containers.RepeatedScalarFieldContainer[str]
    def __init__(self, member_id: _Optional[str] = ..., team_id: _Optional[str] = ..., station_id: _Optional[str] = ..., grid_id: _Optional[str] = ..., skills: _Optional[_Iterable[str]] = ...) -> None: ...

class GetDutyStateRequest(_message.Message):
    __slots__ = ("member_id",)
    MEMBER_ID_FIELD_NUMBER: _ClassVar[int]
    member_id: str
    def __init__(self, member_id: _Optional[str] = ...) -> None: ...

class DutyState(_message.Message):
    __slots__ = ("member_id", "on_duty", "online", "started_at", "last_seen")
    MEMBER_ID_FIELD_NUMBER: _ClassVar[int]
    ON_DUTY_FIELD_NUMBER: _ClassVar[int]
    ONLINE_FIELD_NUMBER: _ClassVar[int]
    STARTED_AT_FIELD_NUMBER: _ClassVar[int]
    LAST_SEEN_FIELD_NUMBER: _ClassVar[int]
    member_id: str
    on_duty: bool
    online: bool
    started_at: _timestamp_pb2.Timestamp
    last_seen: _timestamp_pb2.Timestamp
    def __init__(self, member_id: _Optional[str] = ..., on_duty: _Optional[bool] = ..., online: _Optional[bool] = ..., started_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., last_seen: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ...) -> None: ...

class RawFix(_message.Message):
    __slots__ = ("lat", "lon", "accuracy_m", "has_accuracy", "ts_ms", "speed_mps", "heading_deg")
    LAT_FIELD_NUMBER: _ClassVar[int]
    LON_FIELD_NUMBER: _ClassVar[int]
    ACCURACY_M_FIELD_NUMBER: _ClassVar[int]
    HAS_ACCURACY_FIELD_NUMBER: _ClassVar[int]
    TS_MS_FIELD_NUMBER: _ClassVar[int]
    SPEED_MPS_FIELD_NUMBER: _ClassVar[int]
    HEADING_DEG_FIELD_NUMBER: _ClassVar[int]
    lat: float
    lon: float
    accuracy_m: float
    has_accuracy: bool
    ts_ms: int
    speed_mps: float
    heading_deg: float
    def __init__(self, lat: _Optional[float] = ..., lon: _Optional[float] = ..., accuracy_m: _Optional[float] = ..., has_accuracy: _Optional[bool] = ..., ts_ms: _Optional[int] = ..., speed_mps: _Optional[float] = ..., heading_deg: _Optional[float] = ...) -> None: ...

class ReportFixesRequest(_message.Message):
    __slots__ = ("member_id", "crs", "fixes", "columns")
    MEMBER_ID_FIELD_NUMBER: _ClassVar[int]
    CRS_FIELD_NUMBER: _ClassVar[int]
    FIXES_FIELD_NUMBER: _ClassVar[int]
    COLUMNS_FIELD_NUMBER: _ClassVar[int]
    member_id: str
    crs: str
    fixes: _containers.RepeatedCompositeFieldContainer[RawFix]
    columns: _events_pb2.FixColumns
    def __init__(self, member_id: _Optional[str] = ..., crs: _Optional[str] = ..., fixes: _Optional[_Iterable[_Union[RawFix, _Mapping]]] = ..., columns: _Optional[_Union[_events_pb2.FixColumns, _Mapping]] = ...) -> None: ...

class RejectedFix(_message.Message):
    __slots__ = ("index", "reason")
    INDEX_FIELD_NUMBER: _ClassVar[int]
    REASON_FIELD_NUMBER: _ClassVar[int]
    index: int
    reason: str
    def __init__(self, index: _Optional[int] = ..., reason: _Optional[str] = ...) -> None: ...

class ReportFixesResponse(_message.Message):
    __slots__ = ("accepted", "rejected")
    ACCEPTED_FIELD_NUMBER: _ClassVar[int]
    REJECTED_FIELD_NUMBER: _ClassVar[int]
    accepted: int
    rejected: _containers.RepeatedCompositeFieldContainer[RejectedFix]
    def __init__(self, accepted: _Optional[int] = ..., rejected: _Optional[_Iterable[_Union[RejectedFix, _Mapping]]] = ...) -> None: ...

class IngestSummary(_message.Message):
    __slots__ = ("batches", "accepted", "rejected")
    BATCHES_FIELD_NUMBER: _ClassVar[int]
    ACCEPTED_FIELD_NUMBER: _ClassVar[int]
    REJECTED_FIELD_NUMBER: _ClassVar[int]
    batches: int
    accepted: int
    rejected: int
    def __init__(self, batches: _Optional[int] = ..., accepted: _Optional[int] = ..., rejected: _Optional[int] = ...) -> None: ...

class Circle(_message.Message):
    __slots__ = ("lat", "lon", "radius_m")
    LAT_FIELD_NUMBER: _ClassVar[int]
    LON_FIELD_NUMBER: _ClassVar[int]
    RADIUS_M_FIELD_NUMBER: _ClassVar[int]
    lat: float
    lon: float
    radius_m: float
    def __init__(self, lat: _Optional[float] = ..., lon: _Optional[float] = ..., radius_m: _Optional[float] = ...) -> None: ...

class Area(_message.Message):
    __slots__ = ("polygon_geojson", "circle")
    POLYGON_GEOJSON_FIELD_NUMBER: _ClassVar[int]
    CIRCLE_FIELD_NUMBER: _ClassVar[int]
    polygon_geojson: str
    circle: Circle
    def __init__(self, polygon_geojson: _Optional[str] = ..., circle: _Optional[_Union[Circle, _Mapping]] = ...) -> None: ...

class NearestRequest(_message.Message):
    __slots__ = ("lat", "lon", "k", "radius_m", "skills", "area", "exclude_member_ids", "max_age_s", "station_ids", "member_ids")
    LAT_FIELD_NUMBER: _ClassVar[int]
    LON_FIELD_NUMBER: _ClassVar[int]
    K_FIELD_NUMBER: _ClassVar[int]
    RADIUS_M_FIELD_NUMBER: _ClassVar[int]
    SKILLS_FIELD_NUMBER: _ClassVar[int]
    AREA_FIELD_NUMBER: _ClassVar[int]
    EXCLUDE_MEMBER_IDS_FIELD_NUMBER: _ClassVar[int]
    MAX_AGE_S_FIELD_NUMBER: _ClassVar[int]
    STATION_IDS_FIELD_NUMBER: _ClassVar[int]
    MEMBER_IDS_FIELD_NUMBER: _ClassVar[int]
    lat: float
    lon: float
    k: int
    radius_m: float
    skills: _containers.RepeatedScalarFieldContainer[str]
    area: Area
    exclude_member_ids: _containers.RepeatedScalarFieldContainer[str]
    max_age_s: int
    station_ids: _containers.RepeatedScalarFieldContainer[str]
    member_ids: _containers.RepeatedScalarFieldContainer[str]
    def __init__(self, lat: _Optional[float] = ..., lon: _Optional[float] = ..., k: _Optional[int] = ..., radius_m: _Optional[float] = ..., skills: _Optional[_Iterable[str]] = ..., area: _Optional[_Union[Area, _Mapping]] = ..., exclude_member_ids: _Optional[_Iterable[str]] = ..., max_age_s: _Optional[int] = ..., station_ids: _Optional[_Iterable[str]] = ..., member_ids: _Optional[_Iterable[str]] = ...) -> None: ...

class WithinRequest(_message.Message):
    __slots__ = ("area", "eligible_only", "skills", "lat", "lon")
    AREA_FIELD_NUMBER: _ClassVar[int]
    ELIGIBLE_ONLY_FIELD_NUMBER: _ClassVar[int]
    SKILLS_FIELD_NUMBER: _ClassVar[int]
    LAT_FIELD_NUMBER: _ClassVar[int]
    LON_FIELD_NUMBER: _ClassVar[int]
    area: Area
    eligible_only: bool
    skills: _containers.RepeatedScalarFieldContainer[str]
    lat: float
    lon: float
    def __init__(self, area: _Optional[_Union[Area, _Mapping]] = ..., eligible_only: _Optional[bool] = ..., skills: _Optional[_Iterable[str]] = ..., lat: _Optional[float] = ..., lon: _Optional[float] = ...) -> None: ...

class Candidate(_message.Message):
    __slots__ = ("member_id", "distance_m")
    MEMBER_ID_FIELD_NUMBER: _ClassVar[int]
    DISTANCE_M_FIELD_NUMBER: _ClassVar[int]
    member_id: str
    distance_m: float
    def __init__(self, member_id: _Optional[str] = ..., distance_m: _Optional[float] = ...) -> None: ...

class Candidates(_message.Message):
    __slots__ = ("candidates",)
    CANDIDATES_FIELD_NUMBER: _ClassVar[int]
    candidates: _containers.RepeatedCompositeFieldContainer[Candidate]
    def __init__(self, candidates: _Optional[_Iterable[_Union[Candidate, _Mapping]]] = ...) -> None: ...

class LiveMembersRequest(_message.Message):
    __slots__ = ("min_lon", "min_lat", "max_lon", "max_lat", "station_ids")
    MIN_LON_FIELD_NUMBER: _ClassVar[int]
    MIN_LAT_FIELD_NUMBER: _ClassVar[int]
    MAX_LON_FIELD_NUMBER: _ClassVar[int]
    MAX_LAT_FIELD_NUMBER: _ClassVar[int]
    STATION_IDS_FIELD_NUMBER: _ClassVar[int]
    min_lon: float
    min_lat: float
    max_lon: float
    max_lat: float
    station_ids: _containers.RepeatedScalarFieldContainer[str]
    def __init__(self, min_lon: _Optional[float] = ..., min_lat: _Optional[float] = ..., max_lon: _Optional[float] = ..., max_lat: _Optional[float] = ..., station_ids: _Optional[_Iterable[str]] = ...) -> None: ...

class LiveMember(_message.Message):
    __slots__ = ("member_id", "lat", "lon", "team_id", "station_id", "online", "busy", "last_seen")
    MEMBER_ID_FIELD_NUMBER: _ClassVar[int]
    LAT_FIELD_NUMBER: _ClassVar[int]
    LON_FIELD_NUMBER: _ClassVar[int]
    TEAM_ID_FIELD_NUMBER: _ClassVar[int]
    STATION_ID_FIELD_NUMBER: _ClassVar[int]
    ONLINE_FIELD_NUMBER: _ClassVar[int]
    BUSY_FIELD_NUMBER: _ClassVar[int]
    LAST_SEEN_FIELD_NUMBER: _ClassVar[int]
    member_id: str
    lat: float
    lon: float
    team_id: str
    station_id: str
    online: bool
    busy: bool
    last_seen: _timestamp_pb2.Timestamp
    def __init__(self, member_id: _Optional[str] = ..., lat: _Optional[float] = ..., lon: _Optional[float] = ..., team_id: _Optional[str] = ..., station_id: _Optional[str] = ..., online: _Optional[bool] = ..., busy: _Optional[bool] = ..., last_seen: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ...) -> None: ...

class LiveMembersResponse(_message.Message):
    __slots__ = ("members",)
    MEMBERS_FIELD_NUMBER: _ClassVar[int]
    members: _containers.RepeatedCompositeFieldContainer[LiveMember]
    def __init__(self, members: _Optional[_Iterable[_Union[LiveMember, _Mapping]]] = ...) -> None: ...

class SummaryRequest(_message.Message):
    __slots__ = ("station_ids",)
    STATION_IDS_FIELD_NUMBER: _ClassVar[int]
    station_ids: _containers.RepeatedScalarFieldContainer[str]
    def __init__(self, station_ids: _Optional[_Iterable[str]] = ...) -> None: ...

class SummaryResponse(_message.Message):
    __slots__ = ("online", "on_duty", "by_team", "by_grid")
    class ByTeamEntry(_message.Message):
        __slots__ = ("key", "value")
        KEY_FIELD_NUMBER: _ClassVar[int]
        VALUE_FIELD_NUMBER: _ClassVar[int]
        key: str
        value: int
        def __init__(self, key: _Optional[str] = ..., value: _Optional[int] = ...) -> None: ...
    class ByGridEntry(_message.Message):
        __slots__ = ("key", "value")
        KEY_FIELD_NUMBER: _ClassVar[int]
        VALUE_FIELD_NUMBER: _ClassVar[int]
        key: str
        value: int
        def __init__(self, key: _Optional[str] = ..., value: _Optional[int] = ...) -> None: ...
    ONLINE_FIELD_NUMBER: _ClassVar[int]
    ON_DUTY_FIELD_NUMBER: _ClassVar[int]
    BY_TEAM_FIELD_NUMBER: _ClassVar[int]
    BY_GRID_FIELD_NUMBER: _ClassVar[int]
    online: int
    on_duty: int
    by_team: _containers.ScalarMap[str, int]
    by_grid: _containers.ScalarMap[str, int]
    def __init__(self, online: _Optional[int] = ..., on_duty: _Optional[int] = ..., by_team: _Optional[_Mapping[str, int]] = ..., by_grid: _Optional[_Mapping[str, int]] = ...) -> None: ...

class SetBusyRequest(_message.Message):
    __slots__ = ("member_id", "busy")
    MEMBER_ID_FIELD_NUMBER: _ClassVar[int]
    BUSY_FIELD_NUMBER: _ClassVar[int]
    member_id: str
    busy: bool
    def __init__(self, member_id: _Optional[str] = ..., busy: _Optional[bool] = ...) -> None: ...

class SetBusyResponse(_message.Message):
    __slots__ = ()
    def __init__(self) -> None: ...

class RegisterGeofenceRequest(_message.Message):
    __slots__ = ("fence_id", "ref", "area", "member_ids", "expires_at")
    FENCE_ID_FIELD_NUMBER: _ClassVar[int]
    REF_FIELD_NUMBER: _ClassVar[int]
    AREA_FIELD_NUMBER: _ClassVar[int]
    MEMBER_IDS_FIELD_NUMBER: _ClassVar[int]
    EXPIRES_AT_FIELD_NUMBER: _ClassVar[int]
    fence_id: str
    ref: str
    area: Area
    member_ids: _containers.RepeatedScalarFieldContainer[str]
    expires_at: _timestamp_pb2.Timestamp
    def __init__(self, fence_id: _Optional[str] = ..., ref: _Optional[str] = ..., area: _Optional[_Union[Area, _Mapping]] = ..., member_ids: _Optional[_Iterable[str]] = ..., expires_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ...) -> None: ...

class Geofence(_message.Message):
    __slots__ = ("fence_id", "ref")
    FENCE_ID_FIELD_NUMBER: _ClassVar[int]
    REF_FIELD_NUMBER: _ClassVar[int]
    fence_id: str
    ref: str
    def __init__(self, fence_id: _Optional[str] = ..., ref: _Optional[str] = ...) -> None: ...

class RemoveGeofenceRequest(_message.Message):
    __slots__ = ("fence_id",)
    FENCE_ID_FIELD_NUMBER: _ClassVar[int]
    fence_id: str
    def __init__(self, fence_id: _Optional[str] = ...) -> None: ...

class RemoveGeofenceResponse(_message.Message):
    __slots__ = ()
    def __init__(self) -> None: ...

class GetTrackRequest(_message.Message):
    __slots__ = ("member_id", "from_ms", "to_ms")
    MEMBER_ID_FIELD_NUMBER: _ClassVar[int]
    FROM_MS_FIELD_NUMBER: _ClassVar[int]
    TO_MS_FIELD_NUMBER: _ClassVar[int]
    member_id: str
    from_ms: int
    to_ms: int
    def __init__(self, member_id: _Optional[str] = ..., from_ms: _Optional[int] = ..., to_ms: _Optional[int] = ...) -> None: ...

class Track(_message.Message):
    __slots__ = ("member_id", "fixes")
    MEMBER_ID_FIELD_NUMBER: _ClassVar[int]
    FIXES_FIELD_NUMBER: _ClassVar[int]
    member_id: str
    fixes: _containers.RepeatedCompositeFieldContainer[_events_pb2.Fix]
    def __init__(self, member_id: _Optional[str] = ..., fixes: _Optional[_Iterable[_Union[_events_pb2.Fix, _Mapping]]] = ...) -> None: ...

class DutyChange(_message.Message):
    __slots__ = ("member_id", "on_duty", "team_id", "station_id", "grid_id", "skills", "at", "duty_version")
    MEMBER_ID_FIELD_NUMBER: _ClassVar[int]
    ON_DUTY_FIELD_NUMBER: _ClassVar[int]
    TEAM_ID_FIELD_NUMBER: _ClassVar[int]
    STATION_ID_FIELD_NUMBER: _ClassVar[int]
    GRID_ID_FIELD_NUMBER: _ClassVar[int]
    SKILLS_FIELD_NUMBER: _ClassVar[int]
    AT_FIELD_NUMBER: _ClassVar[int]
    DUTY_VERSION_FIELD_NUMBER: _ClassVar[int]
    member_id: str
    on_duty: bool
    team_id: str
    station_id: str
    grid_id: str
    skills: _containers.RepeatedScalarFieldContainer[str]
    at: _timestamp_pb2.Timestamp
    duty_version: int
    def __init__(self, member_id: _Optional[str] = ..., on_duty: _Optional[bool] = ..., team_id: _Optional[str] = ..., station_id: _Optional[str] = ..., grid_id: _Optional[str] = ..., skills: _Optional[_Iterable[str]] = ..., at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., duty_version: _Optional[int] = ...) -> None: ...

class BusyChange(_message.Message):
    __slots__ = ("member_id", "busy")
    MEMBER_ID_FIELD_NUMBER: _ClassVar[int]
    BUSY_FIELD_NUMBER: _ClassVar[int]
    member_id: str
    busy: bool
    def __init__(self, member_id: _Optional[str] = ..., busy: _Optional[bool] = ...) -> None: ...

class CoverageGrid(_message.Message):
    __slots__ = ("grid_id", "level", "geometry_json")
    GRID_ID_FIELD_NUMBER: _ClassVar[int]
    LEVEL_FIELD_NUMBER: _ClassVar[int]
    GEOMETRY_JSON_FIELD_NUMBER: _ClassVar[int]
    grid_id: str
    level: int
    geometry_json: str
    def __init__(self, grid_id: _Optional[str] = ..., level: _Optional[int] = ..., geometry_json: _Optional[str] = ...) -> None: ...

class CoverageRequest(_message.Message):
    __slots__ = ("grids", "station_ids", "mode", "minutes", "max_cells")
    GRIDS_FIELD_NUMBER: _ClassVar[int]
    STATION_IDS_FIELD_NUMBER: _ClassVar[int]
    MODE_FIELD_NUMBER: _ClassVar[int]
    MINUTES_FIELD_NUMBER: _ClassVar[int]
    MAX_CELLS_FIELD_NUMBER: _ClassVar[int]
    grids: _containers.RepeatedCompositeFieldContainer[CoverageGrid]
    station_ids: _containers.RepeatedScalarFieldContainer[str]
    mode: str
    minutes: int
    max_cells: int
    def __init__(self, grids: _Optional[_Iterable[_Union[CoverageGrid, _Mapping]]] = ..., station_ids: _Optional[_Iterable[str]] = ..., mode: _Optional[str] = ..., minutes: _Optional[int] = ..., max_cells: _Optional[int] = ...) -> None: ...

class CoverageCell(_message.Message):
    __slots__ = ("south", "west", "north", "east", "reach_s", "grid_id")
    SOUTH_FIELD_NUMBER: _ClassVar[int]
    WEST_FIELD_NUMBER: _ClassVar[int]
    NORTH_FIELD_NUMBER: _ClassVar[int]
    EAST_FIELD_NUMBER: _ClassVar[int]
    REACH_S_FIELD_NUMBER: _ClassVar[int]
    GRID_ID_FIELD_NUMBER: _ClassVar[int]
    south: float
    west: float
    north: float
    east: float
    reach_s: float
    grid_id: str
    def __init__(self, south: _Optional[float] = ..., west: _Optional[float] = ..., north: _Optional[float] = ..., east: _Optional[float] = ..., reach_s: _Optional[float] = ..., grid_id: _Optional[str] = ...) -> None: ...

class CoverageReply(_message.Message):
    __slots__ = ("cells", "cell_m", "search_limit_s", "covered_share", "free_members")
    class CoveredShareEntry(_message.Message):
        __slots__ = ("key", "value")
        KEY_FIELD_NUMBER: _ClassVar[int]
        VALUE_FIELD_NUMBER: _ClassVar[int]
        key: str
        value: float
        def __init__(self, key: _Optional[str] = ..., value: _Optional[float] = ...) -> None: ...
    CELLS_FIELD_NUMBER: _ClassVar[int]
    CELL_M_FIELD_NUMBER: _ClassVar[int]
    SEARCH_LIMIT_S_FIELD_NUMBER: _ClassVar[int]
    COVERED_SHARE_FIELD_NUMBER: _ClassVar[int]
    FREE_MEMBERS_FIELD_NUMBER: _ClassVar[int]
    cells: _containers.RepeatedCompositeFieldContainer[CoverageCell]
    cell_m: float
    search_limit_s: float
    covered_share: _containers.ScalarMap[str, float]
    free_members: int
    def __init__(self, cells: _Optional[_Iterable[_Union[CoverageCell, _Mapping]]] = ..., cell_m: _Optional[float] = ..., search_limit_s: _Optional[float] = ..., covered_share: _Optional[_Mapping[str, float]] = ..., free_members: _Optional[int] = ...) -> None: ...

class DutyActivityRequest(_message.Message):
    __slots__ = ("from_ms", "to_ms", "bucket_ms", "station_ids")
    FROM_MS_FIELD_NUMBER: _ClassVar[int]
    TO_MS_FIELD_NUMBER: _ClassVar[int]
    BUCKET_MS_FIELD_NUMBER: _ClassVar[int]
    STATION_IDS_FIELD_NUMBER: _ClassVar[int]
    from_ms: int
    to_ms: int
    bucket_ms: int
    station_ids: _containers.RepeatedScalarFieldContainer[str]
    def __init__(self, from_ms: _Optional[int] = ..., to_ms: _Optional[int] = ..., bucket_ms: _Optional[int] = ..., station_ids: _Optional[_Iterable[str]] = ...) -> None: ...

class DutyBucket(_message.Message):
    __slots__ = ("start_ms", "members_on_duty", "patrol_hours")
    START_MS_FIELD_NUMBER: _ClassVar[int]
    MEMBERS_ON_DUTY_FIELD_NUMBER: _ClassVar[int]
    PATROL_HOURS_FIELD_NUMBER: _ClassVar[int]
    start_ms: int
    members_on_duty: int
    patrol_hours: float
    def __init__(self, start_ms: _Optional[int] = ..., members_on_duty: _Optional[int] = ..., patrol_hours: _Optional[float] = ...) -> None: ...

class DutyActivityReply(_message.Message):
    __slots__ = ("buckets",)
    BUCKETS_FIELD_NUMBER: _ClassVar[int]
    buckets: _containers.RepeatedCompositeFieldContainer[DutyBucket]
    def __init__(self, buckets: _Optional[_Iterable[_Union[DutyBucket, _Mapping]]] = ...) -> None: ...
