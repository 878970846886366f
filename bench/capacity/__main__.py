"""``python -m bench.capacity``: what each component sustains at 2 cores, measured on the
cluster mode (every service its own process on the real Kafka and FerretDB the tests build).

Parts (``--part``, repeatable; all by default):
- ``ingest``: fixes/s through one gateway and one location replica (``bench.ingest --cluster``);
- ``consumers``: events/s one replica of each consumer group drains from a backlog;
- ``dispatch``: dispatches/s (and offers/s) with K officers dispatching at once, K growing;
- ``streams``: SSE streams one gateway holds, and a push to all of them, as they grow.

Every figure carries the load average it was measured at (the machine is shared) and the CPU
seconds of the processes involved. Prints tables, writes bench/results/capacity.json; the city
arithmetic built on these figures is in docs/capacity.md.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from bench.capacity import consumers, dispatch, probe, streams
from bench.capacity.population import OnDuty
from bench.capacity.tables import render
from bench.cluster import running_cluster

RESULTS = Path(__file__).resolve().parents[1] / "results" / "capacity.json"
PARTS = ("ingest", "consumers", "dispatch", "streams")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m bench.capacity",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--part", choices=PARTS, action="append", help="default: all")
    parser.add_argument("--quick", action="store_true", help="small sizes, one run (a smoke run)")
    parser.add_argument("--runs", type=int, help="runs of each configuration (default 2; quick 1)")
    parser.add_argument("--members", type=int, help="members on duty in location (default 1000)")
    parser.add_argument(
        "--officers",
        type=lambda s: [int(x) for x in s.split(",")],
        help="officer counts for dispatch, e.g. 1,2,4,8,16",
    )
    parser.add_argument("--dispatch-seconds", type=float, help="window per officer count")
    parser.add_argument(
        "--stream-levels",
        type=lambda s: [int(x) for x in s.split(",")],
        help="stream counts, e.g. 100,500,1000,2000",
    )
    parser.add_argument(
        "--max-streams",
        type=int,
        help="the gateway's GATEWAY_MAX_STREAMS (default: its own, 2048; quick 120)",
    )
    parser.add_argument("--ingest-clients", type=int, default=32)
    parser.add_argument(
        "--ingest-batches",
        type=lambda s: [int(x) for x in s.split(",")],
        help="fixes per request for the ingest part (default 50,10)",
    )
    parser.add_argument("--out", type=Path, default=RESULTS)
    args = parser.parse_args(argv)
    quick = args.quick
    parts = args.part or list(PARTS)
    runs = args.runs or (1 if quick else 2)
    members = args.members or (300 if quick else 1_000)
    officers = args.officers or ([1, 4] if quick else [1, 2, 4, 8, 16])
    dispatch_s = args.dispatch_seconds or (6.0 if quick else 20.0)
    max_streams = args.max_streams or (120 if quick else 2048)
    levels = args.stream_levels or ([30, 90] if quick else [100, 500, 1000, 1500, 2000, 2048])
    levels = [min(level, max_streams) for level in levels]
    sizes = consumers.QUICK if quick else consumers.FULL

    report: dict[str, Any] = {
        "benchmark": "capacity",
        "at": datetime.now(UTC).isoformat(timespec="seconds"),
        "command": "python -m bench.capacity " + " ".join(argv or sys.argv[1:]),
        "machine": {"cpus": os.cpu_count(), "platform": platform.platform()},
        "plan": {
            "parts": parts,
            "runs": runs,
            "members_on_duty": members,
            "officers": officers,
            "dispatch_seconds": dispatch_s,
            "stream_levels": levels,
            "max_streams": max_streams,
            "consumer_sizes": sizes.__dict__,
        },
        "results": {},
        "parts": {},  # per part: when and by which command its results were measured
    }
    if args.part and args.out.exists():
        # Only the parts asked for are measured again; the others' results are kept.
        previous = json.loads(args.out.read_text())
        for part, result in previous.get("results", {}).items():
            if part not in parts:
                report["results"][part] = result
                report["parts"][part] = previous.get("parts", {}).get(
                    part, {"at": previous.get("at"), "command": previous.get("command")}
                )
    for part in parts:
        report["parts"][part] = {"at": report["at"], "command": report["command"]}
    started = time.monotonic()

    def save() -> None:
        report["elapsed_s"] = round(time.monotonic() - started, 1)
        args.out.parent.mkdir(parents=True, exist_ok=True)
        args.out.write_text(json.dumps(report, indent=1) + "\n")

    cluster_parts = [p for p in parts if p != "ingest"]
    if cluster_parts:
        if "streams" in cluster_parts:
            os.environ["GATEWAY_MAX_STREAMS"] = str(max_streams)
        with running_cluster("bench-capacity-") as cluster:
            servers = consumers.server_pids()
            location_addr = f"127.0.0.1:{cluster['location'].grpc_port}"
            background = OnDuty(location_addr)
            if {"consumers", "dispatch"} & set(cluster_parts):
                phase = time.monotonic()
                background.grow_to(members)
                _log(f"-- {members:,} members on duty in {time.monotonic() - phase:.0f} s")
            if "consumers" in cluster_parts:
                _log("-- consumers")
                report["results"]["consumers"] = consumers.measure(
                    cluster, background, sizes, runs=runs, servers=servers
                )
                save()
            pids = {
                **{n: cluster[n].proc.pid for n in ("gateway", "tasks", "location", "identity")},
                **servers,
            }
            if "dispatch" in cluster_parts:
                _log("-- dispatch")
                background.refresh()
                report["results"]["dispatch"] = dispatch.measure(
                    cluster.api.base_url,
                    background,
                    pids,
                    officers=officers,
                    seconds=dispatch_s,
                    runs=runs,
                )
                save()
            if "streams" in cluster_parts:
                _log("-- streams")
                report["results"]["streams"] = [
                    streams.measure(
                        cluster.api.base_url,
                        cluster["gateway"].proc.pid,
                        pids,
                        levels=levels,
                        max_streams=max_streams,
                        pushes=3 if quick else 5,
                        idle_s=3.0 if quick else 10.0,
                    )
                ]
                save()
    if "ingest" in parts:
        _log("-- ingest (bench.ingest --cluster)")
        report["results"]["ingest"] = []
        for batch in args.ingest_batches or [50, 10]:
            report["results"]["ingest"].append(
                ingest(quick=quick, runs=runs, clients=args.ingest_clients, batch=batch)
            )
            save()
    save()
    print(render(report))
    print(f"written {args.out} in {report['elapsed_s']:.0f} s")
    return 0


def ingest(*, quick: bool, runs: int, clients: int, batch: int) -> dict[str, Any]:
    """``bench.ingest --cluster`` as it is, in its own process; its JSON plus the load average."""
    with tempfile.TemporaryDirectory(prefix="bench-capacity-ingest-") as tmp:
        out = Path(tmp) / "ingest.json"
        command = [sys.executable, "-m", "bench.ingest", "--cluster", "--out", str(out)]
        command += ["--clients", str(4 if quick else clients), "--runs", str(runs)]
        command += ["--seconds", "5" if quick else "15", "--batch", str(batch)]
        if quick:
            command += ["--members", "60", "--warmup", "1"]
        with probe.LoadSampler() as load:
            subprocess.run(command, check=True, stdout=sys.stderr)
        result = json.loads(out.read_text())
    result["load_avg"] = load.range()
    result["command"] = "python -m bench.ingest " + " ".join([command[3], *command[6:]])
    return result


def _log(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


if __name__ == "__main__":
    raise SystemExit(main())
