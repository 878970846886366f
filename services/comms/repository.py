"""Every document comms stores and every update it makes: bulletins with their recipients and
read receipts, quizzes with their answers. Events are staged in the written document and
published by its outbox (``shouwang.outbox``): storing and publishing are one act here."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from services.comms.model import (
    Audience,
    Bulletin,
    Circle,
    Drawing,
    Group,
    Location,
    Message,
    Polygon,
    Question,
    Quiz,
    Score,
)
from shouwang.events import Event
from shouwang.outbox import Outbox, stage, stage_update, with_events
from shouwang.store import ASCENDING, DESCENDING, Collection, Document, DocumentStore, DuplicateKey
from shouwang.store.paging import Page, read_page

Events = Sequence[tuple[str, Event]]
OutboxFactory = Callable[[Collection], Outbox]
RECIPIENT_BATCH = 500


class BulletinRepository:
    def __init__(self, store: DocumentStore, *, outbox: OutboxFactory) -> None:
        self.bulletins: Collection = store.collection("comms_bulletins")
        self.recipients: Collection = store.collection("comms_bulletin_recipients")
        # Bulletins whose SMS is still to send: a small collection, removed from when sent.
        self.sms_queue: Collection = store.collection("comms_sms_queue")
        self.outbox = outbox(self.bulletins)

    def ensure_indexes(self) -> None:
        self.bulletins.create_index([("station_id", ASCENDING), ("published_at", DESCENDING)])
        self.bulletins.create_index([("expires_at", ASCENDING)])
        self.bulletins.create_index([("media_ids", ASCENDING)])
        self.recipients.create_index([("member_id", ASCENDING), ("published_at", DESCENDING)])
        self.recipients.create_index([("bulletin_id", ASCENDING)])

    def publish(self, bulletin: Bulletin, recipient_ids: Sequence[str], events: Events) -> Bulletin:
        """Store the recipients, then the bulletin with its events, and publish them. A crash in
        between leaves recipients of a bulletin that does not exist: never listed (the list
        reads bulletins by id) and never pushed."""
        rows = [
            {
                "_id": recipient_key(bulletin.bulletin_id, member_id),
                "bulletin_id": bulletin.bulletin_id,
                "member_id": member_id,
                "kind": bulletin.kind,
                "published_at": bulletin.published_at_ms,
                "expires_at": bulletin.expires_at_ms,
                "read_at": 0,
            }
            for member_id in recipient_ids
        ]
        for start in range(0, len(rows), RECIPIENT_BATCH):
            self.recipients.insert_many(rows[start : start + RECIPIENT_BATCH])
        document = {
            **bulletin_document(bulletin),
            "recipient_count": len(rows),
            **stage(events),
        }
        if bulletin.sms:  # before the bulletin: a crash in between texts nobody
            self.sms_queue.insert({"_id": bulletin.bulletin_id, "lease_until": 0})
        self.bulletins.insert(document)
        self.outbox.flush(document)
        return bulletin_from(document)

    def sms_due(self, now_ms: int, *, limit: int = 10) -> list[str]:
        """Bulletins whose SMS is to send and nobody is sending now."""
        found = self.sms_queue.find({"lease_until": {"$lt": now_ms}}, limit=limit)
        return [d["_id"] for d in found]

    def lease_sms(self, bulletin_id: str, *, now_ms: int, lease_ms: int) -> bool:
        """Take the sending of a bulletin's SMS for ``lease_ms`` (a replica that dies while
        sending leaves it to another after that; the delivery log keeps anyone from being
        texted twice for one bulletin)."""
        taken = self.sms_queue.find_one_and_update(
            {"_id": bulletin_id, "lease_until": {"$lt": now_ms}},
            {"$set": {"lease_until": now_ms + lease_ms}},
        )
        return taken is not None

    def sms_done(self, bulletin_id: str) -> None:
        self.sms_queue.delete(bulletin_id)

    def recipient_ids(self, bulletin_id: str, *, after: str, limit: int) -> list[str]:
        """A page of a bulletin's recipients, in member id order after ``after``."""
        found = self.recipients.find(
            {"bulletin_id": bulletin_id, "member_id": {"$gt": after}},
            sort=[("member_id", ASCENDING)],
            limit=limit,
        )
        return [d["member_id"] for d in found]

    def get(self, bulletin_id: str) -> Bulletin | None:
        document = self.bulletins.get(bulletin_id)
        return None if document is None else bulletin_from(document)

    def due_to_expire(self, now_ms: int, *, limit: int = 100) -> list[Bulletin]:
        """Bulletins past their expiry whose expiry was not told yet, oldest first."""
        found = self.bulletins.find(
            {"expires_at": {"$gt": 0, "$lte": now_ms}, "expiry_told": {"$ne": True}},
            sort=[("expires_at", ASCENDING)],
            limit=limit,
        )
        return [bulletin_from(d) for d in found]

    def mark_expired(self, bulletin_id: str, events: Events) -> bool:
        """Tell a bulletin's expiry once (whichever replica gets there first)."""
        updated = self.bulletins.find_one_and_update(
            {"_id": bulletin_id, "expiry_told": {"$ne": True}},
            with_events({"$set": {"expiry_told": True}}, events),
        )
        if updated is None:
            return False
        self.outbox.flush(updated)
        return True

    def with_media(self, media_id: str, *, limit: int = 20) -> list[Bulletin]:
        return [bulletin_from(d) for d in self.bulletins.find({"media_ids": media_id}, limit=limit)]

    def recipient(self, bulletin_id: str, member_id: str) -> Document | None:
        return self.recipients.get(recipient_key(bulletin_id, member_id))

    def mark_read(self, bulletin_id: str, member_id: str, *, at_ms: int) -> bool:
        """The member's receipt, once: True when this call recorded it (and counted it)."""
        marked = self.recipients.find_one_and_update(
            {"_id": recipient_key(bulletin_id, member_id), "read_at": 0},
            {"$set": {"read_at": at_ms}},
        )
        if marked is None:
            return False
        self.bulletins.find_one_and_update({"_id": bulletin_id}, {"$inc": {"read_count": 1}})
        return True

    def page_for_member(
        self, member_id: str, *, kind: str, now_ms: int, size: int, cursor: str
    ) -> tuple[list[tuple[Bulletin, bool]], str]:
        """The member's bulletins, newest first, unexpired, each with whether they read it."""
        query: dict[str, Any] = {
            "member_id": member_id,
            "$or": [{"expires_at": 0}, {"expires_at": {"$gt": now_ms}}],
        }
        if kind:
            query["kind"] = kind
        page = read_page(
            self.recipients, query, sort_field="published_at", size=size, cursor=cursor
        )
        found = {
            d["_id"]: bulletin_from(d)
            for d in self.bulletins.find({"_id": {"$in": [r["bulletin_id"] for r in page.items]}})
        }
        items = [
            (found[r["bulletin_id"]], bool(r["read_at"]))
            for r in page.items
            if r["bulletin_id"] in found
        ]
        return items, page.next_cursor

    def page_for_scope(
        self, station_ids: Sequence[str] | None, *, kind: str, size: int, cursor: str
    ) -> Page:
        """Bulletins of these stations (None: every one), newest first, expired ones too."""
        query: dict[str, Any] = {}
        if station_ids is not None:
            query["station_id"] = {"$in": list(station_ids)}
        if kind:
            query["kind"] = kind
        page = read_page(self.bulletins, query, sort_field="published_at", size=size, cursor=cursor)
        return Page(items=[bulletin_from(d) for d in page.items], next_cursor=page.next_cursor)


class QuizRepository:
    def __init__(self, store: DocumentStore, *, outbox: OutboxFactory) -> None:
        self.quizzes: Collection = store.collection("comms_quizzes")
        self.answers: Collection = store.collection("comms_quiz_answers")
        self.outbox = outbox(self.answers)

    def ensure_indexes(self) -> None:
        self.quizzes.create_index([("created_at", DESCENDING)])
        self.answers.create_index([("member_id", ASCENDING)])

    def new_quiz(self, quiz: Quiz) -> Quiz:
        self.quizzes.insert(quiz_document(quiz))
        return quiz

    def get(self, quiz_id: str) -> Quiz | None:
        document = self.quizzes.get(quiz_id)
        return None if document is None else quiz_from(document)

    def page(self, *, open_at_ms: int | None, size: int, cursor: str) -> Page:
        query: dict[str, Any] = {}
        if open_at_ms is not None:
            query = {
                "opens_at": {"$lte": open_at_ms},
                "$or": [{"closes_at": 0}, {"closes_at": {"$gt": open_at_ms}}],
            }
        page = read_page(self.quizzes, query, sort_field="created_at", size=size, cursor=cursor)
        return Page(items=[quiz_from(d) for d in page.items], next_cursor=page.next_cursor)

    def answered(self, quiz_ids: Sequence[str], member_id: str) -> set[str]:
        keys = [answer_key(q, member_id) for q in quiz_ids]
        return {d["quiz_id"] for d in self.answers.find({"_id": {"$in": keys}})}

    def record_answer(
        self,
        quiz: Quiz,
        member_id: str,
        answers: list[int],
        result: Score,
        *,
        at_ms: int,
        events: Events,
    ) -> bool:
        """The member's one answer with its event; False when they had answered already."""
        document = {
            "_id": answer_key(quiz.quiz_id, member_id),
            "quiz_id": quiz.quiz_id,
            "member_id": member_id,
            "answers": list(answers),
            "correct": result.correct,
            "total": result.total,
            "points": result.points,
            "answered_at": at_ms,
            **stage(events),
        }
        try:
            self.answers.insert(document)
        except DuplicateKey:
            return False
        self.outbox.flush(document)
        return True


class GroupRepository:
    def __init__(self, store: DocumentStore, *, outbox: OutboxFactory) -> None:
        self.groups: Collection = store.collection("comms_groups")
        self.messages: Collection = store.collection("comms_group_messages")
        self.drawings: Collection = store.collection("comms_group_drawings")
        self.group_out, self.message_out, self.drawing_out = (
            outbox(c) for c in (self.groups, self.messages, self.drawings)
        )

    def outboxes(self) -> tuple[Outbox, ...]:
        return (self.group_out, self.message_out, self.drawing_out)

    def ensure_indexes(self) -> None:
        self.groups.create_index([("member_ids", ASCENDING), ("created_at", DESCENDING)])
        self.groups.create_index([("station_id", ASCENDING), ("created_at", DESCENDING)])
        self.groups.create_index([("cohort_id", ASCENDING)])
        self.messages.create_index([("group_id", ASCENDING), ("sent_at", DESCENDING)])
        self.messages.create_index([("media_ids", ASCENDING)])
        self.messages.create_index([("voice_media_id", ASCENDING)])
        self.drawings.create_index([("group_id", ASCENDING)])

    def new_group(self, group: Group, events: Events) -> Group:
        document = {**group_document(group), **stage(events)}
        self.groups.insert(document)
        self.group_out.flush(document)
        return group

    def get(self, group_id: str) -> Group | None:
        document = self.groups.get(group_id)
        return None if document is None else group_from(document)

    def of_cohort(self, cohort_id: str) -> list[Group]:
        """The groups made for this cohort, ended ones included."""
        return [group_from(d) for d in self.groups.find({"cohort_id": cohort_id})]

    def take_enrolment(self, group_id: str, enrolment_id: str, add: Sequence[str]) -> bool:
        """Add a cohort's newly enrolled trainees unless this group took that enrolment (an
        event id) before; False when it had."""
        taken = self.groups.find_one_and_update(
            {"_id": group_id, "enrolments": {"$ne": enrolment_id}},
            {
                "$addToSet": {
                    "member_ids": {"$each": list(add)},
                    "enrolments": {"$each": [enrolment_id]},
                }
            },
        )
        return taken is not None

    def join_task_group(self, group: Group, member_id: str, events: Events) -> Group:
        """Add a claimant to their task's group, creating it (with ``events``) on the first
        claim; concurrent claims on other replicas land in the same document."""
        fields = {k: v for k, v in group_document(group).items() if k not in ("_id", "member_ids")}
        before = self.groups.find_one_and_update(
            {"_id": group.group_id},
            {"$setOnInsert": fields, "$addToSet": {"member_ids": {"$each": [member_id]}}},
            upsert=True,
            return_new=False,
        )
        if before is None:  # this call created it: tell its members
            staged = self.groups.find_one_and_update({"_id": group.group_id}, stage_update(events))
            assert staged is not None
            self.group_out.flush(staged)
        found = self.get(group.group_id)
        assert found is not None
        return found

    def end(self, group_id: str, *, at_ms: int) -> bool:
        """End a group now (unless it ended earlier); False when there is no such group."""
        ended = self.groups.find_one_and_update(
            {"_id": group_id, "$or": [{"expires_at": 0}, {"expires_at": {"$gt": at_ms}}]},
            {"$set": {"expires_at": at_ms}},
        )
        return ended is not None

    def change_members(self, group_id: str, *, add: Sequence[str], remove: Sequence[str]) -> Group:
        """Add and remove members; the next message goes to the group as it is then."""
        if add:
            self.groups.find_one_and_update(
                {"_id": group_id}, {"$addToSet": {"member_ids": {"$each": list(add)}}}
            )
        for member_id in remove:
            self.groups.find_one_and_update({"_id": group_id}, {"$pull": {"member_ids": member_id}})
        group = self.get(group_id)
        assert group is not None
        return group

    def page_of(
        self, member_id: str, station_ids: Sequence[str] | None, *, size: int, cursor: str
    ) -> Page:
        """Groups the member is in or created, plus (officers) those of these stations (None:
        every one), newest first."""
        mine: list[dict[str, Any]] = [{"member_ids": member_id}, {"created_by": member_id}]
        if station_ids is None:
            query: dict[str, Any] = {}
        else:
            query = (
                {"$or": [*mine, {"station_id": {"$in": list(station_ids)}}]}
                if station_ids
                else {"$or": mine}
            )
        page = read_page(self.groups, query, sort_field="created_at", size=size, cursor=cursor)
        return Page(items=[group_from(d) for d in page.items], next_cursor=page.next_cursor)

    def new_message(self, message: Message, events: Events) -> Message:
        document = {**message_document(message), **stage(events)}
        self.messages.insert(document)
        self.message_out.flush(document)
        return message

    def message(self, group_id: str, message_id: str) -> Message | None:
        document = self.messages.get(message_id)
        if document is None or document["group_id"] != group_id:
            return None
        return message_from(document)

    def messages_with_media(self, media_id: str, *, limit: int = 20) -> list[Message]:
        """Messages carrying this photo or this voice clip."""
        query = {"$or": [{"media_ids": media_id}, {"voice_media_id": media_id}]}
        return [message_from(d) for d in self.messages.find(query, limit=limit)]

    def page_messages(self, group_id: str, *, size: int, cursor: str) -> Page:
        page = read_page(
            self.messages, {"group_id": group_id}, sort_field="sent_at", size=size, cursor=cursor
        )
        return Page(items=[message_from(d) for d in page.items], next_cursor=page.next_cursor)

    def new_drawing(self, drawing: Drawing, events: Events) -> Drawing:
        document = {**drawing_document(drawing), **stage(events)}
        self.drawings.insert(document)
        self.drawing_out.flush(document)
        return drawing

    def delete_drawing(self, group_id: str, drawing_id: str, events: Events) -> Drawing | None:
        """Mark it deleted with its event; None when there is no such live drawing."""
        updated = self.drawings.find_one_and_update(
            {"_id": drawing_id, "group_id": group_id, "deleted": False},
            with_events({"$set": {"deleted": True}}, events),
        )
        if updated is None:
            return None
        self.drawing_out.flush(updated)
        return drawing_from(updated)

    def drawings_of(self, group_id: str) -> list[Drawing]:
        found = self.drawings.find(
            {"group_id": group_id, "deleted": False}, sort=[("created_at", ASCENDING)]
        )
        return [drawing_from(d) for d in found]


def recipient_key(bulletin_id: str, member_id: str) -> str:
    return f"{bulletin_id}:{member_id}"


def answer_key(quiz_id: str, member_id: str) -> str:
    return f"{quiz_id}:{member_id}"


# Documents <-> values --------------------------------------------------------------------------


def bulletin_document(b: Bulletin) -> Document:
    area: Document | None = None
    if isinstance(b.audience.area, Circle):
        a = b.audience.area
        area = {"circle": {"lat": a.lat, "lon": a.lon, "radius_m": a.radius_m}}
    elif isinstance(b.audience.area, Polygon):
        area = {"polygon": b.audience.area.geojson}
    return {
        "_id": b.bulletin_id,
        "kind": b.kind,
        "title": b.title,
        "body": b.body,
        "media_ids": list(b.media_ids),
        "audience": {
            "area": area,
            "grid_ids": list(b.audience.grid_ids),
            "org_ids": list(b.audience.org_ids),
            "everyone": b.audience.everyone,
        },
        "published_at": b.published_at_ms,
        "expires_at": b.expires_at_ms,
        "station_id": b.station_id,
        "published_by": b.published_by,
        "recipient_count": b.recipient_count,
        "read_count": b.read_count,
        "sms": b.sms,
    }


def bulletin_from(d: Document) -> Bulletin:
    raw = d["audience"]
    area: Circle | Polygon | None = None
    if raw.get("area") and "circle" in raw["area"]:
        area = Circle(**raw["area"]["circle"])
    elif raw.get("area"):
        area = Polygon(geojson=raw["area"]["polygon"])
    return Bulletin(
        bulletin_id=d["_id"],
        kind=d["kind"],
        title=d["title"],
        body=d["body"],
        media_ids=tuple(d["media_ids"]),
        audience=Audience(
            area=area,
            grid_ids=tuple(raw["grid_ids"]),
            org_ids=tuple(raw["org_ids"]),
            everyone=raw["everyone"],
        ),
        published_at_ms=d["published_at"],
        expires_at_ms=d["expires_at"],
        station_id=d["station_id"],
        published_by=d["published_by"],
        recipient_count=d.get("recipient_count", 0),
        read_count=d.get("read_count", 0),
        sms=d.get("sms", False),
    )


def quiz_document(q: Quiz) -> Document:
    return {
        "_id": q.quiz_id,
        "title": q.title,
        "questions": [
            {"text": x.text, "choices": list(x.choices), "answer": x.answer} for x in q.questions
        ],
        "opens_at": q.opens_at_ms,
        "closes_at": q.closes_at_ms,
        "points_per_correct": q.points_per_correct,
        "station_id": q.station_id,
        "created_by": q.created_by,
        "created_at": q.created_at_ms,
    }


def quiz_from(d: Document) -> Quiz:
    return Quiz(
        quiz_id=d["_id"],
        title=d["title"],
        questions=tuple(
            Question(text=x["text"], choices=tuple(x["choices"]), answer=x["answer"])
            for x in d["questions"]
        ),
        opens_at_ms=d["opens_at"],
        closes_at_ms=d["closes_at"],
        points_per_correct=d["points_per_correct"],
        station_id=d["station_id"],
        created_by=d["created_by"],
        created_at_ms=d["created_at"],
    )


def group_document(g: Group) -> Document:
    return {
        "_id": g.group_id,
        "name": g.name,
        "member_ids": list(g.member_ids),
        "task_id": g.task_id,
        "created_at": g.created_at_ms,
        "expires_at": g.expires_at_ms,
        "station_id": g.station_id,
        "created_by": g.created_by,
        "cohort_id": g.cohort_id,
    }


def group_from(d: Document) -> Group:
    return Group(
        group_id=d["_id"],
        name=d["name"],
        member_ids=tuple(d["member_ids"]),
        task_id=d["task_id"],
        created_at_ms=d["created_at"],
        expires_at_ms=d["expires_at"],
        station_id=d["station_id"],
        created_by=d["created_by"],
        cohort_id=d.get("cohort_id", ""),
    )


def message_document(m: Message) -> Document:
    return {
        "_id": m.message_id,
        "group_id": m.group_id,
        "sender_id": m.sender_id,
        "text": m.text,
        "media_ids": list(m.media_ids),
        "location": None if m.location is None else {"lat": m.location.lat, "lon": m.location.lon},
        "sent_at": m.sent_at_ms,
        "recipient_ids": list(m.recipient_ids),
        "station_id": m.station_id,
        "voice_media_id": m.voice_media_id,
        "voice_duration_ms": m.voice_duration_ms,
    }


def message_from(d: Document) -> Message:
    return Message(
        message_id=d["_id"],
        group_id=d["group_id"],
        sender_id=d["sender_id"],
        text=d["text"],
        media_ids=tuple(d["media_ids"]),
        location=None if d["location"] is None else Location(**d["location"]),
        sent_at_ms=d["sent_at"],
        recipient_ids=tuple(d["recipient_ids"]),
        station_id=d["station_id"],
        voice_media_id=d.get("voice_media_id", ""),
        voice_duration_ms=d.get("voice_duration_ms", 0),
    )


def drawing_document(x: Drawing) -> Document:
    return {
        "_id": x.drawing_id,
        "group_id": x.group_id,
        "feature": x.feature_geojson,
        "created_by": x.created_by,
        "created_at": x.created_at_ms,
        "deleted": x.deleted,
    }


def drawing_from(d: Document) -> Drawing:
    return Drawing(
        drawing_id=d["_id"],
        group_id=d["group_id"],
        feature_geojson=d["feature"],
        created_by=d["created_by"],
        created_at_ms=d["created_at"],
        deleted=d["deleted"],
    )
