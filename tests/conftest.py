"""Test infrastructure: the real Kafka broker and FerretDB server, started on first use."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from hypothesis import HealthCheck, settings
from pymongo import MongoClient
from xdist.scheduler import LoadFileScheduling

from tests.faults import report as fault_report
from tests.support import FerretDB, KafkaBroker, running_ferretdb, unique_name

# Property tests decide by their examples, never by how long one took: on a loaded machine an
# example of a 0.3 ms test once took 260 ms and failed Hypothesis's default 200 ms deadline.
settings.register_profile("unhurried", deadline=None, suppress_health_check=[HealthCheck.too_slow])
settings.load_profile("unhurried")

_SERVER_FIXTURES = frozenset({"kafka_bootstrap_servers", "mongodb_uri", "mongo_database_name"})
_started_servers = pytest.StashKey[list[KafkaBroker | FerretDB]]()


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        if _SERVER_FIXTURES.intersection(getattr(item, "fixturenames", ())):
            item.add_marker(pytest.mark.integration)


class _ModulesAndOneCluster(LoadFileScheduling):
    """`make test` runs on both cores (pytest-xdist, `--dist loadfile`): a module's tests stay in
    one worker so its module fixtures start once, and so do all of tests/integration, whose
    modules share one session cluster of service processes (started once, in that worker).
    (xdist's own `loadgroup` cannot do this under pytest 9.2: it renames node ids through an
    attribute pytest no longer reads.)"""

    def _split_scope(self, nodeid: str) -> str:
        if nodeid.startswith("tests/integration/"):
            return "tests/integration"
        return super()._split_scope(nodeid)


@pytest.hookimpl(optionalhook=True)
def pytest_xdist_make_scheduler(config: pytest.Config, log: Any) -> LoadFileScheduling | None:
    if config.getvalue("dist") != "loadfile":
        return None
    return _ModulesAndOneCluster(config, log)


def _record_start(config: pytest.Config, server: KafkaBroker | FerretDB) -> None:
    config.stash.setdefault(_started_servers, []).append(server)


@pytest.fixture(scope="session")
def kafka_bootstrap_servers(
    tmp_path_factory: pytest.TempPathFactory, pytestconfig: pytest.Config
) -> Iterator[str]:
    """`host:port` of a single-node Kafka broker that lives for the whole test session."""
    broker = KafkaBroker(tmp_path_factory.mktemp("kafka"))
    broker.start()
    _record_start(pytestconfig, broker)
    try:
        yield broker.bootstrap_servers
    finally:
        broker.stop()


@pytest.fixture(scope="session")
def mongodb_uri(
    tmp_path_factory: pytest.TempPathFactory, pytestconfig: pytest.Config
) -> Iterator[str]:
    """`mongodb://` URI of a FerretDB server that lives for the whole test session."""
    ferretdb = FerretDB(tmp_path_factory.mktemp("ferretdb"))
    ferretdb.start()
    _record_start(pytestconfig, ferretdb)
    try:
        yield ferretdb.uri
    finally:
        ferretdb.stop()


@pytest.fixture(scope="session")
def postgresql_mongodb_uri(
    tmp_path_factory: pytest.TempPathFactory, pytestconfig: pytest.Config
) -> Iterator[str]:
    """`mongodb://` URI of a FerretDB storing in PostgreSQL, its other backend (the benchmarks'
    `--store postgresql`): the store contract holds there too."""
    data_dir = tmp_path_factory.mktemp("ferretdb-postgresql")
    with running_ferretdb(data_dir, store="postgresql") as ferretdb:
        _record_start(pytestconfig, ferretdb)
        yield ferretdb.uri


@pytest.fixture
def mongo_database_name(mongodb_uri: str) -> Iterator[str]:
    """A database name no other test uses; the database is dropped afterwards."""
    name = unique_name("test")
    yield name
    with MongoClient(mongodb_uri, serverSelectionTimeoutMS=5000) as client:
        client.drop_database(name)


def pytest_runtest_logreport(report: pytest.TestReport) -> None:
    fault_report.gather(report)


def pytest_terminal_summary(
    terminalreporter: pytest.TerminalReporter, config: pytest.Config
) -> None:
    fault_report.summarise(terminalreporter, config)
    servers = config.stash.get(_started_servers, [])
    if not servers:
        return
    terminalreporter.section("test servers")
    for server in servers:
        start = "cold: built first" if server.cold else "warm"
        terminalreporter.write_line(
            f"{server.name} started in {server.startup_seconds:.1f}s ({start}); "
            f"log: {server.log_path}"
        )
