"""The session's Kafka broker and FerretDB server behave like the real thing for what we rely on."""

from __future__ import annotations

from collections.abc import Iterator

import pymongo
import pytest
from kafka import KafkaConsumer, KafkaProducer
from pymongo import MongoClient
from pymongo.database import Database
from pymongo.errors import DuplicateKeyError

from tests.support import unique_name


@pytest.fixture
def database(mongodb_uri: str, mongo_database_name: str) -> Iterator[Database]:
    with MongoClient(mongodb_uri, serverSelectionTimeoutMS=5000) as client:
        yield client[mongo_database_name]


def test_kafka_delivers_a_keyed_message_with_its_headers(kafka_bootstrap_servers: str) -> None:
    topic = unique_name("round_trip")
    with_headers = [("ce_type", b"dev.shouwang.tasks.TaskClaimed"), ("ce_id", b"42")]
    producer = KafkaProducer(bootstrap_servers=kafka_bootstrap_servers, acks="all")
    try:
        producer.send(topic, key=b"task-7", value=b"claimed", headers=with_headers).get(timeout=30)
    finally:
        producer.close()

    consumer = KafkaConsumer(
        topic,
        bootstrap_servers=kafka_bootstrap_servers,
        group_id=unique_name("group"),
        auto_offset_reset="earliest",
        consumer_timeout_ms=30_000,
    )
    try:
        message = next(iter(consumer))
    finally:
        consumer.close()

    assert (message.key, message.value) == (b"task-7", b"claimed")
    assert list(message.headers) == with_headers


def test_ferretdb_finds_what_was_inserted(database: Database) -> None:
    database.patrols.insert_one({"_id": "p-1", "beat": "north", "officers": 2})

    assert database.patrols.find_one({"beat": "north"}) == {
        "_id": "p-1",
        "beat": "north",
        "officers": 2,
    }


def test_ferretdb_finds_a_document_by_id_through_its_id_index(database: Database) -> None:
    # FerretDB 1.24 as released scans the table here (scripts/build-test-servers mends it); its
    # explain shows SQLite's own plan: "SCAN <table>" without the mend.
    database.patrols.insert_many([{"_id": f"p-{i}"} for i in range(3)])

    plan = database.command("explain", {"find": "patrols", "filter": {"_id": "p-1"}})

    [step] = plan["queryPlanner"]["Plan"]
    assert "SEARCH" in step and "USING INDEX" in step, step


def test_ferretdb_finds_documents_by_a_list_of_ids_through_its_id_index(
    database: Database,
) -> None:
    # As released, FerretDB 1.24 pushes down a lone _id equality only, and scans for $in.
    database.patrols.insert_many([{"_id": f"p-{i}", "beat": i} for i in range(5)])
    ids = {"$in": ["p-1", "p-3", "p-9"]}

    plan = database.command("explain", {"find": "patrols", "filter": {"_id": ids}})
    found = database.patrols.find({"_id": ids, "beat": {"$gt": 1}})

    [step] = plan["queryPlanner"]["Plan"]
    assert "SEARCH" in step and "USING INDEX" in step, step
    assert plan["filterPushdown"] is True
    assert [d["_id"] for d in found] == ["p-3"]  # the rest of the filter still applies


def test_ferretdb_refuses_a_duplicate_under_a_unique_index(database: Database) -> None:
    database.volunteers.create_index([("phone", pymongo.ASCENDING)], unique=True)
    database.volunteers.insert_one({"phone": "+8613800000000"})

    with pytest.raises(DuplicateKeyError):
        database.volunteers.insert_one({"phone": "+8613800000000"})
