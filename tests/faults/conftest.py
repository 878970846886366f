"""The fault suite's own cluster: a Kafka broker and a FerretDB server of its own (they are
SIGKILLed, so they cannot be the session's shared ones), every service and the bureau bridge its
own process, four verified members on duty holding their ``/stream`` open, and the table of what
each fault cost, printed at the end of the run and written to bench/results/faults-*.json."""

from __future__ import annotations

import base64
import json
import os
import secrets
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from pymongo import MongoClient
from pymongo.database import Database

from tests.faults.load import Member, StreamReader, call, now_iso
from tests.support.api import verified_member, wait_for
from tests.support.cluster import (
    ADMIN_PASSWORD,
    ADMIN_PHONE,
    Cluster,
    ServiceProcess,
    start_cluster,
)
from tests.support.servers import REPO_ROOT, FerretDB, KafkaBroker, free_port, unique_name

MEMBERS = 4
CENTRE = (29.71, 121.43)
BUREAU_POLICY = REPO_ROOT / "examples" / "bureau-policy.toml"
RESULTS_DIR = REPO_ROOT / "bench" / "results"
# A test records its row in its report's user_properties; the process that prints the summary
# gathers them from the reports, since under pytest-xdist the tests run in a worker process.
FAULT_ROW = "fault_row"
_rows: list[dict[str, Any]] = []


def rounds() -> int:
    """How many times each fault is caused: 1 in `make test`, more in `make chaos`."""
    return max(1, int(os.environ.get("FAULTS_ROUNDS", "1")))


@dataclass
class FaultRig:
    broker: KafkaBroker
    ferretdb: FerretDB
    cluster: Cluster
    bridge: ServiceProcess
    database: str
    admin: Member
    members: list[Member]
    readers: list[StreamReader]

    @property
    def db(self) -> Database:
        client: MongoClient = MongoClient(self.ferretdb.uri, serverSelectionTimeoutMS=60_000)
        return client[self.database]


@pytest.fixture(scope="session")
def rig(
    tmp_path_factory: pytest.TempPathFactory, pytestconfig: pytest.Config
) -> Iterator[FaultRig]:
    broker = KafkaBroker(tmp_path_factory.mktemp("faults-kafka"))
    ferretdb = FerretDB(tmp_path_factory.mktemp("faults-ferretdb"))
    broker.start()
    cluster: Cluster | None = None
    bridge: ServiceProcess | None = None
    readers: list[StreamReader] = []
    try:
        ferretdb.start()
        database = unique_name("faults")
        logs = tmp_path_factory.mktemp("faults-logs")
        cluster = start_cluster(
            kafka=broker.bootstrap_servers,
            mongodb_uri=ferretdb.uri,
            database=database,
            log_dir=logs,
        )
        bridge = _start_bridge(cluster, logs)
        api = cluster.api
        admin = Member("admin", ADMIN_PHONE, ADMIN_PASSWORD, cluster.admin_token())
        # Two at a time: registration hashes a password (argon2), and the machine has 2 cores.
        with ThreadPoolExecutor(max_workers=2) as pool:
            members = list(pool.map(lambda _: _on_duty(api, admin), range(MEMBERS)))
        readers = [StreamReader(api.base_url, member).start() for member in members]
        wait_for(
            lambda: all(r.connections for r in readers), timeout_s=60, what="every member's stream"
        )
        found = FaultRig(broker, ferretdb, cluster, bridge, database, admin, members, readers)
        yield found
    finally:
        # Everything here is this suite's own and thrown away: SIGKILL is enough, and graceful
        # stops (tested elsewhere) would add most of a minute.
        for process in ([bridge] if bridge else []) + list(
            cluster.processes.values() if cluster else []
        ):
            if process.proc is not None and process.proc.poll() is None:
                process.kill()
        for reader in readers:
            reader.stop()
        ferretdb.kill()
        broker.kill()


def _start_bridge(cluster: Cluster, logs: Path) -> ServiceProcess:
    """The bureau bridge with the example policy (tasks, positions and points to two bureaus)."""
    env = {
        **cluster["identity"].env,
        "GRPC_PORT": str(free_port()),
        "OPS_PORT": str(ops_port := free_port()),
        "BRIDGE_POLICY_FILE": str(BUREAU_POLICY),
        "BRIDGE_PSEUDONYM_KEY": base64.b64encode(secrets.token_bytes(32)).decode(),
    }
    bridge = ServiceProcess("bridge", env, logs / "bridge.log", ops_port=ops_port)
    bridge.start()
    bridge.wait_ready()
    return bridge


def _on_duty(api: Any, admin: Member) -> Member:
    member_id, token, person = verified_member(api, admin.token)
    member = Member(member_id, person["phone"], person["password"], token)
    started = call(api, "POST", "/api/v1/duty/start", token=token)
    assert started.status == 200, started.body
    fix = {"lat": CENTRE[0] + 0.004, "lon": CENTRE[1], "ts": now_iso(int(time.time() * 1000))}
    reported = call(api, "POST", "/api/v1/location", {"fixes": [fix]}, token=token)
    assert reported.status == 202, reported.body
    return member


COLUMNS = (
    ("fault", "fault", 18),
    ("down_s", "down s", 7),
    ("recover_s", "recover s", 10),
    ("fixes_acked", "fixes", 6),
    ("tasks_closed", "closed", 7),
    ("reports_approved", "reports", 8),
    ("offers_streamed", "offers", 7),
    ("fixes_lost", "fix lost", 9),
    ("offers_twice", "offer x2", 9),
    ("claims_beyond_capacity", "claim>cap", 10),
    ("points_twice", "pts x2", 7),
    ("points_never", "pts never", 10),
    ("tasks_stuck", "stuck", 6),
    ("dead_letters", "dlq", 4),
)


def pytest_runtest_logreport(report: pytest.TestReport) -> None:
    if report.when == "call":
        _rows.extend(value for name, value in report.user_properties if name == FAULT_ROW)


def pytest_terminal_summary(terminalreporter: Any, config: pytest.Config) -> None:
    results = _rows
    if not results or hasattr(config, "workerinput"):  # a worker's rows reach the controller
        return
    terminalreporter.section("faults on the real cluster")
    terminalreporter.write_line(" ".join(title.rjust(width) for _, title, width in COLUMNS))
    notes = []
    for row in results:
        if "bureau_missing" in row:
            notes.append(
                f"{row['fault']}: {row['bureau_missing']} public task events missing from the "
                f"bureau's topic, {row['bureau_strangers']} there under an id none derives"
            )
            continue
        explained = row.get("explained", {})
        terminalreporter.write_line(
            " ".join(
                _cell(row.get(key), width, mark="*" if key in explained else "")
                for key, _, width in COLUMNS
            )
        )
        notes += [f"* {row['fault']} {key}: {why}" for key, why in explained.items()]
    for note in notes:
        terminalreporter.write_line(note)
    terminalreporter.write_line(
        "down s: SIGKILL until the restarted process answered ready; recover s: from then until "
        "every kind of request (fix, task, claim, close, report, review) had succeeded again"
    )
    RESULTS_DIR.mkdir(parents=True, exist_ok=True)
    level = "chaos" if rounds() > 1 else "short"
    path = RESULTS_DIR / f"faults-{level}-{datetime.now(UTC):%Y%m%dT%H%M%SZ}.json"
    path.write_text(json.dumps({"rounds": rounds(), "faults": results}, indent=2))
    terminalreporter.write_line(f"written to {path.relative_to(REPO_ROOT)}")


def _cell(value: Any, width: int, *, mark: str = "") -> str:
    if value is None:
        return "-".rjust(width)
    if isinstance(value, float):
        return f"{value:.1f}".rjust(width)
    return f"{value}{mark}".rjust(width)
