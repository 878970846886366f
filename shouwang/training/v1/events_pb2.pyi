import datetime

from google.protobuf import timestamp_pb2 as _timestamp_pb2
from google.protobuf.internal import containers as _containers
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from collections.abc import Iterable as _Iterable, Mapping as _Mapping
from typing import ClassVar as _ClassVar, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class CohortCreated(_message.Message):
    __slots__ = ("cohort_id", "station_id", "session_count", "starts_at", "at")
    COHORT_ID_FIELD_NUMBER: _ClassVar[int]
    STATION_ID_FIELD_NUMBER: _ClassVar[int]
    SESSION_COUNT_FIELD_NUMBER: _ClassVar[int]
    STARTS_AT_FIELD_NUMBER: _ClassVar[int]
    AT_FIELD_NUMBER: _ClassVar[int]
    cohort_id: str
    station_id: str
    session_count: int
    starts_at: _timestamp_pb2.Timestamp
    at: _timestamp_pb2.Timestamp
    def __init__(self, cohort_id: _Optional[str] = ..., station_id: _Optional[str] = ..., session_count: _Optional[int] = ..., starts_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ...) -> None: ...

class CohortEnrolled(_message.Message):
    __slots__ = ("cohort_id", "station_id", "member_ids", "at")
    COHORT_ID_FIELD_NUMBER: _ClassVar[int]
    STATION_ID_FIELD_NUMBER: _ClassVar[int]
    MEMBER_IDS_FIELD_NUMBER: _ClassVar[int]
    AT_FIELD_NUMBER: _ClassVar[int]
    cohort_id: str
    station_id: str
    member_ids: _containers.RepeatedScalarFieldContainer[str]
    at: _timestamp_pb2.Timestamp
    def __init__(self, cohort_id: _Optional[str] = ..., station_id: _Optional[str] = ..., member_ids: _Optional[_Iterable[str]] = ..., at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ...) -> None: ...

class RollcallOpened(_message.Message):
    __slots__ = ("rollcall_id", "cohort_id", "session_id", "station_id", "trainee_ids", "closes_at", "at")
    ROLLCALL_ID_FIELD_NUMBER: _ClassVar[int]
    COHORT_ID_FIELD_NUMBER: _ClassVar[int]
    SESSION_ID_FIELD_NUMBER: _ClassVar[int]
    STATION_ID_FIELD_NUMBER: _ClassVar[int]
    TRAINEE_IDS_FIELD_NUMBER: _ClassVar[int]
    CLOSES_AT_FIELD_NUMBER: _ClassVar[int]
    AT_FIELD_NUMBER: _ClassVar[int]
    rollcall_id: str
    cohort_id: str
    session_id: str
    station_id: str
    trainee_ids: _containers.RepeatedScalarFieldContainer[str]
    closes_at: _timestamp_pb2.Timestamp
    at: _timestamp_pb2.Timestamp
    def __init__(self, rollcall_id: _Optional[str] = ..., cohort_id: _Optional[str] = ..., session_id: _Optional[str] = ..., station_id: _Optional[str] = ..., trainee_ids: _Optional[_Iterable[str]] = ..., closes_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ...) -> None: ...

class TraineeCheckedIn(_message.Message):
    __slots__ = ("rollcall_id", "cohort_id", "session_id", "station_id", "member_id", "status", "at")
    ROLLCALL_ID_FIELD_NUMBER: _ClassVar[int]
    COHORT_ID_FIELD_NUMBER: _ClassVar[int]
    SESSION_ID_FIELD_NUMBER: _ClassVar[int]
    STATION_ID_FIELD_NUMBER: _ClassVar[int]
    MEMBER_ID_FIELD_NUMBER: _ClassVar[int]
    STATUS_FIELD_NUMBER: _ClassVar[int]
    AT_FIELD_NUMBER: _ClassVar[int]
    rollcall_id: str
    cohort_id: str
    session_id: str
    station_id: str
    member_id: str
    status: str
    at: _timestamp_pb2.Timestamp
    def __init__(self, rollcall_id: _Optional[str] = ..., cohort_id: _Optional[str] = ..., session_id: _Optional[str] = ..., station_id: _Optional[str] = ..., member_id: _Optional[str] = ..., status: _Optional[str] = ..., at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ...) -> None: ...

class LeaveDecided(_message.Message):
    __slots__ = ("leave_id", "cohort_id", "station_id", "member_id", "approved", "at")
    LEAVE_ID_FIELD_NUMBER: _ClassVar[int]
    COHORT_ID_FIELD_NUMBER: _ClassVar[int]
    STATION_ID_FIELD_NUMBER: _ClassVar[int]
    MEMBER_ID_FIELD_NUMBER: _ClassVar[int]
    APPROVED_FIELD_NUMBER: _ClassVar[int]
    AT_FIELD_NUMBER: _ClassVar[int]
    leave_id: str
    cohort_id: str
    station_id: str
    member_id: str
    approved: bool
    at: _timestamp_pb2.Timestamp
    def __init__(self, leave_id: _Optional[str] = ..., cohort_id: _Optional[str] = ..., station_id: _Optional[str] = ..., member_id: _Optional[str] = ..., approved: _Optional[bool] = ..., at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ...) -> None: ...

class PatrolLogFiled(_message.Message):
    __slots__ = ("log_id", "member_id", "org_id", "station_id", "shift_id", "cohort_id", "people_checked", "vehicles_checked", "rooms_inspected", "migrants_registered", "hazards_found", "offenders_caught", "at")
    LOG_ID_FIELD_NUMBER: _ClassVar[int]
    MEMBER_ID_FIELD_NUMBER: _ClassVar[int]
    ORG_ID_FIELD_NUMBER: _ClassVar[int]
    STATION_ID_FIELD_NUMBER: _ClassVar[int]
    SHIFT_ID_FIELD_NUMBER: _ClassVar[int]
    COHORT_ID_FIELD_NUMBER: _ClassVar[int]
    PEOPLE_CHECKED_FIELD_NUMBER: _ClassVar[int]
    VEHICLES_CHECKED_FIELD_NUMBER: _ClassVar[int]
    ROOMS_INSPECTED_FIELD_NUMBER: _ClassVar[int]
    MIGRANTS_REGISTERED_FIELD_NUMBER: _ClassVar[int]
    HAZARDS_FOUND_FIELD_NUMBER: _ClassVar[int]
    OFFENDERS_CAUGHT_FIELD_NUMBER: _ClassVar[int]
    AT_FIELD_NUMBER: _ClassVar[int]
    log_id: str
    member_id: str
    org_id: str
    station_id: str
    shift_id: str
    cohort_id: str
    people_checked: int
    vehicles_checked: int
    rooms_inspected: int
    migrants_registered: int
    hazards_found: int
    offenders_caught: int
    at: _timestamp_pb2.Timestamp
    def __init__(self, log_id: _Optional[str] = ..., member_id: _Optional[str] = ..., org_id: _Optional[str] = ..., station_id: _Optional[str] = ..., shift_id: _Optional[str] = ..., cohort_id: _Optional[str] = ..., people_checked: _Optional[int] = ..., vehicles_checked: _Optional[int] = ..., rooms_inspected: _Optional[int] = ..., migrants_registered: _Optional[int] = ..., hazards_found: _Optional[int] = ..., offenders_caught: _Optional[int] = ..., at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ...) -> None: ...

class ShiftAttended(_message.Message):
    __slots__ = ("shift_id", "roster_id", "org_id", "station_id", "member_id", "minutes_present", "minutes_scheduled", "starts_at", "at")
    SHIFT_ID_FIELD_NUMBER: _ClassVar[int]
    ROSTER_ID_FIELD_NUMBER: _ClassVar[int]
    ORG_ID_FIELD_NUMBER: _ClassVar[int]
    STATION_ID_FIELD_NUMBER: _ClassVar[int]
    MEMBER_ID_FIELD_NUMBER: _ClassVar[int]
    MINUTES_PRESENT_FIELD_NUMBER: _ClassVar[int]
    MINUTES_SCHEDULED_FIELD_NUMBER: _ClassVar[int]
    STARTS_AT_FIELD_NUMBER: _ClassVar[int]
    AT_FIELD_NUMBER: _ClassVar[int]
    shift_id: str
    roster_id: str
    org_id: str
    station_id: str
    member_id: str
    minutes_present: int
    minutes_scheduled: int
    starts_at: _timestamp_pb2.Timestamp
    at: _timestamp_pb2.Timestamp
    def __init__(self, shift_id: _Optional[str] = ..., roster_id: _Optional[str] = ..., org_id: _Optional[str] = ..., station_id: _Optional[str] = ..., member_id: _Optional[str] = ..., minutes_present: _Optional[int] = ..., minutes_scheduled: _Optional[int] = ..., starts_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ...) -> None: ...

class CohortCompleted(_message.Message):
    __slots__ = ("cohort_id", "station_id", "trainee_count", "completed", "at")
    COHORT_ID_FIELD_NUMBER: _ClassVar[int]
    STATION_ID_FIELD_NUMBER: _ClassVar[int]
    TRAINEE_COUNT_FIELD_NUMBER: _ClassVar[int]
    COMPLETED_FIELD_NUMBER: _ClassVar[int]
    AT_FIELD_NUMBER: _ClassVar[int]
    cohort_id: str
    station_id: str
    trainee_count: int
    completed: _containers.RepeatedCompositeFieldContainer[CompletedTrainee]
    at: _timestamp_pb2.Timestamp
    def __init__(self, cohort_id: _Optional[str] = ..., station_id: _Optional[str] = ..., trainee_count: _Optional[int] = ..., completed: _Optional[_Iterable[_Union[CompletedTrainee, _Mapping]]] = ..., at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ...) -> None: ...

class CompletedTrainee(_message.Message):
    __slots__ = ("member_id", "attended", "patrol_hours")
    MEMBER_ID_FIELD_NUMBER: _ClassVar[int]
    ATTENDED_FIELD_NUMBER: _ClassVar[int]
    PATROL_HOURS_FIELD_NUMBER: _ClassVar[int]
    member_id: str
    attended: int
    patrol_hours: float
    def __init__(self, member_id: _Optional[str] = ..., attended: _Optional[int] = ..., patrol_hours: _Optional[float] = ...) -> None: ...

class ShiftReminder(_message.Message):
    __slots__ = ("shift_id", "roster_id", "station_id", "member_id", "starts_at", "ends_at", "at")
    SHIFT_ID_FIELD_NUMBER: _ClassVar[int]
    ROSTER_ID_FIELD_NUMBER: _ClassVar[int]
    STATION_ID_FIELD_NUMBER: _ClassVar[int]
    MEMBER_ID_FIELD_NUMBER: _ClassVar[int]
    STARTS_AT_FIELD_NUMBER: _ClassVar[int]
    ENDS_AT_FIELD_NUMBER: _ClassVar[int]
    AT_FIELD_NUMBER: _ClassVar[int]
    shift_id: str
    roster_id: str
    station_id: str
    member_id: str
    starts_at: _timestamp_pb2.Timestamp
    ends_at: _timestamp_pb2.Timestamp
    at: _timestamp_pb2.Timestamp
    def __init__(self, shift_id: _Optional[str] = ..., roster_id: _Optional[str] = ..., station_id: _Optional[str] = ..., member_id: _Optional[str] = ..., starts_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., ends_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ...) -> None: ...
