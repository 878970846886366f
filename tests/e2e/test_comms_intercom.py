"""#15 finished, end to end in a real in-process all-in-one: a bulletin with ``sms`` texted
through the file adapter to the members of its audience who have a phone (numbers looked up in
identity by comms' signed call, never in comms' documents, the delivery log, events or logs);
push-to-talk clips uploaded, validated and measured, announced live on the group's streams and
kept in its history; a cohort's group made of its trainees and instructors."""

from __future__ import annotations

import json
import logging
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

import allinone
from allinone.composition import SMS_FILE
from tests.e2e.test_dispatch_api import upload_photo
from tests.e2e.test_stream import HEARTBEAT_S, Shouwang
from tests.e2e.test_training_api import SITE, week
from tests.support.api import verified_member, wait_for

API = "/api/v1"
ADMIN_PHONE = "13800000000"
ADMIN_PASSWORD = "Admin-Password-1"
CLIPS = Path(__file__).resolve().parents[1] / "support" / "voice"


class App(Shouwang):
    data_dir: Path

    def texts(self) -> list[dict[str, Any]]:
        path = self.data_dir / SMS_FILE
        if not path.exists():
            return []
        return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]


@pytest.fixture(scope="module")
def app(tmp_path_factory: pytest.TempPathFactory) -> Iterator[App]:
    data_dir = tmp_path_factory.mktemp("intercom")
    with pytest.MonkeyPatch.context() as env:
        env.setenv("SHOUWANG_ADMIN_PHONE", ADMIN_PHONE)
        env.setenv("SHOUWANG_ADMIN_PASSWORD", ADMIN_PASSWORD)
        running = allinone.start(port=0, data_dir=data_dir)
    running.gateway.hub.heartbeat_s = HEARTBEAT_S
    shouwang = App(running)
    shouwang.data_dir = data_dir
    try:
        yield shouwang
    finally:
        for client in shouwang.clients:
            client.close()
        running.stop()


def upload(app: Shouwang, token: str, data: bytes) -> tuple[int, dict[str, Any]]:
    boundary = "shouwang-voice-test"
    body = (
        (
            f'--{boundary}\r\nContent-Disposition: form-data; name="file"; filename="ptt"\r\n'
            "Content-Type: application/octet-stream\r\n\r\n"
        ).encode()
        + data
        + f"\r\n--{boundary}--\r\n".encode()
    )
    request = urllib.request.Request(f"{app.api.base_url}{API}/media", data=body, method="POST")
    request.add_header("Content-Type", f"multipart/form-data; boundary={boundary}")
    request.add_header("Authorization", f"Bearer {token}")
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as error:
        return error.code, json.loads(error.read() or b"{}")


def fetch(app: Shouwang, token: str, media_id: str) -> tuple[int, str, bytes]:
    request = urllib.request.Request(f"{app.api.base_url}{API}/media/{media_id}")
    request.add_header("Authorization", f"Bearer {token}")
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            return response.status, response.headers["Content-Type"], response.read()
    except urllib.error.HTTPError as error:
        return error.code, "", b""


def test_a_bulletin_with_sms_texts_the_audience_with_phones_and_keeps_no_number(
    app: App, caplog: pytest.LogCaptureFixture
):
    team = app.org("team", app.station)
    people = [verified_member(app.api, app.admin.token, team_id=team) for _ in range(2)]
    _, _, elsewhere = verified_member(app.api, app.admin.token, team_id=app.team)
    officer = app.officer(app.station)
    draft = {
        "kind": "alert",
        "title": "暴雨预警：地下通道积水",
        "body": "请绕行。",
        "audience": {"org_ids": [team]},
        "sms": True,
    }
    with caplog.at_level(logging.DEBUG):
        reply = app.api.post(f"{API}/bulletins", draft, token=officer.token)
        assert reply.status == 201 and reply.body["sms"] is True, reply.body
        bulletin_id = reply.body["bulletin_id"]
        sent = wait_for(
            lambda: [t for t in app.texts() if t["reference"] == bulletin_id] or None,
            what="the bulletin's texts",
        )
        wait_for(lambda: len([t for t in app.texts() if t["reference"] == bulletin_id]) == 2)
    sent = [t for t in app.texts() if t["reference"] == bulletin_id]
    assert sorted(t["to"] for t in sent) == sorted("+86" + p["phone"] for _, _, p in people)
    assert all(
        t["text"] == "【守望】预警：暴雨预警：地下通道积水。详见守望App。回复TD退订" for t in sent
    )

    store = app.running.adapters.store
    log = store.collection("comms_sms_log").find({"reference": bulletin_id})
    assert sorted(d["member_id"] for d in log) == sorted(m for m, _, _ in people)
    assert {d["status"] for d in log} == {"sent"}
    phones = [p["phone"] for _, _, p in people] + [elsewhere["phone"]]
    comms_documents = "\n".join(
        json.dumps(d, ensure_ascii=False)
        for name in (
            "comms_sms_log",
            "comms_sms_counts",
            "comms_sms_queue",
            "comms_bulletins",
            "comms_bulletin_recipients",
        )
        for d in store.collection(name).find({})
    )
    events = (app.data_dir / "events.sqlite3").read_bytes()
    logged = "\n".join(r.getMessage() + json.dumps(r.__dict__, default=str) for r in caplog.records)
    for phone in phones:
        assert phone not in comms_documents
        assert phone.encode() not in events and phone[3:].encode() not in events
        assert phone not in logged
    # Identity audited each read of a number (the members see it in their export).
    audit = store.collection("pii_audit").find({"actor_id": "service:comms"})
    assert sorted(r["member_id"] for r in audit) == sorted(m for m, _, _ in people)


def test_push_to_talk_clips_are_measured_announced_live_and_kept(app: App):
    leader, other, outsider = app.member(), app.member(), app.member()
    officer = app.officer(app.station)
    group = app.api.post(
        f"{API}/groups",
        {"name": "夜巡一组", "member_ids": [leader.member_id, other.member_id]},
        token=officer.token,
    )
    assert group.status == 201, group.body
    group_id = group.body["group_id"]
    listening = app.open_stream(other)

    status, stored = upload(app, leader.token, (CLIPS / "clip.webm").read_bytes())
    assert status == 201, stored
    assert (stored["content_type"], stored["duration_ms"]) == ("audio/webm", 1500)
    status, ogg = upload(app, leader.token, (CLIPS / "clip.ogg").read_bytes())
    assert status == 201 and (ogg["content_type"], ogg["duration_ms"]) == ("audio/ogg", 1500)
    assert upload(app, leader.token, (CLIPS / "long.webm").read_bytes())[0] == 413
    assert upload(app, leader.token, (CLIPS / "clip.webm").read_bytes()[:5000])[0] == 415

    for media_id in (stored["media_id"], ogg["media_id"]):
        posted = app.api.post(
            f"{API}/groups/{group_id}/messages", {"voice_media_id": media_id}, token=leader.token
        )
        assert posted.status == 201, posted.body
        assert (
            posted.body["voice_media_id"] == media_id and posted.body["voice_duration_ms"] == 1500
        )
    heard = listening.wait_for_event(
        "shouwang.group.message", lambda e: e.data.get("voice_media_id") == stored["media_id"]
    )
    assert heard.data["voice_duration_ms"] == 1500 and heard.data["sender_id"] == leader.member_id
    listening.wait_for_event(
        "shouwang.group.message", lambda e: e.data.get("voice_media_id") == ogg["media_id"]
    )
    pushed = [e.data["voice_media_id"] for e in listening.of_type("shouwang.group.message")]
    assert pushed == [stored["media_id"], ogg["media_id"]]  # in the order they were sent

    status, content_type, data = fetch(app, other.token, stored["media_id"])
    assert (status, content_type) == (200, "audio/webm")
    assert data == (CLIPS / "clip.webm").read_bytes()
    assert fetch(app, outsider.token, stored["media_id"])[0] == 404
    history = app.api.get(f"{API}/groups/{group_id}/messages", token=other.token).body
    assert [m["voice_media_id"] for m in history["messages"]] == [
        ogg["media_id"],
        stored["media_id"],
    ]

    photo = upload_photo(app.api, leader.token)
    for wrong in (
        photo,
        upload(app, other.token, (CLIPS / "clip.ogg").read_bytes())[1]["media_id"],
    ):
        refused = app.api.post(
            f"{API}/groups/{group_id}/messages", {"voice_media_id": wrong}, token=leader.token
        )
        assert refused.status == 422 and refused.body["errors"][0]["field"] == "voice_media_id"
    # A clip is not a photo: evidence and pictures name photos only.
    refused = app.api.post(
        f"{API}/groups/{group_id}/messages", {"media_ids": [stored["media_id"]]}, token=leader.token
    )
    assert refused.status == 422 and refused.body["errors"][0]["field"] == "media_ids[0]"


def test_a_cohort_group_holds_its_trainees_and_instructors(app: App):
    officer, instructor = app.officer(app.station), app.member()
    trainees = [app.member() for _ in range(3)]
    draft = {
        "name": "群组第1期",
        "site": {"name": "基地", "location": {"lat": SITE[0], "lon": SITE[1]}, "radius_m": 200},
        "starts_on": "2026-09-07",
        "ends_on": "2026-09-11",
        "instructor_ids": [instructor.member_id],
        "sessions": week(),
    }
    cohort = app.api.post(f"{API}/cohorts", draft, token=officer.token)
    assert cohort.status == 201, cohort.body
    cohort_id = cohort.body["cohort_id"]
    enrolled = app.api.post(
        f"{API}/cohorts/{cohort_id}/trainees",
        {"member_ids": [t.member_id for t in trainees]},
        token=officer.token,
    )
    assert enrolled.status == 200, enrolled.body
    stream = app.open_stream(trainees[0])
    group = app.api.post(
        f"{API}/groups", {"name": "群组第1期", "cohort_id": cohort_id}, token=officer.token
    )
    assert group.status == 201, group.body
    assert group.body["cohort_id"] == cohort_id
    assert sorted(group.body["member_ids"]) == sorted(
        [instructor.member_id, *(t.member_id for t in trainees)]
    )
    stream.wait_for_event(
        "shouwang.group.created", lambda e: e.data["group_id"] == group.body["group_id"]
    )
    other_station = app.officer(app.org("station"))
    refused = app.api.post(
        f"{API}/groups", {"name": "x", "cohort_id": cohort_id}, token=other_station.token
    )
    assert refused.status == 422 and refused.body["errors"][0]["field"] == "cohort_id"


def test_a_cohort_group_takes_in_trainees_enrolled_after_it_was_made(app: App):
    officer, instructor, first, later = (app.officer(app.station), *(app.member() for _ in "abc"))
    draft = {
        "name": "群组第2期",
        "site": {"name": "基地", "location": {"lat": SITE[0], "lon": SITE[1]}, "radius_m": 200},
        "starts_on": "2026-09-14",
        "ends_on": "2026-09-18",
        "instructor_ids": [instructor.member_id],
        "sessions": week(),
    }
    cohort_id = app.api.post(f"{API}/cohorts", draft, token=officer.token).body["cohort_id"]

    def enrol(member_id: str) -> None:
        reply = app.api.post(
            f"{API}/cohorts/{cohort_id}/trainees", {"member_ids": [member_id]}, token=officer.token
        )
        assert reply.status == 200, reply.body

    enrol(first.member_id)
    group = app.api.post(
        f"{API}/groups", {"name": "群组第2期", "cohort_id": cohort_id}, token=officer.token
    )
    assert group.status == 201, group.body
    group_id = group.body["group_id"]
    stream = app.open_stream(later)

    enrol(later.member_id)

    def their_groups() -> list[str]:
        return [
            g["group_id"] for g in app.api.get(f"{API}/groups", token=later.token).body["groups"]
        ]

    assert wait_for(their_groups, what="the group in the new trainee's list") == [group_id]
    said = app.api.post(
        f"{API}/groups/{group_id}/messages", {"text": "明早七点集合"}, token=first.token
    )
    assert said.status == 201, said.body
    pushed = stream.wait_for_event(
        "shouwang.group.message", lambda e: e.data["message_id"] == said.body["message_id"]
    )
    assert pushed.data["text"] == "明早七点集合"
    members = app.api.get(f"{API}/groups", token=officer.token).body["groups"]
    mine = next(g for g in members if g["group_id"] == group_id)
    assert sorted(mine["member_ids"]) == sorted(
        [instructor.member_id, first.member_id, later.member_id]
    )
