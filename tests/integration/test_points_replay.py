"""The points consumer on real Kafka and FerretDB: replays from offset 0 and duplicates never
change a balance."""

from __future__ import annotations

import logging
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
) -> Iterator[tuple[bootstrap.PointsService, dict[str, str], KafkaEventBus]]:
    """A points instance reading every topic from offset 0 as a consumer group of its own; its
    groups by topic, and its bus."""
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
        yield service, groups, adapters.bus
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
    tmp_path: Path, kafka_bootstrap_servers: str, mongodb_uri: str, caplog: pytest.LogCaptureFixture
) -> None:
    # The groups' joins and assignments, shown if a pass times out.
    caplog.set_level(logging.INFO, logger="kafka.coordinator")
    caplog.set_level(logging.INFO, logger="kafka.consumer.subscription_state")
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
    kafka, uri = kafka_bootstrap_servers, mongodb_uri
    with consuming(tmp_path, kafka, uri, first_db) as (first, _, _):
        wait_for(lambda: settled(first, members, expected_entries), timeout_s=60, what="first pass")
        after_first = balances(first, members)
    with consuming(tmp_path, kafka, uri, first_db) as (again, groups, bus):
        # Same database, every event delivered once more: nothing changes.
        with GroupLag(kafka, groups, TOPICS) as lag:
            try:
                # 120 s: a member kafka-python left stuck in a rebalance is rebuilt after 36 s.
                wait_for(lambda: not lag.behind(), timeout_s=120, what="second pass")
            except AssertionError as timed_out:
                # Which group stays behind, where, and whether its consumer thinks it caught up.
                caught = {g: bus.caught_up(g) for g in groups.values()}
                state = f"behind {lag.behind()}; caught up {caught}"
                raise AssertionError(f"{timed_out}: {state}") from None
        assert balances(again, members) == after_first
        assert again.ports.entries.entries.count({"member_id": {"$in": members}}) == (
            expected_entries
        )
    with consuming(tmp_path, kafka, uri, second_db) as (replay, _, _):
        wait_for(lambda: settled(replay, members, expected_entries), timeout_s=60, what="replay")
        assert balances(replay, members) == after_first
    assert sum(after_first.values()) == sum(
        (e.data.points and min(e.data.points, 50)) or 10 for e in reports
    ) + sum(20 * 2 + (10 if 60 * n <= 180 else 0) for n in range(10))


class GroupLag:
    """Which of the groups' partitions are committed short of their topic's end (a group that
    committed up to the end has seen every event published). One admin client and consumer for
    the whole wait: building them every poll is most of its cost on a loaded machine."""

    def __init__(self, kafka: str, groups: dict[str, str], topics: list[str]) -> None:
        self._groups, self._topics = groups, topics
        self._admin = KafkaAdminClient(bootstrap_servers=kafka)
        self._consumer = KafkaConsumer(bootstrap_servers=kafka)

    def __enter__(self) -> GroupLag:
        return self

    def __exit__(self, *exc: object) -> None:
        self._consumer.close()
        self._admin.close()

    def behind(self) -> dict[str, tuple[int, int]]:
        """'topic[partition]': (committed, end) for every partition short of its end."""
        lagging = {}
        for topic in self._topics:
            group = self._groups[topic]
            ids = self._consumer.partitions_for_topic(topic)
            partitions = [TopicPartition(topic, p) for p in ids]
            ends = self._consumer.end_offsets(partitions)
            committed = self._admin.list_group_offsets(group).get(group, {})
            done = {tp: meta.offset for tp, meta in committed.items()}
            for tp in partitions:
                if done.get(tp, 0) != ends[tp]:
                    lagging[f"{topic}[{tp.partition}]"] = (done.get(tp, 0), ends[tp])
        return lagging
