"""Live video and voice through the embedded gateway (CONTRACT.md "Live video and voice"): who
may call whom, the call's states, signals relayed to the other party's stream and nobody else's,
the limits, and the audit."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

import allinone
from tests.e2e.test_stream import (
    ADMIN_PASSWORD,
    ADMIN_PHONE,
    API,
    HEARTBEAT_S,
    Member,
    Shouwang,
    SseClient,
    next_spot,
)

OFFER = {
    "kind": "offer",
    "payload": {"type": "offer", "sdp": "v=0\r\no=- 1 2 IN IP4 127.0.0.1\r\n"},
}
CANDIDATE = {
    "kind": "candidate",
    "payload": {
        "candidate": "candidate:1 1 udp 2122260223 127.0.0.1 50000 typ host",
        "sdpMid": "0",
        "sdpMLineIndex": 0,
    },
}


@pytest.fixture(scope="module")
def app(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Shouwang]:
    with pytest.MonkeyPatch.context() as env:
        env.setenv("SHOUWANG_ADMIN_PHONE", ADMIN_PHONE)
        env.setenv("SHOUWANG_ADMIN_PASSWORD", ADMIN_PASSWORD)
        env.setenv("LIVE_CALL_ICE_SERVERS", '[{"urls": ["stun:stun.example.org:3478"]}]')
        running = allinone.start(port=0, data_dir=tmp_path_factory.mktemp("live-calls"))
    running.gateway.hub.heartbeat_s = HEARTBEAT_S
    shouwang = Shouwang(running)
    try:
        yield shouwang
    finally:
        for client in shouwang.clients:
            client.close()
        running.stop()


def on_duty(app: Shouwang) -> Member:
    return app.on_duty_at(*next_spot())


def call(app: Shouwang, officer: Member, member: Member, **extra: Any) -> dict[str, Any]:
    reply = app.api.post(
        f"{API}/live-calls", {"member_id": member.member_id, **extra}, token=officer.token
    )
    assert reply.status == 201, reply.body
    return reply.body


def act(app: Shouwang, who: Member, call_id: str, action: str, body: Any = None) -> Any:
    return app.api.post(f"{API}/live-calls/{call_id}/{action}", body, token=who.token)


def of_call(stream: SseClient, call_id: str) -> list[str]:
    return [e.type for e in list(stream.events) if e.data.get("call_id") == call_id]


def test_an_officer_calls_the_member_accepts_and_signals_reach_the_other_party_only(
    app: Shouwang,
) -> None:
    officer, member = app.officer(app.station), on_duty(app)
    colleague = app.officer(app.station)
    officer_stream, member_stream = app.open_stream(officer), app.open_stream(member)
    onlookers = [app.open_stream(m) for m in (colleague, app.admin)]

    ringing = call(app, officer, member)
    assert ringing["status"] == "ringing" and ringing["member_id"] == member.member_id
    assert ringing["ice_servers"] == [
        {"urls": ["stun:stun.example.org:3478"], "username": None, "credential": None}
    ]
    call_id = ringing["call_id"]
    rung = member_stream.wait_for_event(
        "shouwang.live_call.ringing", lambda e: e.data["call_id"] == call_id
    )
    assert rung.data["officer_id"] == officer.member_id and "recipient_ids" not in rung.data
    officer_stream.wait_for_event("shouwang.live_call.ringing")

    accepted = act(app, member, call_id, "accept")
    assert accepted.status == 200 and accepted.body["status"] == "connected", accepted.body
    for stream in (officer_stream, member_stream):
        stream.wait_for_event("shouwang.live_call.accepted", lambda e: e.data["call_id"] == call_id)

    relayed = act(app, member, call_id, "signal", OFFER)
    assert relayed.status == 200 and relayed.body["to_member_id"] == officer.member_id
    offer = officer_stream.wait_for_event("shouwang.live_call.signal")
    assert offer.data["kind"] == "offer" and offer.data["payload"] == OFFER["payload"]
    assert offer.data["from_member_id"] == member.member_id
    assert act(app, officer, call_id, "signal", CANDIDATE).status == 200
    candidate = member_stream.wait_for_event("shouwang.live_call.signal")
    assert candidate.data["payload"]["candidate"] == CANDIDATE["payload"]["candidate"]
    assert candidate.data["payload"]["sdpMLineIndex"] == 0

    ended = act(app, officer, call_id, "end")
    assert ended.status == 200 and ended.body["end_reason"] == "hung_up"
    assert ended.body["ended_by"] == officer.member_id
    member_stream.wait_for_event("shouwang.live_call.ended", lambda e: e.data["call_id"] == call_id)
    # Each party had one signal: the other's.
    assert of_call(officer_stream, call_id).count("shouwang.live_call.signal") == 1
    assert of_call(member_stream, call_id).count("shouwang.live_call.signal") == 1
    for stream in onlookers:
        stream.drain()
        assert of_call(stream, call_id) == []


def test_an_officer_of_another_station_is_refused(app: Shouwang) -> None:
    member, elsewhere = on_duty(app), app.officer(app.org("station"))
    reply = app.api.post(
        f"{API}/live-calls", {"member_id": member.member_id}, token=elsewhere.token
    )
    assert reply.status == 403, reply.body


def test_a_member_who_is_no_officer_cannot_call(app: Shouwang) -> None:
    caller, member = on_duty(app), on_duty(app)
    reply = app.api.post(f"{API}/live-calls", {"member_id": member.member_id}, token=caller.token)
    assert reply.status == 403, reply.body


def test_someone_not_in_the_call_cannot_accept_signal_or_end_it(app: Shouwang) -> None:
    officer, member, stranger = app.officer(app.station), on_duty(app), on_duty(app)
    call_id = call(app, officer, member)["call_id"]
    for action, body in (("accept", None), ("signal", OFFER), ("end", None)):
        assert act(app, stranger, call_id, action, body).status == 403, action
    assert app.api.get(f"{API}/live-calls/{call_id}", token=stranger.token).status == 404
    act(app, officer, call_id, "end")


def test_a_second_call_to_a_member_in_a_call_is_a_conflict(app: Shouwang) -> None:
    officer, other_officer, member = (
        app.officer(app.station),
        app.officer(app.station),
        on_duty(app),
    )
    first = call(app, officer, member)["call_id"]
    again = app.api.post(
        f"{API}/live-calls", {"member_id": member.member_id}, token=other_officer.token
    )
    assert again.status == 409, again.body
    act(app, member, first, "end")
    assert call(app, other_officer, member)["status"] == "ringing"


def test_no_signal_after_the_end(app: Shouwang) -> None:
    officer, member = app.officer(app.station), on_duty(app)
    call_id = call(app, officer, member)["call_id"]
    act(app, member, call_id, "accept")
    act(app, member, call_id, "end")
    refused = act(app, officer, call_id, "signal", CANDIDATE)
    assert refused.status == 409, refused.body
    assert act(app, officer, call_id, "end").status == 409


def test_a_declined_call_never_connects(app: Shouwang) -> None:
    officer, member = app.officer(app.station), on_duty(app)
    officer_stream = app.open_stream(officer)
    call_id = call(app, officer, member)["call_id"]
    declined = act(app, member, call_id, "decline")
    assert declined.status == 200 and declined.body["status"] == "declined", declined.body
    assert declined.body["accepted_at"] is None and declined.body["connected_s"] == 0
    officer_stream.wait_for_event(
        "shouwang.live_call.declined", lambda e: e.data["call_id"] == call_id
    )
    assert act(app, member, call_id, "accept").status == 409
    assert act(app, member, call_id, "signal", OFFER).status == 409
    assert "shouwang.live_call.accepted" not in of_call(officer_stream, call_id)


def test_an_oversized_or_malformed_signal_is_refused_naming_the_field(app: Shouwang) -> None:
    officer, member = app.officer(app.station), on_duty(app)
    call_id = call(app, officer, member)["call_id"]
    huge = {"kind": "offer", "payload": {"type": "offer", "sdp": "a" * 40_000}}
    refused = act(app, member, call_id, "signal", huge)
    assert refused.status == 422 and [e["field"] for e in refused.body["errors"]] == [
        "payload.sdp"
    ], refused.body
    mismatched = act(
        app, member, call_id, "signal", {"kind": "answer", "payload": CANDIDATE["payload"]}
    )
    assert mismatched.status == 422
    assert {e["field"] for e in mismatched.body["errors"]} >= {"payload.type", "payload.sdp"}
    unknown = act(app, member, call_id, "signal", {"kind": "bye", "payload": {}})
    assert unknown.status == 422 and unknown.body["errors"][0]["field"] == "kind"
    act(app, officer, call_id, "end")


def test_a_member_off_duty_is_called_only_about_a_task_they_claimed(app: Shouwang) -> None:
    officer = app.officer(app.station)
    lat, lon = next_spot()
    member = app.on_duty_at(lat, lon)
    member_stream = app.open_stream(member)
    task = app.dispatch(officer, lat, lon)
    member_stream.wait_for_event(
        "shouwang.task.offered", lambda e: e.data["task_id"] == task["task_id"]
    )
    assert app.api.post(f"{API}/tasks/{task['task_id']}/claim", token=member.token).status == 200
    assert app.api.post(f"{API}/duty/end", token=member.token).status == 200

    off_duty = app.api.post(
        f"{API}/live-calls", {"member_id": member.member_id}, token=officer.token
    )
    assert off_duty.status == 409, off_duty.body
    about = call(app, officer, member, task_id=task["task_id"])
    assert about["task_id"] == task["task_id"]

    cancelled = app.api.post(f"{API}/tasks/{task['task_id']}/cancel", token=officer.token)
    assert cancelled.status == 200, cancelled.body
    ended = member_stream.wait_for_event(
        "shouwang.live_call.ended", lambda e: e.data["call_id"] == about["call_id"]
    )
    assert ended.data["end_reason"] == "task_ended"


def test_a_task_the_member_did_not_claim_is_refused_naming_it(app: Shouwang) -> None:
    officer, member = app.officer(app.station), on_duty(app)
    lat, lon = next_spot()
    app.on_duty_at(lat, lon)
    task = app.dispatch(officer, lat, lon)
    reply = app.api.post(
        f"{API}/live-calls",
        {"member_id": member.member_id, "task_id": task["task_id"]},
        token=officer.token,
    )
    assert reply.status in (409, 422), reply.body  # not in hand yet, or not the member's
    assert reply.status == 409 or reply.body["errors"][0]["field"] == "task_id"


def test_a_member_suspended_mid_call_is_cut_off(app: Shouwang) -> None:
    officer, member = app.officer(app.station), on_duty(app)
    officer_stream = app.open_stream(officer)
    call_id = call(app, officer, member)["call_id"]
    act(app, member, call_id, "accept")
    suspended = app.api.post(
        f"{API}/members/{member.member_id}/suspend", {"reason": "test"}, token=app.admin.token
    )
    assert suspended.status == 200, suspended.body
    ended = officer_stream.wait_for_event(
        "shouwang.live_call.ended", lambda e: e.data["call_id"] == call_id
    )
    assert ended.data["end_reason"] == "suspended"


def test_every_call_is_audited_who_whom_when_and_how_long(app: Shouwang) -> None:
    officer, member = app.officer(app.station), on_duty(app)
    call_id = call(app, officer, member)["call_id"]
    act(app, member, call_id, "accept")
    act(app, member, call_id, "end")

    page = app.api.get(f"{API}/live-calls?member_id={member.member_id}", token=officer.token)
    assert page.status == 200, page.body
    [entry] = page.body["calls"]
    assert entry["call_id"] == call_id and entry["officer_id"] == officer.member_id
    assert entry["created_at"] <= entry["accepted_at"] <= entry["ended_at"]
    assert entry["connected_s"] >= 0 and entry["end_reason"] == "hung_up"
    assert page.body["next_cursor"] is None
    own = app.api.get(f"{API}/live-calls", token=member.token)
    assert [c["call_id"] for c in own.body["calls"]] == [call_id]
    elsewhere = app.officer(app.org("station"))
    assert app.api.get(f"{API}/live-calls", token=elsewhere.token).body["calls"] == []
