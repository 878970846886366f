"""Bulletin and quiz endpoints (CONTRACT.md "Bulletins, knowledge and quizzes")."""

from __future__ import annotations

from typing import Any

from services.gateway.access import Access
from services.gateway.auth import Caller
from services.gateway.context import GatewayContext
from services.gateway.models.comms import (
    BulletinDraft,
    BulletinListQuery,
    BulletinPage,
    BulletinView,
    QuizAnswers,
    QuizDraft,
    QuizListQuery,
    QuizPage,
    QuizResult,
    QuizView,
)
from services.gateway.routes.tasks import check_own_media
from shouwang.comms.v1 import comms_pb2 as pb
from shouwang.errors import Unavailable
from shouwang.identity.v1 import identity_pb2
from shouwang.typed_routes import TypedRoutes


def routes(context: GatewayContext) -> TypedRoutes:
    api = TypedRoutes("comms", tag="comms", idempotency=context.idempotent)

    class _Comms:
        """The comms stub, or a 503 when the gateway was given no COMMS_ADDR."""

        def __getattr__(self, rpc: str) -> Any:
            stub = context.clients.comms
            if stub is None:
                raise Unavailable(detail="the comms service is not configured")
            return getattr(stub, rpc)

    comms = _Comms()

    def scoped(caller: Caller) -> pb.Caller:
        """The caller with their scope and station, as the comms service needs them."""
        identity = context.clients.identity
        message = pb.Caller(
            member_id=caller.member_id, roles=sorted(caller.roles), org_id=caller.org_id
        )
        if caller.is_officer:
            scope = identity.ResolveScope(identity_pb2.ResolveScopeRequest(actor=caller.actor))
            message.city_wide, message.scope_org_ids[:] = scope.city_wide, scope.org_ids
        member = identity.GetMember(identity_pb2.GetMemberRequest(member_id=caller.member_id))
        message.station_id = member.station_id
        return message

    @api.post(
        "/bulletins",
        summary="Publish a bulletin to an area, grids, orgs or everyone; pushed on their streams",
        access=Access.OFFICER,
        body=BulletinDraft,
        reply=BulletinView,
        status=201,
        idempotent=True,
    )
    def publish_bulletin(caller: Caller, body: BulletinDraft) -> BulletinView:
        check_own_media(context.blobs, caller, body.media_ids)
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

    return api
