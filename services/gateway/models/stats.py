"""Shapes of statistics and coverage (CONTRACT.md "Statistics and coverage"): the response
times and 1-3-5 shares, the activity series, and the coverage cells as GeoJSON."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from enum import StrEnum
from typing import Annotated, Literal

from pydantic import AfterValidator, AwareDatetime, Field, ValidationInfo, field_validator

from services.gateway.models.common import Id
from shouwang.clock import from_millis, to_rfc3339
from shouwang.location.v1 import location_pb2
from shouwang.tasks.v1 import tasks_pb2
from shouwang.typed_routes import QueryModel, ReplyModel

Moment = Annotated[
    AwareDatetime,
    Field(ge=datetime(2000, 1, 1, tzinfo=UTC), le=datetime(2100, 1, 1, tzinfo=UTC)),
]
MAX_RANGE = timedelta(days=366)
# Hourly series cover a month at most (744 points); a longer look is a daily one.
MAX_HOURLY_RANGE = timedelta(days=31)


class Bucket(StrEnum):
    HOUR = "hour"
    DAY = "day"

    @property
    def milliseconds(self) -> int:
        return (3600 if self is Bucket.HOUR else 86_400) * 1000


class StatsQuery(QueryModel):
    from_: Moment = Field(alias="from", description="RFC 3339 time with a timezone")
    to: Moment = Field(description="RFC 3339 time with a timezone; at most 366 days after from")
    org_id: Id | None = Field(
        default=None, description="one station of the officer's scope; default: the whole scope"
    )

    @field_validator("to")
    @classmethod
    def _within_a_year(cls, to: datetime, info: ValidationInfo) -> datetime:
        start = info.data.get("from_")
        if start is not None and not start < to <= start + MAX_RANGE:
            raise ValueError("must be after from, and at most 366 days after it")
        return to


class ActivityQuery(StatsQuery):
    bucket: Bucket = Field(
        default=Bucket.DAY,
        description="buckets start at `from`: hourly for at most 31 days, daily for at most 366",
    )

    @field_validator("bucket")
    @classmethod
    def _hours_for_a_month_at_most(cls, bucket: Bucket, info: ValidationInfo) -> Bucket:
        start, end = info.data.get("from_"), info.data.get("to")
        if bucket is Bucket.HOUR and start and end and end - start > MAX_HOURLY_RANGE:
            raise ValueError("hour buckets cover at most 31 days: ask for day buckets")
        return bucket


class HistogramBin(ReplyModel):
    upper_s: float | None = Field(description="durations up to this (null: the open last bin)")
    count: int


class Distribution(ReplyModel):
    count: int
    p50_s: float | None = Field(description="null when count is 0")
    p90_s: float | None
    mean_s: float | None
    max_s: float | None
    histogram: list[HistogramBin]

    @classmethod
    def from_proto(cls, found: tasks_pb2.Distribution) -> Distribution:
        some = found.count > 0
        return cls(
            count=found.count,
            p50_s=round(found.p50_s, 1) if some else None,
            p90_s=round(found.p90_s, 1) if some else None,
            mean_s=round(found.mean_s, 1) if some else None,
            max_s=round(found.max_s, 1) if some else None,
            histogram=[
                HistogramBin(upper_s=b.upper_s or None, count=b.count) for b in found.histogram
            ],
        )


class OnSceneShare(ReplyModel):
    minutes: Literal[1, 3, 5]
    tasks: int = Field(description="measured tasks with a claimant on scene within `minutes`")
    share: float | None = Field(description="tasks / measured; null when nothing was measured")


class ResponseStats(ReplyModel):
    """Response times of the scope's tasks created in the range, and the 1-3-5 shares."""

    org_id: str | None
    tasks: int = Field(description="tasks created in the range")
    measured: int = Field(
        description="tasks whose 5-minute outcome is known: someone arrived, or 5 minutes passed "
        "without (cancelled tasks nobody reached are left out)"
    )
    on_scene_within: list[OnSceneShare] = Field(
        description="Shaoyang's 1-3-5: the share of measured tasks with someone on scene within "
        "1, 3 and 5 minutes of dispatch"
    )
    offer_to_claim: Distribution
    claim_to_arrival: Distribution
    dispatch_to_arrival: Distribution = Field(description="dispatch to the first arrival, per task")

    @classmethod
    def from_proto(
        cls, found: tasks_pb2.ResponseStatsReply, *, org_id: str | None
    ) -> ResponseStats:
        return cls(
            org_id=org_id,
            tasks=found.tasks,
            measured=found.measured,
            on_scene_within=[
                OnSceneShare(
                    minutes=s.minutes,  # type: ignore[arg-type]
                    tasks=s.tasks,
                    share=round(s.share, 4) if found.measured else None,
                )
                for s in found.on_scene_within
            ],
            offer_to_claim=Distribution.from_proto(found.offer_to_claim),
            claim_to_arrival=Distribution.from_proto(found.claim_to_arrival),
            dispatch_to_arrival=Distribution.from_proto(found.dispatch_to_arrival),
        )


class ActivityBucket(ReplyModel):
    start: str = Field(description="RFC 3339; the bucket runs to the next one's start (or `to`)")
    tasks_by_status: dict[str, int] = Field(description="tasks created in it, by status now")
    reports_by_category: dict[str, int]
    members_on_duty: int = Field(description="members on duty at some time in it")
    patrol_hours: float = Field(description="time on duty in it, less 5-minute gaps in fixes")


class Activity(ReplyModel):
    """Time series of the scope: tasks by status, reports by category, members on duty and
    patrol hours per bucket."""

    org_id: str | None
    bucket: Bucket
    buckets: list[ActivityBucket]

    @classmethod
    def combine(
        cls,
        tasks: tasks_pb2.TaskActivityReply,
        duty: location_pb2.DutyActivityReply,
        *,
        bucket: Bucket,
        org_id: str | None,
    ) -> Activity:
        return cls(
            org_id=org_id,
            bucket=bucket,
            buckets=[
                ActivityBucket(
                    start=to_rfc3339(from_millis(t.start_ms)),
                    tasks_by_status=dict(t.counts),
                    reports_by_category=dict(r.counts),
                    members_on_duty=d.members_on_duty,
                    patrol_hours=round(d.patrol_hours, 2),
                )
                for t, r, d in zip(
                    tasks.tasks_by_status, tasks.reports_by_category, duty.buckets, strict=True
                )
            ],
        )


# Coverage ---------------------------------------------------------------------------------------


def _one_three_or_five(minutes: int) -> int:
    if minutes not in (1, 3, 5):
        raise ValueError("must be 1, 3 or 5")
    return minutes


CoverageMinutes = Annotated[
    int,
    Field(ge=1, le=5, json_schema_extra={"enum": [1, 3, 5]}),
    AfterValidator(_one_three_or_five),
]


class TravelMode(StrEnum):
    WALK = "walk"
    EBIKE = "ebike"


class CoverageQuery(QueryModel):
    minutes: CoverageMinutes = Field(default=5, description="what counts as covered in `by_grid`")
    mode: TravelMode = Field(
        default=TravelMode.WALK, description="walk 1.4 m/s or e-bike 4.5 m/s, detour factor 1.3"
    )


class CellGeometry(ReplyModel):
    type: Literal["Polygon"] = "Polygon"
    coordinates: list[list[list[float]]] = Field(description="one ring of [lon, lat]")


class CellProperties(ReplyModel):
    grid_id: str | None = Field(description="the most detailed grid containing the centre")
    reach_s: float | None = Field(
        description="seconds for the nearest free on-duty member of the scope to get there; "
        "null: nobody within the search limit"
    )
    covered: bool = Field(description="reach_s within the minutes asked")


class CoverageCell(ReplyModel):
    type: Literal["Feature"] = "Feature"
    geometry: CellGeometry
    properties: CellProperties

    @classmethod
    def from_proto(cls, cell: location_pb2.CoverageCell, *, limit_s: float) -> CoverageCell:
        reach = round(cell.reach_s, 1) if cell.HasField("reach_s") else None
        w, s, e, n = cell.west, cell.south, cell.east, cell.north
        return cls(
            geometry=CellGeometry(coordinates=[[[w, s], [e, s], [e, n], [w, n], [w, s]]]),
            properties=CellProperties(
                grid_id=cell.grid_id or None,
                reach_s=reach,
                covered=cell.HasField("reach_s") and cell.reach_s <= limit_s,
            ),
        )


class CoverageMap(ReplyModel):
    """Square cells over the officer's area (the city's grids) with how fast the nearest free
    on-duty member of the scope could reach each, and per grid the share of cells covered."""

    type: Literal["FeatureCollection"] = "FeatureCollection"
    features: list[CoverageCell]
    by_grid: dict[str, float] = Field(description="grid id -> share of its cells covered")
    minutes: int
    mode: TravelMode
    cell_m: float = Field(description="side of a cell; coarser when the area needs it")
    search_limit_s: float = Field(description="reach beyond this is null")

    @classmethod
    def from_proto(
        cls, found: location_pb2.CoverageReply, *, minutes: int, mode: TravelMode
    ) -> CoverageMap:
        limit = minutes * 60.0
        return cls(
            features=[CoverageCell.from_proto(c, limit_s=limit) for c in found.cells],
            by_grid={k: round(v, 4) for k, v in found.covered_share.items()},
            minutes=minutes,
            mode=mode,
            cell_m=found.cell_m,
            search_limit_s=found.search_limit_s,
        )
