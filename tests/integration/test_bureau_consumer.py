"""The example consumer of examples/ reads a real topic of the running cluster the way another
bureau would, and sees pseudonymous events only."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from tests.support.api import new_person
from tests.support.cluster import Cluster
from tests.support.servers import unique_name

EXAMPLE = Path(__file__).parents[2] / "examples" / "bureau_consumer.py"


def test_a_bureau_reads_registrations_with_their_payloads_and_no_personal_data(
    cluster: Cluster, kafka_bootstrap_servers: str
) -> None:
    person = new_person()
    member_id, _ = cluster.api.register_and_login(person)
    finished = subprocess.run(
        [
            sys.executable,
            str(EXAMPLE),
            "--bootstrap",
            kafka_bootstrap_servers,
            "--topic",
            "shouwang.identity.v1",
            "--group",
            unique_name("bureau"),
            "--from-beginning",
            "--idle-exit-s",
            "10",
        ],
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    )
    events = [json.loads(line) for line in finished.stdout.splitlines()]
    mine = [e for e in events if e["subject"] == member_id]
    assert [e["type"] for e in mine][:1] == ["shouwang.member.registered"]
    assert mine[0]["data"]["memberId"] == member_id and mine[0]["data"]["status"] == "pending"
    for secret in (person["id_number"], person["phone"], person["name"]):
        assert secret not in finished.stdout
