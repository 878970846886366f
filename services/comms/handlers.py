"""Comms' commands as use cases: publish a bulletin, list and read bulletins; write a quiz,
list open quizzes, answer one once."""

from __future__ import annotations

import logging
from dataclasses import dataclass

from services.comms import audience, model
from services.comms.events import bulletin_expired, bulletin_published, quiz_answered
from services.comms.model import Bulletin, Quiz, Score
from services.comms.ports import Ports
from services.comms.sms import KIND_LABELS
from shouwang.clock import to_millis
from shouwang.errors import (
    Conflict,
    DomainError,
    FieldError,
    Forbidden,
    Gone,
    InvalidArgument,
    NotFound,
)
from shouwang.ids import new_id
from shouwang.scope import Caller
from shouwang.store.paging import Page

log = logging.getLogger(__name__)


# Bulletins -------------------------------------------------------------------------------------


def publish_bulletin(ports: Ports, caller: Caller, request: object) -> Bulletin:
    if not caller.is_officer:
        raise Forbidden(detail="only officers publish bulletins")
    now_ms = to_millis(ports.clock.now())
    errors = model.validate_bulletin(request, now_ms=now_ms)
    if request.sms and ports.sms is None:
        errors.append(FieldError("sms", "SMS is not configured on this deployment"))
    if errors:
        raise InvalidArgument(detail="the bulletin has invalid fields", errors=errors)
    bulletin = model.new_bulletin(
        request,
        bulletin_id=new_id(),
        station_id=caller.station_id,
        published_by=caller.member_id,
        now_ms=now_ms,
    )
    addressed = audience.recipients(ports, caller.actor, bulletin.audience)
    published = ports.bulletins.publish(
        bulletin, addressed, bulletin_published(bulletin, addressed)
    )
    log.info(
        "bulletin published",
        extra={"bulletin_id": bulletin.bulletin_id, "recipients": len(addressed)},
    )
    return published


@dataclass(frozen=True)
class BulletinItem:
    bulletin: Bulletin
    read: bool = False


def list_bulletins(
    ports: Ports, caller: Caller, *, kind: str, size: int, cursor: str
) -> tuple[list[BulletinItem], str]:
    """Officers: their scope's bulletins (with read counts); members: those addressed to them,
    unexpired, each with whether they read it."""
    if kind and kind not in model.KINDS:
        raise InvalidArgument(detail=f"kind must be one of {', '.join(model.KINDS)}")
    if caller.is_officer:
        stations = None if caller.city_wide else sorted(caller.scope_org_ids | {caller.station_id})
        page: Page = ports.bulletins.page_for_scope(stations, kind=kind, size=size, cursor=cursor)
        return [BulletinItem(b) for b in page.items], page.next_cursor
    now_ms = to_millis(ports.clock.now())
    items, next_cursor = ports.bulletins.page_for_member(
        caller.member_id, kind=kind, now_ms=now_ms, size=size, cursor=cursor
    )
    return [BulletinItem(b, read) for b, read in items], next_cursor


def read_bulletin(ports: Ports, caller: Caller, bulletin_id: str) -> BulletinItem:
    """The member's read receipt (once; again is a no-op) and the bulletin."""
    bulletin = ports.bulletins.get(bulletin_id)
    if bulletin is None or ports.bulletins.recipient(bulletin_id, caller.member_id) is None:
        raise NotFound(detail="no such bulletin addressed to you")
    if bulletin.expired(to_millis(ports.clock.now())):
        raise Gone(detail="the bulletin has expired")
    ports.bulletins.mark_read(bulletin_id, caller.member_id, at_ms=to_millis(ports.clock.now()))
    return BulletinItem(bulletin, read=True)


SMS_BATCH = 500
SMS_LEASE_MS = 120_000


def send_bulletin_texts(ports: Ports) -> int:
    """Text the recipients of bulletins published with ``sms``, after publishing (a job, so a
    bulletin to a city is not held up by its texts): 500 recipients a batch through the SMS
    port, which skips opted-out members, those over the hourly limit and whoever was already
    handled for that bulletin. How many bulletins were sent."""
    if ports.sms is None:
        return 0
    sent = 0
    now_ms = to_millis(ports.clock.now())
    for bulletin_id in ports.bulletins.sms_due(now_ms):
        if not ports.bulletins.lease_sms(bulletin_id, now_ms=now_ms, lease_ms=SMS_LEASE_MS):
            continue
        bulletin = ports.bulletins.get(bulletin_id)
        if bulletin is not None and not bulletin.expired(to_millis(ports.clock.now())):
            label = KIND_LABELS.get(bulletin.kind, "")
            after = ""
            try:
                while batch := ports.bulletins.recipient_ids(
                    bulletin_id, after=after, limit=SMS_BATCH
                ):
                    ports.sms.send(
                        batch, "bulletin", reference=bulletin_id, label=label, title=bulletin.title
                    )
                    after = batch[-1]
            except DomainError as error:  # identity refused or is away: again after the lease
                log.warning(
                    "bulletin texts postponed",
                    extra={"bulletin_id": bulletin_id, "error": type(error).__name__},
                )
                continue
            sent += 1
        ports.bulletins.sms_done(bulletin_id)
    return sent


def tell_expiries(ports: Ports) -> int:
    """Publish ``shouwang.bulletin.expired`` for bulletins past their expiry; how many."""
    told = 0
    for bulletin in ports.bulletins.due_to_expire(to_millis(ports.clock.now())):
        told += ports.bulletins.mark_expired(bulletin.bulletin_id, [bulletin_expired(bulletin)])
    return told


def knowledge(ports: Ports, bulletin_id: str) -> Bulletin:
    """A knowledge article anyone may read (its share page); nothing else is public."""
    bulletin = ports.bulletins.get(bulletin_id)
    if (
        bulletin is None
        or bulletin.kind != "knowledge"
        or bulletin.expired(to_millis(ports.clock.now()))
    ):
        raise NotFound(detail="no such knowledge article")
    return bulletin


# Quizzes ---------------------------------------------------------------------------------------


def create_quiz(ports: Ports, caller: Caller, request: object) -> Quiz:
    if not caller.is_officer:
        raise Forbidden(detail="only officers write quizzes")
    now_ms = to_millis(ports.clock.now())
    errors = model.validate_quiz(request, now_ms=now_ms)
    if errors:
        raise InvalidArgument(detail="the quiz has invalid fields", errors=errors)
    quiz = model.new_quiz(
        request,
        quiz_id=new_id(),
        station_id=caller.station_id,
        created_by=caller.member_id,
        now_ms=now_ms,
    )
    return ports.quizzes.new_quiz(quiz)


def list_quizzes(
    ports: Ports, caller: Caller, *, open_only: bool, size: int, cursor: str
) -> tuple[list[tuple[Quiz, bool]], str]:
    """Quizzes newest first (members: open ones only), each with whether the caller answered."""
    now_ms = to_millis(ports.clock.now())
    open_at = now_ms if open_only or not caller.is_officer else None
    page = ports.quizzes.page(open_at_ms=open_at, size=size, cursor=cursor)
    answered = ports.quizzes.answered([q.quiz_id for q in page.items], caller.member_id)
    return [(q, q.quiz_id in answered) for q in page.items], page.next_cursor


def answer_quiz(ports: Ports, caller: Caller, quiz_id: str, answers: list[int]) -> Score:
    """The member's one answer: scored at once, ``shouwang.quiz.answered`` published with it."""
    quiz = ports.quizzes.get(quiz_id)
    if quiz is None:
        raise NotFound(detail="no such quiz")
    now = ports.clock.now()
    if not quiz.is_open(to_millis(now)):
        raise Gone(detail="the quiz is not open")
    errors = model.answer_errors(quiz, answers)
    if errors:
        raise InvalidArgument(detail="the answers do not fit the quiz", errors=errors)
    result = model.score(quiz, answers)
    event = quiz_answered(
        quiz.quiz_id, caller.member_id, result, at=now, station_id=caller.station_id
    )
    if not ports.quizzes.record_answer(
        quiz, caller.member_id, answers, result, at_ms=to_millis(now), events=[event]
    ):
        raise Conflict(detail="you have answered this quiz already")
    return result
