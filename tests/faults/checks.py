"""What the fault suite counts after each fault, from the stores and topics themselves: every
acknowledged thing must have happened exactly once. Each function returns a count (0 is the only
passing value) and, where useful, a few examples for the report."""

from __future__ import annotations

import time
from collections import Counter
from dataclasses import dataclass, field

from kafka import KafkaConsumer, TopicPartition
from pymongo.database import Database

from services.location.repository import bucket_fixes
from shouwang.ids import derived_id
from tests.faults.load import Acknowledged, StreamReader

# A due step is leased for 10 s (services/tasks/ports.py) and every replica sweeps the store for
# due steps every 2 s: a step due for longer than this has been dropped, not delayed.
STUCK_AFTER_MS = 30_000


@dataclass
class Counts:
    fixes_lost: int = 0
    offers_twice: int = 0
    claims_beyond_capacity: int = 0
    points_twice: int = 0
    points_never: int = 0
    tasks_stuck: int = 0
    dead_letters: int = 0
    examples: dict[str, list[str]] = field(default_factory=dict)

    def as_dict(self) -> dict[str, int]:
        return {
            "fixes_lost": self.fixes_lost,
            "offers_twice": self.offers_twice,
            "claims_beyond_capacity": self.claims_beyond_capacity,
            "points_twice": self.points_twice,
            "points_never": self.points_never,
            "tasks_stuck": self.tasks_stuck,
            "dead_letters": self.dead_letters,
        }


def fixes_lost(db: Database, acked: Acknowledged) -> tuple[int, list[str]]:
    """Fixes answered 202 that are in no track bucket."""
    lost, examples = 0, []
    for member_id, stamps in acked.fixes.items():
        stored = {
            fix.ts_ms
            for bucket in db["location_tracks"].find({"member_id": member_id})
            for fix in bucket_fixes(bucket)  # packed columns, or sub-documents written before
        }
        missing = stamps - stored
        lost += len(missing)
        examples += [f"{member_id}@{ts}" for ts in sorted(missing)[:3]]
    return lost, examples


def offers_twice(readers: list[StreamReader], task_ids: set[str]) -> tuple[int, list[str]]:
    """Offers of one task that reached one member's stream more than once."""
    twice, examples = 0, []
    for reader in readers:
        for task_id, times in reader.offered_counts().items():
            if task_id in task_ids and times > 1:
                twice += times - 1
                examples.append(f"{task_id} x{times} to {reader.member.member_id}")
    return twice, examples


def claims_beyond_capacity(db: Database, acked: Acknowledged) -> tuple[int, list[str]]:
    """Claims answered 200, or held by the task, beyond the task's capacity."""
    beyond, examples = 0, []
    for task in acked.tasks.values():
        held = db["task_claim_slots"].count_documents({"task_id": task.task_id})
        excess = max(len(task.claims_ok), held) - task.capacity
        if excess > 0:
            beyond += excess
            examples.append(f"{task.task_id}: {len(task.claims_ok)} ok, {held} held")
    return beyond, examples


def points(db: Database, acked: Acknowledged) -> tuple[int, int, list[str]]:
    """(credited twice, never credited) for the closed tasks' claimants and approved reports."""
    expected = {
        (member_id, task.task_id, "task_closed")
        for task in acked.tasks.values()
        if task.closed
        for member_id in task.claimants
    } | {
        (member_id, report_id, "report_approved")
        for report_id, member_id in acked.approved_reports.items()
    }
    refs = sorted({ref for _, ref, _ in expected})
    entries = Counter(
        (entry["member_id"], entry["ref"], entry["reason"])
        for entry in db["points_ledger"].find(
            {"ref": {"$in": refs}, "kind": "credit"}, {"member_id": 1, "ref": 1, "reason": 1}
        )
    )
    twice = sum(n - 1 for n in entries.values() if n > 1)
    never = [key for key in expected if entries[key] == 0]
    examples = [f"twice: {key}" for key, n in entries.items() if n > 1][:3]
    examples += [f"never: {key}" for key in never[:3]]
    return twice, len(never), examples


def tasks_stuck(
    db: Database, *, created_since_ms: int, overdue_ms: int = STUCK_AFTER_MS
) -> tuple[int, list[str]]:
    """Tasks created since then (acknowledged or not: a create that failed mid-way leaves one
    too) whose next step has been due for longer than a lease and a sweep allow."""
    overdue = int(time.time() * 1000) - overdue_ms
    stuck = list(
        db["tasks"].find(
            {"created_at": {"$gte": created_since_ms}, "due_at": {"$ne": None, "$lt": overdue}},
            {"status": 1},
        )
    )
    return len(stuck), [f"{t['_id']} ({t['status']})" for t in stuck[:3]]


def dead_letters(bootstrap: str) -> Counter[str]:
    """Messages in every dead-letter topic of the broker (the suite's own broker)."""
    consumer = KafkaConsumer(bootstrap_servers=bootstrap, request_timeout_ms=30_000)
    try:
        counts: Counter[str] = Counter()
        for topic in sorted(t for t in consumer.topics() if t.endswith(".dlq")):
            partitions = [TopicPartition(topic, p) for p in consumer.partitions_for_topic(topic)]
            starts = consumer.beginning_offsets(partitions)
            ends = consumer.end_offsets(partitions)
            counts[topic] = sum(ends[p] - starts[p] for p in partitions)
        return counts
    finally:
        consumer.close()


def bureau_copies(bootstrap: str, topic: str, bureau: str) -> tuple[int, int, list[str]]:
    """(public events missing from the bureau's topic, bureau events under an id no public
    event derives): the bridge's exactly-once-in-effect, over the whole run."""
    public = {ce_id for ce_id, _ in _ids(bootstrap, topic)}
    external = {ce_id for ce_id, _ in _ids(bootstrap, f"ext.{bureau}.{topic}")}
    wanted = {derived_id("bridge", bureau, ce_id): ce_id for ce_id in public}
    missing = [wanted[ce_id] for ce_id in set(wanted) - external]
    strangers = external - set(wanted)
    return len(missing), len(strangers), missing[:3]


def _ids(bootstrap: str, topic: str) -> list[tuple[str, int]]:
    consumer = KafkaConsumer(
        bootstrap_servers=bootstrap, enable_auto_commit=False, request_timeout_ms=30_000
    )
    try:
        found = consumer.partitions_for_topic(topic) or set()
        partitions = [TopicPartition(topic, p) for p in found]
        if not partitions:
            return []
        consumer.assign(partitions)
        consumer.seek_to_beginning(*partitions)
        ends = consumer.end_offsets(partitions)
        ids: list[tuple[str, int]] = []
        deadline = time.monotonic() + 60
        while any(consumer.position(p) < ends[p] for p in partitions):
            if time.monotonic() > deadline:
                raise AssertionError(f"could not read {topic} to its end within 60 s")
            for records in consumer.poll(timeout_ms=500).values():
                ids += [(dict(r.headers).get("ce_id", b"").decode(), r.offset) for r in records]
        return ids
    finally:
        consumer.close()
