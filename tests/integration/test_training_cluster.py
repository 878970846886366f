"""Training in cluster mode: every service its own process, real Kafka, real FerretDB. An
instructor's roll call reaches a trainee's /stream through shouwang.training.v1 and the gateway;
check-ins are decided from the fixes the location process keeps (present inside the site, refused
with the distance 1 km away), and the class report reads the result back from FerretDB. A roster
shift under way gets its minutes present from the fixes the member posts through the gateway.

The roll-call test calls the training process over gRPC, as the gateway would; the shift test goes
through the gateway's HTTP API."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

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
LOCAL_TZ = ZoneInfo("Asia/Shanghai")  # where roster windows are wall-clock times


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


def test_a_shifts_attendance_on_real_kafka_and_ferretdb(cluster: Cluster) -> None:
    api, admin = cluster.api, cluster.admin_token()
    station = api.post(f"{API}/orgs", {"name": "塘下派出所", "kind": "station"}, token=admin)
    unit = api.post(
        f"{API}/orgs",
        {"name": "万达商场", "kind": "team", "parent_id": station.body["org_id"]},
        token=admin,
    ).body["org_id"]
    keeper_id, keeper, _ = verified_member(api, admin, team_id=unit)
    local = datetime.now(LOCAL_TZ)
    started, ends = local - timedelta(minutes=30), local + timedelta(minutes=90)
    if started.date() != local.date() or ends.date() != local.date():
        pytest.skip("the window would cross midnight in Asia/Shanghai")  # a few minutes a day
    draft = {
        "name": "商场联防",
        "org_ids": [unit],
        "area": {"center": {"lat": SITE[0], "lon": SITE[1]}, "radius_m": 300},
        "shifts": {
            "weekdays": [local.isoweekday()],
            "from": started.strftime("%H:%M"),
            "to": ends.strftime("%H:%M"),
        },
        "starts_on": local.date().isoformat(),
    }
    created = api.post(f"{API}/rosters", draft, token=admin)
    assert created.status == 201, created.body
    assert [s["member_id"] for s in created.body["generated"]] == [keeper_id]
    assert api.post(f"{API}/duty/start", token=keeper).status == 200
    fixes = [fix_at(*SITE, ago_s=ago, accuracy_m=5) for ago in (600, 420, 240, 60)]
    assert api.post(f"{API}/location", {"fixes": fixes}, token=keeper).status == 202

    def attended() -> int | None:
        minutes = api.get(f"{API}/shifts", token=keeper).body["shifts"][0]["minutes_present"]
        return minutes if minutes and minutes >= 9 else None

    # 3 minutes after each of the first three fixes, and the last one's minute up to now
    assert wait_for(attended, timeout_s=30, what="the fixes in the track") in (9, 10)
    hours = api.get(f"{API}/stats/roster-hours?org_id={unit}", token=admin)
    assert hours.status == 200, hours.body
    assert [
        (m["member_id"], m["shifts"], m["scheduled_minutes"]) for m in hours.body["members"]
    ] == [(keeper_id, 1, 120)]
