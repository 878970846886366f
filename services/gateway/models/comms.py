"""Shapes of bulletins and quizzes (CONTRACT.md "Bulletins, knowledge and quizzes"): drafts,
audiences, views for members (with ``read``) and officers (with counts), quizzes without their
answer keys for members, and answers with their score."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from enum import StrEnum
from typing import Annotated, Literal

from google.protobuf.timestamp_pb2 import Timestamp
from pydantic import AwareDatetime, Field, StringConstraints

from services.gateway.models.common import (
    Circle,
    IdList,
    MediaIds,
    Page,
    PageQuery,
    Polygon,
    timestamp_json,
)
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

    def to_proto(self, caller: pb.Caller) -> pb.PublishBulletinRequest:
        request = pb.PublishBulletinRequest(
            caller=caller,
            kind=self.kind.value,
            title=self.title,
            body=self.body,
            media_ids=self.media_ids,
            audience=self.audience.to_proto(),
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

    @classmethod
    def from_proto(cls, b: pb.Bulletin, *, officer: bool) -> BulletinView:
        view = cls(
            bulletin_id=b.bulletin_id,
            kind=BulletinKind(b.kind),
            title=b.title,
            body=b.body,
            media_ids=list(b.media_ids),
            published_at=b.published_at.ToJsonString(),
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
            opens_at=q.opens_at.ToJsonString(),
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
