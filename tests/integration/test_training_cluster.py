"""Training in cluster mode: every service its own process, real Kafka, real FerretDB. An
instructor's roll call reaches a trainee's /stream through shouwang.training.v1 and the gateway;
check-ins are decided from the fixes the location process keeps (present inside the site, refused
with the distance 1 km away), and the class report reads the result back from FerretDB.

The gateway's cluster entry point does not pass TRAINING_ADDR yet, so the training calls go to
the training process over gRPC, as the gateway would make them."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from shouwang.clock import to_timestamp
from shouwang.errors import InvalidArgument
from shouwang.rpc import connect
from shouwang.training.v1 import training_pb2 as pb
from shouwang.training.v1.training_pb2_grpc import TrainingServiceStub
from tests.e2e.test_stream import SseClient
from tests.support.api import fix_at, verified_member, wait_for
from tests.support.cluster import Cluster

API = "/api/v1"
SITE = (31.2, 121.5)
METRES_PER_DEGREE = 111_195


def test_a_roll_call_on_real_kafka_and_ferretdb(cluster: Cluster) -> None:
    api, admin = cluster.api, cluster.admin_token()
    admin_id = api.get(f"{API}/me", token=admin).body["member_id"]
    training = TrainingServiceStub(
        connect(f"127.0.0.1:{cluster['training'].grpc_port}", timeout_s=15)
    )
    officer = pb.Caller(member_id=admin_id, roles=["admin"], city_wide=True)
    instructor = pb.Caller(member_id=verified_member(api, admin)[0], roles=["member"])
    trainees = []
    for offset_m in (50, 1200):  # the site's radius is 200 m
        member_id, token, _ = verified_member(api, admin)
        assert api.post(f"{API}/duty/start", token=token).status == 200
        fix = fix_at(SITE[0] + offset_m / METRES_PER_DEGREE, SITE[1], accuracy_m=5)
        assert api.post(f"{API}/location", {"fixes": [fix]}, token=token).status == 202
        trainees.append((member_id, token))
    now = datetime.now(UTC)
    cohort = training.CreateCohort(
        pb.CreateCohortRequest(
            caller=officer,
            name="第1期",
            site=pb.Site(name="基地", location=pb.Point(lat=SITE[0], lon=SITE[1]), radius_m=200),
            starts_on=now.date().isoformat(),
            ends_on=(now + timedelta(days=4)).date().isoformat(),
            instructor_ids=[instructor.member_id],
            sessions=[
                pb.Session(
                    starts_at=to_timestamp(now),
                    ends_at=to_timestamp(now + timedelta(hours=2)),
                    kind="training",
                )
            ],
        )
    )
    training.EnrolTrainees(
        pb.EnrolTraineesRequest(
            caller=officer, cohort_id=cohort.cohort_id, member_ids=[m for m, _ in trainees]
        )
    )
    base_url = f"http://127.0.0.1:{cluster['gateway'].http_port}"
    stream = SseClient.open(
        base_url, f"{API}/stream", {"Authorization": f"Bearer {trainees[0][1]}"}
    )
    try:
        assert stream.status == 200
        rollcall = training.OpenRollcall(
            pb.OpenRollcallRequest(
                caller=instructor,
                cohort_id=cohort.cohort_id,
                session_id=cohort.sessions[0].session_id,
            )
        )
        stream.wait_for_event(
            "shouwang.rollcall.opened", lambda e: e.data["rollcall_id"] == rollcall.rollcall_id
        )

        def check_in(member_id: str) -> pb.CheckInResult | InvalidArgument | None:
            request = pb.CheckInRequest(
                caller=pb.Caller(member_id=member_id, roles=["member"]),
                rollcall_id=rollcall.rollcall_id,
            )
            try:
                return training.CheckIn(request)
            except InvalidArgument as refused:  # until the fix reaches the track
                return None if "no position" in refused.detail else refused

        present = wait_for(lambda: check_in(trainees[0][0]), timeout_s=30, what="a check-in")
        assert isinstance(present, pb.CheckInResult) and present.status == "present"
        away = wait_for(lambda: check_in(trainees[1][0]), timeout_s=30, what="a refusal")
        assert isinstance(away, InvalidArgument)
        assert 990 <= int(away.errors[0].message) <= 1010  # 1,200 m out, 200 m radius
    finally:
        stream.close()

    report = training.CohortReport(pb.CohortRequest(caller=officer, cohort_id=cohort.cohort_id))
    statuses = {t.member_id: t.sessions[0].status for t in report.trainees}
    assert statuses == {trainees[0][0]: "present", trainees[1][0]: "absent"}
