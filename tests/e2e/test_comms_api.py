"""CONTRACT.md "Bulletins, knowledge and quizzes" end to end: a real in-process all-in-one,
members on duty from real fixes, bulletins on real SSE streams, quizzes credited by the real
points service."""

from __future__ import annotations

import urllib.request
from collections.abc import Iterator
from typing import Any

import pytest

import allinone
from tests.e2e.test_dispatch_api import upload_photo
from tests.e2e.test_stream import HEARTBEAT_S, Member, Shouwang, next_spot
from tests.support.api import verified_member, wait_for

API = "/api/v1"
ADMIN_PHONE = "13800000000"
ADMIN_PASSWORD = "Admin-Password-1"
METRES_PER_DEGREE = 111_195


@pytest.fixture(scope="module")
def app(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Shouwang]:
    with pytest.MonkeyPatch.context() as env:
        env.setenv("SHOUWANG_ADMIN_PHONE", ADMIN_PHONE)
        env.setenv("SHOUWANG_ADMIN_PASSWORD", ADMIN_PASSWORD)
        running = allinone.start(port=0, data_dir=tmp_path_factory.mktemp("comms"))
    running.gateway.hub.heartbeat_s = HEARTBEAT_S
    shouwang = Shouwang(running)
    try:
        yield shouwang
    finally:
        for client in shouwang.clients:
            client.close()
        running.stop()


def square(lat: float, lon: float, north_m: float) -> dict[str, Any]:
    """From (lat, lon) to ``north_m`` metres north of it, 0.002° wide."""
    top = lat + north_m / METRES_PER_DEGREE
    ring = [[lon - 0.001, lat], [lon + 0.001, lat], [lon + 0.001, top], [lon - 0.001, top]]
    return {"type": "Polygon", "coordinates": [[*ring, ring[0]]]}


def bulletins(app: Shouwang, member: Member, query: str = "") -> list[dict[str, Any]]:
    reply = app.api.get(f"{API}/bulletins{query}", token=member.token)
    assert reply.status == 200, reply.body
    return reply.body["bulletins"]


def test_a_bulletin_to_a_drawn_area_reaches_those_just_inside_and_is_read_once(app: Shouwang):
    lat, lon = next_spot()
    inside = app.on_duty_at(lat + 495 / METRES_PER_DEGREE, lon)
    outside = app.on_duty_at(lat + 505 / METRES_PER_DEGREE, lon)
    inside_stream, outside_stream = app.open_stream(inside), app.open_stream(outside)
    officer = app.officer(app.station)
    draft = {
        "kind": "wanted",
        "title": "协查通报",
        "body": "Seen near the market at 21:00.",
        "audience": {"area": square(lat, lon, 500)},
    }
    reply = app.api.post(f"{API}/bulletins", draft, token=officer.token)
    assert reply.status == 201, reply.body
    bulletin = reply.body
    assert bulletin["recipient_count"] == 1 and bulletin["read_count"] == 0

    pushed = inside_stream.wait_for_event(
        "shouwang.bulletin.published", lambda e: e.data["bulletin_id"] == bulletin["bulletin_id"]
    )
    assert pushed.data["title"] == "协查通报" and "recipient_ids" not in pushed.data
    outside_stream.drain()
    assert outside_stream.of_type("shouwang.bulletin.published") == []

    listed = bulletins(app, inside)
    assert [(b["bulletin_id"], b["read"]) for b in listed] == [(bulletin["bulletin_id"], False)]
    assert "read_count" not in listed[0] or listed[0]["read_count"] is None
    assert bulletins(app, outside) == []
    assert (
        app.api.post(f"{API}/bulletins/{bulletin['bulletin_id']}/read", token=outside.token).status
        == 404
    )
    for _ in range(2):
        read = app.api.post(f"{API}/bulletins/{bulletin['bulletin_id']}/read", token=inside.token)
        assert read.status == 200 and read.body["read"] is True, read.body
    assert [b["read"] for b in bulletins(app, inside, "?kind=wanted")] == [True]
    assert bulletins(app, inside, "?kind=news") == []
    mine = [b for b in bulletins(app, officer) if b["bulletin_id"] == bulletin["bulletin_id"]]
    assert (mine[0]["recipient_count"], mine[0]["read_count"]) == (1, 1)


def test_a_bulletin_to_a_station_reaches_its_teams_members_only(app: Shouwang):
    station = app.org("station")
    team, other_team = app.org("team", station), app.org("team", app.station)
    members = [verified_member(app.api, app.admin.token, team_id=team)[0] for _ in range(2)]
    verified_member(app.api, app.admin.token, team_id=other_team)
    officer = app.officer(station)
    draft = {"kind": "news", "title": "t", "body": "b", "audience": {"org_ids": [station]}}
    reply = app.api.post(f"{API}/bulletins", draft, token=officer.token)
    assert reply.status == 201 and reply.body["recipient_count"] == len(members), reply.body


def test_bulletins_refuse_others_media_and_bad_audiences(app: Shouwang):
    officer, member = app.officer(app.station), app.member()
    base = {"kind": "alert", "title": "t", "body": "b", "audience": {"everyone": True}}
    assert app.api.post(f"{API}/bulletins", base, token=member.token).status == 403
    foreign = app.api.post(
        f"{API}/bulletins", {**base, "media_ids": ["not-an-upload"]}, token=officer.token
    )
    assert foreign.status == 422, foreign.body
    nobody = app.api.post(f"{API}/bulletins", {**base, "audience": {}}, token=officer.token)
    assert nobody.status == 422, nobody.body
    bad_kind = app.api.post(f"{API}/bulletins", {**base, "kind": "gossip"}, token=officer.token)
    assert bad_kind.status == 422


def test_a_quiz_answered_twice_scores_and_credits_once(app: Shouwang):
    officer, member = app.officer(app.station), app.member()
    quiz = {
        "title": "防诈骗",
        "questions": [
            {"text": "Share an SMS code?", "choices": ["yes", "no"], "answer": 1},
            {"text": "Police ask for transfers?", "choices": ["never", "sometimes"], "answer": 0},
        ],
        "points_per_correct": 5,
    }
    created = app.api.post(f"{API}/quizzes", quiz, token=officer.token)
    assert created.status == 201, created.body
    quiz_id = created.body["quiz_id"]
    assert [q["answer"] for q in created.body["questions"]] == [1, 0]

    listed = app.api.get(f"{API}/quizzes?open=true", token=member.token)
    assert listed.status == 200, listed.body
    mine = [q for q in listed.body["quizzes"] if q["quiz_id"] == quiz_id]
    assert [q.get("answer") for q in mine[0]["questions"]] == [None, None]

    before = app.api.get(f"{API}/points/me", token=member.token).body["balance"]
    answer = app.api.post(
        f"{API}/quizzes/{quiz_id}/answers", {"answers": [1, 0]}, token=member.token
    )
    assert answer.status == 200, answer.body
    assert (answer.body["correct"], answer.body["total"], answer.body["points"]) == (2, 2, 10)
    again = app.api.post(
        f"{API}/quizzes/{quiz_id}/answers", {"answers": [1, 0]}, token=member.token
    )
    assert again.status == 409, again.body

    def credited() -> int:
        return app.api.get(f"{API}/points/me", token=member.token).body["balance"] - before

    gained = wait_for(credited, what="the quiz's points")
    app.open_stream(member).drain()  # time for a second credit, were there one
    assert credited() == gained > 0
    late = app.api.post(
        f"{API}/quizzes/{quiz_id}/answers", {"answers": [9, 0]}, token=app.member().token
    )
    assert late.status == 422


def test_a_group_talks_live_and_membership_changes_take_effect_at_once(app: Shouwang):
    officer = app.officer(app.station)
    a, b, c = app.member(), app.member(), app.member()
    created = app.api.post(
        f"{API}/groups",
        {"name": "夜市巡逻", "member_ids": [a.member_id, b.member_id]},
        token=officer.token,
    )
    assert created.status == 201, created.body
    group_id = created.body["group_id"]
    assert app.api.post(f"{API}/groups", {"name": "x"}, token=a.token).status == 403
    streams = {m.member_id: app.open_stream(m) for m in (a, b, c)}

    def said(text: str, by: Member = a, **extra: Any) -> dict[str, Any]:
        reply = app.api.post(
            f"{API}/groups/{group_id}/messages", {"text": text, **extra}, token=by.token
        )
        assert reply.status == 201, reply.body
        return reply.body

    first = said("穿红衣服的人往北走了", location={"lat": 30.5, "lon": 120.1})
    pushed = streams[b.member_id].wait_for_event(
        "shouwang.group.message", lambda e: e.data["message_id"] == first["message_id"]
    )
    assert pushed.data["text"] == "穿红衣服的人往北走了" and "recipient_ids" not in pushed.data
    assert pushed.data["location"] == {"lat": 30.5, "lon": 120.1}

    changed = app.api.post(
        f"{API}/groups/{group_id}/members",
        {"add": [c.member_id], "remove": [b.member_id]},
        token=officer.token,
    )
    assert changed.status == 200, changed.body
    second = said("收到")
    streams[c.member_id].wait_for_event(
        "shouwang.group.message", lambda e: e.data["message_id"] == second["message_id"]
    )
    streams[b.member_id].drain()
    assert [
        e.data["message_id"] for e in streams[b.member_id].of_type("shouwang.group.message")
    ] == [first["message_id"]]
    assert app.api.get(f"{API}/groups/{group_id}/messages", token=b.token).status == 404
    assert [g["group_id"] for g in app.api.get(f"{API}/groups", token=c.token).body["groups"]] == [
        group_id
    ]

    history = app.api.get(f"{API}/groups/{group_id}/messages?limit=1", token=c.token)
    assert history.status == 200, history.body
    assert [m["message_id"] for m in history.body["messages"]] == [second["message_id"]]
    older = app.api.get(
        f"{API}/groups/{group_id}/messages?limit=1&cursor={history.body['next_cursor']}",
        token=c.token,
    )
    assert [m["message_id"] for m in older.body["messages"]] == [first["message_id"]]


def test_officers_draw_on_a_groups_map_live(app: Shouwang):
    officer, member = app.officer(app.station), app.member()
    group_id = app.api.post(
        f"{API}/groups", {"name": "围堵", "member_ids": [member.member_id]}, token=officer.token
    ).body["group_id"]
    stream = app.open_stream(member)
    area = square(30.5, 120.1, 100)
    drawn = app.api.post(
        f"{API}/groups/{group_id}/drawings",
        {
            "type": "Feature",
            "geometry": area,
            "properties": {"label": "封控区", "color": "#ff0000"},
        },
        token=officer.token,
    )
    assert drawn.status == 201, drawn.body
    drawing_id = drawn.body["drawing_id"]
    added = stream.wait_for_event(
        "shouwang.group.drawing",
        lambda e: e.data["drawing_id"] == drawing_id and e.data["change"] == "added",
    )
    assert "封控区" in added.data["feature_geojson"]
    listed = app.api.get(f"{API}/groups/{group_id}/drawings", token=member.token).body
    assert [d["feature"]["properties"]["label"] for d in listed["drawings"]] == ["封控区"]
    assert (
        app.api.post(
            f"{API}/groups/{group_id}/drawings",
            {"type": "Feature", "geometry": area},
            token=member.token,
        ).status
        == 403
    )
    deleted = app.api.call(
        "DELETE", f"{API}/groups/{group_id}/drawings/{drawing_id}", token=officer.token
    )
    assert deleted.status == 200 and deleted.body["deleted"] is True, deleted.body
    stream.wait_for_event(
        "shouwang.group.drawing",
        lambda e: e.data["drawing_id"] == drawing_id and e.data["change"] == "deleted",
    )
    assert app.api.get(f"{API}/groups/{group_id}/drawings", token=member.token).body == {
        "drawings": []
    }


def test_a_claimed_tasks_group_gathers_its_claimant(app: Shouwang):
    lat, lon = next_spot()
    member = app.on_duty_at(lat, lon)
    task = app.dispatch(app.officer(app.station), lat, lon)
    claimed = app.api.post(f"{API}/tasks/{task['task_id']}/claim", token=member.token)
    assert claimed.status == 200, claimed.body

    def task_group() -> dict[str, Any] | None:
        found = app.api.get(f"{API}/groups", token=member.token).body["groups"]
        return next((g for g in found if g["task_id"] == task["task_id"]), None)

    group = wait_for(task_group, what="the task's group")
    assert group["member_ids"] == [member.member_id] and group["ended"] is False
    posted = app.api.post(
        f"{API}/groups/{group['group_id']}/messages", {"text": "on my way"}, token=member.token
    )
    assert posted.status == 201, posted.body


def test_a_knowledge_article_has_a_share_page_anyone_can_open(app: Shouwang):
    officer = app.officer(app.station)
    body = "夜间出行<script>alert(1)</script>注意安全。" + "防范电信诈骗。" * 60
    article = app.api.post(
        f"{API}/bulletins",
        {
            "kind": "knowledge",
            "title": "防诈骗 & 安全",
            "body": body,
            "audience": {"everyone": True},
        },
        token=officer.token,
    ).body
    page = urllib.request.urlopen(f"{app.running.url}{API}/knowledge/{article['bulletin_id']}")
    html = page.read().decode()
    assert page.headers["Content-Type"].startswith("text/html")
    assert "default-src 'none'" in page.headers["Content-Security-Policy"]
    assert "<title>防诈骗 &amp; 安全</title>" in html and "<script>" not in html
    assert "&lt;script&gt;" in html and len(html) < 2000
    assert officer.member_id not in html
    alert = app.api.post(
        f"{API}/bulletins",
        {"kind": "alert", "title": "t", "body": "b", "audience": {"everyone": True}},
        token=officer.token,
    ).body
    assert app.api.get(f"{API}/knowledge/{alert['bulletin_id']}").status == 404
    assert app.api.get(f"{API}/knowledge/nothing-here").status == 404


def test_a_group_photo_opens_for_the_messages_recipients_only(app: Shouwang):
    officer = app.officer(app.station)
    a, b, outsider = app.member(), app.member(), app.member()
    created = app.api.post(
        f"{API}/groups",
        {"name": "现场照片", "member_ids": [a.member_id, b.member_id]},
        token=officer.token,
    )
    group_id = created.body["group_id"]
    photo = upload_photo(app.api, a.token)
    posted = app.api.post(
        f"{API}/groups/{group_id}/messages", {"media_ids": [photo]}, token=a.token
    )
    assert posted.status == 201, posted.body
    assert app.api.get(f"{API}/media/{photo}", token=b.token).status == 200
    assert app.api.get(f"{API}/media/{photo}", token=outsider.token).status == 404


def test_a_bulletin_photo_opens_for_its_recipients_only(app: Shouwang):
    officer = app.officer(app.station)
    reached = app.member()
    other_team = app.org("team", app.org("station"))
    _, elsewhere_token, _ = verified_member(app.api, app.admin.token, team_id=other_team)
    photo = upload_photo(app.api, officer.token)
    draft = {
        "kind": "wanted",
        "title": "协查",
        "body": "见图",
        "media_ids": [photo],
        "audience": {"org_ids": [app.station]},
    }
    assert app.api.post(f"{API}/bulletins", draft, token=officer.token).status == 201
    assert app.api.get(f"{API}/media/{photo}", token=reached.token).status == 200
    assert app.api.get(f"{API}/media/{photo}", token=elsewhere_token).status == 404
