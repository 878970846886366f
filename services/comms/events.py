"""Building comms' events (topics shouwang.bulletins.v1 and shouwang.quizzes.v1)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from services.comms.model import Bulletin, Score
from shouwang.clock import from_millis, to_timestamp
from shouwang.comms.v1 import events_pb2
from shouwang.comms.v1.event_types import BULLETINS_TOPIC, QUIZZES_TOPIC
from shouwang.events import Event
from shouwang.ids import new_id

SOURCE = "/shouwang/comms"
# Recipients per published event: a bulletin to a whole city goes out in many events, each well
# under Kafka's default message size.
RECIPIENTS_PER_EVENT = 2000


def bulletin_published(bulletin: Bulletin, recipient_ids: Sequence[str]) -> list[tuple[str, Event]]:
    """``shouwang.bulletin.published``, one event per batch of recipients (at least one, so a
    bulletin nobody was addressed by still reaches the officers of its station)."""
    at = from_millis(bulletin.published_at_ms)
    batches = [
        list(recipient_ids[i : i + RECIPIENTS_PER_EVENT])
        for i in range(0, len(recipient_ids), RECIPIENTS_PER_EVENT)
    ] or [[]]
    events = []
    for number, batch in enumerate(batches, start=1):
        data = events_pb2.BulletinPublished(
            bulletin_id=bulletin.bulletin_id,
            kind=bulletin.kind,
            title=bulletin.title,
            station_id=bulletin.station_id,
            recipient_ids=batch,
            published_at=to_timestamp(at),
            batch=number,
        )
        if bulletin.expires_at_ms:
            data.expires_at.CopyFrom(to_timestamp(from_millis(bulletin.expires_at_ms)))
        events.append(
            (
                BULLETINS_TOPIC,
                Event(
                    type="shouwang.bulletin.published",
                    source=SOURCE,
                    subject=bulletin.bulletin_id,
                    time=at,
                    id=new_id(),
                    data=data,
                ),
            )
        )
    return events


def quiz_answered(
    quiz_id: str, member_id: str, result: Score, *, at: datetime, station_id: str
) -> tuple[str, Event]:
    """``shouwang.quiz.answered``; its id is derived from the quiz and member, so a replayed or
    duplicated answer is the same event to every consumer."""
    return QUIZZES_TOPIC, Event(
        type="shouwang.quiz.answered",
        source=SOURCE,
        subject=quiz_id,
        time=at,
        id=f"quiz-answered:{quiz_id}:{member_id}",
        data=events_pb2.QuizAnswered(
            quiz_id=quiz_id,
            member_id=member_id,
            correct=result.correct,
            total=result.total,
            points=result.points,
            answered_at=to_timestamp(at),
            station_id=station_id,
        ),
    )
