"""Prometheus metrics every bus adapter reports, so dashboards do not care which one runs.

Labels are topics, groups and outcomes only: never event keys (member ids) or payloads.
"""

from __future__ import annotations

from prometheus_client import Counter, Histogram

events_published = Counter(
    "shouwang_events_published",
    "Events appended to a topic (dead letters count under their .dlq topic).",
    ["topic"],
)

events_handled = Counter(
    "shouwang_events_handled",
    "Messages a consumer group finished with, by final outcome: ok (first attempt), retried "
    "(succeeded after failed attempts), dead_lettered, skipped (a type the group does not handle).",
    ["topic", "group", "outcome"],
)

handler_seconds = Histogram(
    "shouwang_event_handler_seconds",
    "Time spent in one call of an event handler, failed calls included.",
    ["topic", "group"],
)
