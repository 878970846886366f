"""Location in cluster mode: fixes through the gateway, every replica's live view, a replica
killed and restarted, and presence events on Kafka."""

from __future__ import annotations

import uuid

import grpc
from kafka import KafkaConsumer

from shouwang.location.v1 import location_pb2 as pb
from shouwang.location.v1 import location_pb2_grpc
from shouwang.location.v1.events_pb2 import LocationUpdated
from tests.support.api import fix_at, verified_member, wait_for
from tests.support.cluster import Cluster, ServiceProcess
from tests.support.servers import free_port

CENTRE = (27.70, 120.60)  # away from other tests' members


def _nearest(port: int, k: int = 10) -> list[str]:
    with grpc.insecure_channel(f"127.0.0.1:{port}") as channel:
        stub = location_pb2_grpc.LocationServiceStub(channel)
        reply = stub.Nearest(
            pb.NearestRequest(lat=CENTRE[0], lon=CENTRE[1], k=k, radius_m=3000), timeout=5
        )
    return [c.member_id for c in reply.candidates]


def _second_replica(cluster: Cluster, log_dir) -> ServiceProcess:  # type: ignore[no-untyped-def]
    replica = _another_replica(cluster, log_dir)
    replica.start()
    replica.wait_ready()
    return replica


def _another_replica(cluster: Cluster, log_dir) -> ServiceProcess:  # type: ignore[no-untyped-def]
    """Configured like the cluster's, on ports of its own; not started."""
    first = cluster["location"]
    grpc_port, ops_port = free_port(), free_port()
    env = {
        **first.env,
        "GRPC_PORT": str(grpc_port),
        "OPS_PORT": str(ops_port),
        "LOCATION_REPLICA_ID": f"replica-{uuid.uuid4().hex[:6]}",
    }
    return ServiceProcess(
        "location", env, log_dir / "location-2.log", grpc_port=grpc_port, ops_port=ops_port
    )


def test_every_replica_answers_the_same_and_a_restarted_one_too(cluster: Cluster, tmp_path) -> None:
    api = cluster.api
    admin = cluster.admin_token()
    members = []
    for step in range(5):
        member_id, token, _ = verified_member(api, admin)
        assert api.post("/api/v1/duty/start", token=token).status == 200
        reply = api.post(
            "/api/v1/location",
            {"fixes": [fix_at(CENTRE[0] + 0.001 * (step + 1), CENTRE[1], accuracy_m=8)]},
            token=token,
        )
        assert reply.status == 202 and reply.body == {"accepted": 1, "rejected": []}
        members.append(member_id)
    first = cluster["location"].grpc_port
    wait_for(lambda: _nearest(first) == members, what="the first replica's view")

    replica = _second_replica(cluster, tmp_path)
    try:
        assert _nearest(replica.grpc_port) == members  # rebuilt before it reported ready
        replica.kill()
        replica.start()
        replica.wait_ready()
        assert _nearest(replica.grpc_port) == members
    finally:
        replica.terminate()


def test_a_replica_sent_sigterm_the_moment_it_is_ready_stops_gracefully(
    cluster: Cluster, tmp_path
) -> None:
    """Kubernetes may stop a pod the moment it reports ready (a rollout, a scale-down): that is
    the graceful stop too, not the default's end by SIGTERM with nothing closed."""
    replica = _another_replica(cluster, tmp_path)
    replica.start()
    wait_for(replica.ready, timeout_s=60, interval_s=0.02, what="the replica ready")
    assert replica.terminate() == 0
    assert '"msg": "shutting down"' in replica.log_path.read_text()


def test_duty_and_presence_events_reach_kafka_without_positions(
    cluster: Cluster, kafka_bootstrap_servers: str
) -> None:
    api = cluster.api
    member_id, token, _ = verified_member(api, cluster.admin_token())
    consumer = KafkaConsumer(
        "shouwang.presence.v1",
        "shouwang.location.v1",
        bootstrap_servers=kafka_bootstrap_servers,
        auto_offset_reset="earliest",
        consumer_timeout_ms=500,
    )
    seen: dict[bytes, bytes] = {}

    def types_seen(*wanted: bytes) -> bool:
        for message in consumer:
            if message.key == member_id.encode():
                seen[dict(message.headers)["ce_type"]] = message.value
        return set(wanted) <= set(seen)

    try:
        api.post("/api/v1/duty/start", token=token)
        api.post(
            "/api/v1/location", {"fixes": [fix_at(CENTRE[0] + 0.0123456, CENTRE[1])]}, token=token
        )
        wait_for(
            lambda: types_seen(
                b"shouwang.member.duty_started",
                b"shouwang.member.came_online",
                b"shouwang.location.updated",
            ),
            timeout_s=30,
            what="online",
        )
        api.post("/api/v1/duty/end", token=token)
        wait_for(lambda: types_seen(b"shouwang.member.duty_ended"), timeout_s=30, what="ended")
    finally:
        consumer.close()
    update = LocationUpdated.FromString(seen[b"shouwang.location.updated"])
    assert update.lat == round(CENTRE[0] + 0.0123456, 3)  # coarse: not the member's track


def test_fixes_of_a_member_off_duty_are_refused(cluster: Cluster) -> None:
    api = cluster.api
    _, token, _ = verified_member(api, cluster.admin_token())
    reply = api.post("/api/v1/location", {"fixes": [fix_at(*CENTRE)]}, token=token)
    assert reply.status == 403


def test_a_member_suspended_on_duty_leaves_duty_through_kafka(cluster: Cluster) -> None:
    """identity → shouwang.member.suspended on Kafka → location ends the duty → every replica's
    live view drops the member, so dispatch cannot offer them anything."""
    api = cluster.api
    admin = cluster.admin_token()
    spot = (CENTRE[0] - 0.02, CENTRE[1])
    member_id, token, _ = verified_member(api, admin)
    assert api.post("/api/v1/duty/start", token=token).status == 200
    reply = api.post("/api/v1/location", {"fixes": [fix_at(*spot, accuracy_m=8)]}, token=token)
    assert reply.body["accepted"] == 1

    def near(grpc_port: int) -> list[str]:
        with grpc.insecure_channel(f"127.0.0.1:{grpc_port}") as channel:
            stub = location_pb2_grpc.LocationServiceStub(channel)
            found = stub.Nearest(
                pb.NearestRequest(lat=spot[0], lon=spot[1], k=5, radius_m=50), timeout=5
            )
        return [c.member_id for c in found.candidates]

    port = cluster["location"].grpc_port
    wait_for(lambda: near(port) == [member_id], what="the member in location's live view")
    assert api.post(f"/api/v1/members/{member_id}/suspend", token=admin).status == 200
    wait_for(lambda: near(port) == [], what="the suspended member gone from the live view")
