"""Bulletin, quiz and group endpoints (CONTRACT.md "Bulletins, knowledge and quizzes" and
"Groups, chat, intercom and map drawings"), and ``group_pusher``, which turns a group event
(metadata only on Kafka) into what the members' streams show."""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import replace
from functools import partial

import grpc
from flask import Response
from markupsafe import escape

from services.gateway.access import Access
from services.gateway.auth import Caller
from services.gateway.clients import Clients, OptionalService
from services.gateway.context import GatewayContext
from services.gateway.models.common import PageQuery
from services.gateway.models.comms import (
    BulletinDraft,
    BulletinListQuery,
    BulletinPage,
    BulletinView,
    DrawingDraft,
    DrawingList,
    DrawingView,
    GroupDraft,
    GroupPage,
    GroupView,
    MembershipChange,
    MessageDraft,
    MessagePage,
    MessageView,
    QuizAnswers,
    QuizDraft,
    QuizListQuery,
    QuizPage,
    QuizResult,
    QuizView,
)
from services.gateway.routes.tasks import check_own_media
from services.gateway.scope import caller_message
from shouwang.clock import Clock
from shouwang.comms.v1 import comms_pb2 as pb
from shouwang.comms.v1 import events_pb2 as comms_events
from shouwang.errors import DomainError, FieldError, InvalidArgument
from shouwang.events import Event
from shouwang.store import BlobStore
from shouwang.typed_routes import RawReply, TypedRoutes

log = logging.getLogger(__name__)


def routes(context: GatewayContext) -> TypedRoutes:
    api = TypedRoutes("comms", tag="comms", idempotency=context.idempotent)

    comms = OptionalService(context.clients, "comms")

    scoped = partial(caller_message, context.clients.identity, pb.Caller)

    @api.post(
        "/bulletins",
        summary="Publish a bulletin to an area, grids, orgs or everyone; pushed on their streams",
        description="media_ids: the officer's own photos and video clips (POST /media); its "
        "recipients may read them, a video also through a playback ticket.",
        access=Access.OFFICER,
        body=BulletinDraft,
        reply=BulletinView,
        status=201,
        idempotent=True,
    )
    def publish_bulletin(caller: Caller, body: BulletinDraft) -> BulletinView:
        check_own_media(context.blobs, caller, body.media_ids, videos=True)
        bulletin = comms.PublishBulletin(body.to_proto(scoped(caller)))
        return BulletinView.from_proto(bulletin, officer=True)

    @api.get(
        "/bulletins",
        summary="Bulletins addressed to the member (with read), or of the officer's scope "
        "(with counts); newest first",
        access=Access.MEMBER,
        query=BulletinListQuery,
        reply=BulletinPage,
    )
    def list_bulletins(caller: Caller, query: BulletinListQuery) -> BulletinPage:
        reply = comms.ListBulletins(
            pb.ListBulletinsRequest(
                caller=scoped(caller),
                kind=query.kind.value if query.kind else "",
                page_size=query.limit,
                page_token=query.cursor or "",
            )
        )
        return BulletinPage(
            bulletins=[
                BulletinView.from_proto(b, officer=caller.is_officer) for b in reply.bulletins
            ],
            next_cursor=reply.next_page_token or None,
        )

    @api.post(
        "/bulletins/{bulletin_id}/read",
        summary="Record that the member read a bulletin addressed to them (once)",
        access=Access.MEMBER,
        reply=BulletinView,
        errors=(410,),
    )
    def read_bulletin(caller: Caller, bulletin_id: str) -> BulletinView:
        bulletin = comms.ReadBulletin(
            pb.ReadBulletinRequest(caller=scoped(caller), bulletin_id=bulletin_id)
        )
        return BulletinView.from_proto(bulletin, officer=False)

    @api.get(
        "/knowledge/{bulletin_id}",
        summary="A knowledge article's share page: its title and summary, no sign-in needed",
        access=Access.ANYONE,
        reply=RawReply(("text/html",), "a small HTML page"),
    )
    def share_knowledge(caller: None, bulletin_id: str) -> Response:
        article = comms.GetKnowledge(pb.GetKnowledgeRequest(bulletin_id=bulletin_id))
        return share_page(article.title, article.body)

    @api.post(
        "/quizzes",
        summary="Write a quiz with its answer keys, open and close times",
        access=Access.OFFICER,
        body=QuizDraft,
        reply=QuizView,
        status=201,
        idempotent=True,
    )
    def create_quiz(caller: Caller, body: QuizDraft) -> QuizView:
        return QuizView.from_proto(comms.CreateQuiz(body.to_proto(scoped(caller))))

    @api.get(
        "/quizzes",
        summary="Open quizzes without their answer keys (officers: every quiz, with keys)",
        access=Access.MEMBER,
        query=QuizListQuery,
        reply=QuizPage,
    )
    def list_quizzes(caller: Caller, query: QuizListQuery) -> QuizPage:
        reply = comms.ListQuizzes(
            pb.ListQuizzesRequest(
                caller=scoped(caller),
                open_only=query.open == "true",
                page_size=query.limit,
                page_token=query.cursor or "",
            )
        )
        return QuizPage(
            quizzes=[QuizView.from_proto(q) for q in reply.quizzes],
            next_cursor=reply.next_page_token or None,
        )

    @api.post(
        "/quizzes/{quiz_id}/answers",
        summary="Answer a quiz, once: the score at once, the points follow",
        access=Access.VERIFIED,
        body=QuizAnswers,
        reply=QuizResult,
        errors=(409, 410),
    )
    def answer_quiz(caller: Caller, quiz_id: str, body: QuizAnswers) -> QuizResult:
        result = comms.AnswerQuiz(
            pb.AnswerQuizRequest(caller=scoped(caller), quiz_id=quiz_id, answers=body.answers)
        )
        return QuizResult(
            quiz_id=result.quiz_id,
            correct=result.correct,
            total=result.total,
            points=result.points,
        )

    @api.post(
        "/groups",
        summary="Create a temporary group of members (officers and team leaders)",
        access=Access.VERIFIED,
        body=GroupDraft,
        reply=GroupView,
        status=201,
        idempotent=True,
    )
    def create_group(caller: Caller, body: GroupDraft) -> GroupView:
        return GroupView.from_proto(comms.CreateGroup(body.to_proto(scoped(caller))))

    @api.get(
        "/groups",
        summary="The caller's groups (officers: also their scope's), newest first",
        access=Access.MEMBER,
        query=PageQuery,
        reply=GroupPage,
    )
    def list_groups(caller: Caller, query: PageQuery) -> GroupPage:
        reply = comms.ListGroups(
            pb.ListGroupsRequest(
                caller=scoped(caller), page_size=query.limit, page_token=query.cursor or ""
            )
        )
        return GroupPage(
            groups=[GroupView.from_proto(g) for g in reply.groups],
            next_cursor=reply.next_page_token or None,
        )

    @api.post(
        "/groups/{group_id}/members",
        summary="Add and remove members; the next message goes to the group as it is then",
        access=Access.VERIFIED,
        body=MembershipChange,
        reply=GroupView,
        errors=(410,),
    )
    def change_members(caller: Caller, group_id: str, body: MembershipChange) -> GroupView:
        group = comms.ChangeMembers(
            pb.ChangeMembersRequest(
                caller=scoped(caller),
                group_id=group_id,
                add_member_ids=body.add,
                remove_member_ids=body.remove,
            )
        )
        return GroupView.from_proto(group)

    @api.post(
        "/groups/{group_id}/messages",
        summary="Post text, the caller's own photos, a location pin or a push-to-talk clip to a "
        "group",
        access=Access.VERIFIED,
        body=MessageDraft,
        reply=MessageView,
        status=201,
        idempotent=True,
        errors=(410,),
    )
    def post_message(caller: Caller, group_id: str, body: MessageDraft) -> MessageView:
        check_own_media(context.blobs, caller, body.media_ids)
        duration_ms = (
            own_voice_clip(context.blobs, caller, body.voice_media_id) if body.voice_media_id else 0
        )
        request = body.to_proto(scoped(caller), group_id, voice_duration_ms=duration_ms)
        return MessageView.from_proto(comms.PostMessage(request))

    @api.get(
        "/groups/{group_id}/messages",
        summary="A group's history, newest first",
        access=Access.MEMBER,
        query=PageQuery,
        reply=MessagePage,
    )
    def list_messages(caller: Caller, group_id: str, query: PageQuery) -> MessagePage:
        reply = comms.ListMessages(
            pb.ListMessagesRequest(
                caller=scoped(caller),
                group_id=group_id,
                page_size=query.limit,
                page_token=query.cursor or "",
            )
        )
        return MessagePage(
            messages=[MessageView.from_proto(m) for m in reply.messages],
            next_cursor=reply.next_page_token or None,
        )

    @api.post(
        "/groups/{group_id}/drawings",
        summary="Draw a line, area or labelled point on a group's map; pushed live",
        access=Access.OFFICER,
        body=DrawingDraft,
        reply=DrawingView,
        status=201,
        idempotent=True,
        errors=(410,),
    )
    def add_drawing(caller: Caller, group_id: str, body: DrawingDraft) -> DrawingView:
        drawing = comms.AddDrawing(
            pb.AddDrawingRequest(
                caller=scoped(caller),
                group_id=group_id,
                feature_geojson=body.model_dump_json(exclude_none=True),
            )
        )
        return DrawingView.from_proto(drawing)

    @api.get(
        "/groups/{group_id}/drawings",
        summary="The drawings on a group's map",
        access=Access.MEMBER,
        reply=DrawingList,
    )
    def list_drawings(caller: Caller, group_id: str) -> DrawingList:
        reply = comms.ListDrawings(pb.ListDrawingsRequest(caller=scoped(caller), group_id=group_id))
        return DrawingList(drawings=[DrawingView.from_proto(d) for d in reply.drawings])

    @api.delete(
        "/groups/{group_id}/drawings/{drawing_id}",
        summary="Delete a drawing from a group's map; pushed live",
        access=Access.OFFICER,
        reply=DrawingView,
    )
    def delete_drawing(caller: Caller, group_id: str, drawing_id: str) -> DrawingView:
        drawing = comms.DeleteDrawing(
            pb.DeleteDrawingRequest(caller=scoped(caller), group_id=group_id, drawing_id=drawing_id)
        )
        return DrawingView.from_proto(drawing)

    return api


def own_voice_clip(blobs: BlobStore, caller: Caller, media_id: str) -> int:
    """A voice clip the caller uploaded: its length in milliseconds, as measured at upload."""
    try:
        metadata = blobs.metadata(media_id)
    except ValueError:  # not even the shape of a blob id
        metadata = None
    if (
        metadata is None
        or metadata.get("uploader") != caller.member_id
        or metadata.get("kind") != "voice"
    ):
        raise InvalidArgument(
            detail="voice_media_id must name a voice clip you uploaded",
            errors=[FieldError("voice_media_id", "no voice clip you uploaded has this id")],
        )
    return int(metadata.get("duration_ms", "0"))


SUMMARY_CHARS = 280
PAGE_STYLE = "font-family:sans-serif;max-width:40em;margin:2em auto;padding:0 1em"
SHARE_PAGE_POLICY = "default-src 'none'; style-src 'unsafe-inline'; frame-ancestors 'none'"


def share_page(title: str, body: str) -> Response:
    """The article's title and the start of its text, escaped, with no script, nothing loaded
    from anywhere and nothing about who published it."""
    summary = " ".join(body.split())
    if len(summary) > SUMMARY_CHARS:
        summary = summary[: SUMMARY_CHARS - 1] + "…"
    page = (
        '<!doctype html><html lang="zh-CN"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width,initial-scale=1">'
        f"<title>{escape(title)}</title>"
        f'<meta property="og:title" content="{escape(title)}">'
        f'<meta property="og:description" content="{escape(summary)}">'
        f'</head><body style="{PAGE_STYLE}">'
        f"<h1>{escape(title)}</h1><p>{escape(summary)}</p><p><small>守望</small></p>"
        "</body></html>"
    )
    response = Response(page, content_type="text/html; charset=utf-8")
    response.headers["Content-Security-Policy"] = SHARE_PAGE_POLICY
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Cache-Control"] = "public, max-age=300"
    return response


# Push -----------------------------------------------------------------------------------------
# Older events are of no use to a stream (the hub's resume window is 10 minutes): they are not
# fetched, so a new consumer group reading the topic from its start costs no calls.
PUSH_MAX_AGE_S = 600.0


def group_pusher(
    clients: Clients,
    clock: Clock,
    push: Callable[[Event], None],
    skip: Callable[[Event], None],
) -> Callable[[Event], None]:
    """A bus handler for the groups topic: a message's event carries no content, so its content
    is read from comms and pushed in its place (with its recipients, which the hub leaves out of
    the frame); drawings and new groups are pushed as they are. What is not pushed (too old, or
    its content unreadable) is handed to ``skip``, so that resumed streams know it was missed."""

    def on_group_event(event: Event) -> None:
        if (clock.now() - event.time).total_seconds() > PUSH_MAX_AGE_S:
            skip(event)
            return
        data = event.data
        if isinstance(data, comms_events.GroupMessageSent):
            if clients.comms is None:
                skip(event)
                return
            try:
                message = clients.comms.GetMessage(
                    pb.GetMessageRequest(group_id=data.group_id, message_id=data.message_id)
                )
            except (DomainError, grpc.RpcError):
                log.warning("group message not pushed", extra={"message_id": data.message_id})
                skip(event)
                return
            event = replace(event, data=message)
        push(event)

    return on_group_event
