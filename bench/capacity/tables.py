"""The capacity report as Markdown tables (what ``python -m bench.capacity`` prints)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from bench.markdown import table


def render(report: dict[str, Any]) -> str:
    results = report["results"]
    parts = [f"capacity, {report['at']}: {report['command']}"]
    for part, origin in report.get("parts", {}).items():
        if origin.get("at") != report["at"]:
            parts.append(f"({part}: kept from {origin['at']}, `{origin['command']}`)")
    for result in results.get("ingest", []):
        parts.append(ingest_table(result))
    if "consumers" in results:
        parts.append(consumers_table(results["consumers"]))
    if "dispatch" in results:
        parts.append(dispatch_table(results["dispatch"]))
    for run in results.get("streams", []):
        parts.append(streams_table(run))
    return "\n\n".join(parts)


def ingest_table(result: dict[str, Any]) -> str:
    plan = result["plan"]
    rows = [
        [
            f"run {i}",
            f"{r['accepted_fixes_per_s']:,}",
            f"{r['p50_ms']} / {r['p99_ms']}",
            f"{r['drain_s']}",
            f"{r['server_cpu_ms_per_1000_fixes']}",
            str(r["errors"]),
        ]
        for i, r in enumerate(result["runs"], 1)
    ]
    title = (
        f"fixes through one gateway + one location replica ({plan['clients']} clients, batches "
        f"of {plan['batch']}, {plan['seconds']:g} s), load {_load(result['load_avg'])}: "
        f"{result['command']}"
    )
    header = ["run", "accepted fixes/s", "p50 / p99 ms", "drain s", "CPU ms / 1k fixes", "errors"]
    return title + "\n" + table(header, rows)


def consumers_table(rows_in: Sequence[dict[str, Any]]) -> str:
    header = [
        "consumer group",
        "run",
        "events timed",
        "events/s",
        "handled (not skipped)",
        "consumer CPU ms/event",
        "FerretDB CPU ms/event",
        "load avg",
    ]
    rows = []
    for r in rows_in:
        per_s = f"{r['events_per_s']:,.0f}"
        if "fixes_per_s" in r:
            per_s += f" ({r['fixes_per_s']:,.0f} fixes/s)"
        if not r["drained"]:
            per_s += " (capped)"
        ferret = r["cpu_s"].get("ferretdb", 0.0) * 1000 / max(1, r["events_timed"])
        rows.append(
            [
                f"{r['group']} `{r['name']}`",
                str(r["run"]),
                f"{int(r['events_timed']):,}",
                per_s,
                f"{r['handled_share']:.0%}",
                f"{r['consumer_cpu_ms_per_event']:.2f}",
                f"{ferret:.2f}",
                _load(r["load_avg"]),
            ]
        )
    return "events/s one replica drains from a backlog\n" + table(header, rows)


def dispatch_table(rows_in: Sequence[dict[str, Any]]) -> str:
    header = [
        "officers",
        "run",
        "dispatches/s",
        "offers/s",
        "POST p50 / p99 ms",
        "errors",
        "CPU ms/dispatch: gateway, tasks, location, FerretDB, Kafka",
        "load avg",
    ]
    rows = []
    for r in rows_in:
        cpu = r["cpu_ms_per_dispatch"]
        rows.append(
            [
                str(r["officers"]),
                str(r["run"]),
                f"{r['dispatches_per_s']}",
                f"{r['offers_per_s']}",
                f"{r['p50_ms']} / {r['p99_ms']}",
                str(sum(r["errors"].values())),
                ", ".join(
                    str(cpu.get(n, "-"))
                    for n in ("gateway", "tasks", "location", "ferretdb", "kafka")
                ),
                _load(r["load_avg"]),
            ]
        )
    members = rows_in[0]["members_on_duty"] if rows_in else 0
    return f"dispatches/s, `nearest` 3 of {members:,} on duty\n" + table(header, rows)


def streams_table(result: dict[str, Any]) -> str:
    header = [
        "streams",
        "RSS MiB",
        "threads",
        "fds",
        "idle CPU",
        "push to all: first / median / last ms (worst last)",
        "POST /tasks ms",
        "gateway CPU ms/push",
        "missing frames",
        "load avg",
    ]
    base = result["baseline"]
    rows = [[str(0), str(base["rss_mib"]), str(base["threads"]), str(base["open_fds"])] + [""] * 6]
    for r in result["levels"]:
        rows.append(
            [
                f"{r['streams']:,}",
                str(r["rss_mib"]),
                str(r["threads"]),
                str(r["open_fds"]),
                f"{r['idle_cpu_share']:.1%}",
                f"{r['first_ms']} / {r['median_ms']} / {r['last_ms']} ({r['last_ms_worst']})",
                str(r["post_ms"]),
                str(r["gateway_cpu_ms_per_push"]),
                str(r["frames_missing"]),
                _load(r["load_avg"]),
            ]
        )
    past = result["past_the_limit"]
    return (
        "SSE streams on one gateway (every stream an administrator's: each event to all)\n"
        + table(header, rows)
        + f"\npast GATEWAY_MAX_STREAMS={past['max_streams']}: {past['asked']} more asked, "
        f"answers {past['statuses']}, {past['open_after']:,} open after"
    )


def _load(pair: Sequence[float]) -> str:
    low, high = min(pair), max(pair)
    return f"{low:.1f}" if round(low, 1) == round(high, 1) else f"{low:.1f}–{high:.1f}"
