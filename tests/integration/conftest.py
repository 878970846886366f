"""The cluster of service processes, shared by the integration modules that need it."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from pymongo import MongoClient

from tests.support.cluster import Cluster, start_cluster
from tests.support.servers import unique_name


@pytest.fixture(scope="session")
def cluster(
    kafka_bootstrap_servers: str, mongodb_uri: str, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Cluster]:
    """Every service and the gateway as separate processes on the real Kafka and FerretDB."""
    database = unique_name("cluster")
    running = start_cluster(
        kafka=kafka_bootstrap_servers,
        mongodb_uri=mongodb_uri,
        database=database,
        log_dir=tmp_path_factory.mktemp("cluster-logs"),
    )
    yield running
    running.stop()
    with MongoClient(mongodb_uri) as client:
        for each in running.databases():
            client.drop_database(each)
