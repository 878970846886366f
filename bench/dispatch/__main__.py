"""``python -m bench.dispatch``: the moment that matters — ``POST /tasks`` → the offer on the
offered member's push stream — and the claim race, embedded and in cluster mode.

For each deployment and each count of on-duty members, tasks are dispatched one at a time
(``nearest``, count 1) at the spot of one of a few dozen real members, each with an open stream;
the clock runs from just before the POST to the ``shouwang.task.offered`` frame naming that task
on that member's stream. Then all real members claim one capacity-3 task at once, several times.
Meanwhile the on-duty members (real ones too, registered and on duty through the gateway) keep
sending their fixes through ``POST /location`` from processes of their own at the city's rate, a
fix every 5 s each (``bench.dispatch.phones``); the rate achieved is reported beside each window.
Prints a table and writes bench/results/dispatch.json. Targets are reported, never asserted.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import platform
import random
import signal
import subprocess
import sys
import threading
import time
import traceback
import urllib.request
from collections.abc import Callable, Iterator
from dataclasses import asdict, dataclass, replace
from pathlib import Path
from typing import Any

import numpy as np

from bench import cpu_shares, markdown
from bench.cluster import add_store_argument
from bench.dispatch import store_load, systems
from bench.dispatch.phones import FIX_EVERY_S, SENDERS, Phones, phones
from bench.dispatch.population import (
    CITY_KM,
    RealMember,
    admin_token,
    eligible,
    enlist,
    refresh_real,
    renew_tokens,
    spot_in_square,
    wait_until_eligible,
)
from bench.dispatch.positions import Positions, positions
from bench.dispatch.streams import OfferStream
from bench.dispatch.workload import (
    RACE_CAPACITY,
    Client,
    RaceSamples,
    measure_claim_race,
    measure_dispatch,
)
from shouwang.location.v1.location_pb2_grpc import LocationServiceStub
from shouwang.rpc import connect
from tests.support.api import Api

RESULTS = Path(__file__).resolve().parents[1] / "results" / "dispatch.json"
TARGET_P99_MS = {"embedded": 50.0, "cluster": 300.0}  # issue #19
# Location counts a fix for dispatch for 2 minutes. The real members stand still at their spots
# and send a fix between two tasks once a minute (the phones' fixes keep arriving meanwhile).
REAL_FIX_EVERY_S = 60.0
# A claim race with its task's setup and cancel, in cluster mode on 2 cores (2026-12-03: 1.7 s):
# how long the store's profile of the races runs.
RACE_WINDOW_S = 1.7
# Access tokens live 15 minutes and a push stream ends with its token: log in again well before.
RENEW_TOKENS_AFTER_S = 600.0
CLUSTER_10K_SKIPPED = (
    "not run by default: in cluster mode registering the phones through identity on FerretDB "
    "and putting the members beyond them on duty (StartDuty, each waiting on FerretDB writes "
    "and Kafka acks) take most of the run on 2 shared cores (2026-12-04: 100 phones in 113 s, "
    "9,900 more on duty in 174 s, the whole run 7.5 min with --phones 100); run with "
    "--cluster-10k to measure it"
)


@dataclass(frozen=True)
class Plan:
    sizes: dict[str, tuple[int, ...]]  # on-duty background members, per mode
    real_members: int  # registered, each with an open stream; all of them race
    phones: int  # on-duty members registered, on duty and sending through the gateway; the rest
    # are positions in location (bench.dispatch.positions) and the phones send the fixes of all
    warmup: int
    tasks: int
    races: int
    # Untimed first: the first race pays once for what every later one finds ready (the store
    # creating the claims' collections, the services' first claim), as dispatch has its warm-up.
    race_warmup: int = 1
    phone_senders: int = SENDERS  # threads posting per phone process (bench.dispatch.phones)


FULL = Plan(
    sizes={"embedded": (1_000, 10_000), "cluster": (1_000,)},
    real_members=48,
    phones=1_000,
    warmup=40,
    tasks=500,
    races=10,
)
QUICK = Plan(
    sizes={"embedded": (1_000,), "cluster": (1_000,)},
    real_members=16,
    phones=1_000,
    warmup=10,
    tasks=50,
    races=3,
)
DEPLOYMENTS: dict[str, Callable[..., contextlib.AbstractContextManager[systems.Deployment]]] = {
    "embedded": systems.embedded,
    "cluster": systems.cluster,
}


def _deployment_name(result: dict[str, Any]) -> str:
    name = result["mode"]
    if result.get("store") == "postgresql":
        name += " (FerretDB on PostgreSQL)"
    if result["mode"] == "cluster" and not result.get("database_per_service", False):
        name += " (one database)"
    return name


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.dispatch", description=__doc__)
    parser.add_argument("--quick", action="store_true", help="1k members, 50 tasks (smoke)")
    parser.add_argument("--mode", choices=sorted(DEPLOYMENTS), action="append")
    parser.add_argument("--cluster-10k", action="store_true", help="also 10k in cluster mode")
    parser.add_argument(
        "--phones",
        type=int,
        help="registered members sending through the gateway (default 1,000); the others on "
        "duty are positions in location, and the phones send the fixes of all",
    )
    parser.add_argument(
        "--profile",
        type=Path,
        help="py-spy --gil of the all-in-one during its largest size's timed dispatches (.svg; "
        "any other suffix: collapsed stacks), and of its claim races beside it (NAME-races.svg); "
        "in cluster mode Go's CPU profile of FerretDB during the claim races "
        "(NAME-races-ferretdb.pb.gz, and its top functions in NAME-races-ferretdb.txt)",
    )
    parser.add_argument(
        "--races",
        type=int,
        help="claim races per size (default 10): each has 3 winners, so the winners' p99 of 10 "
        "is their slowest of 30",
    )
    parser.add_argument(
        "--embedded-sizes",
        type=_sizes,
        help="members on duty in embedded mode (default 1000,10000)",
    )
    parser.add_argument(
        "--cluster-sizes",
        type=_sizes,
        help="members on duty in cluster mode (default 1000; with --cluster-10k 1000,10000)",
    )
    add_store_argument(parser)
    parser.add_argument(
        "--shared-database",
        action="store_true",
        help="cluster mode: every service in one database, as before MONGODB_DATABASE_PER_SERVICE "
        "(default: a database each, one SQLite file each in FerretDB)",
    )
    parser.add_argument(
        "--phone-senders",
        type=_positive,
        help=f"threads posting fixes per phone process (default {SENDERS}); each waits for its "
        "reply, so a slow gateway needs more of them to keep the city's rate",
    )
    parser.add_argument("--out", type=Path, default=RESULTS)
    args = parser.parse_args(argv)
    plan = QUICK if args.quick else FULL
    skipped: dict[str, str] = {}
    if args.phones:
        plan = replace(plan, phones=args.phones)
    if args.races is not None:
        plan = replace(plan, races=args.races)
    if args.phone_senders:
        plan = replace(plan, phone_senders=args.phone_senders)
    if args.embedded_sizes:
        plan = replace(plan, sizes={**plan.sizes, "embedded": args.embedded_sizes})
    if args.cluster_sizes:
        plan = replace(plan, sizes={**plan.sizes, "cluster": args.cluster_sizes})
    elif args.cluster_10k:
        plan = replace(plan, sizes={**plan.sizes, "cluster": (*plan.sizes["cluster"], 10_000)})
    if max(plan.sizes["cluster"]) < 10_000 and not args.quick:
        skipped["cluster, 10,000 members"] = CLUSTER_10K_SKIPPED

    started = time.perf_counter()
    report: dict[str, Any] = {
        "machine": _machine(),
        "plan": asdict(plan),
        "results": [],
        "skipped": skipped,
    }
    for mode in args.mode or list(DEPLOYMENTS):
        _log(f"-- {mode}")
        try:
            options: dict[str, Any] = {}
            if mode == "cluster":
                options = {"store": args.store, "database_per_service": not args.shared_database}
            with DEPLOYMENTS[mode](**options) as deployment:
                run_deployment(
                    deployment,
                    plan,
                    report["results"],
                    lambda: _save(report, args.out),
                    args.profile,
                )
        except Exception as error:  # report what the other mode measured, and why this one stopped
            traceback.print_exc()
            skipped[f"{mode} (failed)"] = f"{type(error).__name__}: {error}"
    report["elapsed_s"] = round(time.perf_counter() - started, 1)
    print(render_table(report["results"]))
    for what, reason in skipped.items():
        print(f"{what}: {reason}")
    _save(report, args.out)
    print(f"written {args.out} in {report['elapsed_s']} s")
    return 0


def _sizes(text: str) -> tuple[int, ...]:
    return tuple(sorted(int(n) for n in text.split(",")))  # the fleet only grows


def _positive(text: str) -> int:
    if (number := int(text)) < 1:
        raise argparse.ArgumentTypeError(f"must be at least 1: {text}")
    return number


def _save(report: dict[str, Any], out: Path) -> None:
    """After every row too: a long run that stops later keeps what it measured."""
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(report, indent=2) + "\n")


def run_deployment(
    deployment: systems.Deployment,
    plan: Plan,
    results: list[dict[str, Any]],
    measured: Callable[[], None],
    profile: Path | None = None,
) -> None:
    api = Api(deployment.url)
    admin = admin_token(api)
    phase = time.perf_counter()
    members = enlist(api, admin, plan.real_members)
    _log(f"   {len(members)} real members verified and on duty in {_since(phase)}")
    location = LocationServiceStub(connect(deployment.location_addr, timeout_s=120.0))
    officer = Client(deployment.url, admin)
    try:
        with contextlib.ExitStack() as stack:
            fleet = stack.enter_context(
                phones(deployment.url, deployment.mode, senders=plan.phone_senders)
            )
            kept: list[Positions] = []
            for size in plan.sizes[deployment.mode]:
                phase = time.perf_counter()
                before = fleet.counts()
                fleet.grow_to(min(size, plan.phones))
                _log(
                    f"   {fleet.count:,} members registered, verified, on duty and sending fixes "
                    f"in {_since(phase)} ({_ingest(fleet.counts().since(before))})"
                )
                missing = size - fleet.count - sum(len(k.members) for k in kept)
                if missing > 0:
                    phase = time.perf_counter()
                    rng = random.Random(7 + len(kept))
                    spots = [spot_in_square(rng, CITY_KM) for _ in range(missing)]
                    kept.append(
                        stack.enter_context(
                            positions(deployment.location_addr, deployment.mode, spots)
                        )
                    )
                    kept[-1].put_on_duty()
                    fleet.send_for(size)
                    _log(
                        f"   {missing:,} more on duty in location alone in {_since(phase)}; "
                        f"the {fleet.count:,} phones now send the fixes of {size:,}"
                    )
                # Fresh logins and streams after the (long) enlisting, as phones that reconnected.
                officer.token = admin_token(api)
                renew_tokens(api, members)
                with _streams(deployment.url, members) as streams:
                    profiled = profile if size == max(plan.sizes[deployment.mode]) else None
                    results.append(
                        measure_size(
                            deployment,
                            plan,
                            size,
                            api,
                            officer,
                            members,
                            streams,
                            fleet,
                            location,
                            kept,
                            profiled,
                        )
                    )
                measured()
                _log(render_table(results[-1:]))
    finally:
        officer.close()


def measure_size(
    deployment: systems.Deployment,
    plan: Plan,
    size: int,
    api: Api,
    officer: Client,
    members: list[RealMember],
    streams: dict[str, OfferStream],
    fleet: Phones,
    location: LocationServiceStub,
    kept: list[Positions],
    profile: Path | None = None,
) -> dict[str, Any]:
    tokens_at = time.monotonic()
    real_fix_at = 0.0

    def keep_fresh(*, real_too: bool = False) -> None:
        """Between two tasks, never inside a timed one: the real members' fixes older than 2 min
        do not count, nor do expired tokens (the phones renew theirs by themselves)."""
        nonlocal tokens_at, real_fix_at
        fleet.check()
        for group in kept:
            group.check()
        if time.monotonic() - tokens_at >= RENEW_TOKENS_AFTER_S:
            phase = time.perf_counter()
            officer.token = admin_token(api)
            renew_tokens(api, members)
            for member in members:  # as a phone does: reconnect with the new token
                streams[member.member_id].close()
                streams[member.member_id] = OfferStream(deployment.url, member.token)
            tokens_at = time.monotonic()
            _log(f"   tokens renewed and streams reopened in {_since(phase)}")
        if real_too or time.monotonic() - real_fix_at >= REAL_FIX_EVERY_S:
            refresh_real(api, members)
            real_fix_at = time.monotonic()
            if real_too:
                wait_until_eligible(location, members)

    keep_fresh(real_too=True)
    measure_dispatch(officer, members, streams, tasks=plan.warmup, before_each=keep_fresh)
    phase = time.perf_counter()
    fleet.reset_lateness()
    before, kept_before = fleet.counts(), _kept_fixes(kept)
    cpu_before = cpu_shares.snapshot()
    store_before = store_load.scrape(deployment.metrics_urls)
    with _profiled(deployment.pid, profile):
        dispatch = measure_dispatch(
            officer, members, streams, tasks=plan.tasks, before_each=keep_fresh
        )
    cores = cpu_shares.cores_used(cpu_before, cpu_shares.snapshot())
    store_after = store_load.scrape(deployment.metrics_urls)
    store_use = store_load.per_task(store_before, store_after, plan.tasks)
    events_use = store_load.events_per_task(store_before, store_after, plan.tasks)
    ingest_dispatch = fleet.counts().since(before)
    ingest_dispatch["grpc_positions_fixes_per_s"] = round(
        (_kept_fixes(kept) - kept_before) / ingest_dispatch["seconds"], 1
    )
    load = os.getloadavg()
    _log(f"   {plan.tasks} dispatches in {_since(phase)} ({_ingest(ingest_dispatch)})")
    _log("   cores used meanwhile: " + ", ".join(f"{g} {c:.2f}" for g, c in cores.items()))
    for row in store_use[:12]:
        _log(f"   store per task: {row}")
    for row in events_use[:12]:
        _log(f"   events per task: {row}")
    phase = time.perf_counter()
    fleet.reset_lateness()
    before = fleet.counts()
    race, warm_race, race_failed = RaceSamples(), RaceSamples(), ""
    store_before_races = store_load.scrape(deployment.metrics_urls)
    races_profile = profile.with_stem(f"{profile.stem}-races") if profile else None
    try:
        keep_fresh(real_too=True)
        with (
            _profiled(deployment.pid, races_profile),
            _store_profiled(
                deployment.store_pprof_url, races_profile, seconds=plan.races * RACE_WINDOW_S
            ),
        ):
            for races, samples in ((plan.race_warmup, warm_race), (plan.races, race)):
                measure_claim_race(
                    deployment.url,
                    officer,
                    members,
                    races=races,
                    wait_until_free=lambda: wait_until_eligible(location, members),
                    ineligible=lambda ids: [
                        m.member_id
                        for m in members
                        if m.member_id in ids and not eligible(location, m)
                    ],
                    streams=streams,
                    samples=samples,
                )
    # A 503 on a machine busy with other work, or the real members' fixes stuck behind a backlog
    # (wait_for's AssertionError): keep the dispatch figures of the row.
    except (RuntimeError, AssertionError) as error:
        race_failed = str(error)
        _log(f"   claim races stopped: {error}")
    ingest_race = fleet.counts().since(before)
    warm_ms = ", ".join(f"{ms:.0f}" for ms in warm_race.winner_ms)
    _log(f"   warm-up race: winners told in {warm_ms} ms (not counted below)")
    shown = _summary(race.offers_shown_ms)
    _log(
        f"   {race.races} claim races in {_since(phase)} ({_ingest(ingest_race)}); each began "
        f"once the offer was on all {race.contenders} streams (p50 {shown['p50']} ms after the "
        f"task's creation was answered)"
    )
    for refusal in race.refused_setups:
        _log(f"   a race task refused someone location had just called eligible: {refusal}")
    race_cpu = _per_race(race)
    store_races = store_load.per_task(
        store_before_races,
        store_load.scrape(deployment.metrics_urls),
        max(race.races + warm_race.races, 1),
    )
    for row in store_races[:12]:
        _log(f"   store per race (incl. its setup and cancel): {row}")
    _log(
        f"   a race: {race_cpu['wall_ms']:.0f} ms from the claims sent to the last answer, CPU "
        + ", ".join(f"{g} {ms:.0f} ms" for g, ms in race_cpu["cpu_ms"].items())
    )
    offer = _summary(dispatch.offer_ms)
    on_duty = fleet.counts().enlisted + sum(len(group.members) for group in kept)
    return {
        "mode": deployment.mode,
        "store": deployment.store if deployment.mode == "cluster" else "sqlite (embedded)",
        "database_per_service": deployment.database_per_service,
        "members_on_duty": on_duty + len(members),
        "members_left_out": size - on_duty,  # their enlisting failed on a busy server
        "phones": fleet.count,  # the rest are positions in location (bench.dispatch.positions)
        "load_average": [round(x, 1) for x in load],  # 1, 5, 15 min, as dispatch ended
        "dispatch_to_offer_ms": offer,
        "post_ms": _summary(dispatch.post_ms),
        "offers_missed": dispatch.missed,
        "offered_to_someone_else": dispatch.wrong_member,
        "ingest_target_fixes_per_s": round(size / FIX_EVERY_S, 1),
        "ingest_during_dispatch": ingest_dispatch,
        "cores_used_during_dispatch": cores,  # bench.cpu_shares: by process group, and idle
        # cluster: the store's busiest commands, per task, whatever asked for them meanwhile
        "store_commands_during_dispatch": store_use,
        # cluster: events published by topic and handled by group, per task (the fixes included)
        "events_during_dispatch": events_use,
        "ingest_during_claim_races": ingest_race,
        "claim_ms": _summary(race.claim_ms),
        "claim_winner_ms": _summary(race.winner_ms),
        "claim_winner_ms_by_race": race.winner_ms_by_race,
        "claim_races": race.races,
        "claim_warmup_races": warm_race.races,  # before the measured ones, not in their figures
        "claim_warmup_winner_ms": warm_race.winner_ms,
        "claim_contenders": race.contenders,
        # the claims go once every contender's stream has the offer: from the POST's reply
        "claim_offers_shown_ms": _summary(race.offers_shown_ms),
        "claim_races_with_exactly_3_winners": race.exactly_capacity_won,
        "claim_statuses": {str(k): v for k, v in sorted(race.statuses.items())},
        "claim_races_failed": race_failed,
        "claim_race_setups_refused": race.refused_setups,
        "claim_race_cost": race_cpu,  # a race's mean wall time and CPU by process group
        # cluster: the store's busiest commands per race, its task's setup and cancel included
        "store_commands_per_claim_race": store_races,
        "target_p99_ms": TARGET_P99_MS[deployment.mode],
        "target_met": offer["p99"] <= TARGET_P99_MS[deployment.mode],
    }


def _per_race(race: RaceSamples) -> dict[str, Any]:
    """A race's mean wall time and CPU milliseconds by process group (bench.cpu_shares)."""
    races = max(race.races, 1)
    cpu_ms = {group: round(s * 1000 / races, 1) for group, s in race.cpu_s.items()}
    return {
        "wall_ms": round(race.racing_s * 1000 / races, 1),
        "cpu_ms": {"all": round(sum(cpu_ms.values()), 1), **cpu_ms},
    }


def render_table(results: list[dict[str, Any]]) -> str:
    header = [
        "mode",
        "on duty",
        "dispatch→offer p50 / p99 (ms)",
        "POST /tasks p50 / p99 (ms)",
        "claim race p50 / p99 (ms)",
        "winners told p50 / p99 (ms)",
        f"exactly {RACE_CAPACITY} won",
        "fixes/s through the gateway during dispatch (target), errors",
        "load avg",
        "p99 target",
    ]
    rows = []
    for r in results:
        offer, post, claim = r["dispatch_to_offer_ms"], r["post_ms"], r["claim_ms"]
        winners, ingest = r["claim_winner_ms"], r["ingest_during_dispatch"]
        target = f"≤ {r['target_p99_ms']:.0f} ms: {'met' if r['target_met'] else 'NOT met'}"
        misses = r["offers_missed"] + r["offered_to_someone_else"]
        rows.append(
            [
                _deployment_name(r),
                f"{r['members_on_duty']:,}",
                f"{offer['p50']:.1f} / {offer['p99']:.1f}"
                + (f" ({misses} missed)" if misses else ""),
                f"{post['p50']:.1f} / {post['p99']:.1f}",
                f"{claim['p50']:.1f} / {claim['p99']:.1f}",
                f"{winners['p50']:.1f} / {winners['p99']:.1f}",
                f"{r['claim_races_with_exactly_3_winners']}/{r['claim_races']} races",
                f"{ingest['fixes_per_s']:,.0f}"
                + (f" + {grpc:,.0f} gRPC" if (grpc := ingest["grpc_positions_fixes_per_s"]) else "")
                + f" ({r['ingest_target_fixes_per_s']:,.0f}), {ingest['errors']}",
                " ".join(f"{x:.1f}" for x in r["load_average"]),
                target,
            ]
        )
    return markdown.table(header, rows)


@contextlib.contextmanager
def _streams(url: str, members: list[RealMember]) -> Iterator[dict[str, OfferStream]]:
    streams: dict[str, OfferStream] = {}
    try:
        for member in members:
            streams[member.member_id] = OfferStream(url, member.token)
        yield streams
    finally:
        for stream in streams.values():
            stream.close()


@contextlib.contextmanager
def _profiled(pid: int, out: Path | None) -> Iterator[None]:
    """py-spy (``--gil``: the thread holding the GIL, 100 samples/s) of process ``pid`` (0: the
    cluster, nothing)."""
    if out is None or not pid:
        yield
        return
    out.parent.mkdir(parents=True, exist_ok=True)
    spy_format = "flamegraph" if out.suffix == ".svg" else "raw"
    py_spy = str(Path(sys.executable).with_name("py-spy"))
    spy = subprocess.Popen(
        [py_spy, "record", "--gil", "-r", "100", "-p", str(pid), "-o", str(out), "-f", spy_format],
        stdout=subprocess.DEVNULL,
    )
    try:
        yield
    finally:
        spy.send_signal(signal.SIGINT)  # py-spy writes its output on SIGINT
        spy.wait(60)
        _log(f"   profile written to {out}")


@contextlib.contextmanager
def _store_profiled(pprof_url: str, out: Path | None, *, seconds: float) -> Iterator[None]:
    """Go's CPU profile of FerretDB (``pprof_url``; empty: the all-in-one, nothing) for the first
    ``seconds`` of the block — Go's profiler runs for a duration given up front — saved beside
    ``out`` with its top functions as text (``go tool pprof``)."""
    if out is None or not pprof_url:
        yield
        return
    saved = out.with_name(f"{out.stem}-ferretdb.pb.gz")
    url = f"{pprof_url}/profile?seconds={max(1, round(seconds))}"
    fetch = threading.Thread(target=urllib.request.urlretrieve, args=(url, saved), daemon=True)
    fetch.start()
    try:
        yield
    finally:
        fetch.join(seconds + 30)
        if saved.exists():
            top = subprocess.run(
                ["go", "tool", "pprof", "-top", "-nodecount=60", str(saved)],
                capture_output=True,
                text=True,
            )
            saved.with_suffix("").with_suffix(".txt").write_text(top.stdout + top.stderr)
            _log(f"   FerretDB's profile of {seconds:.0f} s written to {saved} (top: .txt)")
        else:
            _log(f"   FerretDB's profile was not written: {url} did not answer in time")


def _summary(samples_ms: list[float]) -> dict[str, float]:
    if not samples_ms:
        return {"n": 0, "p50": float("nan"), "p90": float("nan"), "p99": float("nan")}
    values = np.asarray(samples_ms)
    p50, p90, p99 = np.percentile(values, [50, 90, 99])
    return {
        "n": len(values),
        "p50": round(float(p50), 2),
        "p90": round(float(p90), 2),
        "p99": round(float(p99), 2),
        "max": round(float(values.max()), 2),
        "mean": round(float(values.mean()), 2),
    }


def _kept_fixes(kept: list[Positions]) -> int:
    return sum(group.fixes_sent()[0] for group in kept)


def _ingest(window: dict[str, Any]) -> str:
    return (
        f"phones sent {window['fixes_per_s']:,.0f} fixes/s in {window['requests_per_s']:.0f} "
        f"requests/s, mean {window['request_mean_ms']:.0f} ms, {window['errors']} errors, "
        f"at most {window['max_behind_schedule_s']:.1f} s behind schedule"
    )


def _since(started: float) -> str:
    return f"{time.perf_counter() - started:.1f} s"


def _log(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def _machine() -> dict[str, Any]:
    return {
        "python": platform.python_version(),
        "cpus": os.cpu_count(),
        "platform": platform.platform(),
        "cpu_idle": _cpu_idle(),
    }


def _cpu_idle() -> dict[str, str]:
    """How idle CPUs wait: the claim race is a chain of thread hand-overs, each waking a thread
    on a CPU that may be idle, so on a VM whose idle CPUs halt without polling first
    (haltpoll's ``guest_halt_poll_ns`` 0) its latency depends on this as much as on the code."""
    found = {}
    for name, path in (
        ("driver", "/sys/devices/system/cpu/cpuidle/current_driver"),
        ("governor", "/sys/devices/system/cpu/cpuidle/current_governor_ro"),
        ("guest_halt_poll_ns", "/sys/module/haltpoll/parameters/guest_halt_poll_ns"),
    ):
        with contextlib.suppress(OSError):
            found[name] = Path(path).read_text().strip()
    return found


if __name__ == "__main__":
    raise SystemExit(main())
