import datetime

from google.protobuf import timestamp_pb2 as _timestamp_pb2
from google.protobuf.internal import containers as _containers
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from collections.abc import Iterable as _Iterable, Mapping as _Mapping
from typing import ClassVar as _ClassVar, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class Caller(_message.Message):
    __slots__ = ("member_id", "roles", "scope_org_ids", "city_wide", "station_id")
    MEMBER_ID_FIELD_NUMBER: _ClassVar[int]
    ROLES_FIELD_NUMBER: _ClassVar[int]
    SCOPE_ORG_IDS_FIELD_NUMBER: _ClassVar[int]
    CITY_WIDE_FIELD_NUMBER: _ClassVar[int]
    STATION_ID_FIELD_NUMBER: _ClassVar[int]
    member_id: str
    roles: _containers.RepeatedScalarFieldContainer[str]
    scope_org_ids: _containers.RepeatedScalarFieldContainer[str]
    city_wide: bool
    station_id: str
    def __init__(self, member_id: _Optional[str] = ..., roles: _Optional[_Iterable[str]] = ..., scope_org_ids: _Optional[_Iterable[str]] = ..., city_wide: _Optional[bool] = ..., station_id: _Optional[str] = ...) -> None: ...

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

class Target(_message.Message):
    __slots__ = ("mode", "count", "member_ids")
    MODE_FIELD_NUMBER: _ClassVar[int]
    COUNT_FIELD_NUMBER: _ClassVar[int]
    MEMBER_IDS_FIELD_NUMBER: _ClassVar[int]
    mode: str
    count: int
    member_ids: _containers.RepeatedScalarFieldContainer[str]
    def __init__(self, mode: _Optional[str] = ..., count: _Optional[int] = ..., member_ids: _Optional[_Iterable[str]] = ...) -> None: ...

class CreateTaskRequest(_message.Message):
    __slots__ = ("caller", "title", "description", "kind", "priority", "location", "area", "target", "capacity", "skills", "expires_in_s", "points", "has_points", "report_id", "widen", "scene_radius_m", "request_id")
    CALLER_FIELD_NUMBER: _ClassVar[int]
    TITLE_FIELD_NUMBER: _ClassVar[int]
    DESCRIPTION_FIELD_NUMBER: _ClassVar[int]
    KIND_FIELD_NUMBER: _ClassVar[int]
    PRIORITY_FIELD_NUMBER: _ClassVar[int]
    LOCATION_FIELD_NUMBER: _ClassVar[int]
    AREA_FIELD_NUMBER: _ClassVar[int]
    TARGET_FIELD_NUMBER: _ClassVar[int]
    CAPACITY_FIELD_NUMBER: _ClassVar[int]
    SKILLS_FIELD_NUMBER: _ClassVar[int]
    EXPIRES_IN_S_FIELD_NUMBER: _ClassVar[int]
    POINTS_FIELD_NUMBER: _ClassVar[int]
    HAS_POINTS_FIELD_NUMBER: _ClassVar[int]
    REPORT_ID_FIELD_NUMBER: _ClassVar[int]
    WIDEN_FIELD_NUMBER: _ClassVar[int]
    SCENE_RADIUS_M_FIELD_NUMBER: _ClassVar[int]
    REQUEST_ID_FIELD_NUMBER: _ClassVar[int]
    caller: Caller
    title: str
    description: str
    kind: str
    priority: int
    location: Point
    area: Area
    target: Target
    capacity: int
    skills: _containers.RepeatedScalarFieldContainer[str]
    expires_in_s: int
    points: int
    has_points: bool
    report_id: str
    widen: bool
    scene_radius_m: float
    request_id: str
    def __init__(self, caller: _Optional[_Union[Caller, _Mapping]] = ..., title: _Optional[str] = ..., description: _Optional[str] = ..., kind: _Optional[str] = ..., priority: _Optional[int] = ..., location: _Optional[_Union[Point, _Mapping]] = ..., area: _Optional[_Union[Area, _Mapping]] = ..., target: _Optional[_Union[Target, _Mapping]] = ..., capacity: _Optional[int] = ..., skills: _Optional[_Iterable[str]] = ..., expires_in_s: _Optional[int] = ..., points: _Optional[int] = ..., has_points: _Optional[bool] = ..., report_id: _Optional[str] = ..., widen: _Optional[bool] = ..., scene_radius_m: _Optional[float] = ..., request_id: _Optional[str] = ...) -> None: ...

class OfferView(_message.Message):
    __slots__ = ("member_id", "distance_m", "wave", "offered_at", "declined")
    MEMBER_ID_FIELD_NUMBER: _ClassVar[int]
    DISTANCE_M_FIELD_NUMBER: _ClassVar[int]
    WAVE_FIELD_NUMBER: _ClassVar[int]
    OFFERED_AT_FIELD_NUMBER: _ClassVar[int]
    DECLINED_FIELD_NUMBER: _ClassVar[int]
    member_id: str
    distance_m: float
    wave: int
    offered_at: _timestamp_pb2.Timestamp
    declined: bool
    def __init__(self, member_id: _Optional[str] = ..., distance_m: _Optional[float] = ..., wave: _Optional[int] = ..., offered_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., declined: _Optional[bool] = ...) -> None: ...

class ClaimView(_message.Message):
    __slots__ = ("member_id", "claimed_at", "arrived_at", "offer_to_claim_s", "claim_to_arrival_s")
    MEMBER_ID_FIELD_NUMBER: _ClassVar[int]
    CLAIMED_AT_FIELD_NUMBER: _ClassVar[int]
    ARRIVED_AT_FIELD_NUMBER: _ClassVar[int]
    OFFER_TO_CLAIM_S_FIELD_NUMBER: _ClassVar[int]
    CLAIM_TO_ARRIVAL_S_FIELD_NUMBER: _ClassVar[int]
    member_id: str
    claimed_at: _timestamp_pb2.Timestamp
    arrived_at: _timestamp_pb2.Timestamp
    offer_to_claim_s: float
    claim_to_arrival_s: float
    def __init__(self, member_id: _Optional[str] = ..., claimed_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., arrived_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., offer_to_claim_s: _Optional[float] = ..., claim_to_arrival_s: _Optional[float] = ...) -> None: ...

class Refusal(_message.Message):
    __slots__ = ("member_id", "reason")
    MEMBER_ID_FIELD_NUMBER: _ClassVar[int]
    REASON_FIELD_NUMBER: _ClassVar[int]
    member_id: str
    reason: str
    def __init__(self, member_id: _Optional[str] = ..., reason: _Optional[str] = ...) -> None: ...

class Task(_message.Message):
    __slots__ = ("task_id", "status", "title", "description", "kind", "priority", "location", "area", "target", "capacity", "skills", "points", "created_at", "expires_at", "offers", "claims", "station_id", "created_by", "wave", "radius_m", "refused", "note", "media_ids", "report_id", "widen", "scene_radius_m", "offer_count", "claim_count")
    TASK_ID_FIELD_NUMBER: _ClassVar[int]
    STATUS_FIELD_NUMBER: _ClassVar[int]
    TITLE_FIELD_NUMBER: _ClassVar[int]
    DESCRIPTION_FIELD_NUMBER: _ClassVar[int]
    KIND_FIELD_NUMBER: _ClassVar[int]
    PRIORITY_FIELD_NUMBER: _ClassVar[int]
    LOCATION_FIELD_NUMBER: _ClassVar[int]
    AREA_FIELD_NUMBER: _ClassVar[int]
    TARGET_FIELD_NUMBER: _ClassVar[int]
    CAPACITY_FIELD_NUMBER: _ClassVar[int]
    SKILLS_FIELD_NUMBER: _ClassVar[int]
    POINTS_FIELD_NUMBER: _ClassVar[int]
    CREATED_AT_FIELD_NUMBER: _ClassVar[int]
    EXPIRES_AT_FIELD_NUMBER: _ClassVar[int]
    OFFERS_FIELD_NUMBER: _ClassVar[int]
    CLAIMS_FIELD_NUMBER: _ClassVar[int]
    STATION_ID_FIELD_NUMBER: _ClassVar[int]
    CREATED_BY_FIELD_NUMBER: _ClassVar[int]
    WAVE_FIELD_NUMBER: _ClassVar[int]
    RADIUS_M_FIELD_NUMBER: _ClassVar[int]
    REFUSED_FIELD_NUMBER: _ClassVar[int]
    NOTE_FIELD_NUMBER: _ClassVar[int]
    MEDIA_IDS_FIELD_NUMBER: _ClassVar[int]
    REPORT_ID_FIELD_NUMBER: _ClassVar[int]
    WIDEN_FIELD_NUMBER: _ClassVar[int]
    SCENE_RADIUS_M_FIELD_NUMBER: _ClassVar[int]
    OFFER_COUNT_FIELD_NUMBER: _ClassVar[int]
    CLAIM_COUNT_FIELD_NUMBER: _ClassVar[int]
    task_id: str
    status: str
    title: str
    description: str
    kind: str
    priority: int
    location: Point
    area: Area
    target: Target
    capacity: int
    skills: _containers.RepeatedScalarFieldContainer[str]
    points: int
    created_at: _timestamp_pb2.Timestamp
    expires_at: _timestamp_pb2.Timestamp
    offers: _containers.RepeatedCompositeFieldContainer[OfferView]
    claims: _containers.RepeatedCompositeFieldContainer[ClaimView]
    station_id: str
    created_by: str
    wave: int
    radius_m: float
    refused: _containers.RepeatedCompositeFieldContainer[Refusal]
    note: str
    media_ids: _containers.RepeatedScalarFieldContainer[str]
    report_id: str
    widen: bool
    scene_radius_m: float
    offer_count: int
    claim_count: int
    def __init__(self, task_id: _Optional[str] = ..., status: _Optional[str] = ..., title: _Optional[str] = ..., description: _Optional[str] = ..., kind: _Optional[str] = ..., priority: _Optional[int] = ..., location: _Optional[_Union[Point, _Mapping]] = ..., area: _Optional[_Union[Area, _Mapping]] = ..., target: _Optional[_Union[Target, _Mapping]] = ..., capacity: _Optional[int] = ..., skills: _Optional[_Iterable[str]] = ..., points: _Optional[int] = ..., created_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., expires_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., offers: _Optional[_Iterable[_Union[OfferView, _Mapping]]] = ..., claims: _Optional[_Iterable[_Union[ClaimView, _Mapping]]] = ..., station_id: _Optional[str] = ..., created_by: _Optional[str] = ..., wave: _Optional[int] = ..., radius_m: _Optional[float] = ..., refused: _Optional[_Iterable[_Union[Refusal, _Mapping]]] = ..., note: _Optional[str] = ..., media_ids: _Optional[_Iterable[str]] = ..., report_id: _Optional[str] = ..., widen: _Optional[bool] = ..., scene_radius_m: _Optional[float] = ..., offer_count: _Optional[int] = ..., claim_count: _Optional[int] = ...) -> None: ...

class TaskList(_message.Message):
    __slots__ = ("tasks", "next_page_token")
    TASKS_FIELD_NUMBER: _ClassVar[int]
    NEXT_PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    tasks: _containers.RepeatedCompositeFieldContainer[Task]
    next_page_token: str
    def __init__(self, tasks: _Optional[_Iterable[_Union[Task, _Mapping]]] = ..., next_page_token: _Optional[str] = ...) -> None: ...

class GetTaskRequest(_message.Message):
    __slots__ = ("caller", "task_id")
    CALLER_FIELD_NUMBER: _ClassVar[int]
    TASK_ID_FIELD_NUMBER: _ClassVar[int]
    caller: Caller
    task_id: str
    def __init__(self, caller: _Optional[_Union[Caller, _Mapping]] = ..., task_id: _Optional[str] = ...) -> None: ...

class ListTasksRequest(_message.Message):
    __slots__ = ("caller", "status", "page_size", "page_token")
    CALLER_FIELD_NUMBER: _ClassVar[int]
    STATUS_FIELD_NUMBER: _ClassVar[int]
    PAGE_SIZE_FIELD_NUMBER: _ClassVar[int]
    PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    caller: Caller
    status: str
    page_size: int
    page_token: str
    def __init__(self, caller: _Optional[_Union[Caller, _Mapping]] = ..., status: _Optional[str] = ..., page_size: _Optional[int] = ..., page_token: _Optional[str] = ...) -> None: ...

class TaskActionRequest(_message.Message):
    __slots__ = ("caller", "task_id")
    CALLER_FIELD_NUMBER: _ClassVar[int]
    TASK_ID_FIELD_NUMBER: _ClassVar[int]
    caller: Caller
    task_id: str
    def __init__(self, caller: _Optional[_Union[Caller, _Mapping]] = ..., task_id: _Optional[str] = ...) -> None: ...

class CompleteTaskRequest(_message.Message):
    __slots__ = ("caller", "task_id", "note", "media_ids")
    CALLER_FIELD_NUMBER: _ClassVar[int]
    TASK_ID_FIELD_NUMBER: _ClassVar[int]
    NOTE_FIELD_NUMBER: _ClassVar[int]
    MEDIA_IDS_FIELD_NUMBER: _ClassVar[int]
    caller: Caller
    task_id: str
    note: str
    media_ids: _containers.RepeatedScalarFieldContainer[str]
    def __init__(self, caller: _Optional[_Union[Caller, _Mapping]] = ..., task_id: _Optional[str] = ..., note: _Optional[str] = ..., media_ids: _Optional[_Iterable[str]] = ...) -> None: ...

class SubmitReportRequest(_message.Message):
    __slots__ = ("caller", "category", "description", "location", "media_ids")
    CALLER_FIELD_NUMBER: _ClassVar[int]
    CATEGORY_FIELD_NUMBER: _ClassVar[int]
    DESCRIPTION_FIELD_NUMBER: _ClassVar[int]
    LOCATION_FIELD_NUMBER: _ClassVar[int]
    MEDIA_IDS_FIELD_NUMBER: _ClassVar[int]
    caller: Caller
    category: str
    description: str
    location: Point
    media_ids: _containers.RepeatedScalarFieldContainer[str]
    def __init__(self, caller: _Optional[_Union[Caller, _Mapping]] = ..., category: _Optional[str] = ..., description: _Optional[str] = ..., location: _Optional[_Union[Point, _Mapping]] = ..., media_ids: _Optional[_Iterable[str]] = ...) -> None: ...

class Report(_message.Message):
    __slots__ = ("report_id", "status", "category", "description", "location", "media_ids", "member_id", "station_id", "created_at", "points", "review_note", "task_id", "reviewed_by")
    REPORT_ID_FIELD_NUMBER: _ClassVar[int]
    STATUS_FIELD_NUMBER: _ClassVar[int]
    CATEGORY_FIELD_NUMBER: _ClassVar[int]
    DESCRIPTION_FIELD_NUMBER: _ClassVar[int]
    LOCATION_FIELD_NUMBER: _ClassVar[int]
    MEDIA_IDS_FIELD_NUMBER: _ClassVar[int]
    MEMBER_ID_FIELD_NUMBER: _ClassVar[int]
    STATION_ID_FIELD_NUMBER: _ClassVar[int]
    CREATED_AT_FIELD_NUMBER: _ClassVar[int]
    POINTS_FIELD_NUMBER: _ClassVar[int]
    REVIEW_NOTE_FIELD_NUMBER: _ClassVar[int]
    TASK_ID_FIELD_NUMBER: _ClassVar[int]
    REVIEWED_BY_FIELD_NUMBER: _ClassVar[int]
    report_id: str
    status: str
    category: str
    description: str
    location: Point
    media_ids: _containers.RepeatedScalarFieldContainer[str]
    member_id: str
    station_id: str
    created_at: _timestamp_pb2.Timestamp
    points: int
    review_note: str
    task_id: str
    reviewed_by: str
    def __init__(self, report_id: _Optional[str] = ..., status: _Optional[str] = ..., category: _Optional[str] = ..., description: _Optional[str] = ..., location: _Optional[_Union[Point, _Mapping]] = ..., media_ids: _Optional[_Iterable[str]] = ..., member_id: _Optional[str] = ..., station_id: _Optional[str] = ..., created_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., points: _Optional[int] = ..., review_note: _Optional[str] = ..., task_id: _Optional[str] = ..., reviewed_by: _Optional[str] = ...) -> None: ...

class ReportList(_message.Message):
    __slots__ = ("reports", "next_page_token")
    REPORTS_FIELD_NUMBER: _ClassVar[int]
    NEXT_PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    reports: _containers.RepeatedCompositeFieldContainer[Report]
    next_page_token: str
    def __init__(self, reports: _Optional[_Iterable[_Union[Report, _Mapping]]] = ..., next_page_token: _Optional[str] = ...) -> None: ...

class ListReportsRequest(_message.Message):
    __slots__ = ("caller", "status", "page_size", "page_token")
    CALLER_FIELD_NUMBER: _ClassVar[int]
    STATUS_FIELD_NUMBER: _ClassVar[int]
    PAGE_SIZE_FIELD_NUMBER: _ClassVar[int]
    PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    caller: Caller
    status: str
    page_size: int
    page_token: str
    def __init__(self, caller: _Optional[_Union[Caller, _Mapping]] = ..., status: _Optional[str] = ..., page_size: _Optional[int] = ..., page_token: _Optional[str] = ...) -> None: ...

class ReviewReportRequest(_message.Message):
    __slots__ = ("caller", "report_id", "decision", "points", "note", "task")
    CALLER_FIELD_NUMBER: _ClassVar[int]
    REPORT_ID_FIELD_NUMBER: _ClassVar[int]
    DECISION_FIELD_NUMBER: _ClassVar[int]
    POINTS_FIELD_NUMBER: _ClassVar[int]
    NOTE_FIELD_NUMBER: _ClassVar[int]
    TASK_FIELD_NUMBER: _ClassVar[int]
    caller: Caller
    report_id: str
    decision: str
    points: int
    note: str
    task: CreateTaskRequest
    def __init__(self, caller: _Optional[_Union[Caller, _Mapping]] = ..., report_id: _Optional[str] = ..., decision: _Optional[str] = ..., points: _Optional[int] = ..., note: _Optional[str] = ..., task: _Optional[_Union[CreateTaskRequest, _Mapping]] = ...) -> None: ...

class StatsRequest(_message.Message):
    __slots__ = ("caller", "from_ms", "to_ms", "station_id")
    CALLER_FIELD_NUMBER: _ClassVar[int]
    FROM_MS_FIELD_NUMBER: _ClassVar[int]
    TO_MS_FIELD_NUMBER: _ClassVar[int]
    STATION_ID_FIELD_NUMBER: _ClassVar[int]
    caller: Caller
    from_ms: int
    to_ms: int
    station_id: str
    def __init__(self, caller: _Optional[_Union[Caller, _Mapping]] = ..., from_ms: _Optional[int] = ..., to_ms: _Optional[int] = ..., station_id: _Optional[str] = ...) -> None: ...

class HistogramBin(_message.Message):
    __slots__ = ("upper_s", "count")
    UPPER_S_FIELD_NUMBER: _ClassVar[int]
    COUNT_FIELD_NUMBER: _ClassVar[int]
    upper_s: float
    count: int
    def __init__(self, upper_s: _Optional[float] = ..., count: _Optional[int] = ...) -> None: ...

class Distribution(_message.Message):
    __slots__ = ("count", "p50_s", "p90_s", "mean_s", "max_s", "histogram")
    COUNT_FIELD_NUMBER: _ClassVar[int]
    P50_S_FIELD_NUMBER: _ClassVar[int]
    P90_S_FIELD_NUMBER: _ClassVar[int]
    MEAN_S_FIELD_NUMBER: _ClassVar[int]
    MAX_S_FIELD_NUMBER: _ClassVar[int]
    HISTOGRAM_FIELD_NUMBER: _ClassVar[int]
    count: int
    p50_s: float
    p90_s: float
    mean_s: float
    max_s: float
    histogram: _containers.RepeatedCompositeFieldContainer[HistogramBin]
    def __init__(self, count: _Optional[int] = ..., p50_s: _Optional[float] = ..., p90_s: _Optional[float] = ..., mean_s: _Optional[float] = ..., max_s: _Optional[float] = ..., histogram: _Optional[_Iterable[_Union[HistogramBin, _Mapping]]] = ...) -> None: ...

class OnSceneShare(_message.Message):
    __slots__ = ("minutes", "tasks", "share")
    MINUTES_FIELD_NUMBER: _ClassVar[int]
    TASKS_FIELD_NUMBER: _ClassVar[int]
    SHARE_FIELD_NUMBER: _ClassVar[int]
    minutes: int
    tasks: int
    share: float
    def __init__(self, minutes: _Optional[int] = ..., tasks: _Optional[int] = ..., share: _Optional[float] = ...) -> None: ...

class ResponseStatsReply(_message.Message):
    __slots__ = ("offer_to_claim", "claim_to_arrival", "dispatch_to_arrival", "tasks", "measured", "on_scene_within")
    OFFER_TO_CLAIM_FIELD_NUMBER: _ClassVar[int]
    CLAIM_TO_ARRIVAL_FIELD_NUMBER: _ClassVar[int]
    DISPATCH_TO_ARRIVAL_FIELD_NUMBER: _ClassVar[int]
    TASKS_FIELD_NUMBER: _ClassVar[int]
    MEASURED_FIELD_NUMBER: _ClassVar[int]
    ON_SCENE_WITHIN_FIELD_NUMBER: _ClassVar[int]
    offer_to_claim: Distribution
    claim_to_arrival: Distribution
    dispatch_to_arrival: Distribution
    tasks: int
    measured: int
    on_scene_within: _containers.RepeatedCompositeFieldContainer[OnSceneShare]
    def __init__(self, offer_to_claim: _Optional[_Union[Distribution, _Mapping]] = ..., claim_to_arrival: _Optional[_Union[Distribution, _Mapping]] = ..., dispatch_to_arrival: _Optional[_Union[Distribution, _Mapping]] = ..., tasks: _Optional[int] = ..., measured: _Optional[int] = ..., on_scene_within: _Optional[_Iterable[_Union[OnSceneShare, _Mapping]]] = ...) -> None: ...

class ActivityRequest(_message.Message):
    __slots__ = ("caller", "from_ms", "to_ms", "bucket_ms", "station_id")
    CALLER_FIELD_NUMBER: _ClassVar[int]
    FROM_MS_FIELD_NUMBER: _ClassVar[int]
    TO_MS_FIELD_NUMBER: _ClassVar[int]
    BUCKET_MS_FIELD_NUMBER: _ClassVar[int]
    STATION_ID_FIELD_NUMBER: _ClassVar[int]
    caller: Caller
    from_ms: int
    to_ms: int
    bucket_ms: int
    station_id: str
    def __init__(self, caller: _Optional[_Union[Caller, _Mapping]] = ..., from_ms: _Optional[int] = ..., to_ms: _Optional[int] = ..., bucket_ms: _Optional[int] = ..., station_id: _Optional[str] = ...) -> None: ...

class CountsBucket(_message.Message):
    __slots__ = ("start_ms", "counts")
    class CountsEntry(_message.Message):
        __slots__ = ("key", "value")
        KEY_FIELD_NUMBER: _ClassVar[int]
        VALUE_FIELD_NUMBER: _ClassVar[int]
        key: str
        value: int
        def __init__(self, key: _Optional[str] = ..., value: _Optional[int] = ...) -> None: ...
    START_MS_FIELD_NUMBER: _ClassVar[int]
    COUNTS_FIELD_NUMBER: _ClassVar[int]
    start_ms: int
    counts: _containers.ScalarMap[str, int]
    def __init__(self, start_ms: _Optional[int] = ..., counts: _Optional[_Mapping[str, int]] = ...) -> None: ...

class TaskActivityReply(_message.Message):
    __slots__ = ("tasks_by_status", "reports_by_category")
    TASKS_BY_STATUS_FIELD_NUMBER: _ClassVar[int]
    REPORTS_BY_CATEGORY_FIELD_NUMBER: _ClassVar[int]
    tasks_by_status: _containers.RepeatedCompositeFieldContainer[CountsBucket]
    reports_by_category: _containers.RepeatedCompositeFieldContainer[CountsBucket]
    def __init__(self, tasks_by_status: _Optional[_Iterable[_Union[CountsBucket, _Mapping]]] = ..., reports_by_category: _Optional[_Iterable[_Union[CountsBucket, _Mapping]]] = ...) -> None: ...
