"""Cluster mode end to end: every service its own process, real Kafka, real FerretDB.

register (gateway) → identity stores it (FerretDB) → shouwang.member.registered (Kafka) →
points opens an account → the gateway shows it.
"""

from __future__ import annotations

import json
import urllib.request
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime

import pytest
from kafka import KafkaAdminClient, KafkaConsumer, KafkaProducer, TopicPartition
from pymongo import MongoClient

from shouwang.events import Event, encode
from shouwang.identity.v1 import events_pb2 as identity_events
from tests.support.api import new_person, wait_for
from tests.support.cluster import GRPC_SERVICES, Cluster

IDENTITY_TOPIC = "shouwang.identity.v1"


@pytest.fixture
def accounts(cluster: Cluster, mongodb_uri: str) -> Iterator:
    with MongoClient(mongodb_uri) as client:
        yield client[cluster["points"].database]["points_accounts"]


def test_each_service_is_healthy_and_serves_metrics(cluster: Cluster) -> None:
    for name in GRPC_SERVICES:
        port = cluster[name].ops_port
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/metrics", timeout=5) as response:
            assert b"python_info" in response.read()
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/readyz", timeout=5) as response:
            assert json.loads(response.read())["ready"] is True


def test_registration_flows_from_gateway_through_kafka_to_points(cluster: Cluster) -> None:
    api = cluster.api
    member_id, token = api.register_and_login(new_person())
    points = wait_for(
        lambda: (r := api.get("/api/v1/points/me", token=token)).status == 200 and r,
        what="points account opened by the points service",
    )
    assert points.body["balance"] == 0
    assert api.get("/api/v1/me", token=token).body["member_id"] == member_id


def test_poison_message_is_dead_lettered_and_the_consumer_keeps_going(
    cluster: Cluster, kafka_bootstrap_servers: str
) -> None:
    producer = KafkaProducer(bootstrap_servers=kafka_bootstrap_servers, acks="all")
    valid = encode(_registered("probe"))
    poison_id = str(uuid.uuid4())
    headers = {**valid.headers, "ce_id": poison_id.encode()}
    producer.send(
        IDENTITY_TOPIC, key=b"poison", value=b"\xff\xfe not protobuf", headers=list(headers.items())
    )
    producer.flush()
    producer.close()

    dead = _read_all(
        kafka_bootstrap_servers,
        IDENTITY_TOPIC + ".dlq",
        until=lambda records: any(
            dict(r.headers).get("ce_id") == poison_id.encode() for r in records
        ),
    )
    assert any(r.key == b"poison" for r in dead)
    # The consumer moved past it: a registration after the poison still opens an account.
    _, token = cluster.api.register_and_login(new_person())
    wait_for(
        lambda: cluster.api.get("/api/v1/points/me", token=token).status == 200,
        what="account opened after the poison message",
    )


def test_consumer_killed_mid_stream_resumes_with_nothing_lost_or_applied_twice(
    cluster: Cluster, kafka_bootstrap_servers: str, accounts
) -> None:
    count = 1500
    before = accounts.count_documents({})
    member_ids = [f"kill-{uuid.uuid4().hex}" for _ in range(count)]
    producer = KafkaProducer(bootstrap_servers=kafka_bootstrap_servers, acks="all", linger_ms=5)
    for member_id in member_ids:
        wire = encode(_registered(member_id))
        producer.send(
            IDENTITY_TOPIC, key=wire.key, value=wire.value, headers=list(wire.headers.items())
        )
    # Every event twice, as a producer retry or a replay would deliver it.
    for member_id in member_ids[:100]:
        wire = encode(_registered(member_id))
        producer.send(
            IDENTITY_TOPIC, key=wire.key, value=wire.value, headers=list(wire.headers.items())
        )
    producer.flush()
    producer.close()

    points = cluster["points"]
    wait_for(lambda: accounts.count_documents({}) >= before + 50, what="points to be mid-stream")
    points.kill()
    applied_at_kill = accounts.count_documents({}) - before
    assert applied_at_kill < count, "the consumer finished before the kill; raise the count"
    points.start()
    points.wait_ready()
    wait_for(
        lambda: accounts.count_documents({"_id": {"$in": member_ids}}) == count,
        timeout_s=120,
        what="every account after the restart",
    )
    assert accounts.count_documents({}) == before + count
    _assert_group_caught_up(kafka_bootstrap_servers, "points", IDENTITY_TOPIC)


def _registered(member_id: str) -> Event:
    return Event(
        type="shouwang.member.registered",
        source="/tests",
        subject=member_id,
        time=datetime.now(UTC),
        data=identity_events.MemberRegistered(member_id=member_id, status="pending"),
    )


def _read_all(bootstrap: str, topic: str, *, until) -> list:  # type: ignore[no-untyped-def]
    consumer = KafkaConsumer(
        topic,
        bootstrap_servers=bootstrap,
        auto_offset_reset="earliest",
        enable_auto_commit=False,
        consumer_timeout_ms=1000,
    )
    records: list = []
    try:
        wait_for(
            lambda: records.extend(consumer) or until(records),
            timeout_s=30,
            what=f"records on {topic}",
        )
    finally:
        consumer.close()
    return records


def _assert_group_caught_up(bootstrap: str, group: str, topic: str) -> None:
    admin = KafkaAdminClient(bootstrap_servers=bootstrap)
    consumer = KafkaConsumer(bootstrap_servers=bootstrap)
    try:
        partitions = [TopicPartition(topic, p) for p in consumer.partitions_for_topic(topic)]
        ends = consumer.end_offsets(partitions)

        def caught_up() -> bool:
            committed = admin.list_group_offsets(group)[group]
            return all(committed.get(tp) and committed[tp].offset == ends[tp] for tp in partitions)

        wait_for(caught_up, timeout_s=30, what="the points group to commit every offset")
    finally:
        consumer.close()
        admin.close()
