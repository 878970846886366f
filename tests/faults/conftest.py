"""The fault suite's own cluster: a Kafka broker and a FerretDB server of its own (they are
SIGKILLed, so they cannot be the session's shared ones), every service and the bureau bridge its
own process, four verified members on duty holding their ``/stream`` open, and the table of what
each fault cost (tests/faults/report.py)."""

from __future__ import annotations

import base64
import secrets
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
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
    # A restart recovers every topic of the suite; at load 100+ that took over 90 s once.
    broker = KafkaBroker(tmp_path_factory.mktemp("faults-kafka"), start_timeout=180.0)
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
