"""`python -m bench.ingest`: fix ingestion through the gateway, embedded (issue #19).

Starts ``shouwang up --no-demo`` in its own process on a free loopback port, registers N members
through the API (verified by the administrator, on duty), then runs K client processes posting
batches of fixes to ``POST /api/v1/location`` for a warm-up and a measured window, several runs
back to back. After each run it waits until location's consumers have handled every batch the
bus took (the backlog left is reported as the drain time: acknowledged is not the same as done),
and at the end reads a sample of members' tracks back: each must hold every fix acknowledged for
them. Prints a table, writes bench/results/ingest.json; ``--profile FILE.svg`` records one more
run under py-spy (a flame graph of the server).
"""

from __future__ import annotations

import argparse
import contextlib
import json
import platform
import random
import shutil
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

import numpy as np

from bench.cluster import add_store_argument
from bench.dispatch.population import spot_in_square
from bench.ingest import cluster
from bench.ingest import server as srv
from bench.ingest.load import Load, Member, run_load
from tests.support.api import Api, verified_member, wait_for

RESULTS = Path(__file__).resolve().parents[1] / "results" / "ingest.json"
INTERNAL_TOPIC = "shouwang.location.internal.v1"
LOCATION_TOPIC = "shouwang.location.v1"
TRACKS_GROUP = "location-tracks"  # and each replica's live view's group, location-live-<id>
TRACK_SAMPLE = 12
TARGET_FIXES_PER_S = 25_000  # issue #19


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.ingest", description=__doc__)
    parser.add_argument("--members", type=int, default=300)
    parser.add_argument("--clients", type=int, default=8)
    parser.add_argument("--batch", type=int, default=50, help="fixes per request")
    parser.add_argument("--seconds", type=float, default=20.0, help="measured window per run")
    parser.add_argument("--warmup", type=float, default=3.0)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument(
        "--profile", type=Path, help="also record a run with py-spy (.svg: a flame graph, else raw)"
    )
    parser.add_argument("--label", default="", help="a name for these results (e.g. before)")
    parser.add_argument(
        "--server-tree",
        type=Path,
        help="run the server from this source tree (e.g. `git archive` of an earlier commit)",
    )
    parser.add_argument(
        "--cluster",
        action="store_true",
        help="every service its own process on Kafka + FerretDB (one gateway, one location)",
    )
    add_store_argument(parser)
    parser.add_argument("--out", type=Path, default=RESULTS)
    args = parser.parse_args(argv)
    if args.cluster and args.out == RESULTS:
        args.out = RESULTS.with_name("ingest-cluster.json")

    report: dict[str, Any] = {
        "benchmark": "ingest",
        "label": args.label,
        "at": datetime.now(UTC).isoformat(timespec="seconds"),
        "machine": platform.platform(),
        "plan": {
            k: getattr(args, k)
            for k in ("members", "clients", "batch", "seconds", "warmup", "cluster", "store")
        },
        "runs": [],
    }
    with contextlib.ExitStack() as stack:
        if args.cluster:
            server: Any = stack.enter_context(cluster.running(args.store))
        else:
            data_dir = stack.enter_context(tempfile.TemporaryDirectory(prefix="bench-ingest-"))
            server = srv.start(Path(data_dir), tree=args.server_tree)
            stack.callback(lambda: report.update(server_exit=srv.stop(server)))
        api = Api(server.url)
        print(f"-- {args.members} members on duty", file=sys.stderr)
        members = enlist(api, args.members)
        since: dict[str, int] = {}
        kept: dict[str, int] = {}
        for run in range(1, args.runs + 1):
            print(f"-- run {run}", file=sys.stderr)
            result = measure(server, members, args, since, kept)
            report["runs"].append(result)
            print(render_row(f"run {run}", result), file=sys.stderr)
        if args.profile:
            print(f"-- profiled run -> {args.profile}", file=sys.stderr)
            report["profiled_run"] = measure(server, members, args, since, kept, args.profile)
        report["tracks_checked"] = check_tracks(api, members, kept)
    best = max(report["runs"], key=lambda r: r["accepted_fixes_per_s"])
    report["best"] = best
    print(render_table(report))
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(report, indent=1) + "\n")
    print(f"written {args.out}")
    return 0


def enlist(api: Api, count: int) -> list[Member]:
    admin = api.post(
        "/api/v1/auth/login", {"phone": srv.ADMIN_PHONE, "password": srv.ADMIN_PASSWORD}
    ).body["access_token"]
    rng = random.Random(19)
    spots = [spot_in_square(rng, 20.0) for _ in range(count)]

    def one(spot: Any) -> Member:
        member_id, token, _ = verified_member(api, admin)
        started = api.post("/api/v1/duty/start", token=token)
        if started.status != 200:
            raise RuntimeError(f"duty start failed: {started.status} {started.body}")
        return Member(member_id, token, spot.lat, spot.lon)

    with ThreadPoolExecutor(max_workers=4) as pool:
        return list(pool.map(one, spots))


def measure(
    server: Any,
    members: list[Member],
    args: argparse.Namespace,
    since: dict[str, int],
    kept: dict[str, int],
    profile: Path | None = None,
) -> dict[str, Any]:
    before = server.counters()
    cpu_before = server.cpu_s()
    spy = _py_spy(server.pid, profile, args.warmup + args.seconds + 3) if profile else None
    load = run_load(
        server.url,
        members,
        clients=args.clients,
        batch=args.batch,
        warmup_s=args.warmup,
        seconds=args.seconds,
        since=since,
    )
    load_ended = time.monotonic()
    published = srv.published(server.counters(), INTERNAL_TOPIC)

    def drained() -> bool:
        counters = server.counters()
        groups = srv.groups(counters, INTERNAL_TOPIC)
        return TRACKS_GROUP in groups and all(
            srv.handled(counters, INTERNAL_TOPIC, group) >= published for group in groups
        )

    wait_for(drained, timeout_s=600, interval_s=0.2, what="location's consumers to catch up")
    drain_s = time.monotonic() - load_ended
    after = server.counters()
    cpu_s = tuple(b - a for a, b in zip(cpu_before, server.cpu_s(), strict=True))
    if spy is not None:
        spy.wait(timeout=120)
    tallies = load.tallies
    for tally in tallies:
        since.update(tally.newest)
        for member_id, count in tally.kept.items():
            kept[member_id] = kept.get(member_id, 0) + count
    return summarise(load, args.seconds, drain_s, before, after, cpu_s)


def summarise(
    load: Load,
    seconds: float,
    drain_s: float,
    before: dict,
    after: dict,
    cpu_s: tuple[float, ...],
) -> dict[str, Any]:
    tallies = load.tallies
    latencies = np.array([ms for t in tallies for ms in t.latencies_ms])
    kept = sum(sum(t.kept.values()) for t in tallies)
    statuses: dict[str, int] = {}
    for tally in tallies:
        for status, count in tally.statuses.items():
            statuses[str(status)] = statuses.get(str(status), 0) + count

    def delta(count: Any, *labels: str) -> float:
        return count(after, *labels) - count(before, *labels)

    return {
        "accepted_fixes_per_s": round(sum(t.accepted for t in tallies) / seconds),
        "requests_per_s": round(len(latencies) / seconds, 1),
        "p50_ms": round(float(np.percentile(latencies, 50)), 1) if len(latencies) else None,
        "p99_ms": round(float(np.percentile(latencies, 99)), 1) if len(latencies) else None,
        "errors": sum(t.errors for t in tallies),
        "rejected_fixes": sum(t.rejected for t in tallies),
        "statuses": statuses,
        "drain_s": round(drain_s, 2),
        # The server's CPU time over the whole run (warm-up and drain included) per 1,000 fixes
        # acknowledged in it: what the work costs, whatever else the machine is running.
        "server_cpu_ms_per_1000_fixes": round(sum(cpu_s) * 1e6 / max(1, kept), 1),
        "server_sys_share": round(cpu_s[1] / max(1e-9, sum(cpu_s)), 2),
        # The load clients share the 2 cores: their CPU per 1,000 fixes in the measured window,
        # and the whole machine's busy share then (near 100 %: the box, not the server, limits).
        "clients_cpu_ms_per_1000_fixes": round(
            sum(t.cpu_s for t in tallies) * 1e6 / max(1, sum(t.accepted for t in tallies)), 1
        ),
        "machine_busy": round(load.machine_busy, 2),
        "batches_on_bus": delta(srv.published, INTERNAL_TOPIC),
        "location_events_derived": delta(srv.published, LOCATION_TOPIC),
    }


def check_tracks(api: Api, members: list[Member], kept: dict[str, int]) -> dict[str, Any]:
    """Each sampled member's track holds exactly the fixes acknowledged for them."""
    admin = api.post(
        "/api/v1/auth/login", {"phone": srv.ADMIN_PHONE, "password": srv.ADMIN_PASSWORD}
    ).body["access_token"]
    now = datetime.now(UTC)
    window = {
        "from": (now - timedelta(hours=23)).isoformat(),
        "to": (now + timedelta(minutes=5)).isoformat(),
        "reason": "ingest benchmark check",
    }
    sample = random.Random(5).sample(members, min(TRACK_SAMPLE, len(members)))
    short = []
    for member in sample:
        reply = api.get(
            f"/api/v1/members/{member.member_id}/track?{urlencode(window)}", token=admin
        )
        held = len(reply.body["fixes"]) if reply.status == 200 else -1
        if held != kept.get(member.member_id, 0):
            short.append({"expected": kept.get(member.member_id, 0), "held": held})
    return {"members": len(sample), "mismatches": short}


def _py_spy(pid: int, out: Path, duration_s: float) -> subprocess.Popen[bytes]:
    executable = shutil.which("py-spy") or str(Path(sys.executable).with_name("py-spy"))
    out.parent.mkdir(parents=True, exist_ok=True)
    # Only the thread holding the GIL: the server has a thread per possible push stream, too
    # many to walk 100 times a second, and Python time is what one process is short of.
    fmt = "flamegraph" if out.suffix == ".svg" else "raw"  # raw: collapsed stacks, for reading
    command = [executable, "record", "--pid", str(pid), "--duration", str(int(duration_s))]
    command += ["--rate", "100", "--nonblocking", "--gil", "--subprocesses"]  # the track keeper's
    command += ["--format", fmt, "--output", str(out)]
    return subprocess.Popen(
        command,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )


COLUMNS = (
    ("accepted fixes/s", "accepted_fixes_per_s", "{:,}"),
    ("requests/s", "requests_per_s", "{:,.1f}"),
    ("p50 ms", "p50_ms", "{}"),
    ("p99 ms", "p99_ms", "{}"),
    ("errors", "errors", "{}"),
    ("drain s", "drain_s", "{}"),
    ("server CPU ms / 1k fixes", "server_cpu_ms_per_1000_fixes", "{}"),
    ("of it in the kernel", "server_sys_share", "{:.0%}"),
    ("clients' CPU ms / 1k fixes", "clients_cpu_ms_per_1000_fixes", "{}"),
    ("machine busy", "machine_busy", "{:.0%}"),
)


def render_row(name: str, result: dict[str, Any]) -> str:
    cells = [fmt.format(result[key]) for _, key, fmt in COLUMNS]
    return f"| {name} | " + " | ".join(cells) + " |"


def render_table(report: dict[str, Any]) -> str:
    plan = report["plan"]
    mode = (
        f"cluster (one gateway, one location replica, FerretDB on {plan.get('store', 'sqlite')})"
        if plan["cluster"]
        else "embedded"
    )
    lines = [
        f"ingest through the gateway, {mode}: {plan['members']} members, {plan['clients']} "
        f"clients, batches of {plan['batch']}, {plan['seconds']:g} s per run",
        "| run | " + " | ".join(title for title, _, _ in COLUMNS) + " |",
        "|---|" + "---:|" * len(COLUMNS),
    ]
    lines += [render_row(f"run {i}", r) for i, r in enumerate(report["runs"], 1)]
    best = report["best"]["accepted_fixes_per_s"]
    lines.append(
        f"best {best:,} fixes/s; target {TARGET_FIXES_PER_S:,}: "
        f"{'met' if best >= TARGET_FIXES_PER_S else 'not met'}"
    )
    checked = report["tracks_checked"]
    lines.append(
        f"tracks of {checked['members']} members read back: "
        f"{len(checked['mismatches'])} without every acknowledged fix"
    )
    return "\n".join(lines)


if __name__ == "__main__":
    raise SystemExit(main())
