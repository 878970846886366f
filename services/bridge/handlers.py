"""The bridge's one use case: an event arrives on a public topic, goes out to a bureau's topic."""

from __future__ import annotations

from services.bridge.model import for_bureau
from services.bridge.policy import BureauPolicy
from shouwang.bus import EventBus
from shouwang.event_catalog import TOPICS
from shouwang.events import Event

# Topics whose aggregate (and so Kafka key and ce_subject) is a member.
MEMBER_KEYED = frozenset(topic.address for topic in TOPICS if topic.key == "member id")


def republish(bus: EventBus, policy: BureauPolicy, key: bytes, topic: str, event: Event) -> None:
    """Publish the bureau's version; the consumer commits only after it is accepted, so a crash
    republishes it with the same id (derived from the original's) and the bureau drops it."""
    rewritten = for_bureau(event, policy, key, subject_is_member=topic in MEMBER_KEYED)
    bus.publish(policy.external_topic(topic), [rewritten])
