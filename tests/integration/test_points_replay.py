"""The points consumer on real Kafka and FerretDB: replays from offset 0 and duplicates never
change a balance."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from kafka import KafkaAdminClient, KafkaConsumer, TopicPartition

from services.points import bootstrap
from shouwang.bus.kafka import KafkaEventBus
from shouwang.clock import SystemClock
from shouwang.runtime import Adapters
from shouwang.store.blobs import LocalBlobStore
from shouwang.store.mongo import MongoDocumentStore
from tests.support.api import wait_for
from tests.support.servers import KafkaBroker, unique_name
from tests.unit.points.support import FixedNames, registered, report_approved, task_closed

TOPICS = ["shouwang.identity.v1", "shouwang.tasks.v1", "shouwang.reports.v1"]


@contextmanager
def consuming(
    tmp_path: Path, kafka: str, uri: str, database: str
) -> Iterator[tuple[bootstrap.PointsService, dict[str, str]]]:
    """A points instance reading every topic from offset 0 as a consumer group of its own."""
    fresh = unique_name("points")
    adapters = Adapters(
        bus=KafkaEventBus(kafka, client_id=fresh),
        store=MongoDocumentStore(uri, database),
        blobs=LocalBlobStore(tmp_path / fresh),
        clock=SystemClock(),
    )
    groups = {topic: f"{fresh}-{n}" for n, topic in enumerate(bootstrap.CONSUMER_GROUPS)}
    service = bootstrap.build(adapters, names=FixedNames(), consumer_groups=groups)
    adapters.bus.start()
    try:
        yield service, groups
    finally:
        service.close()
        adapters.close()


def balances(service: bootstrap.PointsService, members: list[str]) -> dict[str, int]:
    found = service.ports.accounts.get_many(members)
    return {m: found[m]["balance"] for m in members if m in found}


def settled(service: bootstrap.PointsService, members: list[str], entries: int) -> bool:
    """Every expected ledger entry is in, and every balance has followed its entries (a balance
    is updated just after its entry's insert, so counting entries alone can read a balance one
    entry behind on a loaded machine)."""
    ledger = service.ports.entries.entries.find({"member_id": {"$in": members}})
    if len(ledger) < entries:
        return False
    sums = {m: sum(e["delta"] for e in ledger if e["member_id"] == m) for m in members}
    return balances(service, members) == sums


@pytest.fixture(scope="module")
def kafka_bootstrap_servers(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A broker of this module's own: a replay from offset 0 then reads only these events, not
    the thousands the other suites left on the shared topics."""
    broker = KafkaBroker(tmp_path_factory.mktemp("points-kafka"))
    broker.start()
    try:
        yield broker.bootstrap_servers
    finally:
        broker.stop()


def test_consuming_the_topics_twice_from_offset_zero_gives_identical_balances(
    tmp_path: Path, kafka_bootstrap_servers: str, mongodb_uri: str
) -> None:
    run = uuid.uuid4().hex[:8]
    members = [f"replay-{run}-{n}" for n in range(4)]
    closures = [
        task_closed(f"t-{run}-{n}", [(members[n % 4], 60 * n), (members[(n + 1) % 4], None)])
        for n in range(10)
    ]
    reports = [report_approved(f"r-{run}-{n}", members[n % 4], 5 * n) for n in range(6)]
    publisher = KafkaEventBus(kafka_bootstrap_servers, client_id=f"replay-{run}")
    publisher.publish("shouwang.identity.v1", [registered(m, team_id="team-a") for m in members])
    publisher.publish("shouwang.tasks.v1", closures + closures[:3])  # three delivered twice
    publisher.publish("shouwang.reports.v1", reports + reports[:2])
    publisher.close()
    expected_entries = 20 + sum(1 for n in range(10) if 60 * n <= 180) + 6

    first_db, second_db = unique_name("replay_a"), unique_name("replay_b")
    with consuming(tmp_path, kafka_bootstrap_servers, mongodb_uri, first_db) as (first, _):
        wait_for(lambda: settled(first, members, expected_entries), timeout_s=60, what="first pass")
        after_first = balances(first, members)
    with consuming(tmp_path, kafka_bootstrap_servers, mongodb_uri, first_db) as (again, groups):
        # Same database, every event delivered once more: nothing changes.
        wait_for(
            lambda: caught_up(kafka_bootstrap_servers, groups, TOPICS),
            timeout_s=60,
            what="second pass over the same ledger",
        )
        assert balances(again, members) == after_first
        assert again.ports.entries.entries.count({"member_id": {"$in": members}}) == (
            expected_entries
        )
    with consuming(tmp_path, kafka_bootstrap_servers, mongodb_uri, second_db) as (replay, _):
        wait_for(lambda: settled(replay, members, expected_entries), timeout_s=60, what="replay")
        assert balances(replay, members) == after_first
    assert sum(after_first.values()) == sum(
        (e.data.points and min(e.data.points, 50)) or 10 for e in reports
    ) + sum(20 * 2 + (10 if 60 * n <= 180 else 0) for n in range(10))


def caught_up(kafka: str, groups: dict[str, str], topics: list[str]) -> bool:
    """Every group committed up to the end of its topic: it has seen every event published."""
    admin = KafkaAdminClient(bootstrap_servers=kafka)
    consumer = KafkaConsumer(bootstrap_servers=kafka)
    try:
        for topic in topics:
            partitions = [TopicPartition(topic, p) for p in consumer.partitions_for_topic(topic)]
            ends = consumer.end_offsets(partitions)
            committed = admin.list_group_offsets(groups[topic]).get(groups[topic], {})
            done = {tp: meta.offset for tp, meta in committed.items()}
            if any(done.get(tp, 0) != ends[tp] for tp in partitions):
                return False
        return True
    finally:
        consumer.close()
        admin.close()
