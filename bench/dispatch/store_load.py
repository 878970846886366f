"""What the services asked of the document store and the bus during a window (cluster mode):
each service's ``shouwang_store_command_seconds``, ``shouwang_events_published`` and
``shouwang_events_handled`` read from its /metrics at the start and the end, so a dispatch's cost
shows per task: store commands and time by service, command and collection; events published by
topic and handled by consumer group (a group handling fewer than were published fell behind)."""

from __future__ import annotations

import urllib.request
from dataclasses import dataclass, field

from prometheus_client.parser import text_string_to_metric_families

Key = tuple[str, str, str]  # service, command, collection
Totals = dict[Key, tuple[float, float]]  # commands, seconds
EventKey = tuple[str, str, str]  # service, "published" or the handling group, topic


@dataclass
class Reading:
    store: Totals = field(default_factory=dict)
    events: dict[EventKey, float] = field(default_factory=dict)


def scrape(metrics_urls: dict[str, str]) -> Reading:
    reading = Reading()
    for service, url in metrics_urls.items():
        with urllib.request.urlopen(url, timeout=10) as reply:
            text = reply.read().decode()
        for family in text_string_to_metric_families(text):
            if family.name == "shouwang_store_command_seconds":
                _add_store(reading.store, service, family.samples)
            elif family.name in ("shouwang_events_published", "shouwang_events_handled"):
                for sample in family.samples:
                    if not sample.name.endswith("_total"):
                        continue  # prometheus_client's _created timestamps
                    by = sample.labels.get("group", "published")
                    key = (service, by, sample.labels["topic"])
                    reading.events[key] = reading.events.get(key, 0.0) + sample.value
    return reading


def _add_store(totals: Totals, service: str, samples: list) -> None:
    for sample in samples:
        key = (service, sample.labels["command"], sample.labels["collection"])
        count, seconds = totals.get(key, (0.0, 0.0))
        if sample.name.endswith("_count"):
            count += sample.value
        elif sample.name.endswith("_sum"):
            seconds += sample.value
        totals[key] = (count, seconds)


def per_task(before: Reading, after: Reading, tasks: int) -> list[dict[str, object]]:
    """Each (service, command, collection) the window used, per task dispatched, the busiest by
    store time first."""
    rows = []
    for key, (count, seconds) in after.store.items():
        count0, seconds0 = before.store.get(key, (0.0, 0.0))
        if count > count0:
            service, command, collection = key
            rows.append(
                {
                    "service": service,
                    "command": command,
                    "collection": collection,
                    "commands_per_task": round((count - count0) / tasks, 2),
                    "store_ms_per_task": round((seconds - seconds0) * 1000 / tasks, 2),
                }
            )
    rows.sort(key=lambda row: -float(row["store_ms_per_task"]))  # type: ignore[arg-type]
    return rows


def events_per_task(before: Reading, after: Reading, tasks: int) -> list[dict[str, object]]:
    """Events each service published by topic, and handled by each of its groups, per task
    dispatched, the most first."""
    rows = []
    for key, count in after.events.items():
        if (more := count - before.events.get(key, 0.0)) > 0:
            service, by, topic = key
            rows.append(
                {
                    "service": service,
                    "by": by,
                    "topic": topic,
                    "events_per_task": round(more / tasks, 2),
                }
            )
    rows.sort(key=lambda row: -float(row["events_per_task"]))  # type: ignore[arg-type]
    return rows
