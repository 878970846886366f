"""Comms in cluster mode: every service its own process, real Kafka, real FerretDB. A bulletin
drawn around a member on duty reaches their stream through shouwang.bulletins.v1 and the gateway
(and not the stream of a member just outside); a quiz answer credits points once through
shouwang.quizzes.v1; a bulletin with sms is texted to its audience through identity's signed
phone lookup (PHONE_LOOKUP_KEY in both processes) and the file provider."""

from __future__ import annotations

import json
from pathlib import Path

from tests.e2e.test_stream import SseClient
from tests.support.api import fix_at, verified_member, wait_for
from tests.support.cluster import Cluster

API = "/api/v1"
METRES_PER_DEGREE = 111_195


def test_a_bulletin_reaches_the_stream_of_a_member_inside_its_area_on_real_kafka(
    cluster: Cluster,
) -> None:
    api, admin = cluster.api, cluster.admin_token()
    spot = (30.9, 121.4)
    members = []
    for offset_m in (150, 250):  # the circle's radius is 200 m
        member_id, token, _ = verified_member(api, admin)
        assert api.post(f"{API}/duty/start", token=token).status == 200
        fix = fix_at(spot[0] + offset_m / METRES_PER_DEGREE, spot[1], accuracy_m=5)
        assert api.post(f"{API}/location", {"fixes": [fix]}, token=token).status == 202
        members.append((member_id, token))
    base_url = f"http://127.0.0.1:{cluster['gateway'].http_port}"
    streams = [
        SseClient.open(base_url, f"{API}/stream", {"Authorization": f"Bearer {token}"})
        for _, token in members
    ]
    try:
        assert [s.status for s in streams] == [200, 200]
        area = {"center": {"lat": spot[0], "lon": spot[1]}, "radius_m": 200}
        draft = {
            "kind": "alert",
            "title": "Gas leak",
            "body": "Keep clear of Block 5.",
            "audience": {"area": area},
        }

        def published() -> dict | None:  # once location's live view holds the member
            reply = api.post(f"{API}/bulletins", draft, token=admin)
            assert reply.status == 201, reply.body
            return reply.body if reply.body["recipient_count"] >= 1 else None

        bulletin = wait_for(published, timeout_s=30, interval_s=1.0, what="a bulletin reaching one")
        assert bulletin["recipient_count"] == 1
        streams[0].wait_for_event(
            "shouwang.bulletin.published",
            lambda e: e.data["bulletin_id"] == bulletin["bulletin_id"],
        )
        # A second bulletin reaching both, published after the first was pushed: once the member
        # outside has it, the gateway had placed the first long before, and not with them.
        wider = {**draft, "audience": {**draft["audience"], "area": {**area, "radius_m": 400}}}
        second = api.post(f"{API}/bulletins", wider, token=admin).body
        assert second["recipient_count"] == 2, second
        streams[1].wait_for_event(
            "shouwang.bulletin.published", lambda e: e.data["bulletin_id"] == second["bulletin_id"]
        )
        assert [
            e.data["bulletin_id"] for e in streams[1].of_type("shouwang.bulletin.published")
        ] == [second["bulletin_id"]]
        inbox = api.get(f"{API}/bulletins", token=members[0][1]).body["bulletins"]
        assert bulletin["bulletin_id"] in [b["bulletin_id"] for b in inbox]
    finally:
        for stream in streams:
            stream.close()


def test_a_quiz_answer_credits_points_once_on_real_kafka(cluster: Cluster) -> None:
    api, admin = cluster.api, cluster.admin_token()
    _, token, _ = verified_member(api, admin)
    quiz = api.post(
        f"{API}/quizzes",
        {
            "title": "110",
            "questions": [{"text": "Police?", "choices": ["110", "119"], "answer": 0}],
        },
        token=admin,
    )
    assert quiz.status == 201, quiz.body
    before = wait_for(
        lambda: (r := api.get(f"{API}/points/me", token=token)).status == 200 and r,
        what="the member's points account",
    ).body["balance"]
    answered = api.post(
        f"{API}/quizzes/{quiz.body['quiz_id']}/answers", {"answers": [0]}, token=token
    )
    assert answered.status == 200 and answered.body["correct"] == 1, answered.body
    assert (
        api.post(f"{API}/quizzes/{quiz.body['quiz_id']}/answers", {"answers": [0]}, token=token)
    ).status == 409
    after = wait_for(
        lambda: (b := api.get(f"{API}/points/me", token=token).body["balance"]) > before and b,
        timeout_s=30,
        what="the quiz's points",
    )
    entries = api.get(f"{API}/points/me", token=token).body["entries"]
    assert [e["ref"] for e in entries].count(quiz.body["quiz_id"]) == 1
    assert after - before == entries[0]["delta"]


def test_a_bulletin_with_sms_is_texted_across_processes(cluster: Cluster) -> None:
    api, admin = cluster.api, cluster.admin_token()
    station = api.post(f"{API}/orgs", {"name": "SMS station", "kind": "station"}, token=admin)
    team = api.post(
        f"{API}/orgs",
        {"name": "SMS team", "kind": "team", "parent_id": station.body["org_id"]},
        token=admin,
    )
    assert team.status == 201, team.body
    people = [verified_member(api, admin, team_id=team.body["org_id"]) for _ in range(2)]
    draft = {
        "kind": "case_notice",
        "title": "Bicycle thefts",
        "body": "Lock your bicycles.",
        "audience": {"org_ids": [team.body["org_id"]]},
        "sms": True,
    }
    reply = api.post(f"{API}/bulletins", draft, token=admin)
    assert reply.status == 201 and reply.body["sms"] is True, reply.body
    outbox = Path(cluster["comms"].env["SMS_FILE"])

    def texts() -> list[dict]:
        if not outbox.exists():
            return []
        lines = outbox.read_text(encoding="utf-8").splitlines()
        mine = [json.loads(line) for line in lines]
        return [t for t in mine if t["reference"] == reply.body["bulletin_id"]]

    sent = wait_for(lambda: len(texts()) == 2 and texts(), timeout_s=30, what="two texts")
    assert sorted(t["to"] for t in sent) == sorted("+86" + p["phone"] for _, _, p in people)
