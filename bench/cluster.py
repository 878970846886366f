"""The cluster mode for benchmarks: a Kafka broker and FerretDB of their own, the topics created
first, then every service its own process (tests/support/cluster.py) — stopped on exit.

FerretDB stores in SQLite as in the tests (``store="sqlite"``: one writer at a time), or in a
PostgreSQL server of its own (``store="postgresql"``: writers side by side, FerretDB's other
backend), to tell what the store's backend costs a deployment; ``store="sqlite-as-released"``:
SQLite with FerretDB as released, its lookups by ``_id`` scanning each table (what
scripts/build-test-servers mends), to tell what the mend changes."""

from __future__ import annotations

import argparse
import contextlib
import tempfile
from collections.abc import Iterator
from pathlib import Path

from kafka import KafkaAdminClient
from kafka.admin import NewTopic

from tests.support.cluster import Cluster, start_cluster
from tests.support.servers import FERRETDB_STORES, KafkaBroker, running_ferretdb, unique_name

TOPICS = (
    "shouwang.identity.v1",
    "shouwang.location.internal.v1",
    "shouwang.location.v1",
    "shouwang.points.v1",
    "shouwang.presence.v1",
    "shouwang.reports.v1",
    "shouwang.tasks.v1",
)


@contextlib.contextmanager
def running_cluster(
    prefix: str, *, store: str = "sqlite", database_per_service: bool = True
) -> Iterator[Cluster]:
    """Kafka, FerretDB (``store``: its backend) and every service, torn down after. A database
    per service by default, as FerretDB on SQLite is best run (README, "Design notes"); the
    tests' clusters keep one, which their fault suite reads whole."""
    with contextlib.ExitStack() as stack:
        tmp = Path(stack.enter_context(tempfile.TemporaryDirectory(prefix=prefix)))
        kafka = KafkaBroker(mkdir(tmp / "kafka"))
        stack.callback(kafka.stop)
        kafka.start()
        ferretdb = stack.enter_context(running_ferretdb(mkdir(tmp / "ferretdb"), store=store))
        _create_topics(kafka.bootstrap_servers)
        cluster = start_cluster(
            kafka=kafka.bootstrap_servers,
            mongodb_uri=ferretdb.uri,
            database=unique_name("bench"),
            log_dir=mkdir(tmp / "logs"),
            database_per_service=database_per_service,
        )
        cluster.store_pprof_url = ferretdb.pprof_url
        stack.callback(cluster.stop)
        yield cluster


def add_store_argument(parser: argparse.ArgumentParser) -> None:
    """``--store``: the FerretDB backend of a benchmark's cluster."""
    parser.add_argument(
        "--store",
        choices=FERRETDB_STORES,
        default="sqlite",
        help="cluster mode: FerretDB's backend (default sqlite, as in the tests; "
        "sqlite-as-released: FerretDB without the build's mend of its _id lookups)",
    )


def _create_topics(bootstrap_servers: str) -> None:
    """Create the topics before any consumer joins, as a deployment would. A gateway whose group
    is assigned while a topic it subscribes to has no partition metadata yet gets no partitions
    until its next metadata refresh (5 min), and pushes nothing meanwhile."""
    admin = KafkaAdminClient(bootstrap_servers=bootstrap_servers)
    try:
        admin.create_topics([NewTopic(t, num_partitions=3, replication_factor=1) for t in TOPICS])
    finally:
        admin.close()


def mkdir(path: Path) -> Path:
    path.mkdir(parents=True, exist_ok=True)
    return path
