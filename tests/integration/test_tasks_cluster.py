"""Tasks in cluster mode on real Kafka and FerretDB with two replicas: claims stay atomic across
replicas, and a replica killed with SIGKILL leaves its due work to the other."""

from __future__ import annotations

import time
import uuid
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor

import grpc
import pytest
from pymongo import MongoClient

from shouwang.location.v1 import location_pb2, location_pb2_grpc
from shouwang.tasks.v1 import tasks_pb2 as pb
from shouwang.tasks.v1 import tasks_pb2_grpc
from tests.support.api import fix_at, verified_member, wait_for
from tests.support.cluster import Cluster, ServiceProcess
from tests.support.servers import free_port, unique_name

ADMIN = pb.Caller(member_id="admin-of-test", roles=["admin", "officer"], city_wide=True)


@pytest.fixture
def replicas(cluster: Cluster, mongodb_uri: str, tmp_path) -> Iterator[list[ServiceProcess]]:  # type: ignore[no-untyped-def]
    """Two tasks replicas of their own (own database, 2 s waves) beside the cluster."""
    database = unique_name("tasks")
    started = []
    for name in ("a", "b"):
        grpc_port, ops_port = free_port(), free_port()
        env = {
            **cluster["tasks"].env,
            "MONGODB_DATABASE": database,
            "GRPC_PORT": str(grpc_port),
            "OPS_PORT": str(ops_port),
            "TASKS_REPLICA_ID": f"replica-{name}",
            "WAVE_TIMEOUT_S": "2",
            "URGENT_WAVE_TIMEOUT_S": "2",
        }
        process = ServiceProcess(
            "tasks", env, tmp_path / f"tasks-{name}.log", grpc_port=grpc_port, ops_port=ops_port
        )
        process.start()
        started.append(process)
    for process in started:
        process.wait_ready()
    yield started
    for process in started:
        if process.proc and process.proc.poll() is None:
            process.terminate()
    with MongoClient(mongodb_uri) as client:
        client.drop_database(started[0].database)


def _on_duty(cluster: Cluster, lat: float, lon: float, count: int, *, step_m: float) -> list[str]:
    members = [f"m-{uuid.uuid4().hex[:10]}" for _ in range(count)]
    with grpc.insecure_channel(f"127.0.0.1:{cluster['location'].grpc_port}") as channel:
        location = location_pb2_grpc.LocationServiceStub(channel)
        now_ms = int(time.time() * 1000)
        for index, member_id in enumerate(members):
            # Generous deadlines: on a busy 2-core machine FerretDB's single SQLite file queues
            # these writes behind everyone else's (seen: over 5 s).
            location.StartDuty(location_pb2.DutyRequest(member_id=member_id), timeout=30)
            location.ReportFixes(
                location_pb2.ReportFixesRequest(
                    member_id=member_id,
                    fixes=[
                        location_pb2.RawFix(
                            lat=lat + (index + 1) * step_m / 111_195,
                            lon=lon,
                            ts_ms=now_ms - 5_000,
                            accuracy_m=5,
                            has_accuracy=True,
                        )
                    ],
                ),
                timeout=30,
            )

        def indexed() -> bool:
            reply = location.Nearest(
                location_pb2.NearestRequest(lat=lat, lon=lon, k=count, radius_m=50_000), timeout=5
            )
            return len({c.member_id for c in reply.candidates} & set(members)) == count

        wait_for(indexed, timeout_s=30, what="members in the live view")
    return members


def _stub(process: ServiceProcess) -> tasks_pb2_grpc.TasksServiceStub:
    return tasks_pb2_grpc.TasksServiceStub(grpc.insecure_channel(f"127.0.0.1:{process.grpc_port}"))


def test_two_hundred_concurrent_claims_on_capacity_three_across_two_replicas(
    cluster: Cluster, replicas: list[ServiceProcess]
) -> None:
    centre = (29.5, 121.0)
    members = _on_duty(cluster, *centre, 200, step_m=2)
    stubs = [_stub(process) for process in replicas]
    task = stubs[0].CreateTask(
        pb.CreateTaskRequest(
            caller=ADMIN,
            title="Crowd at the station",
            priority=1,
            location=pb.Point(lat=centre[0], lon=centre[1]),
            capacity=3,
            target=pb.Target(mode="area"),
            area=pb.Area(
                circle=pb.Circle(center=pb.Point(lat=centre[0], lon=centre[1]), radius_m=1000)
            ),
        ),
        timeout=30,
    )
    assert len(task.offers) == 200

    def claim(index: int) -> str:
        request = pb.TaskActionRequest(
            caller=pb.Caller(member_id=members[index], roles=["member"]), task_id=task.task_id
        )
        try:
            stubs[index % 2].ClaimTask(request, timeout=60)
        except grpc.RpcError as error:
            return error.code().name
        return "OK"

    with ThreadPoolExecutor(max_workers=200) as pool:
        outcomes = list(pool.map(claim, range(200)))
    assert outcomes.count("OK") == 3
    assert outcomes.count("ALREADY_EXISTS") == 197  # 409 at the gateway
    final = stubs[1].GetTask(pb.GetTaskRequest(caller=ADMIN, task_id=task.task_id), timeout=5)
    assert len(final.claims) == 3 and final.status == "claimed"


def test_a_killed_replicas_due_waves_are_sent_by_the_other(
    cluster: Cluster, replicas: list[ServiceProcess], mongodb_uri: str
) -> None:
    centre = (29.9, 121.0)
    members = _on_duty(cluster, *centre, 3, step_m=100)
    first, second = replicas
    task = _stub(first).CreateTask(
        pb.CreateTaskRequest(
            caller=ADMIN,
            title="Suspicious parcel",
            priority=1,
            expires_in_s=600,
            location=pb.Point(lat=centre[0], lon=centre[1]),
            target=pb.Target(mode="nearest", count=1),
        ),
        timeout=30,
    )
    assert [o.member_id for o in task.offers] == members[:1]
    first.kill()
    survivor = _stub(second)
    later = wait_for(
        lambda: (
            (
                t := survivor.GetTask(
                    pb.GetTaskRequest(caller=ADMIN, task_id=task.task_id), timeout=5
                )
            ).wave
            >= 3
            and t
        ),
        timeout_s=30,
        what="waves 2 and 3 from the surviving replica",
    )
    assert [(o.member_id, o.wave) for o in later.offers][:3] == [
        (members[0], 1),
        (members[1], 2),
        (members[2], 3),
    ]
    with MongoClient(mongodb_uri) as client:
        holders = {
            lease["holder"]
            for lease in client[second.database]["task_leases"].find(
                {"task_id": task.task_id, "_id": {"$ne": f"{task.task_id}:0:0"}}
            )
        }
    assert holders == {"replica-b"}


def test_dispatch_to_points_through_the_gateway_in_cluster_mode(cluster: Cluster) -> None:
    api = cluster.api
    admin = cluster.admin_token()
    spot = (30.3, 121.0)
    member_id, token, _ = verified_member(api, admin)
    assert api.post("/api/v1/duty/start", token=token).status == 200
    api.post(
        "/api/v1/location", {"fixes": [fix_at(spot[0] + 0.001, spot[1], accuracy_m=5)]}, token=token
    )
    created = wait_for(
        lambda: (
            (
                r := api.post(
                    "/api/v1/tasks",
                    {
                        "title": "Injured cyclist",
                        "priority": 1,
                        "location": {"lat": spot[0], "lon": spot[1]},
                        "target": {"mode": "nearest", "count": 1},
                    },
                    token=admin,
                )
            ).body.get("offers")
            and r
        ),
        timeout_s=20,
        what="the member in the live view",
    )
    task_id = created.body["task_id"]
    assert [o["member_id"] for o in created.body["offers"]] == [member_id]
    assert api.post(f"/api/v1/tasks/{task_id}/claim", token=token).status == 200
    assert api.post(f"/api/v1/tasks/{task_id}/arrive", token=token).body["status"] == "on_scene"
    assert (
        api.post(f"/api/v1/tasks/{task_id}/complete", {"note": "ambulance came"}, token=token).body[
            "status"
        ]
        == "resolved"
    )
    assert api.post(f"/api/v1/tasks/{task_id}/confirm", token=admin).body["status"] == "closed"
    points = wait_for(
        lambda: (b := api.get("/api/v1/points/me", token=token).body).get("balance") and b,
        timeout_s=30,
        what="points for the closed task",
    )
    assert points["balance"] >= created.body["points"]
    assert points["entries"][0]["ref"] == task_id
