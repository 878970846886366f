"""Live calls in cluster mode (every service its own process, real Kafka, real FerretDB): the
call's changes and signals travel comms -> shouwang.live_calls.internal.v1 -> the gateway -> the
two parties' streams; the member's line holds on FerretDB (a second call is refused until the
first ends); the audit lists the call."""

from __future__ import annotations

from tests.e2e.test_stream import SseClient
from tests.support.api import fix_at, verified_member, wait_for
from tests.support.cluster import Cluster

API = "/api/v1"
OFFER = {"kind": "offer", "payload": {"type": "offer", "sdp": "v=0\r\n"}}


def test_a_live_call_rings_connects_and_relays_signals_on_real_kafka(cluster: Cluster) -> None:
    api, admin = cluster.api, cluster.admin_token()
    member_id, token, _ = verified_member(api, admin)
    assert api.post(f"{API}/duty/start", token=token).status == 200
    assert api.post(f"{API}/location", {"fixes": [fix_at(31.2, 121.5)]}, token=token).status == 202
    base_url = f"http://127.0.0.1:{cluster['gateway'].http_port}"
    member_stream = SseClient.open(base_url, f"{API}/stream", {"Authorization": f"Bearer {token}"})
    admin_stream = SseClient.open(base_url, f"{API}/stream", {"Authorization": f"Bearer {admin}"})
    try:
        assert [member_stream.status, admin_stream.status] == [200, 200]

        def rung() -> dict | None:  # once location has the member on duty
            reply = api.post(f"{API}/live-calls", {"member_id": member_id}, token=admin)
            assert reply.status in (201, 409), reply.body
            return reply.body if reply.status == 201 else None

        call = wait_for(rung, timeout_s=30, interval_s=1.0, what="the call ringing")
        call_id = call["call_id"]
        member_stream.wait_for_event(
            "shouwang.live_call.ringing", lambda e: e.data["call_id"] == call_id
        )
        again = api.post(f"{API}/live-calls", {"member_id": member_id}, token=admin)
        assert again.status == 409, again.body

        assert api.post(f"{API}/live-calls/{call_id}/accept", token=token).status == 200
        admin_stream.wait_for_event(
            "shouwang.live_call.accepted", lambda e: e.data["call_id"] == call_id
        )
        signal = api.post(f"{API}/live-calls/{call_id}/signal", OFFER, token=token)
        assert signal.status == 200, signal.body
        offer = admin_stream.wait_for_event(
            "shouwang.live_call.signal", lambda e: e.data["call_id"] == call_id
        )
        assert offer.data["payload"] == OFFER["payload"]

        assert api.post(f"{API}/live-calls/{call_id}/end", token=admin).status == 200
        member_stream.wait_for_event(
            "shouwang.live_call.ended", lambda e: e.data["call_id"] == call_id
        )
        assert not [e for e in member_stream.of_type("shouwang.live_call.signal")]
        [entry] = api.get(f"{API}/live-calls?member_id={member_id}", token=admin).body["calls"]
        assert entry["status"] == "ended" and entry["accepted_at"]
        again = api.post(f"{API}/live-calls", {"member_id": member_id}, token=admin)
        assert again.status == 201, again.body  # the line is free again
    finally:
        member_stream.close()
        admin_stream.close()
