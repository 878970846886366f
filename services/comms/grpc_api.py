"""Comms' gRPC servicer: protobuf in, use cases, protobuf out (errors are mapped by
``shouwang.rpc`` from the domain errors the use cases raise)."""

from __future__ import annotations

import grpc

from services.comms import groups, handlers
from services.comms.handlers import BulletinItem
from services.comms.live_call_rpc import LiveCallRpcs
from services.comms.live_calls import LiveCallPorts
from services.comms.media import may_see_media
from services.comms.model import Circle, Drawing, Group, Message, Polygon, Quiz
from services.comms.ports import Ports
from shouwang.clock import timestamp_of_millis, to_millis
from shouwang.comms.v1 import comms_pb2 as pb
from shouwang.comms.v1 import comms_pb2_grpc
from shouwang.rpc import ServiceBinding
from shouwang.scope import Caller

Context = grpc.ServicerContext


class CommsServicer(LiveCallRpcs):
    def __init__(self, ports: Ports, live_calls: LiveCallPorts | None = None) -> None:
        self.ports = ports
        self.live_calls = live_calls

    def PublishBulletin(self, request, context: Context):
        bulletin = handlers.publish_bulletin(
            self.ports, Caller.from_message(request.caller), request
        )
        return bulletin_message(BulletinItem(bulletin), officer=True)

    def ListBulletins(self, request, context: Context):
        caller = Caller.from_message(request.caller)
        items, next_cursor = handlers.list_bulletins(
            self.ports, caller, kind=request.kind, size=request.page_size, cursor=request.page_token
        )
        return pb.BulletinList(
            bulletins=[bulletin_message(i, officer=caller.is_officer) for i in items],
            next_page_token=next_cursor,
        )

    def ReadBulletin(self, request, context: Context):
        caller = Caller.from_message(request.caller)
        item = handlers.read_bulletin(self.ports, caller, request.bulletin_id)
        return bulletin_message(item, officer=False)

    def GetKnowledge(self, request, context: Context):
        article = handlers.knowledge(self.ports, request.bulletin_id)
        return pb.Bulletin(
            bulletin_id=article.bulletin_id,
            kind=article.kind,
            title=article.title,
            body=article.body,
            published_at=timestamp_of_millis(article.published_at_ms),
        )

    def CreateQuiz(self, request, context: Context):
        return quiz_message(
            handlers.create_quiz(self.ports, Caller.from_message(request.caller), request)
        )

    def ListQuizzes(self, request, context: Context):
        caller = Caller.from_message(request.caller)
        items, next_cursor = handlers.list_quizzes(
            self.ports,
            caller,
            open_only=request.open_only,
            size=request.page_size,
            cursor=request.page_token,
        )
        return pb.QuizList(
            quizzes=[quiz_message(q, with_answers=caller.is_officer, answered=a) for q, a in items],
            next_page_token=next_cursor,
        )

    def AnswerQuiz(self, request, context: Context):
        result = handlers.answer_quiz(
            self.ports, Caller.from_message(request.caller), request.quiz_id, list(request.answers)
        )
        return pb.QuizResult(
            quiz_id=request.quiz_id,
            correct=result.correct,
            total=result.total,
            points=result.points,
        )

    def CreateGroup(self, request, context: Context):
        return group_view(
            groups.create_group(self.ports, Caller.from_message(request.caller), request)
        )

    def ListGroups(self, request, context: Context):
        page = groups.list_groups(
            self.ports,
            Caller.from_message(request.caller),
            size=request.page_size,
            cursor=request.page_token,
        )
        return pb.GroupList(
            groups=[group_view(g, now_ms=self._now_ms()) for g in page.items],
            next_page_token=page.next_cursor,
        )

    def ChangeMembers(self, request, context: Context):
        group = groups.change_members(
            self.ports,
            Caller.from_message(request.caller),
            request.group_id,
            add=list(request.add_member_ids),
            remove=list(request.remove_member_ids),
        )
        return group_view(group, now_ms=self._now_ms())

    def PostMessage(self, request, context: Context):
        return message_view(
            groups.post_message(self.ports, Caller.from_message(request.caller), request)
        )

    def ListMessages(self, request, context: Context):
        page = groups.list_messages(
            self.ports,
            Caller.from_message(request.caller),
            request.group_id,
            size=request.page_size,
            cursor=request.page_token,
        )
        return pb.GroupMessageList(
            messages=[message_view(m) for m in page.items], next_page_token=page.next_cursor
        )

    def GetMessage(self, request, context: Context):
        message = groups.get_message(self.ports, request.group_id, request.message_id)
        return message_view(message, with_recipients=True)

    def MaySeeMedia(self, request, context: Context):
        caller = Caller.from_message(request.caller)
        return pb.MaySeeMediaReply(allowed=may_see_media(self.ports, caller, request.media_id))

    def AddDrawing(self, request, context: Context):
        drawing = groups.add_drawing(
            self.ports,
            Caller.from_message(request.caller),
            request.group_id,
            request.feature_geojson,
        )
        return drawing_view(drawing)

    def DeleteDrawing(self, request, context: Context):
        drawing = groups.delete_drawing(
            self.ports, Caller.from_message(request.caller), request.group_id, request.drawing_id
        )
        return drawing_view(drawing)

    def ListDrawings(self, request, context: Context):
        found = groups.list_drawings(
            self.ports, Caller.from_message(request.caller), request.group_id
        )
        return pb.DrawingList(drawings=[drawing_view(d) for d in found])

    def _now_ms(self) -> int:
        return to_millis(self.ports.clock.now())


def group_view(group: Group, *, now_ms: int = 0) -> pb.Group:
    message = pb.Group(
        group_id=group.group_id,
        name=group.name,
        member_ids=group.member_ids,
        task_id=group.task_id,
        created_at=timestamp_of_millis(group.created_at_ms),
        station_id=group.station_id,
        created_by=group.created_by,
        ended=group.ended(now_ms) if now_ms else False,
        cohort_id=group.cohort_id,
    )
    if group.expires_at_ms:
        message.expires_at.CopyFrom(timestamp_of_millis(group.expires_at_ms))
    return message


def message_view(message: Message, *, with_recipients: bool = False) -> pb.GroupMessage:
    view = pb.GroupMessage(
        message_id=message.message_id,
        group_id=message.group_id,
        sender_id=message.sender_id,
        text=message.text,
        media_ids=message.media_ids,
        sent_at=timestamp_of_millis(message.sent_at_ms),
        station_id=message.station_id,
        voice_media_id=message.voice_media_id,
        voice_duration_ms=message.voice_duration_ms,
    )
    if message.location is not None:
        view.location.CopyFrom(pb.Point(lat=message.location.lat, lon=message.location.lon))
    if with_recipients:
        view.recipient_ids[:] = message.recipient_ids
    return view


def drawing_view(drawing: Drawing) -> pb.Drawing:
    return pb.Drawing(
        drawing_id=drawing.drawing_id,
        group_id=drawing.group_id,
        feature_geojson=drawing.feature_geojson,
        created_by=drawing.created_by,
        created_at=timestamp_of_millis(drawing.created_at_ms),
        deleted=drawing.deleted,
    )


def bulletin_message(item: BulletinItem, *, officer: bool) -> pb.Bulletin:
    b = item.bulletin
    message = pb.Bulletin(
        bulletin_id=b.bulletin_id,
        kind=b.kind,
        title=b.title,
        body=b.body,
        media_ids=b.media_ids,
        published_at=timestamp_of_millis(b.published_at_ms),
        station_id=b.station_id,
        read=item.read,
    )
    if b.expires_at_ms:
        message.expires_at.CopyFrom(timestamp_of_millis(b.expires_at_ms))
    if officer:
        message.published_by = b.published_by
        message.recipient_count = b.recipient_count
        message.read_count = b.read_count
        message.sms = b.sms
        audience = message.audience
        audience.grid_ids[:] = b.audience.grid_ids
        audience.org_ids[:] = b.audience.org_ids
        audience.everyone = b.audience.everyone
        if isinstance(b.audience.area, Circle):
            c = b.audience.area
            audience.area.circle.CopyFrom(
                pb.Circle(center=pb.Point(lat=c.lat, lon=c.lon), radius_m=c.radius_m)
            )
        elif isinstance(b.audience.area, Polygon):
            audience.area.polygon_geojson = b.audience.area.geojson
    return message


def quiz_message(quiz: Quiz, *, with_answers: bool = True, answered: bool = False) -> pb.Quiz:
    message = pb.Quiz(
        quiz_id=quiz.quiz_id,
        title=quiz.title,
        questions=[
            pb.Question(text=q.text, choices=q.choices, answer=q.answer if with_answers else None)
            for q in quiz.questions
        ],
        opens_at=timestamp_of_millis(quiz.opens_at_ms),
        points_per_correct=quiz.points_per_correct,
        station_id=quiz.station_id,
        created_by=quiz.created_by,
        answered=answered,
    )
    if quiz.closes_at_ms:
        message.closes_at.CopyFrom(timestamp_of_millis(quiz.closes_at_ms))
    return message


def binding(ports: Ports, live_calls: LiveCallPorts | None = None) -> ServiceBinding:
    return ServiceBinding(
        add=comms_pb2_grpc.add_CommsServiceServicer_to_server,
        servicer=CommsServicer(ports, live_calls),
        full_name=pb.DESCRIPTOR.services_by_name["CommsService"].full_name,
    )
