"""The bridge on the real broker: a bureau's topic carries every event once in effect — a bridge
killed mid-stream and restarted may republish some, but always under the same id — and no member
id of the public topic."""

from __future__ import annotations

import base64
import os
import secrets
import subprocess
import sys
from datetime import UTC, datetime
from pathlib import Path

from kafka import KafkaConsumer

from services.bridge.model import bureau_key, pseudonym
from shouwang.bus.kafka import KafkaEventBus
from shouwang.events import Event
from shouwang.location.v1 import events_pb2
from tests.support.api import wait_for
from tests.support.servers import die_with_parent, free_port, unique_name

EVENTS = 60


def start_bridge(env: dict[str, str], log: Path) -> subprocess.Popen:
    return subprocess.Popen(
        [sys.executable, "-m", "services.bridge"],
        env=env,
        stdout=log.open("ab"),
        stderr=subprocess.STDOUT,
        preexec_fn=die_with_parent,
    )


def test_a_killed_bridge_republishes_nothing_new_and_leaks_no_member_id(
    tmp_path: Path, kafka_bootstrap_servers: str, mongodb_uri: str
) -> None:
    bureau = unique_name("bureau").replace("_", "-").lower()[:30]
    policy = tmp_path / "policy.toml"
    policy.write_text(
        f'[bureau.{bureau}]\ntopics = ["shouwang.location.v1"]\nposition_decimals = 2\n'
    )
    env = {
        **os.environ,
        "KAFKA_BOOTSTRAP_SERVERS": kafka_bootstrap_servers,
        "MONGODB_URI": mongodb_uri,
        "MONGODB_DATABASE": unique_name("bridge"),
        "BIND_HOST": "127.0.0.1",
        "GRPC_PORT": str(free_port()),
        "OPS_PORT": str(free_port()),
        "BRIDGE_POLICY_FILE": str(policy),
        "BRIDGE_PSEUDONYM_KEY": base64.b64encode(master := secrets.token_bytes(32)).decode(),
    }
    run = secrets.token_hex(4)
    members = [f"member-{run}-{n}" for n in range(EVENTS)]
    # The topic also holds other tests' events: ours are those under our members' pseudonyms.
    key = bureau_key(master, bureau)
    ours = {pseudonym(key, member) for member in members}
    publisher = KafkaEventBus(kafka_bootstrap_servers, client_id=f"bridge-test-{run}")
    publisher.publish(
        "shouwang.location.v1",
        [
            Event(
                "shouwang.location.updated",
                "shouwang/location",
                member,
                events_pb2.LocationUpdated(member_id=member, lat=27.78432, lon=120.65123),
                datetime.now(UTC),
            )
            for member in members
        ],
    )
    publisher.close()
    external = f"ext.{bureau}.shouwang.location.v1"
    seen: list[tuple[str, bytes]] = []
    consumer = KafkaConsumer(
        bootstrap_servers=kafka_bootstrap_servers,
        group_id=unique_name("reader"),
        auto_offset_reset="earliest",
        consumer_timeout_ms=1000,
        metadata_max_age_ms=1000,
    )
    consumer.subscribe(pattern=f"^{external.replace('.', '[.]')}$")

    def read() -> int:
        for record in consumer:
            headers = dict(record.headers)
            if headers.get("ce_subject", b"").decode() in ours:
                seen.append((headers["ce_id"].decode(), record.value))
        return len({ce_id for ce_id, _ in seen})

    log = tmp_path / "bridge.log"
    bridge = start_bridge(env, log)
    try:
        wait_for(lambda: read() >= EVENTS // 3, timeout_s=90, what="the bridge under way")
        bridge.kill()  # SIGKILL: whatever it had not committed is read again
        bridge.wait(10)
        bridge = start_bridge(env, log)
        wait_for(lambda: read() >= EVENTS, timeout_s=90, what="every event on the bureau's topic")
    finally:
        bridge.terminate()
        bridge.wait(30)
        consumer.close()
    distinct = {ce_id: value for ce_id, value in seen}
    assert len(distinct) == EVENTS  # duplicates, if any, came back under the same id
    payloads = [events_pb2.LocationUpdated.FromString(value) for value in distinct.values()]
    assert {p.member_id for p in payloads} == ours
    assert {(p.lat, p.lon) for p in payloads} == {(27.78, 120.65)}
