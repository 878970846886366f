"""Every command the Mongo adapter sends to FerretDB is counted by command and collection, and
its filters and values never become labels."""

from __future__ import annotations

from prometheus_client import REGISTRY

from shouwang.store.mongo import MongoDocumentStore
from tests.support import unique_name

METRIC = "shouwang_store_command_seconds_count"


def commands(command: str, collection: str) -> float:
    return REGISTRY.get_sample_value(METRIC, {"command": command, "collection": collection}) or 0.0


def test_each_command_is_counted_under_its_command_and_collection(
    mongodb_uri: str, mongo_database_name: str
) -> None:
    name = unique_name("people")
    people = MongoDocumentStore(mongodb_uri, mongo_database_name).collection(name)
    inserts, finds = commands("insert", name), commands("find", name)

    people.insert({"_id": "13800000001", "phone": "13800000001"})
    people.insert({"_id": "13800000002", "phone": "13800000002"})
    assert people.get("13800000001") is not None

    assert commands("insert", name) == inserts + 2
    assert commands("find", name) >= finds + 1
    labels = {
        value
        for metric in REGISTRY.collect()
        if metric.name == "shouwang_store_command_seconds"
        for sample in metric.samples
        for value in sample.labels.values()
    }
    assert not any("1380000000" in value for value in labels)
