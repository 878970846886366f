"""Events/s one replica of each consumer group handles: a backlog produced to the real broker
while the consuming process is stopped, then the process started and its drain timed.

The rate is read from the process's own ``shouwang_events_handled_total`` between the first poll
that saw it handle something and the poll that saw the backlog done (start-up is not counted),
together with its CPU seconds over the same interval, so the figure is what the consumer does
once running. A drain that is not done after ``cap_s`` is timed over what it did by then.
"""

from __future__ import annotations

import os
import socket
import sys
import threading
import time
from collections.abc import Sequence
from dataclasses import dataclass

from kafka import KafkaConsumer, KafkaProducer, OffsetAndMetadata, TopicPartition
from kafka.errors import KafkaError

from bench.capacity import backlogs, probe
from bench.capacity.population import OnDuty
from services.location.live_view import INTERNAL_TOPIC
from shouwang.events import Event, WireMessage, encode
from tests.support.cluster import Cluster, ServiceProcess
from tests.support.processes import children
from tests.support.servers import free_port


@dataclass(frozen=True)
class Group:
    """A consumer group as the benchmark reports it."""

    label: str  # what the table calls it
    service: str  # the process that runs it
    topic: str
    group: str  # its name, or the prefix of a per-replica name
    per_replica: bool = False  # a new name each start (reads the topic from its beginning)


LIVE_GROUP = f"location-live-{socket.gethostname()}"  # LOCATION_REPLICA_ID unset: the host name
LOCATION_LIVE = Group("location: live view", "location", INTERNAL_TOPIC, LIVE_GROUP)
LOCATION_TRACKS = Group("location: track keeper", "location", INTERNAL_TOPIC, "location-tracks")
TRAINING = Group(
    "training: hotspot presence counter", "training", backlogs.LOCATION_TOPIC, "training-presence"
)
BRIDGE = Group("bridge (one bureau)", "bridge", backlogs.LOCATION_TOPIC, "bridge-bench")
POINTS = Group("points: task awards", "points", backlogs.TASKS_TOPIC, "points-tasks")
COMMS = Group("comms: task groups", "comms", backlogs.TASKS_TOPIC, "comms-task-groups")
GATEWAY = Group(
    "gateway: push hub", "gateway", backlogs.TASKS_TOPIC, "gateway-push-", per_replica=True
)
# Positions are read from the latest offset (a new replica does not replay old ones), so this
# one is driven live: the gateway runs and caught up, then a burst is produced faster than it
# reads, and its handling of the burst is timed.
GATEWAY_POSITIONS = Group(
    "gateway: push hub, positions", "gateway", backlogs.LOCATION_TOPIC, "gateway-push-", True
)
# Stopped for the whole part, each started when its turn comes: a drain has the 2 cores to
# itself and the other idle services (tasks, identity) rather than competing consumers.
PAUSED = ("gateway", "points", "comms", "training")

BRIDGE_POLICY = """
[bureau.bench]
topics = ["shouwang.location.v1"]
position_decimals = 2
"""


@dataclass(frozen=True)
class Sizes:
    fix_batches: int
    fixes_per_batch: tuple[int, ...]
    task_lives: int
    position_members: int
    position_minutes: int
    cap_s: float


FULL = Sizes(
    fix_batches=4_000,
    fixes_per_batch=(10, 50),
    task_lives=1_500,
    position_members=1_000,
    position_minutes=5,
    cap_s=60.0,
)
QUICK = Sizes(
    fix_batches=1_000,
    fixes_per_batch=(10,),
    task_lives=200,
    position_members=200,
    position_minutes=2,
    cap_s=20.0,
)


def measure(
    cluster: Cluster, background: OnDuty, sizes: Sizes, *, runs: int, servers: dict[str, int]
) -> list[dict]:
    """Every group, ``runs`` times; ``servers`` are the broker's and FerretDB's pids."""
    bootstrap = cluster["gateway"].env["KAFKA_BOOTSTRAP_SERVERS"]
    _add_bridge(cluster)
    results: list[dict] = []
    timeline = 0  # each backlog's fixes come after the previous backlog's
    try:
        for run in range(1, runs + 1):
            _stop(cluster, (*PAUSED, "bridge"))
            _log(f"   consumers, run {run}")
            spots = {m: (s.lat, s.lon) for m, s in background.members.items()}
            for per_batch in sizes.fixes_per_batch:
                batches = backlogs.fix_batches(
                    spots, batches=sizes.fix_batches, fixes_per_batch=per_batch, start_ms=timeline
                )
                timeline = max(int(b.data.columns.ts_ms[-1]) for b in batches) + 5_000
                groups = [LOCATION_LIVE, LOCATION_TRACKS]
                unit = ("fixes", per_batch)
                results += drain(cluster, bootstrap, groups, batches, sizes, servers, run, unit)
            ids = list(spots)[: sizes.position_members]
            updates = backlogs.position_updates(ids, minutes=sizes.position_minutes)
            _produce(bootstrap, backlogs.LOCATION_TOPIC, updates)
            for group in (TRAINING, BRIDGE):
                results += drain(cluster, bootstrap, [group], [], sizes, servers, run)
            _stop(cluster, ("training", "bridge"))  # idle, but they would read the next burst
            lives = backlogs.task_lives(sizes.task_lives, list(spots))
            _produce(bootstrap, backlogs.TASKS_TOPIC, lives)
            for group in (POINTS, COMMS, GATEWAY):
                results += drain(cluster, bootstrap, [group], [], sizes, servers, run)
            results += drive(cluster, bootstrap, GATEWAY_POSITIONS, updates, sizes, servers, run)
    finally:
        _stop(cluster, ("bridge", "location"))
        del cluster.processes["bridge"]
        # What the track keeper did not store within the caps would go on loading the store
        # (and the parts measured after this one): skip it, as an operator would not.
        _skip_to_end(bootstrap, LOCATION_TRACKS)
        cluster["location"].start()
        cluster["location"].wait_ready(timeout_s=300)
        for name in PAUSED:
            process = cluster[name]
            if process.proc is None or process.proc.poll() is not None:
                process.start()
        for name in PAUSED:
            cluster[name].wait_ready(timeout_s=300)
    return results


def _stop(cluster: Cluster, names: Sequence[str]) -> None:
    for name in names:
        process = cluster[name]
        if process.proc is not None and process.proc.poll() is None:
            process.terminate()


def drain(
    cluster: Cluster,
    bootstrap: str,
    groups: Sequence[Group],
    backlog: Sequence[Event],
    sizes: Sizes,
    servers: dict[str, int],
    run: int,
    unit: tuple[str, int] | None = None,
) -> list[dict]:
    """Stop the groups' process (if running), add ``backlog`` to their topic, start it and time
    each group's drain."""
    service = cluster[groups[0].service]
    _stop(cluster, [service.name])
    if backlog:
        _produce(bootstrap, groups[0].topic, backlog)
    expected = {g.label: _lag(bootstrap, g) for g in groups}
    _log(f"     {groups[0].service}: backlog {expected}")
    service.start()
    return _watch(service, groups, expected, sizes, servers, run, unit)


def drive(
    cluster: Cluster,
    bootstrap: str,
    group: Group,
    burst: Sequence[Event],
    sizes: Sizes,
    servers: dict[str, int],
    run: int,
) -> list[dict]:
    """With the group's process running and caught up, produce ``burst`` and time its handling
    (for a group that reads from the latest offset, to which a backlog means nothing)."""
    service = cluster[group.service]
    service.wait_ready(timeout_s=300)
    samples = probe.counters(service.ops_port)
    before = sum(probe.handled(samples, group.topic, group.group).values())
    messages = [encode(event) for event in burst]  # encoded first: the producer must outrun it
    produced: list[float] = []
    producer = threading.Thread(
        target=lambda: produced.append(_produce_encoded(bootstrap, group.topic, messages))
    )
    producer.start()
    try:
        rows = _watch(
            service,
            [group],
            {group.label: before + len(messages)},
            sizes,
            servers,
            run,
            None,
            floor=before,
        )
    finally:
        producer.join()
    # Handled as fast as it was produced: the figure is a floor, not the consumer's limit.
    rows[0]["producer_s"] = round(produced[0], 2) if produced else None
    rows[0]["producer_bound"] = bool(produced) and rows[0]["seconds"] <= produced[0] + 0.5
    return rows


def _watch(
    service: ServiceProcess,
    groups: Sequence[Group],
    expected: dict[str, float],
    sizes: Sizes,
    servers: dict[str, int],
    run: int,
    unit: tuple[str, int] | None,
    *,
    floor: float = 0.0,
) -> list[dict]:
    """Poll the process's counters until each group has handled ``expected`` events (or for
    ``cap_s`` after it first handled more than ``floor``); one row per group."""
    started = time.monotonic()
    pid = service.proc.pid  # type: ignore[union-attr]
    watched = {"consumer": pid, **servers}
    first: dict[str, tuple[float, float, dict[str, float]]] = {}
    last: dict[str, tuple[float, float, dict[str, float]]] = {}
    load_start = probe.load_average()
    while len(last) < len(groups):
        time.sleep(0.2)
        now = time.monotonic()
        try:
            samples = probe.counters(service.ops_port)
        except OSError:
            samples = None
        if samples is not None:
            cpu = {name: probe.cpu_s(p) for name, p in watched.items()}
            for group in groups:
                if group.label in last:
                    continue
                done = sum(probe.handled(samples, group.topic, group.group).values())
                if done > floor and group.label not in first:
                    first[group.label] = (now, done, cpu)
                capped = group.label in first and now - first[group.label][0] >= sizes.cap_s
                if done >= expected[group.label] or capped:
                    last[group.label] = (now, done, cpu)
                    last_samples = samples
        if now - started > sizes.cap_s + 180:
            raise RuntimeError(f"{service.name} handled nothing in {now - started:.0f} s")
    load_end = probe.load_average()
    rows = []
    for group in groups:
        t0, n0, cpu0 = first[group.label]
        t1, n1, cpu1 = last[group.label]
        seconds = max(t1 - t0, 1e-3)
        outcomes = probe.handled(last_samples, group.topic, group.group)
        handled_not_skipped = outcomes.get("ok", 0) + outcomes.get("retried", 0)
        cpu = {name: round(cpu1[name] - cpu0[name], 2) for name in watched}
        row = {
            "group": group.label,
            "name": group.group + ("<id>" if group.per_replica else ""),
            "topic": group.topic,
            "run": run,
            "backlog": expected[group.label],
            "drained": n1 >= expected[group.label],
            "events_timed": n1 - n0,
            "seconds": round(seconds, 2),
            "events_per_s": round((n1 - n0) / seconds, 1),
            "outcomes": {k: int(v) for k, v in outcomes.items()},
            "handled_share": round(handled_not_skipped / max(1, sum(outcomes.values())), 2),
            "consumer_cpu_ms_per_event": round(cpu["consumer"] * 1000 / max(1, n1 - n0), 3),
            "cpu_s": cpu,
            "load_avg": [load_start, load_end],
        }
        if unit:
            row[f"{unit[0]}_per_event"] = unit[1]
            row[f"{unit[0]}_per_s"] = round(row["events_per_s"] * unit[1], 1)
        rows.append(row)
        _log(
            f"     {group.label}: {row['events_per_s']:,.0f} events/s over {row['events_timed']:,}"
            f" ({'drained' if row['drained'] else 'capped'}), consumer CPU "
            f"{row['consumer_cpu_ms_per_event']} ms/event, load {load_start}-{load_end}"
        )
    return rows


def _lag(bootstrap: str, group: Group) -> int:
    """Records of the topic the group has yet to read (all of them for a new group)."""
    consumer = KafkaConsumer(
        bootstrap_servers=bootstrap,
        group_id=None if group.per_replica else group.group,
        enable_auto_commit=False,
    )
    try:
        partitions = consumer.partitions_for_topic(group.topic) or set()
        ends = consumer.end_offsets([TopicPartition(group.topic, p) for p in partitions])
        return sum(
            end - ((None if group.per_replica else consumer.committed(tp)) or 0)
            for tp, end in ends.items()
        )
    finally:
        consumer.close()


def _skip_to_end(bootstrap: str, group: Group) -> None:
    """Commit the group's offsets at the topic's end (its process stopped)."""
    consumer = KafkaConsumer(
        bootstrap_servers=bootstrap, group_id=group.group, enable_auto_commit=False
    )
    try:
        partitions = [
            TopicPartition(group.topic, p)
            for p in consumer.partitions_for_topic(group.topic) or set()
        ]
        ends = consumer.end_offsets(partitions)
        for attempt in range(20):  # until the stopped member has left the group
            try:
                consumer.commit({tp: OffsetAndMetadata(end, "", -1) for tp, end in ends.items()})
                return
            except KafkaError:
                if attempt == 19:
                    raise
                time.sleep(1.0)
    finally:
        consumer.close()


def _produce(bootstrap: str, topic: str, events: Sequence[Event]) -> None:
    _produce_encoded(bootstrap, topic, [encode(event) for event in events])


def _produce_encoded(bootstrap: str, topic: str, messages: Sequence[WireMessage]) -> float:
    started = time.monotonic()
    producer = KafkaProducer(
        bootstrap_servers=bootstrap, acks="all", linger_ms=20, batch_size=256 * 1024
    )
    try:
        for message in messages:
            producer.send(
                topic, key=message.key, value=message.value, headers=list(message.headers.items())
            )
        producer.flush(timeout=120)
    finally:
        producer.close()
    elapsed = time.monotonic() - started
    _log(f"     produced {len(messages):,} events to {topic} in {elapsed:.1f} s")
    return elapsed


def _add_bridge(cluster: Cluster) -> None:
    """The bureau bridge (not part of start_cluster) with a one-bureau policy, registered in the
    cluster so that it stops with it; started when its drain is measured."""
    log_dir = cluster["gateway"].log_path.parent
    policy = log_dir / "bridge-policy.toml"
    policy.write_text(BRIDGE_POLICY)
    env = {
        key: value
        for key, value in cluster["points"].env.items()
        if key not in ("GRPC_PORT", "OPS_PORT")
    }
    grpc_port, ops_port = free_port(), free_port()
    env.update(
        GRPC_PORT=str(grpc_port),
        OPS_PORT=str(ops_port),
        BRIDGE_POLICY_FILE=str(policy),
        BRIDGE_PSEUDONYM_KEY=env["IDENTITY_PII_KEY"],
    )
    process = ServiceProcess(
        "bridge", env, log_dir / "bridge.log", grpc_port=grpc_port, ops_port=ops_port
    )
    cluster.processes["bridge"] = process


def _log(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def server_pids() -> dict[str, int]:
    """This process's children that are the broker and FerretDB (started by running_cluster)."""
    found = {}
    for pid, cmdline in children(os.getpid()).items():
        if "kafka.Kafka" in cmdline:
            found["kafka"] = pid
        elif "ferretdb" in cmdline:
            found["ferretdb"] = pid
    return found
