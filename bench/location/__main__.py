"""`python -m bench.location`: our live index vs Redis GEO vs Tile38 on one synthetic city.

Every system gets the same fixes in the same order and the same queries; every answer is checked
against brute force. Prints a table per city size and writes bench/results/location.json.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import platform
import sys
import time
from collections.abc import Callable, Iterator
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import numpy as np

from bench.location import servers
from bench.location.checks import Truth
from bench.location.systems import REBUILD_BATCH, Ours, RedisGeo, System, Tile38
from bench.location.workload import KNN_K, KNN_RADIUS_M, POLYGON_AREAS_KM2, City, FixBatch

RESULTS = Path(__file__).resolve().parents[1] / "results" / "location.json"


@dataclass(frozen=True)
class Plan:
    members: int
    batch1_fixes: int
    ticks: int  # whole ticks of the city, so the truth is every member's latest position
    knn_queries: int
    knn_queries_servers: int
    polygons: int  # per area
    polygons_servers: int


PLANS = {
    10_000: Plan(10_000, 10_000, 11, 2_000, 1_000, 40, 40),
    100_000: Plan(100_000, 20_000, 2, 2_000, 400, 40, 20),
}
QUICK = {10_000: Plan(10_000, 2_000, 3, 300, 200, 10, 10)}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.location", description=__doc__)
    parser.add_argument("--quick", action="store_true", help="10k members, few queries (smoke)")
    parser.add_argument("--out", type=Path, default=RESULTS)
    args = parser.parse_args(argv)
    plans = QUICK if args.quick else PLANS

    started = time.perf_counter()
    report: dict[str, Any] = {"machine": _machine(), "skipped": {}, "sizes": {}}
    with contextlib.ExitStack() as stack:
        factories: dict[str, Callable[[], System]] = {}
        for name, start, system in (
            ("redis", servers.redis_server, RedisGeo),
            ("tile38", servers.tile38_server, Tile38),
        ):
            try:
                server = stack.enter_context(start())
                client = system(server)
            except (servers.ServerUnavailable, ImportError) as unavailable:
                report["skipped"][name] = str(unavailable)
                print(f"{name}: skipped: {unavailable}", file=sys.stderr)
                continue
            factories[name] = lambda client=client: client
        for members, plan in plans.items():
            print(f"-- {members:,} members", file=sys.stderr)
            results = run_size(plan, factories)
            report["sizes"][str(members)] = {"plan": asdict(plan), "results": results}
            print(render_table(members, results))
    report["elapsed_s"] = round(time.perf_counter() - started, 1)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(report, indent=2) + "\n")
    for name, reason in report["skipped"].items():
        print(f"{name} skipped: {reason}")
    print(f"written {args.out} in {report['elapsed_s']} s")
    return 0


def run_size(plan: Plan, factories: dict[str, Callable[[], System]]) -> dict[str, dict[str, Any]]:
    city = City.build(plan.members, seed=plan.members)
    initial = city.initial_fixes()
    stream = _concat([city.tick() for _ in range(plan.ticks)])
    truth = Truth(city)
    points = city.query_points(plan.knn_queries)
    polygons = {area: city.polygons(area, plan.polygons) for area in POLYGON_AREAS_KM2}

    systems: dict[str, System] = {"ours": Ours(now=city.now)}
    systems.update({name: make() for name, make in factories.items()})
    results: dict[str, dict[str, Any]] = {}
    for name, system in systems.items():
        print(f"   {name}", file=sys.stderr)
        server = name != "ours"
        results[name] = measure(
            system,
            city,
            truth,
            initial,
            stream,
            plan,
            points[: plan.knn_queries_servers] if server else points,
            {a: p[: plan.polygons_servers] if server else p for a, p in polygons.items()},
        )
        system.reset()
    return results


def measure(
    system: System,
    city: City,
    truth: Truth,
    initial: FixBatch,
    stream: FixBatch,
    plan: Plan,
    points: np.ndarray,
    polygons: dict[float, list[Any]],
) -> dict[str, Any]:
    ids = city.ids
    out: dict[str, Any] = {}
    system.reset()
    memory_before = system.memory_bytes()
    system.write(ids, initial, batch=REBUILD_BATCH)

    with _timer() as elapsed:
        system.write(ids, stream.slice(0, plan.batch1_fixes), batch=1)
    out["ingest_batch1_fixes_per_s"] = plan.batch1_fixes / elapsed()
    rest = stream.slice(plan.batch1_fixes, len(stream))
    with _timer() as elapsed:
        system.write(ids, rest, batch=100)
    out["ingest_batch100_fixes_per_s"] = len(rest) / elapsed()
    out["memory_bytes_per_member"] = (system.memory_bytes() - memory_before) / plan.members

    latencies, answers = _timed(
        lambda p: system.nearest(p[0], p[1], k=KNN_K, radius_m=KNN_RADIUS_M), points.tolist()
    )
    out["knn_p50_us"], out["knn_p99_us"] = _percentiles(latencies, 1e6)
    out["knn_qps"] = len(latencies) / float(np.sum(latencies))
    wrong = sum(
        truth.knn_is_wrong(answer, truth.knn_distances(*point), k=KNN_K, radius_m=KNN_RADIUS_M)
        for point, answer in zip(points.tolist(), answers, strict=True)
    )
    out["knn_queries"], out["knn_wrong"] = len(points), wrong

    wrong_polygons = edge = queries = 0
    for area, shapes in polygons.items():
        latencies, answers = _timed(system.within_polygon, shapes)
        p50, p99 = _percentiles(latencies, 1e3)
        out[f"polygon_{area:g}km2_p50_ms"], out[f"polygon_{area:g}km2_p99_ms"] = p50, p99
        out[f"polygon_{area:g}km2_mean_members"] = float(np.mean([len(a) for a in answers]))
        for shape, answer in zip(shapes, answers, strict=True):
            bad, near_edge = truth.polygon_differences(shape, answer, truth.polygon_members(shape))
            wrong_polygons += bad > 0
            edge += near_edge
            queries += 1
    out["polygon_queries"], out["polygon_wrong"] = queries, wrong_polygons
    out["polygon_edge_differences"] = edge

    system.reset()
    latest = FixBatch(
        np.arange(plan.members), truth.lats, truth.lons, np.full(plan.members, city.now)
    )
    with _timer() as elapsed:
        system.write(ids, latest, batch=REBUILD_BATCH)
    out["rebuild_ms"] = elapsed() * 1e3
    recheck = points[:50].tolist()
    out["knn_wrong_after_rebuild"] = sum(
        truth.knn_is_wrong(
            system.nearest(p[0], p[1], k=KNN_K, radius_m=KNN_RADIUS_M),
            truth.knn_distances(*p),
            k=KNN_K,
            radius_m=KNN_RADIUS_M,
        )
        for p in recheck
    )
    return out


# (label, key, higher is better, number format)
ROWS: list[tuple[str, str, bool, str]] = [
    ("ingest batch 1 (fixes/s)", "ingest_batch1_fixes_per_s", True, "{:,.0f}"),
    ("ingest batch 100 (fixes/s)", "ingest_batch100_fixes_per_s", True, "{:,.0f}"),
    ("K=10 nearest p50 (µs)", "knn_p50_us", False, "{:,.0f}"),
    ("K=10 nearest p99 (µs)", "knn_p99_us", False, "{:,.0f}"),
    ("K=10 nearest (queries/s)", "knn_qps", True, "{:,.0f}"),
    *[
        row
        for area in POLYGON_AREAS_KM2
        for row in (
            (f"polygon {area:g} km² p50 (ms)", f"polygon_{area:g}km2_p50_ms", False, "{:,.2f}"),
            (f"polygon {area:g} km² p99 (ms)", f"polygon_{area:g}km2_p99_ms", False, "{:,.2f}"),
        )
    ],
    ("memory per member (bytes)", "memory_bytes_per_member", False, "{:,.0f}"),
    ("rebuild, all latest positions (ms)", "rebuild_ms", False, "{:,.0f}"),
]


def render_table(members: int, results: dict[str, dict[str, Any]]) -> str:
    names = list(results)
    others = [n for n in names if n != "ours"]
    header = ["", *names, *[f"ours vs {n}" for n in others]]
    lines = [header]
    for label, key, higher_better, fmt in ROWS:
        row = [label, *[fmt.format(results[n][key]) for n in names]]
        for other in others:
            ours, theirs = results["ours"][key], results[other][key]
            better = ours / theirs if higher_better else theirs / ours
            row.append(f"{better:,.1f}× {'better' if better >= 1 else 'worse'}")
        lines.append(row)
    lines.append(
        [
            "wrong answers (knn / polygon / edge)",
            *[
                f"{r['knn_wrong']}/{r['knn_queries']} · {r['polygon_wrong']}/"
                f"{r['polygon_queries']} · {r['polygon_edge_differences']}"
                for r in results.values()
            ],
            *["" for _ in others],
        ]
    )
    widths = [max(len(row[i]) for row in lines) for i in range(len(header))]
    rendered = [f"\n{members:,} on-duty members"]
    for i, row in enumerate(lines):
        cells = [row[0].ljust(widths[0])] + [
            c.rjust(w) for c, w in zip(row[1:], widths[1:], strict=True)
        ]
        rendered.append("| " + " | ".join(cells) + " |")
        if i == 0:
            rendered.append("|" + "|".join("-" * (w + 2) for w in widths) + "|")
    return "\n".join(rendered)


def _timed(call: Callable[[Any], Any], items: list[Any]) -> tuple[np.ndarray, list[Any]]:
    latencies = np.empty(len(items))
    answers = []
    clock = time.perf_counter
    for i, item in enumerate(items):
        start = clock()
        answers.append(call(item))
        latencies[i] = clock() - start
    return latencies, answers


def _percentiles(latencies: np.ndarray, scale: float) -> tuple[float, float]:
    p50, p99 = np.percentile(latencies, [50, 99]) * scale
    return float(p50), float(p99)


@contextlib.contextmanager
def _timer() -> Iterator[Callable[[], float]]:
    start = time.perf_counter()
    end: list[float] = []
    yield lambda: (end[0] if end else time.perf_counter()) - start
    end.append(time.perf_counter())


def _concat(batches: list[FixBatch]) -> FixBatch:
    return FixBatch(
        np.concatenate([b.members for b in batches]),
        np.concatenate([b.lats for b in batches]),
        np.concatenate([b.lons for b in batches]),
        np.concatenate([b.ts for b in batches]),
    )


def _machine() -> dict[str, Any]:
    return {
        "python": platform.python_version(),
        "numpy": np.__version__,
        "cpus": os.cpu_count(),
        "platform": platform.platform(),
    }


if __name__ == "__main__":
    raise SystemExit(main())
