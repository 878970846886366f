import datetime

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
    __slots__ = ("circle", "polygon_geojson")
    CIRCLE_FIELD_NUMBER: _ClassVar[int]
    POLYGON_GEOJSON_FIELD_NUMBER: _ClassVar[int]
    circle: Circle
    polygon_geojson: str
    def __init__(self, circle: _Optional[_Union[Circle, _Mapping]] = ..., polygon_geojson: _Optional[str] = ...) -> None: ...

class Site(_message.Message):
    __slots__ = ("name", "location", "radius_m")
    NAME_FIELD_NUMBER: _ClassVar[int]
    LOCATION_FIELD_NUMBER: _ClassVar[int]
    RADIUS_M_FIELD_NUMBER: _ClassVar[int]
    name: str
    location: Point
    radius_m: float
    def __init__(self, name: _Optional[str] = ..., location: _Optional[_Union[Point, _Mapping]] = ..., radius_m: _Optional[float] = ...) -> None: ...

class Session(_message.Message):
    __slots__ = ("session_id", "starts_at", "ends_at", "kind", "topic", "area", "has_area")
    SESSION_ID_FIELD_NUMBER: _ClassVar[int]
    STARTS_AT_FIELD_NUMBER: _ClassVar[int]
    ENDS_AT_FIELD_NUMBER: _ClassVar[int]
    KIND_FIELD_NUMBER: _ClassVar[int]
    TOPIC_FIELD_NUMBER: _ClassVar[int]
    AREA_FIELD_NUMBER: _ClassVar[int]
    HAS_AREA_FIELD_NUMBER: _ClassVar[int]
    session_id: str
    starts_at: _timestamp_pb2.Timestamp
    ends_at: _timestamp_pb2.Timestamp
    kind: str
    topic: str
    area: Area
    has_area: bool
    def __init__(self, session_id: _Optional[str] = ..., starts_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., ends_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., kind: _Optional[str] = ..., topic: _Optional[str] = ..., area: _Optional[_Union[Area, _Mapping]] = ..., has_area: _Optional[bool] = ...) -> None: ...

class CreateCohortRequest(_message.Message):
    __slots__ = ("caller", "name", "site", "starts_on", "ends_on", "instructor_ids", "sessions")
    CALLER_FIELD_NUMBER: _ClassVar[int]
    NAME_FIELD_NUMBER: _ClassVar[int]
    SITE_FIELD_NUMBER: _ClassVar[int]
    STARTS_ON_FIELD_NUMBER: _ClassVar[int]
    ENDS_ON_FIELD_NUMBER: _ClassVar[int]
    INSTRUCTOR_IDS_FIELD_NUMBER: _ClassVar[int]
    SESSIONS_FIELD_NUMBER: _ClassVar[int]
    caller: Caller
    name: str
    site: Site
    starts_on: str
    ends_on: str
    instructor_ids: _containers.RepeatedScalarFieldContainer[str]
    sessions: _containers.RepeatedCompositeFieldContainer[Session]
    def __init__(self, caller: _Optional[_Union[Caller, _Mapping]] = ..., name: _Optional[str] = ..., site: _Optional[_Union[Site, _Mapping]] = ..., starts_on: _Optional[str] = ..., ends_on: _Optional[str] = ..., instructor_ids: _Optional[_Iterable[str]] = ..., sessions: _Optional[_Iterable[_Union[Session, _Mapping]]] = ...) -> None: ...

class CohortRequest(_message.Message):
    __slots__ = ("caller", "cohort_id")
    CALLER_FIELD_NUMBER: _ClassVar[int]
    COHORT_ID_FIELD_NUMBER: _ClassVar[int]
    caller: Caller
    cohort_id: str
    def __init__(self, caller: _Optional[_Union[Caller, _Mapping]] = ..., cohort_id: _Optional[str] = ...) -> None: ...

class EnrolTraineesRequest(_message.Message):
    __slots__ = ("caller", "cohort_id", "member_ids")
    CALLER_FIELD_NUMBER: _ClassVar[int]
    COHORT_ID_FIELD_NUMBER: _ClassVar[int]
    MEMBER_IDS_FIELD_NUMBER: _ClassVar[int]
    caller: Caller
    cohort_id: str
    member_ids: _containers.RepeatedScalarFieldContainer[str]
    def __init__(self, caller: _Optional[_Union[Caller, _Mapping]] = ..., cohort_id: _Optional[str] = ..., member_ids: _Optional[_Iterable[str]] = ...) -> None: ...

class Cohort(_message.Message):
    __slots__ = ("cohort_id", "name", "site", "starts_on", "ends_on", "instructor_ids", "sessions", "trainee_ids", "station_id", "created_by", "created_at")
    COHORT_ID_FIELD_NUMBER: _ClassVar[int]
    NAME_FIELD_NUMBER: _ClassVar[int]
    SITE_FIELD_NUMBER: _ClassVar[int]
    STARTS_ON_FIELD_NUMBER: _ClassVar[int]
    ENDS_ON_FIELD_NUMBER: _ClassVar[int]
    INSTRUCTOR_IDS_FIELD_NUMBER: _ClassVar[int]
    SESSIONS_FIELD_NUMBER: _ClassVar[int]
    TRAINEE_IDS_FIELD_NUMBER: _ClassVar[int]
    STATION_ID_FIELD_NUMBER: _ClassVar[int]
    CREATED_BY_FIELD_NUMBER: _ClassVar[int]
    CREATED_AT_FIELD_NUMBER: _ClassVar[int]
    cohort_id: str
    name: str
    site: Site
    starts_on: str
    ends_on: str
    instructor_ids: _containers.RepeatedScalarFieldContainer[str]
    sessions: _containers.RepeatedCompositeFieldContainer[Session]
    trainee_ids: _containers.RepeatedScalarFieldContainer[str]
    station_id: str
    created_by: str
    created_at: _timestamp_pb2.Timestamp
    def __init__(self, cohort_id: _Optional[str] = ..., name: _Optional[str] = ..., site: _Optional[_Union[Site, _Mapping]] = ..., starts_on: _Optional[str] = ..., ends_on: _Optional[str] = ..., instructor_ids: _Optional[_Iterable[str]] = ..., sessions: _Optional[_Iterable[_Union[Session, _Mapping]]] = ..., trainee_ids: _Optional[_Iterable[str]] = ..., station_id: _Optional[str] = ..., created_by: _Optional[str] = ..., created_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ...) -> None: ...

class OpenRollcallRequest(_message.Message):
    __slots__ = ("caller", "cohort_id", "session_id", "minutes")
    CALLER_FIELD_NUMBER: _ClassVar[int]
    COHORT_ID_FIELD_NUMBER: _ClassVar[int]
    SESSION_ID_FIELD_NUMBER: _ClassVar[int]
    MINUTES_FIELD_NUMBER: _ClassVar[int]
    caller: Caller
    cohort_id: str
    session_id: str
    minutes: int
    def __init__(self, caller: _Optional[_Union[Caller, _Mapping]] = ..., cohort_id: _Optional[str] = ..., session_id: _Optional[str] = ..., minutes: _Optional[int] = ...) -> None: ...

class Rollcall(_message.Message):
    __slots__ = ("rollcall_id", "cohort_id", "session_id", "opened_at", "closes_at")
    ROLLCALL_ID_FIELD_NUMBER: _ClassVar[int]
    COHORT_ID_FIELD_NUMBER: _ClassVar[int]
    SESSION_ID_FIELD_NUMBER: _ClassVar[int]
    OPENED_AT_FIELD_NUMBER: _ClassVar[int]
    CLOSES_AT_FIELD_NUMBER: _ClassVar[int]
    rollcall_id: str
    cohort_id: str
    session_id: str
    opened_at: _timestamp_pb2.Timestamp
    closes_at: _timestamp_pb2.Timestamp
    def __init__(self, rollcall_id: _Optional[str] = ..., cohort_id: _Optional[str] = ..., session_id: _Optional[str] = ..., opened_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., closes_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ...) -> None: ...

class CheckInRequest(_message.Message):
    __slots__ = ("caller", "rollcall_id")
    CALLER_FIELD_NUMBER: _ClassVar[int]
    ROLLCALL_ID_FIELD_NUMBER: _ClassVar[int]
    caller: Caller
    rollcall_id: str
    def __init__(self, caller: _Optional[_Union[Caller, _Mapping]] = ..., rollcall_id: _Optional[str] = ...) -> None: ...

class CheckInResult(_message.Message):
    __slots__ = ("rollcall_id", "status", "at", "distance_m")
    ROLLCALL_ID_FIELD_NUMBER: _ClassVar[int]
    STATUS_FIELD_NUMBER: _ClassVar[int]
    AT_FIELD_NUMBER: _ClassVar[int]
    DISTANCE_M_FIELD_NUMBER: _ClassVar[int]
    rollcall_id: str
    status: str
    at: _timestamp_pb2.Timestamp
    distance_m: float
    def __init__(self, rollcall_id: _Optional[str] = ..., status: _Optional[str] = ..., at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., distance_m: _Optional[float] = ...) -> None: ...

class RequestLeaveRequest(_message.Message):
    __slots__ = ("caller", "cohort_id", "to", "reason")
    CALLER_FIELD_NUMBER: _ClassVar[int]
    COHORT_ID_FIELD_NUMBER: _ClassVar[int]
    FROM_FIELD_NUMBER: _ClassVar[int]
    TO_FIELD_NUMBER: _ClassVar[int]
    REASON_FIELD_NUMBER: _ClassVar[int]
    caller: Caller
    cohort_id: str
    to: _timestamp_pb2.Timestamp
    reason: str
    def __init__(self, caller: _Optional[_Union[Caller, _Mapping]] = ..., cohort_id: _Optional[str] = ..., to: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., reason: _Optional[str] = ..., **kwargs) -> None: ...

class DecideLeaveRequest(_message.Message):
    __slots__ = ("caller", "leave_id", "approve", "note")
    CALLER_FIELD_NUMBER: _ClassVar[int]
    LEAVE_ID_FIELD_NUMBER: _ClassVar[int]
    APPROVE_FIELD_NUMBER: _ClassVar[int]
    NOTE_FIELD_NUMBER: _ClassVar[int]
    caller: Caller
    leave_id: str
    approve: bool
    note: str
    def __init__(self, caller: _Optional[_Union[Caller, _Mapping]] = ..., leave_id: _Optional[str] = ..., approve: _Optional[bool] = ..., note: _Optional[str] = ...) -> None: ...

class Leave(_message.Message):
    __slots__ = ("leave_id", "cohort_id", "member_id", "to", "reason", "status", "note", "decided_by")
    LEAVE_ID_FIELD_NUMBER: _ClassVar[int]
    COHORT_ID_FIELD_NUMBER: _ClassVar[int]
    MEMBER_ID_FIELD_NUMBER: _ClassVar[int]
    FROM_FIELD_NUMBER: _ClassVar[int]
    TO_FIELD_NUMBER: _ClassVar[int]
    REASON_FIELD_NUMBER: _ClassVar[int]
    STATUS_FIELD_NUMBER: _ClassVar[int]
    NOTE_FIELD_NUMBER: _ClassVar[int]
    DECIDED_BY_FIELD_NUMBER: _ClassVar[int]
    leave_id: str
    cohort_id: str
    member_id: str
    to: _timestamp_pb2.Timestamp
    reason: str
    status: str
    note: str
    decided_by: str
    def __init__(self, leave_id: _Optional[str] = ..., cohort_id: _Optional[str] = ..., member_id: _Optional[str] = ..., to: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., reason: _Optional[str] = ..., status: _Optional[str] = ..., note: _Optional[str] = ..., decided_by: _Optional[str] = ..., **kwargs) -> None: ...

class SessionAttendance(_message.Message):
    __slots__ = ("session_id", "status")
    SESSION_ID_FIELD_NUMBER: _ClassVar[int]
    STATUS_FIELD_NUMBER: _ClassVar[int]
    session_id: str
    status: str
    def __init__(self, session_id: _Optional[str] = ..., status: _Optional[str] = ...) -> None: ...

class TraineeReport(_message.Message):
    __slots__ = ("member_id", "sessions", "attended", "excused", "missed", "patrol_hours", "completed")
    MEMBER_ID_FIELD_NUMBER: _ClassVar[int]
    SESSIONS_FIELD_NUMBER: _ClassVar[int]
    ATTENDED_FIELD_NUMBER: _ClassVar[int]
    EXCUSED_FIELD_NUMBER: _ClassVar[int]
    MISSED_FIELD_NUMBER: _ClassVar[int]
    PATROL_HOURS_FIELD_NUMBER: _ClassVar[int]
    COMPLETED_FIELD_NUMBER: _ClassVar[int]
    member_id: str
    sessions: _containers.RepeatedCompositeFieldContainer[SessionAttendance]
    attended: int
    excused: int
    missed: int
    patrol_hours: float
    completed: bool
    def __init__(self, member_id: _Optional[str] = ..., sessions: _Optional[_Iterable[_Union[SessionAttendance, _Mapping]]] = ..., attended: _Optional[int] = ..., excused: _Optional[int] = ..., missed: _Optional[int] = ..., patrol_hours: _Optional[float] = ..., completed: _Optional[bool] = ...) -> None: ...

class Report(_message.Message):
    __slots__ = ("cohort_id", "name", "trainees", "sessions_called", "completed_count", "outcomes")
    COHORT_ID_FIELD_NUMBER: _ClassVar[int]
    NAME_FIELD_NUMBER: _ClassVar[int]
    TRAINEES_FIELD_NUMBER: _ClassVar[int]
    SESSIONS_CALLED_FIELD_NUMBER: _ClassVar[int]
    COMPLETED_COUNT_FIELD_NUMBER: _ClassVar[int]
    OUTCOMES_FIELD_NUMBER: _ClassVar[int]
    cohort_id: str
    name: str
    trainees: _containers.RepeatedCompositeFieldContainer[TraineeReport]
    sessions_called: int
    completed_count: int
    outcomes: PatrolCounts
    def __init__(self, cohort_id: _Optional[str] = ..., name: _Optional[str] = ..., trainees: _Optional[_Iterable[_Union[TraineeReport, _Mapping]]] = ..., sessions_called: _Optional[int] = ..., completed_count: _Optional[int] = ..., outcomes: _Optional[_Union[PatrolCounts, _Mapping]] = ...) -> None: ...

class ShiftWindow(_message.Message):
    __slots__ = ("weekdays", "to")
    WEEKDAYS_FIELD_NUMBER: _ClassVar[int]
    FROM_FIELD_NUMBER: _ClassVar[int]
    TO_FIELD_NUMBER: _ClassVar[int]
    weekdays: _containers.RepeatedScalarFieldContainer[int]
    to: str
    def __init__(self, weekdays: _Optional[_Iterable[int]] = ..., to: _Optional[str] = ..., **kwargs) -> None: ...

class CreateRosterRequest(_message.Message):
    __slots__ = ("caller", "name", "org_ids", "area", "shifts", "per_org_per_month", "starts_on", "months", "from_hotspots")
    CALLER_FIELD_NUMBER: _ClassVar[int]
    NAME_FIELD_NUMBER: _ClassVar[int]
    ORG_IDS_FIELD_NUMBER: _ClassVar[int]
    AREA_FIELD_NUMBER: _ClassVar[int]
    SHIFTS_FIELD_NUMBER: _ClassVar[int]
    PER_ORG_PER_MONTH_FIELD_NUMBER: _ClassVar[int]
    STARTS_ON_FIELD_NUMBER: _ClassVar[int]
    MONTHS_FIELD_NUMBER: _ClassVar[int]
    FROM_HOTSPOTS_FIELD_NUMBER: _ClassVar[int]
    caller: Caller
    name: str
    org_ids: _containers.RepeatedScalarFieldContainer[str]
    area: Area
    shifts: ShiftWindow
    per_org_per_month: int
    starts_on: str
    months: int
    from_hotspots: FromHotspots
    def __init__(self, caller: _Optional[_Union[Caller, _Mapping]] = ..., name: _Optional[str] = ..., org_ids: _Optional[_Iterable[str]] = ..., area: _Optional[_Union[Area, _Mapping]] = ..., shifts: _Optional[_Union[ShiftWindow, _Mapping]] = ..., per_org_per_month: _Optional[int] = ..., starts_on: _Optional[str] = ..., months: _Optional[int] = ..., from_hotspots: _Optional[_Union[FromHotspots, _Mapping]] = ...) -> None: ...

class FromHotspots(_message.Message):
    __slots__ = ("recommendation_id", "grid_id", "weekdays")
    RECOMMENDATION_ID_FIELD_NUMBER: _ClassVar[int]
    GRID_ID_FIELD_NUMBER: _ClassVar[int]
    WEEKDAYS_FIELD_NUMBER: _ClassVar[int]
    recommendation_id: str
    grid_id: str
    weekdays: _containers.RepeatedScalarFieldContainer[int]
    def __init__(self, recommendation_id: _Optional[str] = ..., grid_id: _Optional[str] = ..., weekdays: _Optional[_Iterable[int]] = ...) -> None: ...

class Shift(_message.Message):
    __slots__ = ("shift_id", "roster_id", "org_id", "member_id", "starts_at", "ends_at", "swap_with", "station_id", "started", "minutes_present")
    SHIFT_ID_FIELD_NUMBER: _ClassVar[int]
    ROSTER_ID_FIELD_NUMBER: _ClassVar[int]
    ORG_ID_FIELD_NUMBER: _ClassVar[int]
    MEMBER_ID_FIELD_NUMBER: _ClassVar[int]
    STARTS_AT_FIELD_NUMBER: _ClassVar[int]
    ENDS_AT_FIELD_NUMBER: _ClassVar[int]
    SWAP_WITH_FIELD_NUMBER: _ClassVar[int]
    STATION_ID_FIELD_NUMBER: _ClassVar[int]
    STARTED_FIELD_NUMBER: _ClassVar[int]
    MINUTES_PRESENT_FIELD_NUMBER: _ClassVar[int]
    shift_id: str
    roster_id: str
    org_id: str
    member_id: str
    starts_at: _timestamp_pb2.Timestamp
    ends_at: _timestamp_pb2.Timestamp
    swap_with: str
    station_id: str
    started: bool
    minutes_present: int
    def __init__(self, shift_id: _Optional[str] = ..., roster_id: _Optional[str] = ..., org_id: _Optional[str] = ..., member_id: _Optional[str] = ..., starts_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., ends_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., swap_with: _Optional[str] = ..., station_id: _Optional[str] = ..., started: _Optional[bool] = ..., minutes_present: _Optional[int] = ...) -> None: ...

class Unfilled(_message.Message):
    __slots__ = ("org_id", "starts_at")
    ORG_ID_FIELD_NUMBER: _ClassVar[int]
    STARTS_AT_FIELD_NUMBER: _ClassVar[int]
    org_id: str
    starts_at: _timestamp_pb2.Timestamp
    def __init__(self, org_id: _Optional[str] = ..., starts_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ...) -> None: ...

class Roster(_message.Message):
    __slots__ = ("roster_id", "name", "org_ids", "area", "shifts", "per_org_per_month", "starts_on", "months", "generated", "unfilled", "station_id", "grid_id", "shift_count")
    ROSTER_ID_FIELD_NUMBER: _ClassVar[int]
    NAME_FIELD_NUMBER: _ClassVar[int]
    ORG_IDS_FIELD_NUMBER: _ClassVar[int]
    AREA_FIELD_NUMBER: _ClassVar[int]
    SHIFTS_FIELD_NUMBER: _ClassVar[int]
    PER_ORG_PER_MONTH_FIELD_NUMBER: _ClassVar[int]
    STARTS_ON_FIELD_NUMBER: _ClassVar[int]
    MONTHS_FIELD_NUMBER: _ClassVar[int]
    GENERATED_FIELD_NUMBER: _ClassVar[int]
    UNFILLED_FIELD_NUMBER: _ClassVar[int]
    STATION_ID_FIELD_NUMBER: _ClassVar[int]
    GRID_ID_FIELD_NUMBER: _ClassVar[int]
    SHIFT_COUNT_FIELD_NUMBER: _ClassVar[int]
    roster_id: str
    name: str
    org_ids: _containers.RepeatedScalarFieldContainer[str]
    area: Area
    shifts: ShiftWindow
    per_org_per_month: int
    starts_on: str
    months: int
    generated: _containers.RepeatedCompositeFieldContainer[Shift]
    unfilled: _containers.RepeatedCompositeFieldContainer[Unfilled]
    station_id: str
    grid_id: str
    shift_count: int
    def __init__(self, roster_id: _Optional[str] = ..., name: _Optional[str] = ..., org_ids: _Optional[_Iterable[str]] = ..., area: _Optional[_Union[Area, _Mapping]] = ..., shifts: _Optional[_Union[ShiftWindow, _Mapping]] = ..., per_org_per_month: _Optional[int] = ..., starts_on: _Optional[str] = ..., months: _Optional[int] = ..., generated: _Optional[_Iterable[_Union[Shift, _Mapping]]] = ..., unfilled: _Optional[_Iterable[_Union[Unfilled, _Mapping]]] = ..., station_id: _Optional[str] = ..., grid_id: _Optional[str] = ..., shift_count: _Optional[int] = ...) -> None: ...

class ListRequest(_message.Message):
    __slots__ = ("caller", "page_size", "page_token")
    CALLER_FIELD_NUMBER: _ClassVar[int]
    PAGE_SIZE_FIELD_NUMBER: _ClassVar[int]
    PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    caller: Caller
    page_size: int
    page_token: str
    def __init__(self, caller: _Optional[_Union[Caller, _Mapping]] = ..., page_size: _Optional[int] = ..., page_token: _Optional[str] = ...) -> None: ...

class CohortList(_message.Message):
    __slots__ = ("cohorts", "next_page_token")
    COHORTS_FIELD_NUMBER: _ClassVar[int]
    NEXT_PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    cohorts: _containers.RepeatedCompositeFieldContainer[Cohort]
    next_page_token: str
    def __init__(self, cohorts: _Optional[_Iterable[_Union[Cohort, _Mapping]]] = ..., next_page_token: _Optional[str] = ...) -> None: ...

class RosterList(_message.Message):
    __slots__ = ("rosters", "next_page_token")
    ROSTERS_FIELD_NUMBER: _ClassVar[int]
    NEXT_PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    rosters: _containers.RepeatedCompositeFieldContainer[Roster]
    next_page_token: str
    def __init__(self, rosters: _Optional[_Iterable[_Union[Roster, _Mapping]]] = ..., next_page_token: _Optional[str] = ...) -> None: ...

class HotspotsRequest(_message.Message):
    __slots__ = ("caller", "from_ms", "to_ms")
    CALLER_FIELD_NUMBER: _ClassVar[int]
    FROM_MS_FIELD_NUMBER: _ClassVar[int]
    TO_MS_FIELD_NUMBER: _ClassVar[int]
    caller: Caller
    from_ms: int
    to_ms: int
    def __init__(self, caller: _Optional[_Union[Caller, _Mapping]] = ..., from_ms: _Optional[int] = ..., to_ms: _Optional[int] = ...) -> None: ...

class HotspotCell(_message.Message):
    __slots__ = ("grid_id", "hour", "incidents", "presence_minutes", "score")
    GRID_ID_FIELD_NUMBER: _ClassVar[int]
    HOUR_FIELD_NUMBER: _ClassVar[int]
    INCIDENTS_FIELD_NUMBER: _ClassVar[int]
    PRESENCE_MINUTES_FIELD_NUMBER: _ClassVar[int]
    SCORE_FIELD_NUMBER: _ClassVar[int]
    grid_id: str
    hour: int
    incidents: int
    presence_minutes: int
    score: float
    def __init__(self, grid_id: _Optional[str] = ..., hour: _Optional[int] = ..., incidents: _Optional[int] = ..., presence_minutes: _Optional[int] = ..., score: _Optional[float] = ...) -> None: ...

class HotspotGrid(_message.Message):
    __slots__ = ("grid_id", "name", "level")
    GRID_ID_FIELD_NUMBER: _ClassVar[int]
    NAME_FIELD_NUMBER: _ClassVar[int]
    LEVEL_FIELD_NUMBER: _ClassVar[int]
    grid_id: str
    name: str
    level: int
    def __init__(self, grid_id: _Optional[str] = ..., name: _Optional[str] = ..., level: _Optional[int] = ...) -> None: ...

class HotspotWindow(_message.Message):
    __slots__ = ("recommendation_id", "grid_id", "to", "hours", "incidents", "presence_minutes", "score")
    RECOMMENDATION_ID_FIELD_NUMBER: _ClassVar[int]
    GRID_ID_FIELD_NUMBER: _ClassVar[int]
    FROM_FIELD_NUMBER: _ClassVar[int]
    TO_FIELD_NUMBER: _ClassVar[int]
    HOURS_FIELD_NUMBER: _ClassVar[int]
    INCIDENTS_FIELD_NUMBER: _ClassVar[int]
    PRESENCE_MINUTES_FIELD_NUMBER: _ClassVar[int]
    SCORE_FIELD_NUMBER: _ClassVar[int]
    recommendation_id: str
    grid_id: str
    to: str
    hours: _containers.RepeatedScalarFieldContainer[int]
    incidents: int
    presence_minutes: int
    score: float
    def __init__(self, recommendation_id: _Optional[str] = ..., grid_id: _Optional[str] = ..., to: _Optional[str] = ..., hours: _Optional[_Iterable[int]] = ..., incidents: _Optional[int] = ..., presence_minutes: _Optional[int] = ..., score: _Optional[float] = ..., **kwargs) -> None: ...

class HotspotsReply(_message.Message):
    __slots__ = ("to", "cells", "grids", "windows", "incidents", "presence_minutes", "incidents_outside_grids")
    FROM_FIELD_NUMBER: _ClassVar[int]
    TO_FIELD_NUMBER: _ClassVar[int]
    CELLS_FIELD_NUMBER: _ClassVar[int]
    GRIDS_FIELD_NUMBER: _ClassVar[int]
    WINDOWS_FIELD_NUMBER: _ClassVar[int]
    INCIDENTS_FIELD_NUMBER: _ClassVar[int]
    PRESENCE_MINUTES_FIELD_NUMBER: _ClassVar[int]
    INCIDENTS_OUTSIDE_GRIDS_FIELD_NUMBER: _ClassVar[int]
    to: _timestamp_pb2.Timestamp
    cells: _containers.RepeatedCompositeFieldContainer[HotspotCell]
    grids: _containers.RepeatedCompositeFieldContainer[HotspotGrid]
    windows: _containers.RepeatedCompositeFieldContainer[HotspotWindow]
    incidents: int
    presence_minutes: int
    incidents_outside_grids: int
    def __init__(self, to: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., cells: _Optional[_Iterable[_Union[HotspotCell, _Mapping]]] = ..., grids: _Optional[_Iterable[_Union[HotspotGrid, _Mapping]]] = ..., windows: _Optional[_Iterable[_Union[HotspotWindow, _Mapping]]] = ..., incidents: _Optional[int] = ..., presence_minutes: _Optional[int] = ..., incidents_outside_grids: _Optional[int] = ..., **kwargs) -> None: ...

class ListShiftsRequest(_message.Message):
    __slots__ = ("caller", "member_id", "from_ms", "to_ms", "page_size", "page_token")
    CALLER_FIELD_NUMBER: _ClassVar[int]
    MEMBER_ID_FIELD_NUMBER: _ClassVar[int]
    FROM_MS_FIELD_NUMBER: _ClassVar[int]
    TO_MS_FIELD_NUMBER: _ClassVar[int]
    PAGE_SIZE_FIELD_NUMBER: _ClassVar[int]
    PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    caller: Caller
    member_id: str
    from_ms: int
    to_ms: int
    page_size: int
    page_token: str
    def __init__(self, caller: _Optional[_Union[Caller, _Mapping]] = ..., member_id: _Optional[str] = ..., from_ms: _Optional[int] = ..., to_ms: _Optional[int] = ..., page_size: _Optional[int] = ..., page_token: _Optional[str] = ...) -> None: ...

class ShiftList(_message.Message):
    __slots__ = ("shifts", "next_page_token")
    SHIFTS_FIELD_NUMBER: _ClassVar[int]
    NEXT_PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    shifts: _containers.RepeatedCompositeFieldContainer[Shift]
    next_page_token: str
    def __init__(self, shifts: _Optional[_Iterable[_Union[Shift, _Mapping]]] = ..., next_page_token: _Optional[str] = ...) -> None: ...

class SwapRequest(_message.Message):
    __slots__ = ("caller", "shift_id", "with_member_id")
    CALLER_FIELD_NUMBER: _ClassVar[int]
    SHIFT_ID_FIELD_NUMBER: _ClassVar[int]
    WITH_MEMBER_ID_FIELD_NUMBER: _ClassVar[int]
    caller: Caller
    shift_id: str
    with_member_id: str
    def __init__(self, caller: _Optional[_Union[Caller, _Mapping]] = ..., shift_id: _Optional[str] = ..., with_member_id: _Optional[str] = ...) -> None: ...

class PatrolCounts(_message.Message):
    __slots__ = ("people_checked", "vehicles_checked", "rooms_inspected", "migrants_registered", "hazards_found", "offenders_caught")
    PEOPLE_CHECKED_FIELD_NUMBER: _ClassVar[int]
    VEHICLES_CHECKED_FIELD_NUMBER: _ClassVar[int]
    ROOMS_INSPECTED_FIELD_NUMBER: _ClassVar[int]
    MIGRANTS_REGISTERED_FIELD_NUMBER: _ClassVar[int]
    HAZARDS_FOUND_FIELD_NUMBER: _ClassVar[int]
    OFFENDERS_CAUGHT_FIELD_NUMBER: _ClassVar[int]
    people_checked: int
    vehicles_checked: int
    rooms_inspected: int
    migrants_registered: int
    hazards_found: int
    offenders_caught: int
    def __init__(self, people_checked: _Optional[int] = ..., vehicles_checked: _Optional[int] = ..., rooms_inspected: _Optional[int] = ..., migrants_registered: _Optional[int] = ..., hazards_found: _Optional[int] = ..., offenders_caught: _Optional[int] = ...) -> None: ...

class FilePatrolLogRequest(_message.Message):
    __slots__ = ("caller", "shift_id", "cohort_id", "counts", "note", "media_ids")
    CALLER_FIELD_NUMBER: _ClassVar[int]
    SHIFT_ID_FIELD_NUMBER: _ClassVar[int]
    COHORT_ID_FIELD_NUMBER: _ClassVar[int]
    COUNTS_FIELD_NUMBER: _ClassVar[int]
    NOTE_FIELD_NUMBER: _ClassVar[int]
    MEDIA_IDS_FIELD_NUMBER: _ClassVar[int]
    caller: Caller
    shift_id: str
    cohort_id: str
    counts: PatrolCounts
    note: str
    media_ids: _containers.RepeatedScalarFieldContainer[str]
    def __init__(self, caller: _Optional[_Union[Caller, _Mapping]] = ..., shift_id: _Optional[str] = ..., cohort_id: _Optional[str] = ..., counts: _Optional[_Union[PatrolCounts, _Mapping]] = ..., note: _Optional[str] = ..., media_ids: _Optional[_Iterable[str]] = ...) -> None: ...

class PatrolLog(_message.Message):
    __slots__ = ("log_id", "member_id", "shift_id", "cohort_id", "counts", "note", "media_ids", "filed_at", "org_id", "station_id")
    LOG_ID_FIELD_NUMBER: _ClassVar[int]
    MEMBER_ID_FIELD_NUMBER: _ClassVar[int]
    SHIFT_ID_FIELD_NUMBER: _ClassVar[int]
    COHORT_ID_FIELD_NUMBER: _ClassVar[int]
    COUNTS_FIELD_NUMBER: _ClassVar[int]
    NOTE_FIELD_NUMBER: _ClassVar[int]
    MEDIA_IDS_FIELD_NUMBER: _ClassVar[int]
    FILED_AT_FIELD_NUMBER: _ClassVar[int]
    ORG_ID_FIELD_NUMBER: _ClassVar[int]
    STATION_ID_FIELD_NUMBER: _ClassVar[int]
    log_id: str
    member_id: str
    shift_id: str
    cohort_id: str
    counts: PatrolCounts
    note: str
    media_ids: _containers.RepeatedScalarFieldContainer[str]
    filed_at: _timestamp_pb2.Timestamp
    org_id: str
    station_id: str
    def __init__(self, log_id: _Optional[str] = ..., member_id: _Optional[str] = ..., shift_id: _Optional[str] = ..., cohort_id: _Optional[str] = ..., counts: _Optional[_Union[PatrolCounts, _Mapping]] = ..., note: _Optional[str] = ..., media_ids: _Optional[_Iterable[str]] = ..., filed_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., org_id: _Optional[str] = ..., station_id: _Optional[str] = ...) -> None: ...

class RosterHoursRequest(_message.Message):
    __slots__ = ("caller", "from_ms", "to_ms", "roster_id", "org_id", "member_id")
    CALLER_FIELD_NUMBER: _ClassVar[int]
    FROM_MS_FIELD_NUMBER: _ClassVar[int]
    TO_MS_FIELD_NUMBER: _ClassVar[int]
    ROSTER_ID_FIELD_NUMBER: _ClassVar[int]
    ORG_ID_FIELD_NUMBER: _ClassVar[int]
    MEMBER_ID_FIELD_NUMBER: _ClassVar[int]
    caller: Caller
    from_ms: int
    to_ms: int
    roster_id: str
    org_id: str
    member_id: str
    def __init__(self, caller: _Optional[_Union[Caller, _Mapping]] = ..., from_ms: _Optional[int] = ..., to_ms: _Optional[int] = ..., roster_id: _Optional[str] = ..., org_id: _Optional[str] = ..., member_id: _Optional[str] = ...) -> None: ...

class HoursRow(_message.Message):
    __slots__ = ("org_id", "member_id", "shifts", "settled", "missed", "scheduled_minutes", "present_minutes", "settled_scheduled_minutes")
    ORG_ID_FIELD_NUMBER: _ClassVar[int]
    MEMBER_ID_FIELD_NUMBER: _ClassVar[int]
    SHIFTS_FIELD_NUMBER: _ClassVar[int]
    SETTLED_FIELD_NUMBER: _ClassVar[int]
    MISSED_FIELD_NUMBER: _ClassVar[int]
    SCHEDULED_MINUTES_FIELD_NUMBER: _ClassVar[int]
    PRESENT_MINUTES_FIELD_NUMBER: _ClassVar[int]
    SETTLED_SCHEDULED_MINUTES_FIELD_NUMBER: _ClassVar[int]
    org_id: str
    member_id: str
    shifts: int
    settled: int
    missed: int
    scheduled_minutes: int
    present_minutes: int
    settled_scheduled_minutes: int
    def __init__(self, org_id: _Optional[str] = ..., member_id: _Optional[str] = ..., shifts: _Optional[int] = ..., settled: _Optional[int] = ..., missed: _Optional[int] = ..., scheduled_minutes: _Optional[int] = ..., present_minutes: _Optional[int] = ..., settled_scheduled_minutes: _Optional[int] = ...) -> None: ...

class RosterHoursReply(_message.Message):
    __slots__ = ("units", "members", "total")
    UNITS_FIELD_NUMBER: _ClassVar[int]
    MEMBERS_FIELD_NUMBER: _ClassVar[int]
    TOTAL_FIELD_NUMBER: _ClassVar[int]
    units: _containers.RepeatedCompositeFieldContainer[HoursRow]
    members: _containers.RepeatedCompositeFieldContainer[HoursRow]
    total: HoursRow
    def __init__(self, units: _Optional[_Iterable[_Union[HoursRow, _Mapping]]] = ..., members: _Optional[_Iterable[_Union[HoursRow, _Mapping]]] = ..., total: _Optional[_Union[HoursRow, _Mapping]] = ...) -> None: ...

class OutcomeStatsRequest(_message.Message):
    __slots__ = ("caller", "from_ms", "to_ms", "org_id", "period")
    CALLER_FIELD_NUMBER: _ClassVar[int]
    FROM_MS_FIELD_NUMBER: _ClassVar[int]
    TO_MS_FIELD_NUMBER: _ClassVar[int]
    ORG_ID_FIELD_NUMBER: _ClassVar[int]
    PERIOD_FIELD_NUMBER: _ClassVar[int]
    caller: Caller
    from_ms: int
    to_ms: int
    org_id: str
    period: str
    def __init__(self, caller: _Optional[_Union[Caller, _Mapping]] = ..., from_ms: _Optional[int] = ..., to_ms: _Optional[int] = ..., org_id: _Optional[str] = ..., period: _Optional[str] = ...) -> None: ...

class OutcomeRow(_message.Message):
    __slots__ = ("org_id", "period", "counts", "logs")
    ORG_ID_FIELD_NUMBER: _ClassVar[int]
    PERIOD_FIELD_NUMBER: _ClassVar[int]
    COUNTS_FIELD_NUMBER: _ClassVar[int]
    LOGS_FIELD_NUMBER: _ClassVar[int]
    org_id: str
    period: str
    counts: PatrolCounts
    logs: int
    def __init__(self, org_id: _Optional[str] = ..., period: _Optional[str] = ..., counts: _Optional[_Union[PatrolCounts, _Mapping]] = ..., logs: _Optional[int] = ...) -> None: ...

class OutcomeStatsReply(_message.Message):
    __slots__ = ("rows", "total", "logs")
    ROWS_FIELD_NUMBER: _ClassVar[int]
    TOTAL_FIELD_NUMBER: _ClassVar[int]
    LOGS_FIELD_NUMBER: _ClassVar[int]
    rows: _containers.RepeatedCompositeFieldContainer[OutcomeRow]
    total: PatrolCounts
    logs: int
    def __init__(self, rows: _Optional[_Iterable[_Union[OutcomeRow, _Mapping]]] = ..., total: _Optional[_Union[PatrolCounts, _Mapping]] = ..., logs: _Optional[int] = ...) -> None: ...

class CertificateRequest(_message.Message):
    __slots__ = ("caller", "cohort_id", "member_id")
    CALLER_FIELD_NUMBER: _ClassVar[int]
    COHORT_ID_FIELD_NUMBER: _ClassVar[int]
    MEMBER_ID_FIELD_NUMBER: _ClassVar[int]
    caller: Caller
    cohort_id: str
    member_id: str
    def __init__(self, caller: _Optional[_Union[Caller, _Mapping]] = ..., cohort_id: _Optional[str] = ..., member_id: _Optional[str] = ...) -> None: ...

class Certificate(_message.Message):
    __slots__ = ("cohort_id", "cohort_name", "site_name", "starts_on", "ends_on", "member_id", "attended", "sessions_called", "patrol_hours", "issued_at")
    COHORT_ID_FIELD_NUMBER: _ClassVar[int]
    COHORT_NAME_FIELD_NUMBER: _ClassVar[int]
    SITE_NAME_FIELD_NUMBER: _ClassVar[int]
    STARTS_ON_FIELD_NUMBER: _ClassVar[int]
    ENDS_ON_FIELD_NUMBER: _ClassVar[int]
    MEMBER_ID_FIELD_NUMBER: _ClassVar[int]
    ATTENDED_FIELD_NUMBER: _ClassVar[int]
    SESSIONS_CALLED_FIELD_NUMBER: _ClassVar[int]
    PATROL_HOURS_FIELD_NUMBER: _ClassVar[int]
    ISSUED_AT_FIELD_NUMBER: _ClassVar[int]
    cohort_id: str
    cohort_name: str
    site_name: str
    starts_on: str
    ends_on: str
    member_id: str
    attended: int
    sessions_called: int
    patrol_hours: float
    issued_at: _timestamp_pb2.Timestamp
    def __init__(self, cohort_id: _Optional[str] = ..., cohort_name: _Optional[str] = ..., site_name: _Optional[str] = ..., starts_on: _Optional[str] = ..., ends_on: _Optional[str] = ..., member_id: _Optional[str] = ..., attended: _Optional[int] = ..., sessions_called: _Optional[int] = ..., patrol_hours: _Optional[float] = ..., issued_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ...) -> None: ...
