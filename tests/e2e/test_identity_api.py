"""CONTRACT.md "Identity" end to end: a real in-process all-in-one (embedded adapters, gRPC over
loopback), driven over real HTTP through the gateway."""

from __future__ import annotations

import itertools
import json
import math
import random
import threading
import urllib.error
import urllib.request
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any, ClassVar

import jwt
import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

import allinone
from services.gateway.token_versions import IDENTITY_TOPIC, VERSION_EVENTS, TokenVersions
from services.identity import handlers
from services.identity.model import id_check_char
from services.identity.ports import Ports
from services.identity.scope import Actor
from services.identity.tokens import Claims
from shouwang.bus.embedded import SqliteEventBus
from shouwang.errors import Conflict, InvalidArgument, Unauthenticated
from shouwang.events import Event
from shouwang.identity.v1 import events_pb2
from shouwang.identity.v1 import identity_pb2 as pb
from tests.support.api import Api, Reply, new_person, wait_for

API = "/api/v1"
ADMIN_PHONE = "13800000000"
ADMIN_PASSWORD = "Admin-Password-1"
PROBLEM_KEYS = {"type", "title", "status", "detail"}


# Driver ------------------------------------------------------------------------------------


@dataclass
class Account:
    member_id: str
    person: dict[str, Any]
    access_token: str
    refresh_token: str


class Shouwang:
    """The running all-in-one and the few steps most tests repeat."""

    # ID numbers and phones handed out, so no two tests collide by chance.
    _taken: ClassVar[set[str]] = set()
    _taken_lock: ClassVar[threading.Lock] = threading.Lock()

    def __init__(self, running: allinone.AllInOne) -> None:
        self.running = running
        self.api = Api(running.url)
        admin = {"phone": ADMIN_PHONE, "password": ADMIN_PASSWORD}
        session = self.login(admin)
        self.admin = Account(
            session["member"]["member_id"],
            admin,
            session["access_token"],
            session["refresh_token"],
        )

    @property
    def ports(self) -> Ports:
        return self.running.services[0].ports  # type: ignore[attr-defined]

    def person(self, **overrides: Any) -> dict[str, Any]:
        """A valid registration whose generated ID number and phone no other test uses."""
        while True:
            candidate = new_person(**overrides)
            with self._taken_lock:
                keys = {candidate[k] for k in ("id_number", "phone") if k not in overrides}
                if not keys & self._taken:
                    self._taken |= keys
                    return candidate

    def register(self, person: dict[str, Any], **kwargs: Any) -> Reply:
        return self.api.post(f"{API}/auth/register", person, **kwargs)

    def login(self, person: dict[str, Any]) -> dict[str, Any]:
        reply = self.api.post(
            f"{API}/auth/login", {"phone": person["phone"], "password": person["password"]}
        )
        assert reply.status == 200, reply.body
        return reply.body

    def login_as(self, person: dict[str, Any], *, member_id: str) -> Account:
        body = self.login(person)
        return Account(member_id, person, body["access_token"], body["refresh_token"])

    def member(self, **overrides: Any) -> Account:
        """A freshly registered (pending) member, logged in."""
        person = self.person(**overrides)
        reply = self.register(person)
        assert reply.status == 201, reply.body
        return self.login_as(person, member_id=reply.body["member_id"])

    def verified_member(self, **overrides: Any) -> Account:
        """A member the administrator approved, logged in after the approval."""
        account = self.member(**overrides)
        assert self.decide(account.member_id, "approve").status == 200
        return self.login_as(account.person, member_id=account.member_id)

    def org(self, kind: str, parent_id: str = "") -> str:
        body = {"name": f"{kind} {random.randrange(10**6)}", "kind": kind}
        if parent_id:
            body["parent_id"] = parent_id
        reply = self.api.post(f"{API}/orgs", body, token=self.admin.access_token)
        assert reply.status == 201, reply.body
        return reply.body["org_id"]

    def station_with_team(self) -> tuple[str, str]:
        station = self.org("station")
        return station, self.org("team", station)

    def officer(self, station_id: str) -> Account:
        """A verified member the administrator made an officer of ``station_id``, logged in."""
        account = self.verified_member()
        reply = self.set_roles(account.member_id, roles=["officer"], org_id=station_id)
        assert reply.status == 200, reply.body
        return self.login_as(account.person, member_id=account.member_id)

    def set_roles(self, member_id: str, *, token: str = "", **body: Any) -> Reply:
        return self.api.post(
            f"{API}/members/{member_id}/roles", body, token=token or self.admin.access_token
        )

    def decide(self, member_id: str, decision: str, *, token: str = "") -> Reply:
        return self.api.post(
            f"{API}/members/{member_id}/verify",
            {"decision": decision},
            token=token or self.admin.access_token,
        )

    def me(self, token: str) -> Reply:
        return self.api.get(f"{API}/me", token=token)


@contextmanager
def started(data_dir: Path) -> Iterator[Shouwang]:
    with pytest.MonkeyPatch.context() as env:
        env.setenv("SHOUWANG_ADMIN_PHONE", ADMIN_PHONE)
        env.setenv("SHOUWANG_ADMIN_PASSWORD", ADMIN_PASSWORD)
        running = allinone.start(port=0, data_dir=data_dir)
    try:
        yield Shouwang(running)
    finally:
        running.stop()


@pytest.fixture(scope="module")
def app(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Shouwang]:
    """Shared by tests that only add their own members, orgs and grids."""
    with started(tmp_path_factory.mktemp("identity-api")) as shouwang:
        yield shouwang


@pytest.fixture
def isolated_app(tmp_path: Path) -> Iterator[Shouwang]:
    """A fresh all-in-one, for tests whose counters (login throttling) must start at zero."""
    with started(tmp_path / "data") as shouwang:
        yield shouwang


def assert_problem(reply: Reply, status: int) -> dict[str, Any]:
    """``reply`` is an RFC 9457 problem with ``status``; returns its body."""
    assert reply.status == status, reply.body
    assert header(reply, "Content-Type").startswith("application/problem+json")
    assert set(reply.body) >= PROBLEM_KEYS, reply.body
    assert reply.body["status"] == status
    return reply.body


def error_fields(reply: Reply) -> set[str]:
    return {error["field"] for error in assert_problem(reply, 422).get("errors", [])}


def header(reply: Reply, name: str) -> str:
    return next((v for k, v in reply.headers.items() if k.lower() == name.lower()), "")


def id_number_born(born: datetime | Any, sequence: int = 123) -> str:
    first17 = f"330381{born:%Y%m%d}{sequence:03d}"
    return first17 + id_check_char(first17)


def impossible_date_id() -> str:
    first17 = "33038119900230123"  # 30 February
    return first17 + id_check_char(first17)


def masked_id(number: str) -> str:
    return number[:6] + "********" + number[-4:]


def masked_phone(phone: str) -> str:
    return phone[:3] + "****" + phone[-4:]


# Registration ------------------------------------------------------------------------------


def test_registration_creates_a_pending_member(app: Shouwang) -> None:
    reply = app.register(app.person())
    assert reply.status == 201
    assert set(reply.body) == {"member_id", "status"}
    assert reply.body["status"] == "pending"


def test_registration_lists_every_violated_field_at_once(app: Shouwang) -> None:
    first17 = app.person()["id_number"][:17]
    wrong_check = "1" if id_check_char(first17) == "0" else "0"  # never the valid one
    person = app.person(
        id_number=first17 + wrong_check,
        phone="12345",
        password="short",
        team_id="no-such-team",
    )
    del person["consent"]
    assert error_fields(app.register(person)) == {
        "id_number",
        "phone",
        "password",
        "team_id",
        "consent",
    }


def test_an_unknown_skill_is_named_by_its_place_in_the_list(app: Shouwang) -> None:
    reply = app.register(app.person(skills=["first_aid", "juggling"]))
    assert reply.status == 422
    assert error_fields(reply) == {"skills[1]"}


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        pytest.param({"id_number": "11010519491231002" + "1"}, "id_number", id="bad-checksum"),
        pytest.param(
            {"id_number": id_number_born(datetime.now(UTC) - timedelta(days=17 * 365))},
            "id_number",
            id="under-18",
        ),
        pytest.param({"id_number": "110105491231002"}, "id_number", id="15-digit-legacy"),
        pytest.param({"id_number": impossible_date_id()}, "id_number", id="impossible-date"),
        pytest.param({"phone": "12012345678"}, "phone", id="not-a-mobile-prefix"),
        pytest.param({"phone": "+14155550123"}, "phone", id="foreign-mobile"),
        pytest.param({"password": "alllowercaseletters"}, "password", id="one-character-class"),
        pytest.param({"password": "Ab1!"}, "password", id="too-short"),
        pytest.param({"consent": {"version": "2026-11", "accepted": False}}, "consent", id="no"),
        pytest.param({"consent": {"version": "", "accepted": True}}, "consent", id="no-version"),
        pytest.param(
            {"consent": {"version": "2026-11", "accepted": "true"}}, "consent.accepted", id="str"
        ),
        pytest.param({"skills": ["telepathy"]}, "skills[0]", id="unknown-skill"),
        pytest.param({"team_id": "no-such-team"}, "team_id", id="unknown-team"),
        pytest.param({"name": "X"}, "name", id="name-too-short"),
    ],
)
def test_registration_breaking_one_rule_is_refused_naming_the_field(
    app: Shouwang, overrides: dict[str, Any], field: str
) -> None:
    assert error_fields(app.register(app.person(**overrides))) == {field}


def test_registration_with_a_station_as_team_is_refused(app: Shouwang) -> None:
    station, _ = app.station_with_team()
    assert error_fields(app.register(app.person(team_id=station))) == {"team_id"}


def test_registration_with_wrong_json_types_names_each_field(app: Shouwang) -> None:
    person = app.person(
        name=123,
        id_number=330381199001011234,
        phone=13912345678,
        password=["Patrol-2026!"],
        team_id=7,
        skills="first_aid",
        home="West Lake",
    )
    assert error_fields(app.register(person)) == {
        "name",
        "id_number",
        "phone",
        "password",
        "team_id",
        "skills",
        "home",
    }


def test_type_errors_and_rule_errors_are_reported_together(app: Shouwang) -> None:
    # The gateway answers type errors alone, before identity checks the rules, so a client
    # fixing its errors one 422 at a time learns of the weak password only on the next try.
    person = app.person(name=123, password="weak")
    assert error_fields(app.register(person)) == {"name", "password"}


def test_registering_a_known_id_number_again_is_a_conflict(app: Shouwang) -> None:
    first = app.person()
    assert app.register(first).status == 201
    again = app.person(id_number=first["id_number"])
    body = assert_problem(app.register(again), 409)
    assert [error["field"] for error in body["errors"]] == ["id_number"]


def test_registering_a_known_phone_again_is_a_conflict(app: Shouwang) -> None:
    first = app.person()
    assert app.register(first).status == 201
    body = assert_problem(app.register(app.person(phone=first["phone"])), 409)
    assert [error["field"] for error in body["errors"]] == ["phone"]


def test_a_conflict_does_not_reveal_whose_number_it_is(app: Shouwang) -> None:
    first = app.person(name="欧阳娜娜")
    member_id = app.register(first).body["member_id"]
    for clash in (app.person(id_number=first["id_number"]), app.person(phone=first["phone"])):
        text = json.dumps(assert_problem(app.register(clash), 409), ensure_ascii=False)
        assert member_id not in text
        assert first["name"] not in text
        assert "member_id" not in text


def test_a_registration_retried_with_its_idempotency_key_is_replayed_not_repeated(
    app: Shouwang,
) -> None:
    person = app.person()
    key = {"Idempotency-Key": f"register-{random.randrange(10**9)}"}
    count_before = app.ports.members.members.count({})
    first = app.register(person, headers=key)
    retry = app.register(person, headers=key)
    assert first.status == retry.status == 201
    assert retry.body == first.body
    assert header(retry, "Idempotent-Replayed") == "true"
    assert app.ports.members.members.count({}) == count_before + 1


def test_concurrent_registrations_of_one_id_number_create_one_member(app: Shouwang) -> None:
    id_number = app.person()["id_number"]
    people = [app.person(id_number=id_number) for _ in range(20)]
    with ThreadPoolExecutor(max_workers=20) as pool:
        statuses = sorted(reply.status for reply in pool.map(app.register, people))
    assert statuses == [201] + [409] * 19


def test_consent_is_stored_with_the_time_it_was_given(app: Shouwang) -> None:
    before = datetime.now(UTC) - timedelta(seconds=1)
    member_id = app.register(app.person()).body["member_id"]
    after = datetime.now(UTC) + timedelta(seconds=1)
    consent = app.ports.members.get(member_id)["consent"]
    assert consent["version"] == "2026-11"
    accepted_at = datetime.fromtimestamp(consent["accepted_at"] / 1000, UTC)
    assert before <= accepted_at <= after


def test_the_member_document_holds_no_plaintext_id_number_or_phone(app: Shouwang) -> None:
    person = app.person()
    member_id = app.register(person).body["member_id"]
    stored = json.dumps(app.ports.members.get(member_id), ensure_ascii=False)
    for secret in (person["id_number"], person["phone"], person["phone"][3:]):
        assert secret not in stored


def test_profile_and_login_show_only_masked_id_number_and_phone(app: Shouwang) -> None:
    person = app.person()
    assert app.register(person).status == 201
    login = app.login(person)
    me = app.me(login["access_token"]).body
    for member in (login["member"], me):
        assert member["id_number_masked"] == masked_id(person["id_number"])
        assert member["phone_masked"] == masked_phone(person["phone"])
    for reply_text in (json.dumps(login), json.dumps(me)):
        assert person["id_number"] not in reply_text
        assert person["phone"] not in reply_text


# Sessions ----------------------------------------------------------------------------------


def test_login_returns_a_short_lived_access_token_a_refresh_token_and_the_member(
    app: Shouwang,
) -> None:
    person = app.person()
    member_id = app.register(person).body["member_id"]
    body = app.login(person)
    assert body["access_token"] and body["refresh_token"]
    assert 0 < body["expires_in"] <= 900
    assert body["member"]["member_id"] == member_id
    assert body["member"]["status"] == "pending"


def test_login_with_a_wrong_password_is_unauthenticated(app: Shouwang) -> None:
    account = app.member()
    reply = app.api.post(
        f"{API}/auth/login", {"phone": account.person["phone"], "password": "Wrong-Password-1"}
    )
    assert_problem(reply, 401)


def test_login_with_an_unknown_phone_is_answered_like_a_wrong_password(app: Shouwang) -> None:
    reply = app.api.post(
        f"{API}/auth/login", {"phone": app.person()["phone"], "password": "Wrong-Password-1"}
    )
    assert_problem(reply, 401)


def test_refresh_returns_a_new_working_pair(app: Shouwang) -> None:
    account = app.member()
    reply = app.api.post(f"{API}/auth/refresh", {"refresh_token": account.refresh_token})
    assert reply.status == 200, reply.body
    assert reply.body["refresh_token"] != account.refresh_token
    assert app.me(reply.body["access_token"]).body["member_id"] == account.member_id


def test_a_reused_refresh_token_is_refused(app: Shouwang) -> None:
    account = app.member()
    first = app.api.post(f"{API}/auth/refresh", {"refresh_token": account.refresh_token})
    assert first.status == 200
    replay = app.api.post(f"{API}/auth/refresh", {"refresh_token": account.refresh_token})
    assert_problem(replay, 401)


def test_reusing_a_refresh_token_revokes_its_whole_family(app: Shouwang) -> None:
    account = app.member()
    rotated = app.api.post(f"{API}/auth/refresh", {"refresh_token": account.refresh_token})
    app.api.post(f"{API}/auth/refresh", {"refresh_token": account.refresh_token})  # stolen copy
    successor = rotated.body["refresh_token"]
    assert_problem(app.api.post(f"{API}/auth/refresh", {"refresh_token": successor}), 401)


def test_reuse_revokes_only_that_login_not_the_members_other_sessions(app: Shouwang) -> None:
    account = app.member()
    other = app.login(account.person)
    app.api.post(f"{API}/auth/refresh", {"refresh_token": account.refresh_token})
    app.api.post(f"{API}/auth/refresh", {"refresh_token": account.refresh_token})
    reply = app.api.post(f"{API}/auth/refresh", {"refresh_token": other["refresh_token"]})
    assert reply.status == 200


def test_logout_revokes_the_refresh_token(app: Shouwang) -> None:
    account = app.member()
    logout = app.api.post(
        f"{API}/auth/logout", {"refresh_token": account.refresh_token}, token=account.access_token
    )
    assert logout.status == 204
    reply = app.api.post(f"{API}/auth/refresh", {"refresh_token": account.refresh_token})
    assert_problem(reply, 401)


def test_logout_cannot_revoke_another_members_session(app: Shouwang) -> None:
    victim, attacker = app.member(), app.member()
    app.api.post(
        f"{API}/auth/logout", {"refresh_token": victim.refresh_token}, token=attacker.access_token
    )
    reply = app.api.post(f"{API}/auth/refresh", {"refresh_token": victim.refresh_token})
    assert reply.status == 200


def test_an_unknown_refresh_token_is_refused(app: Shouwang) -> None:
    assert_problem(app.api.post(f"{API}/auth/refresh", {"refresh_token": "made-up"}), 401)


def test_a_request_without_a_bearer_token_is_unauthenticated(app: Shouwang) -> None:
    assert_problem(app.api.get(f"{API}/me"), 401)


@pytest.mark.parametrize("token", ["garbage", "a.b.c", "eyJhbGciOiJub25lIn0.e30."])
def test_a_garbage_bearer_token_is_unauthenticated(app: Shouwang, token: str) -> None:
    assert_problem(app.me(token), 401)


def test_an_expired_access_token_is_unauthenticated(app: Shouwang) -> None:
    account = app.member()
    long_ago = datetime.now(UTC) - timedelta(hours=1)
    expired = app.ports.tokens.issue(
        Claims(account.member_id, ("member",), "", "pending", 1), now=long_ago
    )
    assert_problem(app.me(expired), 401)


def test_an_access_token_signed_with_another_key_is_unauthenticated(app: Shouwang) -> None:
    account = app.member()
    claims = jwt.decode(account.access_token, options={"verify_signature": False})
    forged = jwt.encode(
        {**claims, "roles": ["admin", "officer"]},
        Ed25519PrivateKey.generate(),
        algorithm="EdDSA",
        headers={"kid": app.ports.tokens.key_id},
    )
    assert_problem(app.api.get(f"{API}/members", token=forged), 401)


def test_repeated_failures_for_one_phone_are_throttled_with_retry_after(
    isolated_app: Shouwang,
) -> None:
    app = isolated_app
    account = app.member()
    wrong = {"phone": account.person["phone"], "password": "Wrong-Password-1"}
    limit = app.ports.login_limits.per_phone
    for _ in range(limit):
        assert_problem(app.api.post(f"{API}/auth/login", wrong), 401)
    throttled = app.api.post(f"{API}/auth/login", wrong)
    assert_problem(throttled, 429)
    assert 0 < int(header(throttled, "Retry-After")) <= app.ports.login_limits.window_s


def test_a_throttled_phone_is_refused_even_with_the_right_password(
    isolated_app: Shouwang,
) -> None:
    app = isolated_app
    account = app.member()
    wrong = {"phone": account.person["phone"], "password": "Wrong-Password-1"}
    for _ in range(app.ports.login_limits.per_phone):
        app.api.post(f"{API}/auth/login", wrong)
    right = {"phone": account.person["phone"], "password": account.person["password"]}
    assert_problem(app.api.post(f"{API}/auth/login", right), 429)


def test_many_failures_from_one_address_across_phones_are_throttled(
    isolated_app: Shouwang,
) -> None:
    app = isolated_app
    limit = app.ports.login_limits.per_address
    phones = [f"1390000{n:04d}" for n in range(limit + 1)]
    for phone in phones[:limit]:
        reply = app.api.post(f"{API}/auth/login", {"phone": phone, "password": "Guess-Word-1"})
        assert_problem(reply, 401)
    last = app.api.post(f"{API}/auth/login", {"phone": phones[-1], "password": "Guess-Word-1"})
    assert_problem(last, 429)
    assert int(header(last, "Retry-After")) > 0


# Organisations and officers ----------------------------------------------------------------


def test_admin_creates_a_station_and_its_teams(app: Shouwang) -> None:
    token = app.admin.access_token
    station = app.api.post(f"{API}/orgs", {"name": "西湖派出所", "kind": "station"}, token=token)
    assert station.status == 201
    assert station.body["kind"] == "station" and station.body["parent_id"] is None
    team = app.api.post(
        f"{API}/orgs",
        {"name": "北山街巡逻队", "kind": "team", "parent_id": station.body["org_id"]},
        token=token,
    )
    assert team.status == 201
    assert team.body["kind"] == "team"
    assert team.body["parent_id"] == station.body["org_id"]
    assert team.body["name"] == "北山街巡逻队"


def test_a_team_needs_a_station_as_parent(app: Shouwang) -> None:
    reply = app.api.post(
        f"{API}/orgs", {"name": "孤儿队", "kind": "team"}, token=app.admin.access_token
    )
    assert error_fields(reply) == {"parent_id"}


def test_only_admins_create_orgs(app: Shouwang) -> None:
    station, _ = app.station_with_team()
    officer = app.officer(station)
    reply = app.api.post(
        f"{API}/orgs", {"name": "私设派出所", "kind": "station"}, token=officer.access_token
    )
    assert_problem(reply, 403)


def test_an_officer_lists_only_their_station_and_its_teams(app: Shouwang) -> None:
    station_a, team_a = app.station_with_team()
    app.station_with_team()  # another station, out of scope
    officer = app.officer(station_a)
    orgs = app.api.get(f"{API}/orgs", token=officer.access_token).body["orgs"]
    assert {org["org_id"] for org in orgs} == {station_a, team_a}


def test_an_admin_lists_every_org(app: Shouwang) -> None:
    station, team = app.station_with_team()
    orgs = app.api.get(f"{API}/orgs", token=app.admin.access_token).body["orgs"]
    assert {station, team} <= {org["org_id"] for org in orgs}


def test_a_plain_member_cannot_list_orgs(app: Shouwang) -> None:
    assert_problem(app.api.get(f"{API}/orgs", token=app.member().access_token), 403)


def test_admin_makes_an_officer_of_a_station(app: Shouwang) -> None:
    station, _ = app.station_with_team()
    account = app.verified_member()
    reply = app.set_roles(account.member_id, roles=["officer"], org_id=station)
    assert reply.status == 200, reply.body
    assert reply.body["roles"] == ["officer"]
    assert reply.body["station_id"] == station
    claims = jwt.decode(
        app.login(account.person)["access_token"], options={"verify_signature": False}
    )
    assert claims["roles"] == ["officer"] and claims["org"] == station


def test_only_admins_assign_roles(app: Shouwang) -> None:
    station, _ = app.station_with_team()
    officer = app.officer(station)
    target = app.member()
    reply = app.set_roles(
        target.member_id, roles=["officer"], org_id=station, token=officer.access_token
    )
    assert_problem(reply, 403)


def test_a_member_cannot_make_themselves_an_officer(app: Shouwang) -> None:
    account = app.member()
    reply = app.set_roles(account.member_id, roles=["admin"], token=account.access_token)
    assert_problem(reply, 403)


def test_an_officer_without_a_station_is_refused(app: Shouwang) -> None:
    account = app.member()
    assert error_fields(app.set_roles(account.member_id, roles=["officer"])) == {"org_id"}


def test_an_officer_placed_in_a_team_instead_of_a_station_is_refused(app: Shouwang) -> None:
    _, team = app.station_with_team()
    account = app.member()
    reply = app.set_roles(account.member_id, roles=["officer"], org_id=team)
    assert error_fields(reply) == {"org_id"}


def test_unknown_roles_are_refused(app: Shouwang) -> None:
    account = app.member()
    assert error_fields(app.set_roles(account.member_id, roles=["sheriff"])) == {"roles[0]"}


def test_a_role_change_revokes_the_members_current_access_token(app: Shouwang) -> None:
    station, _ = app.station_with_team()
    account = app.verified_member()
    app.set_roles(account.member_id, roles=["officer"], org_id=station)
    assert_problem(app.me(account.access_token), 401)


# Scope -------------------------------------------------------------------------------------


@dataclass
class TwoStations:
    officer_a: Account
    member_a: Account
    member_b: Account


@pytest.fixture
def two_stations(app: Shouwang) -> TwoStations:
    station_a, team_a = app.station_with_team()
    _, team_b = app.station_with_team()
    return TwoStations(
        officer_a=app.officer(station_a),
        member_a=app.member(team_id=team_a),
        member_b=app.member(team_id=team_b),
    )


def test_an_officer_sees_a_member_of_their_station(
    app: Shouwang, two_stations: TwoStations
) -> None:
    reply = app.api.get(
        f"{API}/members/{two_stations.member_a.member_id}",
        token=two_stations.officer_a.access_token,
    )
    assert reply.status == 200
    assert reply.body["member_id"] == two_stations.member_a.member_id


@pytest.mark.parametrize(
    ("method", "action", "body"),
    [
        ("GET", "", None),
        ("POST", "/verify", {"decision": "approve"}),
        ("POST", "/verify", {"decision": "reject"}),
        ("POST", "/suspend", {}),
    ],
)
def test_a_member_of_another_station_does_not_exist_for_an_officer(
    app: Shouwang, two_stations: TwoStations, method: str, action: str, body: Any
) -> None:
    path = f"{API}/members/{two_stations.member_b.member_id}{action}"
    reply = app.api.call(method, path, body, token=two_stations.officer_a.access_token)
    assert_problem(reply, 404)
    assert app.ports.members.get(two_stations.member_b.member_id)["status"] == "pending"


def test_an_officer_lists_only_members_of_their_station(
    app: Shouwang, two_stations: TwoStations
) -> None:
    reply = app.api.get(f"{API}/members", token=two_stations.officer_a.access_token)
    listed = {member["member_id"] for member in reply.body["members"]}
    assert two_stations.member_a.member_id in listed
    assert two_stations.member_b.member_id not in listed
    placed = [app.ports.members.get(member_id) for member_id in listed]
    assert len({member["station_id"] for member in placed if member["station_id"]}) == 1
    # the rest are the city's unplaced pending members, every officer's to decide on
    assert {m["status"] for m in placed if not m["station_id"]} <= {"pending"}


def test_the_member_list_is_masked(app: Shouwang, two_stations: TwoStations) -> None:
    reply = app.api.get(f"{API}/members", token=two_stations.officer_a.access_token)
    listed = {m["member_id"]: m for m in reply.body["members"]}
    member = listed[two_stations.member_a.member_id]
    assert member["id_number_masked"] == masked_id(two_stations.member_a.person["id_number"])
    assert two_stations.member_a.person["id_number"] not in json.dumps(reply.body)


def test_the_member_list_filters_by_status(app: Shouwang, two_stations: TwoStations) -> None:
    token = two_stations.officer_a.access_token
    app.decide(two_stations.member_a.member_id, "approve", token=token)
    verified = app.api.get(f"{API}/members?status=verified", token=token).body["members"]
    pending = app.api.get(f"{API}/members?status=pending", token=token).body["members"]
    assert two_stations.member_a.member_id in {m["member_id"] for m in verified}
    assert two_stations.member_a.member_id not in {m["member_id"] for m in pending}
    assert {m["status"] for m in verified} == {"verified"}


def test_a_plain_member_cannot_list_members(app: Shouwang) -> None:
    assert_problem(app.api.get(f"{API}/members", token=app.member().access_token), 403)


def test_a_plain_member_cannot_see_another_member(app: Shouwang) -> None:
    me, other = app.member(), app.member()
    assert_problem(app.api.get(f"{API}/members/{other.member_id}", token=me.access_token), 404)


# Verification and suspension ---------------------------------------------------------------


def test_approval_verifies_a_pending_member(app: Shouwang, two_stations: TwoStations) -> None:
    reply = app.decide(
        two_stations.member_a.member_id, "approve", token=two_stations.officer_a.access_token
    )
    assert reply.status == 200
    assert reply.body["status"] == "verified"


def test_rejection_rejects_a_pending_member(app: Shouwang, two_stations: TwoStations) -> None:
    reply = app.decide(
        two_stations.member_a.member_id, "reject", token=two_stations.officer_a.access_token
    )
    assert reply.status == 200
    assert reply.body["status"] == "rejected"


@pytest.mark.parametrize("first", ["approve", "reject"])
def test_approving_a_member_who_is_no_longer_pending_is_a_conflict(
    app: Shouwang, first: str
) -> None:
    account = app.member()
    assert app.decide(account.member_id, first).status == 200
    assert_problem(app.decide(account.member_id, "approve"), 409)


def test_an_unknown_decision_is_refused(app: Shouwang) -> None:
    account = app.member()
    assert error_fields(app.decide(account.member_id, "maybe")) == {"decision"}


def test_a_plain_member_cannot_verify_anyone(app: Shouwang) -> None:
    actor, target = app.member(), app.member()
    assert_problem(app.decide(target.member_id, "approve", token=actor.access_token), 403)


def test_approval_revokes_the_access_token_issued_before_it(app: Shouwang) -> None:
    account = app.member()
    app.decide(account.member_id, "approve")
    assert_problem(app.me(account.access_token), 401)


def test_after_approval_a_refresh_yields_a_verified_token(app: Shouwang) -> None:
    account = app.member()
    app.decide(account.member_id, "approve")
    reply = app.api.post(f"{API}/auth/refresh", {"refresh_token": account.refresh_token})
    assert reply.status == 200
    assert reply.body["member"]["status"] == "verified"
    claims = jwt.decode(reply.body["access_token"], options={"verify_signature": False})
    assert claims["st"] == "verified"
    assert app.me(reply.body["access_token"]).body["status"] == "verified"


def test_the_verification_event_is_published_from_the_outbox(app: Shouwang) -> None:
    account = app.member()
    app.decide(account.member_id, "approve")
    wait_for(
        lambda: not app.ports.members.get(account.member_id).get("_outbox"),
        what="shouwang.member.verified to leave the outbox for the bus",
    )


def test_only_verified_members_are_eligible(app: Shouwang) -> None:
    account = app.member()
    eligible, status, reason = handlers.check_eligibility(app.ports, account.member_id)
    assert (eligible, status) == (False, "pending") and reason
    app.decide(account.member_id, "approve")
    assert handlers.check_eligibility(app.ports, account.member_id) == (True, "verified", "")


def test_suspension_refuses_the_members_access_token_at_once(app: Shouwang) -> None:
    account = app.member()
    reply = app.api.post(f"{API}/members/{account.member_id}/suspend", token=app.admin.access_token)
    assert reply.status == 200 and reply.body["status"] == "suspended"
    assert_problem(app.me(account.access_token), 401)


def test_a_suspended_member_cannot_log_in(app: Shouwang) -> None:
    account = app.member()
    app.api.post(f"{API}/members/{account.member_id}/suspend", token=app.admin.access_token)
    reply = app.api.post(
        f"{API}/auth/login",
        {"phone": account.person["phone"], "password": account.person["password"]},
    )
    assert_problem(reply, 403)


def test_a_suspended_member_cannot_refresh(app: Shouwang) -> None:
    account = app.member()
    app.api.post(f"{API}/members/{account.member_id}/suspend", token=app.admin.access_token)
    reply = app.api.post(f"{API}/auth/refresh", {"refresh_token": account.refresh_token})
    assert_problem(reply, 401)


def test_a_suspended_members_old_token_stays_refused_after_a_restart(tmp_path: Path) -> None:
    # The gateway keeps token versions in memory and rebuilds them by replaying
    # shouwang.identity.v1 after it starts serving; other members' changes are replayed first.
    data = tmp_path / "data"
    with started(data) as first:
        account = first.member()
        first.running.adapters.bus.publish(
            "shouwang.identity.v1", [role_change(f"someone-{n}") for n in range(3000)]
        )
        first.api.post(f"{API}/members/{account.member_id}/suspend", token=first.admin.access_token)
    with started(data) as second:
        assert_problem(second.me(account.access_token), 401)


def role_change(member_id: str) -> Event:
    now = datetime.now(UTC)
    return Event(
        type="shouwang.member.roles_changed",
        source="/shouwang/identity",
        subject=member_id,
        time=now,
        data=events_pb2.MemberStatusChanged(
            member_id=member_id, status="verified", roles=["member"], token_version=2
        ),
    )


def test_a_suspended_member_is_not_eligible(app: Shouwang) -> None:
    account = app.member()
    app.decide(account.member_id, "approve")
    app.api.post(f"{API}/members/{account.member_id}/suspend", token=app.admin.access_token)
    eligible, status, _ = handlers.check_eligibility(app.ports, account.member_id)
    assert (eligible, status) == (False, "suspended")


def test_an_officer_cannot_suspend_an_administrator(app: Shouwang) -> None:
    station, _ = app.station_with_team()
    officer = app.officer(station)
    reply = app.api.post(f"{API}/members/{app.admin.member_id}/suspend", token=officer.access_token)
    assert_problem(reply, 404)  # the administrator belongs to no station
    assert app.me(app.admin.access_token).status == 200


# Grids -------------------------------------------------------------------------------------

_areas = itertools.count()


def square(west: float, south: float, size: float) -> dict[str, Any]:
    ring = [
        [west, south],
        [west + size, south],
        [west + size, south + size],
        [west, south + size],
        [west, south],
    ]
    return {"type": "Polygon", "coordinates": [ring]}


def grid_feature(
    geometry: Any, *, level: int = 1, parent_id: str = "", name: str = "网格"
) -> dict[str, Any]:
    properties: dict[str, Any] = {"name": name, "level": level}
    if parent_id:
        properties["parent_id"] = parent_id
    return {"type": "Feature", "geometry": geometry, "properties": properties}


@dataclass
class GridTree:
    west: float
    south: float
    level1: str
    level2: str
    level3: str


def grid_tree(app: Shouwang) -> GridTree:
    """Three nested grids in an area of their own (one degree apart per call)."""
    west, south = 100.0 + next(_areas), 30.0
    ids: list[str] = []
    for level, inset in ((1, 0.0), (2, 0.1), (3, 0.2)):
        feature = grid_feature(
            square(west + inset, south + inset, 0.8 - 2 * inset),
            level=level,
            parent_id=ids[-1] if ids else "",
            name=f"L{level}",
        )
        reply = app.api.post(f"{API}/grids", feature, token=app.admin.access_token)
        assert reply.status == 201, reply.body
        ids.append(reply.body["properties"]["grid_id"])
    return GridTree(west, south, *ids)


def test_admin_draws_grids_in_three_nested_levels(app: Shouwang) -> None:
    tree = grid_tree(app)
    grids = app.api.get(f"{API}/grids", token=app.admin.access_token).body["features"]
    by_id = {g["properties"]["grid_id"]: g for g in grids}
    assert by_id[tree.level1]["properties"]["parent_id"] is None
    assert by_id[tree.level2]["properties"]["parent_id"] == tree.level1
    assert by_id[tree.level3]["properties"]["parent_id"] == tree.level2
    assert by_id[tree.level3]["properties"]["level"] == 3
    assert by_id[tree.level3]["type"] == "Feature"
    assert by_id[tree.level3]["geometry"]["type"] == "Polygon"


def test_a_created_grid_is_returned_as_a_feature(app: Shouwang) -> None:
    geometry = square(170.0, -40.0, 0.5)
    reply = app.api.post(
        f"{API}/grids", grid_feature(geometry, name="新西兰"), token=app.admin.access_token
    )
    assert reply.status == 201
    assert reply.body["type"] == "Feature"
    assert reply.body["geometry"] == geometry
    assert reply.body["properties"]["name"] == "新西兰"
    assert reply.body["properties"]["level"] == 1


def _circle(vertices: int) -> dict[str, Any]:
    ring = [
        [
            120 + 0.1 * math.cos(2 * math.pi * i / vertices),
            30 + 0.1 * math.sin(2 * math.pi * i / vertices),
        ]
        for i in range(vertices)
    ]
    return {"type": "Polygon", "coordinates": [[*ring, ring[0]]]}


@pytest.mark.parametrize(
    ("feature", "field"),
    [
        pytest.param(
            grid_feature({"type": "Polygon", "coordinates": [[[0, 0], [1, 0], [1, 1], [0, 1]]]}),
            "geometry.coordinates[0]",
            id="unclosed-ring",
        ),
        pytest.param(
            grid_feature(square(179.5, 10.0, 1.0)), "geometry.coordinates[0]", id="lon-over-180"
        ),
        pytest.param(
            grid_feature(square(10.0, 89.5, 1.0)), "geometry.coordinates[0]", id="lat-over-90"
        ),
        pytest.param(
            grid_feature(
                {"type": "Polygon", "coordinates": [[[0, 0], [1, 1], [1, 0], [0, 1], [0, 0]]]}
            ),
            "geometry",
            id="self-intersecting",
        ),
        pytest.param(grid_feature(_circle(10_001)), "geometry", id="too-many-vertices"),
        pytest.param(grid_feature(square(0, 0, 1), level=2), "properties.parent_id", id="orphan"),
        pytest.param(
            grid_feature({"type": "Point", "coordinates": [120.0, 30.0]}),
            "geometry",
            id="point",
        ),
        pytest.param(
            grid_feature({"type": "MultiPolygon", "coordinates": [square(0, 0, 1)["coordinates"]]}),
            "geometry",
            id="multipolygon",
        ),
        pytest.param(grid_feature(square(0, 0, 1), level=4), "properties.level", id="level-4"),
        pytest.param(
            {**grid_feature(square(0, 0, 1)), "type": "FeatureCollection"}, "type", id="not-feature"
        ),
    ],
)
def test_an_invalid_grid_is_refused_naming_the_field(
    app: Shouwang, feature: dict[str, Any], field: str
) -> None:
    reply = app.api.post(f"{API}/grids", feature, token=app.admin.access_token)
    assert any(
        named == field or named.startswith((f"{field}.", f"{field}["))
        for named in error_fields(reply)
    ), error_fields(reply)


def test_a_polygon_of_exactly_ten_thousand_vertices_is_accepted(app: Shouwang) -> None:
    geometry = _circle(9_999)  # 9,999 distinct positions and the closing one
    reply = app.api.post(f"{API}/grids", grid_feature(geometry), token=app.admin.access_token)
    assert reply.status == 201, reply.body


def test_a_level_three_grid_under_a_level_one_parent_is_refused(app: Shouwang) -> None:
    tree = grid_tree(app)
    feature = grid_feature(square(tree.west, tree.south, 0.1), level=3, parent_id=tree.level1)
    reply = app.api.post(f"{API}/grids", feature, token=app.admin.access_token)
    assert error_fields(reply) == {"properties.parent_id"}


def test_only_admins_draw_grids(app: Shouwang) -> None:
    station, _ = app.station_with_team()
    officer = app.officer(station)
    reply = app.api.post(f"{API}/grids", grid_feature(square(0, 0, 1)), token=officer.access_token)
    assert_problem(reply, 403)


def test_grids_are_filtered_by_level(app: Shouwang) -> None:
    tree = grid_tree(app)
    features = app.api.get(f"{API}/grids?level=2", token=app.admin.access_token).body["features"]
    assert {f["properties"]["level"] for f in features} == {2}
    assert tree.level2 in {f["properties"]["grid_id"] for f in features}


def test_grids_are_filtered_by_parent(app: Shouwang) -> None:
    tree = grid_tree(app)
    reply = app.api.get(f"{API}/grids?parent_id={tree.level1}", token=app.admin.access_token)
    assert [f["properties"]["grid_id"] for f in reply.body["features"]] == [tree.level2]


def test_an_officer_may_list_grids_and_a_member_may_not(app: Shouwang) -> None:
    station, _ = app.station_with_team()
    assert app.api.get(f"{API}/grids", token=app.officer(station).access_token).status == 200
    assert_problem(app.api.get(f"{API}/grids", token=app.member().access_token), 403)


def test_a_member_living_in_a_level_three_grid_is_placed_in_it(app: Shouwang) -> None:
    tree = grid_tree(app)
    home = {"lat": tree.south + 0.4, "lon": tree.west + 0.4}
    account = app.member(home=home)
    assert app.me(account.access_token).body["grid_id"] == tree.level3


def test_a_member_living_in_only_a_level_one_grid_is_placed_in_it(app: Shouwang) -> None:
    tree = grid_tree(app)
    account = app.member(home={"lat": tree.south + 0.05, "lon": tree.west + 0.05})
    assert app.me(account.access_token).body["grid_id"] == tree.level1


def test_a_member_living_outside_every_grid_has_no_grid(app: Shouwang) -> None:
    account = app.member(home={"lat": -45.0, "lon": -170.0})
    assert app.me(account.access_token).body["grid_id"] == ""


def test_a_home_outside_wgs84_is_refused(app: Shouwang) -> None:
    assert error_fields(app.register(app.person(home={"lat": 95.0, "lon": 0.0}))) == {"home.lat"}


def test_the_home_point_itself_is_not_stored(app: Shouwang) -> None:
    tree = grid_tree(app)
    lat, lon = tree.south + 0.4123457, tree.west + 0.4765431
    member_id = app.register(app.person(home={"lat": lat, "lon": lon})).body["member_id"]
    document = app.ports.members.get(member_id)
    assert "home" not in document
    stored = json.dumps(document)
    assert repr(lat)[:8] not in stored and repr(lon)[:8] not in stored


# Audited reveal ----------------------------------------------------------------------------


def reveal(app: Shouwang, member_id: str, body: dict[str, Any], *, token: str = "") -> Reply:
    return app.api.post(
        f"{API}/members/{member_id}/reveal", body, token=token or app.admin.access_token
    )


def audit_records(app: Shouwang, member_id: str) -> list[dict[str, Any]]:
    reply = app.api.get(f"{API}/audit?member_id={member_id}", token=app.admin.access_token)
    assert reply.status == 200, reply.body
    return reply.body["records"]


def test_an_admin_reads_the_real_id_number_with_a_reason(app: Shouwang) -> None:
    account = app.member()
    reply = reveal(app, account.member_id, {"field": "id_number", "reason": "核查身份冒用举报"})
    assert reply.status == 200
    assert reply.body["value"] == account.person["id_number"]
    assert reply.body["field"] == "id_number"


def test_a_revealed_value_is_never_cached(app: Shouwang) -> None:
    account = app.member()
    reply = reveal(app, account.member_id, {"field": "phone", "reason": "联系失联队员"})
    assert reply.body["value"].endswith(account.person["phone"])
    assert header(reply, "Cache-Control") == "no-store"


def test_a_reveal_leaves_an_audit_record_of_who_whose_what_why_and_when(app: Shouwang) -> None:
    account = app.member()
    before = datetime.now(UTC) - timedelta(seconds=1)
    reveal(app, account.member_id, {"field": "id_number", "reason": "核查身份冒用举报"})
    [record] = audit_records(app, account.member_id)
    assert record["actor_id"] == app.admin.member_id
    assert record["member_id"] == account.member_id
    assert record["field"] == "id_number"
    assert record["reason"] == "核查身份冒用举报"
    assert datetime.fromisoformat(record["at"].replace("Z", "+00:00")) >= before


@pytest.mark.parametrize(
    "body",
    [
        {"field": "id_number"},
        {"field": "id_number", "reason": ""},
        {"field": "id_number", "reason": "ok"},
    ],
    ids=["missing", "empty", "too-short"],
)
def test_a_reveal_without_a_reason_is_refused_and_not_audited(
    app: Shouwang, body: dict[str, Any]
) -> None:
    account = app.member()
    assert "reason" in error_fields(reveal(app, account.member_id, body))
    assert audit_records(app, account.member_id) == []


def test_a_reveal_of_an_unknown_field_is_refused(app: Shouwang) -> None:
    account = app.member()
    reply = reveal(app, account.member_id, {"field": "password_hash", "reason": "只是好奇而已"})
    assert error_fields(reply) == {"field"}
    assert audit_records(app, account.member_id) == []


def test_only_admins_reveal_personal_data(app: Shouwang, two_stations: TwoStations) -> None:
    reply = reveal(
        app,
        two_stations.member_a.member_id,
        {"field": "id_number", "reason": "核查身份冒用举报"},
        token=two_stations.officer_a.access_token,
    )
    assert_problem(reply, 403)
    assert audit_records(app, two_stations.member_a.member_id) == []


def test_only_admins_read_the_audit_log(app: Shouwang, two_stations: TwoStations) -> None:
    reply = app.api.get(
        f"{API}/audit?member_id={two_stations.member_a.member_id}",
        token=two_stations.officer_a.access_token,
    )
    assert_problem(reply, 403)


# Errors ------------------------------------------------------------------------------------


def post_raw(app: Shouwang, path: str, data: bytes, content_type: str) -> Reply:
    request = urllib.request.Request(
        app.api.base_url + path, data=data, method="POST", headers={"Content-Type": content_type}
    )
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return Reply(response.status, dict(response.headers), response.read())
    except urllib.error.HTTPError as error:
        return Reply(error.code, dict(error.headers), json.loads(error.read()))


def test_a_body_that_is_not_json_is_a_problem(app: Shouwang) -> None:
    assert_problem(post_raw(app, f"{API}/auth/login", b"phone=1", "text/plain"), 415)


def test_malformed_json_is_a_problem(app: Shouwang) -> None:
    assert_problem(post_raw(app, f"{API}/auth/register", b"{not json", "application/json"), 400)


def test_a_json_body_that_is_not_an_object_is_a_problem(app: Shouwang) -> None:
    assert_problem(post_raw(app, f"{API}/auth/register", b"[1, 2]", "application/json"), 400)


def test_an_unknown_route_is_a_problem(app: Shouwang) -> None:
    assert_problem(app.api.get(f"{API}/no-such-thing"), 404)


def test_a_wrong_method_is_a_problem(app: Shouwang) -> None:
    assert_problem(app.api.get(f"{API}/auth/register"), 405)


# Sessions end at once ----------------------------------------------------------------------


def test_logout_ends_the_members_access_token_at_once(app: Shouwang) -> None:
    account = app.member()
    assert app.me(account.access_token).status == 200
    reply = app.api.post(
        f"{API}/auth/logout", {"refresh_token": account.refresh_token}, token=account.access_token
    )
    assert reply.status == 204
    assert_problem(app.me(account.access_token), 401)


def test_after_logout_the_members_other_sessions_may_refresh(app: Shouwang) -> None:
    account = app.member()
    other = app.login_as(account.person, member_id=account.member_id)
    app.api.post(
        f"{API}/auth/logout", {"refresh_token": account.refresh_token}, token=account.access_token
    )
    renewed = app.api.post(f"{API}/auth/refresh", {"refresh_token": other.refresh_token})
    assert renewed.status == 200
    assert app.me(renewed.body["access_token"]).status == 200


def test_a_reused_refresh_token_ends_the_members_access_tokens_at_once(app: Shouwang) -> None:
    account = app.member()
    renewed = app.api.post(f"{API}/auth/refresh", {"refresh_token": account.refresh_token})
    assert app.me(renewed.body["access_token"]).status == 200
    reuse = app.api.post(f"{API}/auth/refresh", {"refresh_token": account.refresh_token})
    assert_problem(reuse, 401)
    assert_problem(app.me(renewed.body["access_token"]), 401)
    assert_problem(app.me(account.access_token), 401)


def test_other_gateway_replicas_learn_of_a_logout_from_the_identity_topic(tmp_path: Path) -> None:
    data = tmp_path / "data"
    with started(data) as app:
        account = app.member()
        # Another replica: its own consumer group on the same event log.
        replica_bus = SqliteEventBus(data / "events.sqlite3")
        replica = TokenVersions()
        replica_bus.subscribe(
            IDENTITY_TOPIC,
            group="another-gateway",
            handler=replica.on_member_changed,
            payload_types=VERSION_EVENTS,
        )
        replica.load(app.running.gateway.clients.identity, now=datetime.now(UTC))
        replica_bus.start()
        try:
            version = jwt.decode(account.access_token, options={"verify_signature": False})["tv"]
            assert replica.accepts(account.member_id, version)
            app.api.post(
                f"{API}/auth/logout",
                {"refresh_token": account.refresh_token},
                token=account.access_token,
            )
            wait_for(
                lambda: not replica.accepts(account.member_id, version),
                what="the other replica to refuse the logged-out token",
            )
        finally:
            replica_bus.close()


# Roles that cannot be given or lost --------------------------------------------------------


def test_an_admin_cannot_remove_their_own_admin_role(app: Shouwang) -> None:
    station, _ = app.station_with_team()
    reply = app.set_roles(app.admin.member_id, roles=["officer"], org_id=station)
    assert_problem(reply, 409)
    assert "admin" in app.ports.members.get(app.admin.member_id)["roles"]


def test_another_admin_may_remove_an_admins_role(isolated_app: Shouwang) -> None:
    app = isolated_app
    second = app.verified_member()
    assert app.set_roles(second.member_id, roles=["admin"]).status == 200
    second = app.login_as(second.person, member_id=second.member_id)
    reply = app.set_roles(app.admin.member_id, roles=["member"], token=second.access_token)
    assert reply.status == 200, reply.body
    assert reply.body["roles"] == ["member"]


def test_the_last_admin_keeps_the_admin_role_whoever_asks(isolated_app: Shouwang) -> None:
    # A gRPC caller may claim an admin actor that is not a stored administrator.
    ghost = Actor(member_id="ghost", roles=frozenset({"admin"}), org_id="")
    with pytest.raises(Conflict):
        handlers.set_roles(
            isolated_app.ports, ghost, isolated_app.admin.member_id, roles=["member"], org_id=""
        )
    assert "admin" in isolated_app.ports.members.get(isolated_app.admin.member_id)["roles"]


@pytest.mark.parametrize("role", ["officer", "team_leader", "admin"])
def test_a_pending_member_cannot_be_given_a_role_that_acts_for_others(
    app: Shouwang, role: str
) -> None:
    station, team = app.station_with_team()
    account = app.member()
    reply = app.set_roles(
        account.member_id, roles=[role], org_id=team if role == "team_leader" else station
    )
    assert_problem(reply, 409)
    assert app.ports.members.get(account.member_id)["roles"] == ["member"]


def test_a_verified_member_may_be_made_a_team_leader(app: Shouwang) -> None:
    _, team = app.station_with_team()
    account = app.verified_member()
    reply = app.set_roles(account.member_id, roles=["team_leader"], org_id=team)
    assert reply.status == 200, reply.body
    assert reply.body["roles"] == ["team_leader"]


# Bounds that hold for gRPC callers too -----------------------------------------------------


def registration_request(person: dict[str, Any], **changes: Any) -> pb.RegisterMemberRequest:
    fields = {k: person[k] for k in ("name", "id_number", "phone", "password")}
    fields.update(changes)
    return pb.RegisterMemberRequest(
        **fields, consent=pb.Consent(version=person["consent"]["version"], accepted=True)
    )


def test_identity_refuses_a_password_over_128_characters_from_any_caller(app: Shouwang) -> None:
    request = registration_request(app.person(), password="Aa1-" + "x" * 125)
    with pytest.raises(InvalidArgument) as refused:
        app.running.gateway.clients.identity.RegisterMember(request)
    assert {error.field for error in refused.value.errors} == {"password"}


def test_identity_refuses_more_than_20_skills_from_any_caller(app: Shouwang) -> None:
    request = registration_request(app.person(), skills=["first_aid"] * 21)
    with pytest.raises(InvalidArgument) as refused:
        app.running.gateway.clients.identity.RegisterMember(request)
    assert {error.field for error in refused.value.errors} == {"skills"}


def test_a_login_with_a_password_over_128_characters_is_refused_like_a_wrong_one(
    app: Shouwang,
) -> None:
    account = app.member()
    with pytest.raises(Unauthenticated):
        app.running.gateway.clients.identity.Login(
            pb.LoginRequest(phone=account.person["phone"], password="x" * 1_000_000)
        )


# Members registered without a team ---------------------------------------------------------


@pytest.fixture
def unplaced(app: Shouwang) -> tuple[Account, Account]:
    """An officer of some station, and a pending member registered without a team."""
    station, _ = app.station_with_team()
    return app.officer(station), app.member()


def test_every_officer_lists_pending_members_without_a_team(
    app: Shouwang, unplaced: tuple[Account, Account]
) -> None:
    officer, member = unplaced
    listed = app.api.get(f"{API}/members?status=pending&limit=200", token=officer.access_token)
    assert member.member_id in {m["member_id"] for m in listed.body["members"]}


def test_an_officer_verifies_a_pending_member_without_a_team(
    app: Shouwang, unplaced: tuple[Account, Account]
) -> None:
    officer, member = unplaced
    reply = app.decide(member.member_id, "approve", token=officer.access_token)
    assert reply.status == 200 and reply.body["status"] == "verified"


def test_an_officer_suspends_a_pending_member_without_a_team(
    app: Shouwang, unplaced: tuple[Account, Account]
) -> None:
    officer, member = unplaced
    reply = app.api.post(f"{API}/members/{member.member_id}/suspend", token=officer.access_token)
    assert reply.status == 200 and reply.body["status"] == "suspended"
    assert_problem(app.me(member.access_token), 401)


def test_a_decided_member_without_a_team_is_left_to_administrators(
    app: Shouwang, unplaced: tuple[Account, Account]
) -> None:
    officer, member = unplaced
    app.decide(member.member_id, "approve")
    reply = app.api.get(f"{API}/members/{member.member_id}", token=officer.access_token)
    assert_problem(reply, 404)


# Paging ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("path", "items"),
    [("/members", "members"), ("/orgs", "orgs"), ("/grids", "features"), ("/audit", "records")],
)
def test_lists_page_with_limit_and_cursor(app: Shouwang, path: str, items: str) -> None:
    for _ in range(3):  # at least three of each
        account = app.member()
        app.station_with_team()
        app.api.post(f"{API}/grids", grid_feature(square(0, 0, 1)), token=app.admin.access_token)
        reveal(app, account.member_id, {"field": "phone", "reason": "分页测试所需"})
    token = app.admin.access_token
    first = app.api.get(f"{API}{path}?limit=2", token=token)
    assert first.status == 200, first.body
    assert len(first.body[items]) == 2 and first.body["next_cursor"]
    second = app.api.get(f"{API}{path}?limit=2&cursor={first.body['next_cursor']}", token=token)
    assert second.status == 200, second.body
    assert second.body[items]
    assert not {json.dumps(i) for i in first.body[items]} & {
        json.dumps(i) for i in second.body[items]
    }


@pytest.mark.parametrize("path", ["/members", "/orgs", "/grids", "/audit"])
def test_the_last_page_says_there_is_no_next(app: Shouwang, path: str) -> None:
    reply = app.api.get(f"{API}{path}?limit=200", token=app.admin.access_token)
    token = app.admin.access_token
    while reply.body["next_cursor"] is not None:
        reply = app.api.get(
            f"{API}{path}?limit=200&cursor={reply.body['next_cursor']}", token=token
        )
        assert reply.status == 200
    assert reply.body["next_cursor"] is None


@pytest.mark.parametrize("query", ["limit=0", "limit=201", "limit=2147483648", "cursor=%%%"])
def test_a_bad_page_query_is_refused_naming_the_parameter(app: Shouwang, query: str) -> None:
    reply = app.api.get(f"{API}/members?{query}", token=app.admin.access_token)
    assert error_fields(reply) == {query.split("=")[0]}


# Account rights ----------------------------------------------------------------------------

NEW_PASSWORD = "Another-Secret-42"


def change_password(app: Shouwang, account: Account, current: str, new: str) -> Reply:
    return app.api.post(
        f"{API}/me/password", {"current": current, "new": new}, token=account.access_token
    )


def test_a_new_password_replaces_the_old_one_for_logins(app: Shouwang) -> None:
    account = app.member()
    reply = change_password(app, account, account.person["password"], NEW_PASSWORD)
    assert reply.status == 200, reply.body
    assert app.login({**account.person, "password": NEW_PASSWORD})["access_token"]
    old = app.api.post(
        f"{API}/auth/login",
        {"phone": account.person["phone"], "password": account.person["password"]},
    )
    assert_problem(old, 401)


def test_a_new_password_ends_every_other_session(app: Shouwang) -> None:
    account = app.member()
    other = app.login_as(account.person, member_id=account.member_id)
    reply = change_password(app, account, account.person["password"], NEW_PASSWORD)
    assert_problem(app.me(other.access_token), 401)
    assert_problem(app.me(account.access_token), 401)
    refused = app.api.post(f"{API}/auth/refresh", {"refresh_token": other.refresh_token})
    assert_problem(refused, 401)
    assert app.me(reply.body["access_token"]).status == 200  # this device goes on


def test_a_password_change_needs_the_current_password(app: Shouwang) -> None:
    account = app.member()
    reply = change_password(app, account, "Not-The-Password-1", NEW_PASSWORD)
    assert error_fields(reply) == {"current"}
    assert app.me(account.access_token).status == 200


def test_a_weak_new_password_is_refused(app: Shouwang) -> None:
    account = app.member()
    assert error_fields(change_password(app, account, account.person["password"], "short")) == {
        "new"
    }


def test_guessing_the_current_password_is_throttled(app: Shouwang) -> None:
    account = app.member()
    replies = [change_password(app, account, f"Wrong-Guess-{n}", NEW_PASSWORD) for n in range(6)]
    assert_problem(replies[-1], 429)


def patch_me(app: Shouwang, account: Account, body: dict[str, Any]) -> Reply:
    return app.api.call("PATCH", f"{API}/me", body, token=account.access_token)


def test_a_member_changes_their_skills(app: Shouwang) -> None:
    account = app.member()
    reply = patch_me(app, account, {"skills": ["swimming", "first_aid"]})
    assert reply.status == 200, reply.body
    assert app.me(account.access_token).body["skills"] == ["first_aid", "swimming"]


def test_an_unknown_skill_in_a_profile_change_is_refused(app: Shouwang) -> None:
    assert error_fields(patch_me(app, app.member(), {"skills": ["juggling"]})) == {"skills[0]"}


@dataclass
class TeamMove:
    member: Account
    old_team: str
    new_team: str
    new_officer: Account
    old_officer: Account


@pytest.fixture
def team_move(app: Shouwang) -> TeamMove:
    """A verified member of one station's team who asks to join another station's team."""
    old_station, old_team = app.station_with_team()
    new_station, new_team = app.station_with_team()
    member = app.verified_member(team_id=old_team)
    reply = patch_me(app, member, {"team_id": new_team})
    assert reply.status == 200, reply.body
    return TeamMove(member, old_team, new_team, app.officer(new_station), app.officer(old_station))


def decide_move(app: Shouwang, move: TeamMove, approve: bool, *, token: str = "") -> Reply:
    return app.api.post(
        f"{API}/members/{move.member.member_id}/team-change",
        {"approve": approve},
        token=token or move.new_officer.access_token,
    )


def test_a_team_change_is_only_requested_until_an_officer_approves(
    app: Shouwang, team_move: TeamMove
) -> None:
    profile = app.me(team_move.member.access_token).body
    assert profile["team_id"] == team_move.old_team
    assert profile["requested_team_id"] == team_move.new_team


def test_the_new_teams_officer_finds_the_request_in_their_queue(
    app: Shouwang, team_move: TeamMove
) -> None:
    reply = app.api.get(
        f"{API}/members?requested_team_id={team_move.new_team}",
        token=team_move.new_officer.access_token,
    )
    assert [m["member_id"] for m in reply.body["members"]] == [team_move.member.member_id]


def test_an_officer_of_the_new_teams_station_approves_a_team_change(
    app: Shouwang, team_move: TeamMove
) -> None:
    reply = decide_move(app, team_move, True)
    assert reply.status == 200, reply.body
    assert reply.body["team_id"] == team_move.new_team
    assert reply.body["requested_team_id"] == ""
    moved = app.login(team_move.member.person)["member"]
    assert moved["team_id"] == team_move.new_team
    # The old station's officer no longer sees the member; the token of the old team ended.
    old_view = app.api.get(
        f"{API}/members/{team_move.member.member_id}", token=team_move.old_officer.access_token
    )
    assert_problem(old_view, 404)
    assert_problem(app.me(team_move.member.access_token), 401)


def test_a_declined_team_change_leaves_the_member_where_they_were(
    app: Shouwang, team_move: TeamMove
) -> None:
    reply = decide_move(app, team_move, False)
    assert reply.status == 200, reply.body
    assert reply.body["team_id"] == team_move.old_team
    assert reply.body["requested_team_id"] == ""


def test_the_old_stations_officer_cannot_decide_a_team_change(
    app: Shouwang, team_move: TeamMove
) -> None:
    assert_problem(decide_move(app, team_move, True, token=team_move.old_officer.access_token), 404)


def test_a_member_cannot_approve_their_own_team_change(app: Shouwang, team_move: TeamMove) -> None:
    assert_problem(decide_move(app, team_move, True, token=team_move.member.access_token), 403)


def test_asking_for_an_unknown_team_is_refused(app: Shouwang) -> None:
    station, _ = app.station_with_team()
    assert error_fields(patch_me(app, app.member(), {"team_id": station})) == {"team_id"}


def test_the_export_holds_the_callers_unmasked_data(app: Shouwang) -> None:
    account = app.member()
    reply = app.api.get(f"{API}/me/export", token=account.access_token)
    assert reply.status == 200, reply.body
    assert reply.body["id_number"] == account.person["id_number"]
    assert reply.body["phone"].endswith(account.person["phone"])
    assert reply.body["name"] == account.person["name"]
    assert reply.body["consent"]["version"] == account.person["consent"]["version"]
    assert len(reply.body["sessions"]) == 1
    assert "password" not in json.dumps(reply.body)


def test_the_export_is_never_cached_and_is_audited(app: Shouwang) -> None:
    account = app.member()
    reply = app.api.get(f"{API}/me/export", token=account.access_token)
    assert header(reply, "Cache-Control") == "no-store"
    [record] = audit_records(app, account.member_id)
    assert record["actor_id"] == account.member_id and record["field"] == "export"


def test_the_export_lists_who_read_the_members_personal_data(app: Shouwang) -> None:
    account = app.member()
    reveal(app, account.member_id, {"field": "phone", "reason": "联系失联队员"})
    reads = app.api.get(f"{API}/me/export", token=account.access_token).body[
        "reads_of_personal_data"
    ]
    assert [(r["actor_id"], r["field"]) for r in reads] == [(app.admin.member_id, "phone")]


def erase(app: Shouwang, account: Account) -> Reply:
    return app.api.call("DELETE", f"{API}/me", token=account.access_token)


def test_erasure_removes_the_persons_data_and_keeps_the_pseudonym(app: Shouwang) -> None:
    account = app.member()
    reply = erase(app, account)
    assert reply.status == 204
    document = app.ports.members.get(account.member_id)
    assert document["status"] == "erased"
    stored = json.dumps(document, ensure_ascii=False)
    for value in (account.person["name"], account.person["id_number"][-4:], "$argon2"):
        assert value not in stored
    assert not document["id_number_sealed"] and not document["phone_sealed"]


def test_erasure_ends_every_session(app: Shouwang) -> None:
    account = app.member()
    erase(app, account)
    assert_problem(app.me(account.access_token), 401)
    refused = app.api.post(f"{API}/auth/refresh", {"refresh_token": account.refresh_token})
    assert_problem(refused, 401)
    login = app.api.post(
        f"{API}/auth/login",
        {"phone": account.person["phone"], "password": account.person["password"]},
    )
    assert_problem(login, 401)


def test_an_erased_persons_id_number_and_phone_may_register_again(app: Shouwang) -> None:
    account = app.member()
    erase(app, account)
    again = app.register(account.person)
    assert again.status == 201, again.body
    assert again.body["member_id"] != account.member_id


def test_erasure_is_announced_without_personal_data(tmp_path: Path) -> None:
    data = tmp_path / "data"
    with started(data) as app:
        account = app.member()
        seen: list[Event] = []
        bus = SqliteEventBus(data / "events.sqlite3")
        bus.subscribe(
            IDENTITY_TOPIC,
            group="erasure-reader",
            handler=seen.append,
            payload_types={"shouwang.member.erased": events_pb2.MemberStatusChanged},
        )
        bus.start()
        try:
            erase(app, account)
            wait_for(lambda: seen, what="shouwang.member.erased")
        finally:
            bus.close()
    [erased] = seen
    assert erased.subject == account.member_id
    assert erased.data.status == "erased"
    payload = erased.data.SerializeToString()
    for value in (account.person["name"], account.person["id_number"], account.person["phone"]):
        assert value.encode() not in payload


def test_the_last_administrator_cannot_erase_themselves(isolated_app: Shouwang) -> None:
    assert_problem(erase(isolated_app, isolated_app.admin), 409)
    assert isolated_app.me(isolated_app.admin.access_token).status == 200
