"""The authorization matrix, generated from the route table: every route × every kind of caller,
each route's expected outcome read from the ``access=`` declared beside its definition.

A route without a declaration cannot be registered (``TypedRoutes`` requires one), and a Flask
route that bypasses ``TypedRoutes`` fails ``test_every_api_route_is_a_declared_operation``.
"""

from __future__ import annotations

import random
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

import allinone
from services.gateway.access import Access
from shouwang.typed_routes import Operation
from tests.support.api import Api, Reply, new_person

API = "/api/v1"
ADMIN_PHONE, ADMIN_PASSWORD = "13800000000", "Admin-Password-1"
PERSONAS = (
    "anonymous",
    "pending_member",
    "verified_member",
    "team_leader",
    "officer_of_another_station",
    "officer_of_the_station",
    "admin",
)
# What each access level lets through; everyone else gets 401 (no token) or 403.
ALLOWED = {
    Access.ANYONE: set(PERSONAS),
    Access.MEMBER: set(PERSONAS) - {"anonymous"},
    Access.VERIFIED: set(PERSONAS) - {"anonymous", "pending_member"},
    Access.OFFICER: {"officer_of_another_station", "officer_of_the_station", "admin"},
    Access.ADMIN: {"admin"},
}
# Routes that end the caller's own session or account: each call gets a persona of its own.
SELF_ENDING = {("POST", "/auth/logout"), ("POST", "/me/password"), ("DELETE", "/me")}
# A push stream stays open; its access is tested in tests/e2e/test_stream.py.
NOT_CALLED = {("GET", "/stream")}


@dataclass
class City:
    """Two stations, the seven kinds of caller, and things of the first station to act on."""

    running: allinone.AllInOne
    api: Api
    admin_token: str
    station: str
    team: str
    other_station: str
    tokens: dict[str, str | None]
    station_member_id: str

    def persona(self, kind: str) -> str | None:
        """A fresh caller of ``kind`` (for routes that end the caller's own session)."""
        return make_persona(self, kind)


def make_persona(city: City, kind: str) -> str | None:
    api = city.api
    if kind == "anonymous":
        return None
    if kind == "admin":
        return login(api, ADMIN_PHONE, ADMIN_PASSWORD)
    person = new_person(random.Random(), team_id=city.team)
    member_id, token = api.register_and_login(person)
    if kind == "pending_member":
        return token
    admin = city.admin_token
    assert api.post(f"{API}/members/{member_id}/verify", {"decision": "approve"}, token=admin)
    roles = {
        "team_leader": (["member", "team_leader"], city.team),
        "officer_of_the_station": (["officer"], city.station),
        "officer_of_another_station": (["officer"], city.other_station),
    }
    if kind in roles:
        names, org_id = roles[kind]
        reply = api.post(
            f"{API}/members/{member_id}/roles", {"roles": names, "org_id": org_id}, token=admin
        )
        assert reply.status == 200, reply.body
    return login(api, person["phone"], person["password"])


def login(api: Api, phone: str, password: str) -> str:
    reply = api.post(f"{API}/auth/login", {"phone": phone, "password": password})
    assert reply.status == 200, reply.body
    return reply.body["access_token"]


def org(api: Api, admin: str, kind: str, parent_id: str = "") -> str:
    body = {"name": f"{kind} {random.randrange(10**6)}", "kind": kind}
    if parent_id:
        body["parent_id"] = parent_id
    reply = api.post(f"{API}/orgs", body, token=admin)
    assert reply.status == 201, reply.body
    return reply.body["org_id"]


@pytest.fixture(scope="module")
def city(tmp_path_factory: pytest.TempPathFactory) -> Iterator[City]:
    with pytest.MonkeyPatch.context() as env:
        env.setenv("SHOUWANG_ADMIN_PHONE", ADMIN_PHONE)
        env.setenv("SHOUWANG_ADMIN_PASSWORD", ADMIN_PASSWORD)
        running = allinone.start(port=0, data_dir=Path(tmp_path_factory.mktemp("matrix")))
    try:
        api = Api(running.url)
        admin = login(api, ADMIN_PHONE, ADMIN_PASSWORD)
        station = org(api, admin, "station")
        team = org(api, admin, "team", station)
        city = City(
            running=running,
            api=api,
            admin_token=admin,
            station=station,
            team=team,
            other_station=org(api, admin, "station"),
            tokens={},
            station_member_id="",
        )
        city.tokens = {kind: make_persona(city, kind) for kind in PERSONAS}
        member_id, _ = api.register_and_login(new_person(team_id=team))
        city.station_member_id = member_id
        yield city
    finally:
        running.stop()


def operations(running: allinone.AllInOne) -> list[Operation]:
    return running.gateway.app.extensions["shouwang.operations"]


def operation_cases() -> list[tuple[str, str, Access]]:
    """(method, path, access) of every declared operation, read from a freshly built app."""
    from services.gateway.app import ROUTE_MODULES

    cases = []
    for module in ROUTE_MODULES:
        typed = module.routes(_NoContext())
        cases += [(op.method, op.path, op.access) for op in typed.operations]
    return cases


class _NoContext:
    """Enough of a GatewayContext to build the route table (no request is served)."""

    def __getattr__(self, name: str) -> object:
        return _NoContext()

    def __call__(self, *args: object, **kwargs: object) -> object:
        return _NoContext()


def test_every_api_route_is_a_declared_operation(city: City) -> None:
    app = city.running.gateway.app
    declared = {(op.method, API + op.path) for op in operations(city.running)}
    served = {
        (method, rule.rule.replace("<", "{").replace(">", "}"))
        for rule in app.url_map.iter_rules()
        if rule.rule.startswith(API) and rule.rule != f"{API}/openapi.json"
        for method in rule.methods or ()
        if method not in ("HEAD", "OPTIONS")
    }
    assert served == declared


@pytest.mark.parametrize("persona", PERSONAS)
@pytest.mark.parametrize(
    ("method", "path", "access"),
    [pytest.param(*case, id=f"{case[0]} {case[1]}") for case in operation_cases()],
)
def test_each_caller_gets_what_the_route_declares(
    city: City, method: str, path: str, access: Access, persona: str
) -> None:
    if (method, path) in NOT_CALLED:
        pytest.skip("a push stream stays open; tests/e2e/test_stream.py covers its access")
    token = city.persona(persona) if (method, path) in SELF_ENDING else city.tokens[persona]
    url = API + path.format_map(_Ids(city))
    reply = city.api.call(method, url, {} if method in ("POST", "PATCH") else None, token=token)
    if persona in ALLOWED[access]:
        assert reply.status not in (401, 403) or _refused_by_domain(reply), reply.body
    else:
        assert reply.status == (401 if persona == "anonymous" else 403), reply.body


def test_an_officer_of_another_station_does_not_see_the_stations_member(city: City) -> None:
    member = f"{API}/members/{city.station_member_id}"
    assert city.api.get(member, token=city.tokens["officer_of_the_station"]).status == 200
    assert city.api.get(member, token=city.tokens["officer_of_another_station"]).status == 404


def _refused_by_domain(reply: Reply) -> bool:
    """A 403 that a service gave for a rule of its domain (e.g. only verified members claim),
    not the gateway's access check (which words its refusal as 'only ... may do this')."""
    detail = str(reply.body.get("detail", "")) if isinstance(reply.body, dict) else ""
    return reply.status == 403 and not detail.endswith("may do this")


class _Ids(dict):
    """Path parameters: the station's member for ``member_id``, made-up ids for the rest (the
    caller then gets 404, past the access check)."""

    def __init__(self, city: City) -> None:
        super().__init__(member_id=city.station_member_id)

    def __missing__(self, key: str) -> str:
        return "01nosuch" + key.replace("_", "")
