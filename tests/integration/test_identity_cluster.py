"""Identity in cluster mode: every service its own process, real Kafka, real FerretDB."""

from __future__ import annotations

import urllib.request
from concurrent.futures import ThreadPoolExecutor

from kafka import KafkaAdminClient, KafkaConsumer

from tests.support.api import new_person, wait_for
from tests.support.cluster import Cluster


def _station_with_team(cluster: Cluster, admin: str, name: str) -> tuple[str, str]:
    api = cluster.api
    station = api.post("/api/v1/orgs", {"name": name, "kind": "station"}, token=admin)
    assert station.status == 201, station.body
    team = api.post(
        "/api/v1/orgs",
        {"name": f"{name} team", "kind": "team", "parent_id": station.body["org_id"]},
        token=admin,
    )
    assert team.status == 201, team.body
    return station.body["org_id"], team.body["org_id"]


def _officer_of(cluster: Cluster, admin: str, station_id: str) -> str:
    person = new_person()
    member_id, _ = cluster.api.register_and_login(person)
    # Only verified members may be made officers.
    verified = cluster.api.post(
        f"/api/v1/members/{member_id}/verify", {"decision": "approve"}, token=admin
    )
    assert verified.status == 200, verified.body
    made = cluster.api.post(
        f"/api/v1/members/{member_id}/roles",
        {"roles": ["officer"], "org_id": station_id},
        token=admin,
    )
    assert made.status == 200, made.body
    login = cluster.api.post(
        "/api/v1/auth/login", {"phone": person["phone"], "password": person["password"]}
    )
    return login.body["access_token"]


def test_member_is_registered_verified_and_suspended_through_the_gateway(cluster: Cluster) -> None:
    api = cluster.api
    admin = cluster.admin_token()
    station_id, team_id = _station_with_team(cluster, admin, "Tangxia")
    officer = _officer_of(cluster, admin, station_id)
    person = new_person(team_id=team_id)
    member_id, member_token = api.register_and_login(person)
    refresh = api.post(
        "/api/v1/auth/login", {"phone": person["phone"], "password": person["password"]}
    ).body["refresh_token"]

    pending = api.get("/api/v1/members?status=pending", token=officer).body["members"]
    assert member_id in [m["member_id"] for m in pending]
    assert (
        api.post(
            f"/api/v1/members/{member_id}/verify", {"decision": "approve"}, token=officer
        ).body["status"]
        == "verified"
    )
    renewed = api.post("/api/v1/auth/refresh", {"refresh_token": refresh})
    assert renewed.status == 200 and renewed.body["member"]["status"] == "verified"

    assert api.post(f"/api/v1/members/{member_id}/suspend", token=officer).status == 200
    assert api.get("/api/v1/me", token=renewed.body["access_token"]).status == 401
    assert api.get("/api/v1/me", token=member_token).status == 401
    assert (
        api.post(
            "/api/v1/auth/login", {"phone": person["phone"], "password": person["password"]}
        ).status
        == 403
    )
    assert (
        api.post("/api/v1/auth/refresh", {"refresh_token": renewed.body["refresh_token"]}).status
        == 401
    )


def test_officer_of_one_station_cannot_see_another_stations_member(cluster: Cluster) -> None:
    api = cluster.api
    admin = cluster.admin_token()
    station_a, _ = _station_with_team(cluster, admin, "Station A")
    _, team_b = _station_with_team(cluster, admin, "Station B")
    officer_a = _officer_of(cluster, admin, station_a)
    member_b, _ = api.register_and_login(new_person(team_id=team_b))
    assert api.get(f"/api/v1/members/{member_b}", token=officer_a).status == 404
    assert (
        api.post(
            f"/api/v1/members/{member_b}/verify", {"decision": "approve"}, token=officer_a
        ).status
        == 404
    )
    listed = api.get("/api/v1/members", token=officer_a).body["members"]
    assert member_b not in [m["member_id"] for m in listed]


def test_concurrent_duplicate_registrations_let_exactly_one_win_on_ferretdb(
    cluster: Cluster,
) -> None:
    base = new_person()
    attempts = [new_person(id_number=base["id_number"]) for _ in range(20)]
    with ThreadPoolExecutor(max_workers=20) as pool:
        statuses = list(
            pool.map(lambda p: cluster.api.post("/api/v1/auth/register", p).status, attempts)
        )
    assert sorted(statuses) == [201] + [409] * 19


def test_no_personal_data_reaches_logs_events_or_metrics(
    cluster: Cluster, kafka_bootstrap_servers: str
) -> None:
    api = cluster.api
    admin = cluster.admin_token()
    person = new_person(name="欧阳明月", password="Unique-Secret-8841")
    member_id, token = api.register_and_login(person)
    api.post("/api/v1/auth/login", {"phone": person["phone"], "password": "wrong-password-1"})
    api.post("/api/v1/auth/register", person)  # a 409 must not echo anything either
    api.post(f"/api/v1/members/{member_id}/verify", {"decision": "approve"}, token=admin)
    revealed = api.post(
        f"/api/v1/members/{member_id}/reveal",
        {"field": "id_number", "reason": "identity check at the station"},
        token=admin,
    )
    assert revealed.body["value"] == person["id_number"]
    api.post(f"/api/v1/members/{member_id}/suspend", token=admin)
    wait_for(lambda: api.get("/api/v1/me", token=token).status == 401, what="suspension")

    secrets = {
        "id number": person["id_number"],
        "phone": person["phone"],
        "password": person["password"],
        "name": person["name"],
    }
    # Logs of every process (given time to flush) ...
    wait_for(lambda: all(p.stat().st_size > 0 for p in cluster.log_files()), what="logs")
    for path in cluster.log_files():
        text = path.read_text(errors="replace")
        for what, value in secrets.items():
            assert value not in text, f"{what} found in {path.name}"
    # ... every metric of every process ...
    ports = [p.ops_port for p in cluster.processes.values()]
    for port in ports:
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/metrics", timeout=5) as response:
            metrics = response.read().decode()
        for what, value in secrets.items():
            assert value not in metrics, f"{what} in metrics on port {port}"
    # ... and every message on every topic, headers included.
    admin_client = KafkaAdminClient(bootstrap_servers=kafka_bootstrap_servers)
    topics = [t for t in admin_client.list_topics() if not t.startswith("__")]
    admin_client.close()
    consumer = KafkaConsumer(
        *topics,
        bootstrap_servers=kafka_bootstrap_servers,
        auto_offset_reset="earliest",
        enable_auto_commit=False,
        consumer_timeout_ms=3000,
    )
    messages = list(consumer)
    consumer.close()
    assert any(m.key == member_id.encode() for m in messages), "the flow's events were not read"
    for message in messages:
        blob = (message.value or b"") + b"".join(v for _, v in message.headers)
        for what, value in secrets.items():
            assert value.encode() not in blob, f"{what} in a message on {message.topic}"
            assert value.encode("utf-8") not in (message.key or b"")


def test_logout_and_erasure_end_access_tokens_at_once_on_ferretdb(cluster: Cluster) -> None:
    api = cluster.api
    person = new_person()
    member_id, token = api.register_and_login(person)
    login = api.post(
        "/api/v1/auth/login", {"phone": person["phone"], "password": person["password"]}
    ).body
    assert (
        api.post(
            "/api/v1/auth/logout", {"refresh_token": login["refresh_token"]}, token=token
        ).status
        == 204
    )
    assert api.get("/api/v1/me", token=token).status == 401

    fresh = api.post(
        "/api/v1/auth/login", {"phone": person["phone"], "password": person["password"]}
    ).body["access_token"]
    assert api.call("DELETE", "/api/v1/me", token=fresh).status == 204
    assert api.get("/api/v1/me", token=fresh).status == 401
    again = api.post("/api/v1/auth/register", person)
    assert again.status == 201 and again.body["member_id"] != member_id
