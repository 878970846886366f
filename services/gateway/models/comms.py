"""Shapes of bulletins, quizzes and groups (CONTRACT.md "Bulletins, knowledge and quizzes" and
"Groups, chat, intercom and map drawings"): drafts, audiences, views for members (with ``read``)
and officers (with counts), quizzes without their answer keys for members, answers with their
score, groups, their messages and their map drawings."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from enum import StrEnum
from typing import Annotated, Literal

from google.protobuf.timestamp_pb2 import Timestamp
from pydantic import AwareDatetime, Field, StringConstraints

from services.gateway.models.common import (
    Circle,
    Id,
    IdList,
    Latitude,
    Longitude,
    MediaIds,
    Page,
    PageQuery,
    Point,
    PointReply,
    Polygon,
    timestamp_json,
)
from shouwang.clock import rfc3339_of
from shouwang.comms.v1 import comms_pb2 as pb
from shouwang.typed_routes import ApiModel, ReplyModel

Moment = Annotated[
    AwareDatetime,
    Field(ge=datetime(2000, 1, 1, tzinfo=UTC), le=datetime(2100, 1, 1, tzinfo=UTC)),
]
Title = Annotated[str, StringConstraints(min_length=1, max_length=120)]
Body = Annotated[str, StringConstraints(min_length=1, max_length=20_000)]
QuestionText = Annotated[str, StringConstraints(min_length=1, max_length=500)]
Choice = Annotated[str, StringConstraints(min_length=1, max_length=500)]
ChoiceIndex = Annotated[int, Field(ge=0, le=7)]


class BulletinKind(StrEnum):
    ALERT = "alert"
    NEWS = "news"
    WANTED = "wanted"
    CASE_NOTICE = "case_notice"
    KNOWLEDGE = "knowledge"


def _stamp(moment: datetime) -> Timestamp:
    stamp = Timestamp()
    stamp.FromDatetime(moment.astimezone(UTC))
    return stamp


class AudienceDraft(ApiModel):
    """Who a bulletin reaches: any of these, together."""

    area: Polygon | Circle | None = Field(
        None, description="members on duty inside it now, and members whose grid it covers"
    )
    grid_ids: IdList = []
    org_ids: IdList = []
    everyone: bool = False

    def to_proto(self) -> pb.Audience:
        audience = pb.Audience(grid_ids=self.grid_ids, org_ids=self.org_ids, everyone=self.everyone)
        if isinstance(self.area, Polygon):
            audience.area.polygon_geojson = self.area.model_dump_json()
        elif self.area is not None:
            center = pb.Point(lat=self.area.center.lat, lon=self.area.center.lon)
            audience.area.circle.CopyFrom(pb.Circle(center=center, radius_m=self.area.radius_m))
        return audience


class BulletinDraft(ApiModel):
    kind: BulletinKind
    title: Title
    body: Body
    media_ids: MediaIds = []
    audience: AudienceDraft
    expires_at: Moment | None = None
    sms: bool = Field(
        False,
        description="also text the recipients with a phone (a one-message template; opted-out "
        "members and those over the hourly limit are skipped)",
    )

    def to_proto(self, caller: pb.Caller) -> pb.PublishBulletinRequest:
        request = pb.PublishBulletinRequest(
            caller=caller,
            kind=self.kind.value,
            title=self.title,
            body=self.body,
            media_ids=self.media_ids,
            audience=self.audience.to_proto(),
            sms=self.sms,
        )
        if self.expires_at is not None:
            request.expires_at.CopyFrom(_stamp(self.expires_at))
        return request


class BulletinListQuery(PageQuery):
    kind: BulletinKind | None = None


class AudienceView(ReplyModel):
    area: dict | None
    grid_ids: list[str]
    org_ids: list[str]
    everyone: bool


class BulletinView(ReplyModel):
    """A bulletin: members see ``read``; officers see the audience and the counts."""

    bulletin_id: str
    kind: BulletinKind
    title: str
    body: str
    media_ids: list[str]
    published_at: str
    expires_at: str | None
    station_id: str
    read: bool
    published_by: str | None = None
    audience: AudienceView | None = None
    recipient_count: int | None = None
    read_count: int | None = None
    sms: bool | None = Field(None, description="officers: whether it was also sent by SMS")

    @classmethod
    def from_proto(cls, b: pb.Bulletin, *, officer: bool) -> BulletinView:
        view = cls(
            bulletin_id=b.bulletin_id,
            kind=BulletinKind(b.kind),
            title=b.title,
            body=b.body,
            media_ids=list(b.media_ids),
            published_at=rfc3339_of(b.published_at),
            expires_at=timestamp_json(b.expires_at, present=b.HasField("expires_at")),
            station_id=b.station_id,
            read=b.read,
        )
        if officer:
            area: dict | None = None
            if b.audience.area.HasField("circle"):
                c = b.audience.area.circle
                area = {
                    "center": {"lat": c.center.lat, "lon": c.center.lon},
                    "radius_m": c.radius_m,
                }
            elif b.audience.area.HasField("polygon_geojson"):
                area = json.loads(b.audience.area.polygon_geojson)
            view.published_by = b.published_by
            view.audience = AudienceView(
                area=area,
                grid_ids=list(b.audience.grid_ids),
                org_ids=list(b.audience.org_ids),
                everyone=b.audience.everyone,
            )
            view.recipient_count, view.read_count = b.recipient_count, b.read_count
            view.sms = b.sms
        return view


class BulletinPage(Page):
    """Bulletins, newest first."""

    bulletins: list[BulletinView]


class QuestionDraft(ApiModel):
    text: QuestionText
    choices: Annotated[list[Choice], Field(min_length=2, max_length=8)]
    answer: ChoiceIndex = Field(description="index of the right choice")


class QuizDraft(ApiModel):
    title: Title
    questions: Annotated[list[QuestionDraft], Field(min_length=1, max_length=50)]
    opens_at: Moment | None = None
    closes_at: Moment | None = None
    points_per_correct: Annotated[int, Field(ge=1, le=100)] | None = None

    def to_proto(self, caller: pb.Caller) -> pb.CreateQuizRequest:
        request = pb.CreateQuizRequest(
            caller=caller,
            title=self.title,
            questions=[
                pb.Question(text=q.text, choices=q.choices, answer=q.answer) for q in self.questions
            ],
            points_per_correct=self.points_per_correct or 0,
        )
        if self.opens_at is not None:
            request.opens_at.CopyFrom(_stamp(self.opens_at))
        if self.closes_at is not None:
            request.closes_at.CopyFrom(_stamp(self.closes_at))
        return request


class QuizListQuery(PageQuery):
    open: Literal["true", "false"] | None = Field(
        None, description="officers: only open ones with true (members always see open ones)"
    )


class QuestionView(ReplyModel):
    text: str
    choices: list[str]
    answer: int | None = Field(None, description="officers only")


class QuizView(ReplyModel):
    quiz_id: str
    title: str
    questions: list[QuestionView]
    opens_at: str
    closes_at: str | None
    points_per_correct: int
    station_id: str
    answered: bool

    @classmethod
    def from_proto(cls, q: pb.Quiz) -> QuizView:
        return cls(
            quiz_id=q.quiz_id,
            title=q.title,
            questions=[
                QuestionView(
                    text=x.text,
                    choices=list(x.choices),
                    answer=x.answer if x.HasField("answer") else None,
                )
                for x in q.questions
            ],
            opens_at=rfc3339_of(q.opens_at),
            closes_at=timestamp_json(q.closes_at, present=q.HasField("closes_at")),
            points_per_correct=q.points_per_correct,
            station_id=q.station_id,
            answered=q.answered,
        )


class QuizPage(Page):
    """Quizzes, newest first."""

    quizzes: list[QuizView]


class QuizAnswers(ApiModel):
    answers: Annotated[list[ChoiceIndex], Field(min_length=1, max_length=50)]


class QuizResult(ReplyModel):
    quiz_id: str
    correct: int
    total: int
    points: int = Field(description="what the quiz awards; the points rules' daily cap applies")


# Groups ----------------------------------------------------------------------------------------

GroupName = Annotated[str, StringConstraints(min_length=1, max_length=60)]
MessageText = Annotated[str, StringConstraints(max_length=2000)]
Label = Annotated[str, StringConstraints(max_length=60)]
Color = Annotated[str, StringConstraints(pattern=r"^#[0-9A-Fa-f]{6}$")]
GroupMembers = Annotated[list[Id], Field(max_length=500)]


class GroupDraft(ApiModel):
    name: GroupName
    member_ids: GroupMembers = []
    task_id: Id | None = None
    cohort_id: Id | None = Field(
        None, description="a training cohort: its trainees and instructors join the group"
    )
    expires_at: Moment | None = None

    def to_proto(self, caller: pb.Caller) -> pb.CreateGroupRequest:
        request = pb.CreateGroupRequest(
            caller=caller,
            name=self.name,
            member_ids=self.member_ids,
            task_id=self.task_id or "",
            cohort_id=self.cohort_id or "",
        )
        if self.expires_at is not None:
            request.expires_at.CopyFrom(_stamp(self.expires_at))
        return request


class MembershipChange(ApiModel):
    add: GroupMembers = []
    remove: GroupMembers = []


class GroupView(ReplyModel):
    group_id: str
    name: str
    member_ids: list[str]
    task_id: str | None
    created_at: str
    expires_at: str | None
    station_id: str
    created_by: str
    ended: bool
    cohort_id: str | None = None

    @classmethod
    def from_proto(cls, g: pb.Group) -> GroupView:
        return cls(
            group_id=g.group_id,
            name=g.name,
            member_ids=list(g.member_ids),
            task_id=g.task_id or None,
            created_at=rfc3339_of(g.created_at),
            expires_at=timestamp_json(g.expires_at, present=g.HasField("expires_at")),
            station_id=g.station_id,
            created_by=g.created_by,
            ended=g.ended,
            cohort_id=g.cohort_id or None,
        )


class GroupPage(Page):
    """The caller's groups (officers: also their scope's), newest first."""

    groups: list[GroupView]


class MessageDraft(ApiModel):
    text: MessageText = ""
    media_ids: MediaIds = []
    location: Point | None = None
    voice_media_id: Id | None = Field(
        None, description="a push-to-talk clip: the caller's own voice upload (POST /media)"
    )

    def to_proto(
        self, caller: pb.Caller, group_id: str, *, voice_duration_ms: int = 0
    ) -> pb.PostMessageRequest:
        request = pb.PostMessageRequest(
            caller=caller,
            group_id=group_id,
            text=self.text,
            media_ids=self.media_ids,
            voice_media_id=self.voice_media_id or "",
            voice_duration_ms=voice_duration_ms,
        )
        if self.location is not None:
            request.location.CopyFrom(pb.Point(lat=self.location.lat, lon=self.location.lon))
        return request


class MessageView(ReplyModel):
    message_id: str
    group_id: str
    sender_id: str
    text: str
    media_ids: list[str]
    location: PointReply | None
    sent_at: str
    voice_media_id: str | None = None
    voice_duration_ms: int | None = None

    @classmethod
    def from_proto(cls, m: pb.GroupMessage) -> MessageView:
        location = None
        if m.HasField("location"):
            location = PointReply(lat=m.location.lat, lon=m.location.lon)
        return cls(
            message_id=m.message_id,
            group_id=m.group_id,
            sender_id=m.sender_id,
            text=m.text,
            media_ids=list(m.media_ids),
            location=location,
            sent_at=rfc3339_of(m.sent_at),
            voice_media_id=m.voice_media_id or None,
            voice_duration_ms=m.voice_duration_ms if m.voice_media_id else None,
        )


class MessagePage(Page):
    """A group's messages, newest first."""

    messages: list[MessageView]


Position = tuple[Longitude, Latitude]


class PointGeometry(ApiModel):
    type: Literal["Point"]
    coordinates: Position


class LineGeometry(ApiModel):
    type: Literal["LineString"]
    coordinates: Annotated[list[Position], Field(min_length=2, max_length=1000)]


class DrawingProperties(ApiModel):
    label: Label | None = None
    color: Color | None = None


class DrawingDraft(ApiModel):
    """A GeoJSON Feature: a line (arrows are lines), an area or a labelled point."""

    type: Literal["Feature"]
    geometry: PointGeometry | LineGeometry | Polygon
    properties: DrawingProperties = DrawingProperties()


class DrawingView(ReplyModel):
    drawing_id: str
    group_id: str
    feature: dict
    created_by: str
    created_at: str
    deleted: bool

    @classmethod
    def from_proto(cls, d: pb.Drawing) -> DrawingView:
        return cls(
            drawing_id=d.drawing_id,
            group_id=d.group_id,
            feature=json.loads(d.feature_geojson) if d.feature_geojson else {},
            created_by=d.created_by,
            created_at=rfc3339_of(d.created_at),
            deleted=d.deleted,
        )


class DrawingList(ReplyModel):
    drawings: list[DrawingView]
