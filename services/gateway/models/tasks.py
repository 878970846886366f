"""Shapes of dispatch and reports (CONTRACT.md "Tasks" and "Reports"): task drafts and views,
completions, reports and their review, and the pages that list them."""

from __future__ import annotations

import json
from enum import StrEnum
from typing import Annotated, Literal

from pydantic import Field, StringConstraints

from services.gateway.models.common import (
    Area,
    Id,
    LongText,
    MediaIds,
    Name,
    Page,
    PageQuery,
    Point,
    PointReply,
    Polygon,
    timestamp_json,
)
from services.gateway.models.identity import SkillNames
from shouwang.clock import rfc3339_of
from shouwang.tasks.v1 import tasks_pb2 as pb
from shouwang.typed_routes import ApiModel, ReplyModel

# Type bounds; the tasks service holds the domain's tighter rules (capacity at most 50...).
Priority = Annotated[int, Field(ge=1, le=3, description="1 urgent, 2 normal, 3 low")]
Capacity = Annotated[int, Field(ge=1, le=1000, description="how many may claim (default 1)")]
ExpiresIn = Annotated[int, Field(ge=60, le=86_400, description="seconds (default 1800)")]
Points = Annotated[int, Field(ge=0, le=10_000)]
Kind = Annotated[str, StringConstraints(max_length=40)]
SceneRadius = Annotated[float, Field(ge=10, le=2000, allow_inf_nan=False)]

DEFAULT_SCENE_RADIUS_M = 150.0


class TaskStatus(StrEnum):
    DISPATCHING = "dispatching"
    CLAIMED = "claimed"
    ON_SCENE = "on_scene"
    RESOLVED = "resolved"
    CLOSED = "closed"
    CANCELLED = "cancelled"
    EXPIRED = "expired"
    UNFILLED = "unfilled"


class ReportStatus(StrEnum):
    PENDING = "pending"
    APPROVED = "approved"
    REJECTED = "rejected"


class Category(StrEnum):
    CRIME_CLUE = "crime_clue"
    SAFETY_HAZARD = "safety_hazard"
    TRAFFIC = "traffic"
    FIRE = "fire"
    DISPUTE = "dispute"
    OTHER = "other"


# Drafts -----------------------------------------------------------------------------------------


class NearestTarget(ApiModel):
    """The ``count`` nearest eligible members inside the area, then the next ``count`` per wave."""

    mode: Literal["nearest"]
    count: Annotated[int, Field(ge=1, le=100)]


class AreaTarget(ApiModel):
    """Every eligible member inside the area at once."""

    mode: Literal["area"]


class MembersTarget(ApiModel):
    """The members named, those of them who are eligible."""

    mode: Literal["members"]
    member_ids: Annotated[list[Id], Field(min_length=1, max_length=200)]


Target = Annotated[NearestTarget | AreaTarget | MembersTarget, Field(discriminator="mode")]


class TaskDraft(ApiModel):
    """A task as an officer dispatches it."""

    title: Name
    description: LongText = ""
    kind: Kind = ""
    priority: Priority
    location: Point
    area: Area | None = Field(
        default=None, description="where members are sought; default a 3 km circle around location"
    )
    target: Target
    capacity: Capacity | None = None
    skills: SkillNames = []
    expires_in_s: ExpiresIn | None = None
    points: Points | None = Field(
        default=None, description="what closing it earns each claimant (default by priority)"
    )
    widen: bool | None = Field(
        default=None,
        description="nearest: offer beyond the area once nobody is left inside it; "
        "by default only when no area was drawn",
    )
    scene_radius_m: SceneRadius = Field(
        default=DEFAULT_SCENE_RADIUS_M,
        description="a claimant entering this circle around location is on scene",
    )

    def to_proto(self, caller: pb.Caller) -> pb.CreateTaskRequest:
        request = pb.CreateTaskRequest(
            caller=caller,
            title=self.title,
            description=self.description,
            kind=self.kind,
            priority=self.priority,
            location=pb.Point(lat=self.location.lat, lon=self.location.lon),
            target=pb.Target(
                mode=self.target.mode,
                count=getattr(self.target, "count", 0),
                member_ids=getattr(self.target, "member_ids", []),
            ),
            capacity=self.capacity or 0,
            skills=[str(skill) for skill in self.skills],
            expires_in_s=self.expires_in_s or 0,
            scene_radius_m=self.scene_radius_m,
        )
        if self.widen is not None:
            request.widen = self.widen
        if self.points is not None:
            request.points, request.has_points = self.points, True
        if isinstance(self.area, Polygon):
            request.area.polygon_geojson = self.area.model_dump_json()
        elif self.area is not None:
            center = pb.Point(lat=self.area.center.lat, lon=self.area.center.lon)
            request.area.circle.CopyFrom(pb.Circle(center=center, radius_m=self.area.radius_m))
        return request


class Completion(ApiModel):
    """A claimant's account of the task done, with their own photos."""

    note: LongText = ""
    media_ids: MediaIds = []


class ReportDraft(ApiModel):
    """A tip or hazard a verified member reports, with their own photos."""

    category: Category
    description: Annotated[str, StringConstraints(min_length=1, max_length=4000)]
    location: Point
    media_ids: MediaIds = []


class ReportReview(ApiModel):
    """An officer's one decision on a report; an approval may dispatch a task from it."""

    decision: Literal["approve", "reject"]
    points: Points = 0
    note: LongText = ""
    task: TaskDraft | None = Field(default=None, description="dispatch this task (approve only)")


class TaskListQuery(PageQuery):
    status: TaskStatus | None = None


class ReportListQuery(PageQuery):
    status: ReportStatus | None = None


# Replies ----------------------------------------------------------------------------------------


class PolygonReply(ReplyModel):
    type: Literal["Polygon"]
    coordinates: list[list[tuple[float, float]]]


class CircleReply(ReplyModel):
    center: PointReply
    radius_m: float


class TargetReply(ReplyModel):
    mode: Literal["nearest", "area", "members"]
    count: int | None = None
    member_ids: list[str] | None = None


class OfferView(ReplyModel):
    member_id: str
    distance_m: float
    wave: int
    offered_at: str
    declined: bool


class ClaimView(ReplyModel):
    member_id: str
    claimed_at: str
    offer_to_claim_s: float
    arrived_at: str | None
    claim_to_arrival_s: float | None


class Refusal(ReplyModel):
    member_id: str
    reason: str


class TaskSummary(ReplyModel):
    """A task as lists show it: how many were offered it and claimed it (the detail names them)."""

    task_id: str
    status: TaskStatus
    title: str
    description: str
    kind: str
    priority: int
    location: PointReply
    area: PolygonReply | CircleReply
    target: TargetReply
    capacity: int
    skills: list[str]
    points: int
    created_at: str
    expires_at: str
    station_id: str
    wave: int
    search_radius_m: float
    widen: bool
    scene_radius_m: float
    offer_count: int
    claim_count: int
    note: str
    media_ids: list[str]
    report_id: str | None

    @classmethod
    def fields_of(cls, task: pb.Task) -> dict[str, object]:
        return {
            "task_id": task.task_id,
            "status": task.status,
            "title": task.title,
            "description": task.description,
            "kind": task.kind,
            "priority": task.priority,
            "location": PointReply(lat=task.location.lat, lon=task.location.lon),
            "area": _area(task.area),
            "target": _target(task.target),
            "capacity": task.capacity,
            "skills": list(task.skills),
            "points": task.points,
            "created_at": timestamp_json(task.created_at),
            "expires_at": timestamp_json(task.expires_at),
            "station_id": task.station_id,
            "wave": task.wave,
            "search_radius_m": task.radius_m,
            "widen": task.widen,
            "scene_radius_m": task.scene_radius_m or DEFAULT_SCENE_RADIUS_M,
            "offer_count": task.offer_count,
            "claim_count": task.claim_count,
            "note": task.note,
            "media_ids": list(task.media_ids),
            "report_id": task.report_id or None,
        }

    @classmethod
    def from_proto(cls, task: pb.Task) -> TaskSummary:
        return cls(**cls.fields_of(task))


class TaskView(TaskSummary):
    """A task with who was offered it, who claimed it and whom it could not reach."""

    offers: list[OfferView]
    claims: list[ClaimView]
    refused: list[Refusal]

    @classmethod
    def from_proto(cls, task: pb.Task) -> TaskView:
        return cls(
            **cls.fields_of(task),
            offers=[
                OfferView(
                    member_id=o.member_id,
                    distance_m=o.distance_m,
                    wave=o.wave,
                    offered_at=rfc3339_of(o.offered_at),
                    declined=o.declined,
                )
                for o in task.offers
            ],
            claims=[
                ClaimView(
                    member_id=c.member_id,
                    claimed_at=rfc3339_of(c.claimed_at),
                    offer_to_claim_s=c.offer_to_claim_s,
                    arrived_at=timestamp_json(c.arrived_at, present=c.HasField("arrived_at")),
                    claim_to_arrival_s=c.claim_to_arrival_s if c.HasField("arrived_at") else None,
                )
                for c in task.claims
            ],
            refused=[Refusal(member_id=r.member_id, reason=r.reason) for r in task.refused],
        )


class TaskPage(Page):
    """A page of tasks, newest first."""

    tasks: list[TaskSummary]


class ReportView(ReplyModel):
    """A report as its author and the officers of its station see it."""

    report_id: str
    status: ReportStatus
    category: str
    description: str
    location: PointReply
    media_ids: list[str]
    member_id: str
    created_at: str
    points: int
    review_note: str
    task_id: str | None

    @classmethod
    def from_proto(cls, report: pb.Report) -> ReportView:
        return cls(
            report_id=report.report_id,
            status=report.status,
            category=report.category,
            description=report.description,
            location=PointReply(lat=report.location.lat, lon=report.location.lon),
            media_ids=list(report.media_ids),
            member_id=report.member_id,
            created_at=timestamp_json(report.created_at),
            points=report.points,
            review_note=report.review_note,
            task_id=report.task_id or None,
        )


class ReportPage(Page):
    """A page of reports, newest first."""

    reports: list[ReportView]


def _area(area: pb.Area) -> PolygonReply | CircleReply:
    if area.HasField("circle"):
        center = PointReply(lat=area.circle.center.lat, lon=area.circle.center.lon)
        return CircleReply(center=center, radius_m=area.circle.radius_m)
    return PolygonReply.model_validate(json.loads(area.polygon_geojson))


def _target(target: pb.Target) -> TargetReply:
    if target.mode == "nearest":
        return TargetReply(mode="nearest", count=target.count)
    if target.mode == "members":
        return TargetReply(mode="members", member_ids=list(target.member_ids))
    return TargetReply(mode="area")
