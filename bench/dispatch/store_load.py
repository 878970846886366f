"""What the services asked of the document store during a window (cluster mode): each service's
``shouwang_store_command_seconds`` read from its /metrics at the start and the end, so a
dispatch's cost shows as commands and store time per task, by service, command and collection."""

from __future__ import annotations

import urllib.request

from prometheus_client.parser import text_string_to_metric_families

Key = tuple[str, str, str]  # service, command, collection
Totals = dict[Key, tuple[float, float]]  # commands, seconds


def scrape(metrics_urls: dict[str, str]) -> Totals:
    totals: Totals = {}
    for service, url in metrics_urls.items():
        with urllib.request.urlopen(url, timeout=10) as reply:
            text = reply.read().decode()
        for family in text_string_to_metric_families(text):
            if family.name != "shouwang_store_command_seconds":
                continue
            for sample in family.samples:
                key = (service, sample.labels["command"], sample.labels["collection"])
                count, seconds = totals.get(key, (0.0, 0.0))
                if sample.name.endswith("_count"):
                    count += sample.value
                elif sample.name.endswith("_sum"):
                    seconds += sample.value
                totals[key] = (count, seconds)
    return totals


def per_task(before: Totals, after: Totals, tasks: int) -> list[dict[str, object]]:
    """Each (service, command, collection) the window used, per task dispatched, the busiest by
    store time first."""
    rows = []
    for key, (count, seconds) in after.items():
        count0, seconds0 = before.get(key, (0.0, 0.0))
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
