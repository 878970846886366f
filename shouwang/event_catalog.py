"""Every public event stream: its topic, key, description and the payload each event type carries,
gathered from the catalogs beside the generated protobuf code. docs/asyncapi.yaml is rendered from
it, the bridge republishes from it, and consumers decode with it."""

from __future__ import annotations

from dataclasses import dataclass

from google.protobuf.message import Message

from shouwang.comms.v1.event_types import (
    BULLETIN_EVENT_TYPES,
    BULLETINS_TOPIC,
    GROUP_EVENT_TYPES,
    GROUPS_TOPIC,
    QUIZ_EVENT_TYPES,
    QUIZZES_TOPIC,
)
from shouwang.identity.v1.event_types import IDENTITY_EVENT_TYPES, IDENTITY_TOPIC
from shouwang.location.v1.event_types import (
    LOCATION_EVENT_TYPES,
    LOCATION_TOPIC,
    PRESENCE_EVENT_TYPES,
    PRESENCE_TOPIC,
)
from shouwang.points.v1.event_types import POINTS_EVENT_TYPES, POINTS_TOPIC
from shouwang.tasks.v1.event_types import (
    REPORT_EVENT_TYPES,
    REPORTS_TOPIC,
    TASK_EVENT_TYPES,
    TASKS_TOPIC,
)
from shouwang.training.v1.event_types import TRAINING_EVENT_TYPES, TRAINING_TOPIC


@dataclass(frozen=True)
class Topic:
    name: str
    address: str
    key: str
    description: str
    event_types: dict[str, type[Message]]


TOPICS = (
    Topic(
        "identity",
        IDENTITY_TOPIC,
        "member id",
        "Members' lifecycle, pseudonymous: member id, team, station, status, roles, token "
        "version. Never a name, ID number or phone.",
        IDENTITY_EVENT_TYPES,
    ),
    Topic(
        "presence",
        PRESENCE_TOPIC,
        "member id",
        "Going on and off duty, going offline (no fix for 2 minutes) and coming back.",
        PRESENCE_EVENT_TYPES,
    ),
    Topic(
        "location",
        LOCATION_TOPIC,
        "member id",
        "Coarse positions, throttled per member (not every fix), and geofence crossings.",
        LOCATION_EVENT_TYPES,
    ),
    Topic(
        "tasks",
        TASKS_TOPIC,
        "task id",
        "Dispatch: created, offered in waves, claimed, declined, arrived, resolved, closed, "
        "cancelled, expired, unfilled.",
        TASK_EVENT_TYPES,
    ),
    Topic(
        "reports",
        REPORTS_TOPIC,
        "report id",
        "Members' tips and hazard reports, and their review.",
        REPORT_EVENT_TYPES,
    ),
    Topic(
        "points",
        POINTS_TOPIC,
        "member id",
        "Ledger entries that changed a member's points, and redemptions.",
        POINTS_EVENT_TYPES,
    ),
    Topic(
        "bulletins",
        BULLETINS_TOPIC,
        "bulletin id",
        "Bulletins published (alerts, news, wanted notices, case notices, knowledge), one event "
        "per batch of up to 2,000 recipients' member ids: who the gateways push it to.",
        BULLETIN_EVENT_TYPES,
    ),
    Topic(
        "quizzes",
        QUIZZES_TOPIC,
        "quiz id",
        "A member's one answer to a quiz with its score; points credit it once (its id is "
        "derived from the quiz and the member).",
        QUIZ_EVENT_TYPES,
    ),
    Topic(
        "groups",
        GROUPS_TOPIC,
        "group id",
        "Temporary groups: created (with their members), messages as metadata only (sender, "
        "recipients, whether it had text, how many photos, whether a pin; never the text, media "
        "ids or position), map drawings added and deleted.",
        GROUP_EVENT_TYPES,
    ),
    Topic(
        "training",
        TRAINING_TOPIC,
        "cohort id",
        "Rotation training: a class created, trainees enrolled in it (their member ids), a roll "
        "call opened (with its trainees' member ids, who the gateways push it to), a trainee "
        "checked in, a leave request decided, a patrol log filed (its counts), a roster shift "
        "ended with the minutes its member was inside the area. Never a name, a leave reason, "
        "a note or a photo.",
        TRAINING_EVENT_TYPES,
    ),
)


PAYLOADS: dict[str, dict[str, type[Message]]] = {
    topic.address: topic.event_types for topic in TOPICS
}
