"""Building comms' events (topics shouwang.bulletins.v1, shouwang.quizzes.v1 and
shouwang.groups.v1)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from services.comms.model import Bulletin, Drawing, Group, Message, Score
from shouwang.clock import from_millis, timestamp_of_millis, to_timestamp
from shouwang.comms.v1 import events_pb2
from shouwang.comms.v1.event_types import BULLETINS_TOPIC, GROUPS_TOPIC, QUIZZES_TOPIC
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
            data.expires_at.CopyFrom(timestamp_of_millis(bulletin.expires_at_ms))
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


def group_created(group: Group) -> tuple[str, Event]:
    at = from_millis(group.created_at_ms)
    data = events_pb2.GroupCreated(
        group_id=group.group_id,
        station_id=group.station_id,
        created_by=group.created_by,
        member_ids=group.member_ids,
        task_id=group.task_id,
        created_at=to_timestamp(at),
    )
    if group.expires_at_ms:
        data.expires_at.CopyFrom(timestamp_of_millis(group.expires_at_ms))
    return GROUPS_TOPIC, Event(
        type="shouwang.group.created", source=SOURCE, subject=group.group_id, time=at, data=data
    )


def group_message(message: Message) -> tuple[str, Event]:
    """``shouwang.group.message``: who sent what kind of message to whom, never its content."""
    at = from_millis(message.sent_at_ms)
    return GROUPS_TOPIC, Event(
        type="shouwang.group.message",
        source=SOURCE,
        subject=message.group_id,
        time=at,
        id=f"group-message:{message.message_id}",
        data=events_pb2.GroupMessageSent(
            group_id=message.group_id,
            message_id=message.message_id,
            sender_id=message.sender_id,
            station_id=message.station_id,
            recipient_ids=message.recipient_ids,
            has_text=bool(message.text),
            media_count=len(message.media_ids),
            has_location=message.location is not None,
            sent_at=to_timestamp(at),
            has_voice=bool(message.voice_media_id),
            voice_duration_ms=message.voice_duration_ms,
        ),
    )


def group_drawing(
    group: Group, drawing: Drawing, change: str, *, at: datetime
) -> tuple[str, Event]:
    return GROUPS_TOPIC, Event(
        type="shouwang.group.drawing",
        source=SOURCE,
        subject=group.group_id,
        time=at,
        data=events_pb2.GroupDrawing(
            group_id=group.group_id,
            drawing_id=drawing.drawing_id,
            station_id=group.station_id,
            change=change,
            feature_geojson="" if change == "deleted" else drawing.feature_geojson,
            recipient_ids=group.everyone,
            at=to_timestamp(at),
        ),
    )


def bulletin_expired(bulletin: Bulletin) -> tuple[str, Event]:
    """``shouwang.bulletin.expired``; its id derives from the bulletin (one expiry each)."""
    at = from_millis(bulletin.expires_at_ms)
    return BULLETINS_TOPIC, Event(
        type="shouwang.bulletin.expired",
        source=SOURCE,
        subject=bulletin.bulletin_id,
        time=at,
        id=f"bulletin-expired:{bulletin.bulletin_id}",
        data=events_pb2.BulletinExpired(
            bulletin_id=bulletin.bulletin_id,
            kind=bulletin.kind,
            station_id=bulletin.station_id,
            expired_at=to_timestamp(at),
        ),
    )
