"""Setting up the night's town through the API: the administrator's stations, teams and grids,
the demo officer, each member registered, verified and on duty, the class and the roster.

A second night against the same server finds what the first one made (orgs and grids by name,
accounts by phone) instead of failing on duplicates."""

from __future__ import annotations

import logging
import time
from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from simulator.client import Http, Reply, Session
from simulator.patroller import Patroller
from simulator.plan import RUIAN, Member, Plan, credentials
from simulator.streets import LatLon, Walker

log = logging.getLogger(__name__)

LOCAL_TZ = ZoneInfo("Asia/Shanghai")  # rosters' and classes' wall clock
CONSENT = {"version": "2026-11", "accepted": True}
# Trainees patrol with their own teams and the roster covers its units' streets: the whole town.
TOWN = {"center": {"lat": RUIAN[0], "lon": RUIAN[1]}, "radius_m": 3000}


class SetupFailed(RuntimeError):
    """The night could not be set up (no administrator, a refusal the simulator cannot mend)."""


class Town:
    def __init__(
        self, http: Http, plan: Plan, *, admin: Session, officer: Session, secret: str
    ) -> None:
        self.http, self.plan = http, plan
        self.admin, self.officer = admin, officer
        self.secret = secret  # the administrator's password: simulated passwords derive from it
        self.org_ids: dict[str, str] = {}

    def log_in_administrator(self, *, wait_s: float = 60.0) -> None:
        """Log the administrator in, waiting up to ``wait_s`` for a server still starting."""
        deadline = time.monotonic() + wait_s
        while True:
            try:
                reply = self.admin.login()
                break
            except OSError as error:
                if time.monotonic() > deadline:
                    raise SetupFailed(f"the server does not answer: {error}") from error
                time.sleep(1.0)
        if reply.status != 200:
            raise SetupFailed(
                "the administrator could not log in (SHOUWANG_ADMIN_PHONE / "
                "SHOUWANG_ADMIN_PASSWORD must be the server's seeded administrator)"
            )

    def set_up_orgs_and_grids(self) -> None:
        """The stations and their teams; a district grid per station and a community grid per
        team (members' homes fall in them, so the console counts members by grid)."""
        orgs = {
            (org["kind"], org["name"], org["parent_id"] or ""): org["org_id"]
            for org in self._pages("/orgs", "orgs")
        }

        def org(kind: str, name: str, parent: str) -> str:
            if (kind, name, parent) not in orgs:
                body = {"name": name, "kind": kind, **({"parent_id": parent} if parent else {})}
                orgs[kind, name, parent] = _created(self.admin.post("/orgs", body), name)["org_id"]
            return orgs[kind, name, parent]

        grids = {
            grid["properties"]["name"]: grid["properties"]["grid_id"]
            for grid in self._pages("/grids", "features")
        }

        def grid(name: str, ring: list[LatLon], level: int, parent: str) -> str:
            if name not in grids:
                feature = {
                    "type": "Feature",
                    "geometry": {"type": "Polygon", "coordinates": [[list(p) for p in ring]]},
                    "properties": {"name": name, "level": level, "parent_id": parent},
                }
                reply = self.admin.post("/grids", feature)
                grids[name] = _created(reply, name)["properties"]["grid_id"]
            return grids[name]

        plan, rows = self.plan, range(self.plan.streets.rows)
        for number, station in enumerate(plan.stations):
            self.org_ids[f"s{number}"] = org("station", station.name, "")
            district = grid(station.grid_name, plan.rectangle(station.columns, rows), 1, "")
            for team in (t for t in plan.teams if t.station == number):
                self.org_ids[team.key] = org("team", team.name, self.org_ids[f"s{number}"])
                grid(f"{team.name}责任区", plan.rectangle(team.columns, team.rows), 2, district)

    def set_up_officer(self) -> None:
        """``demo-officer``: a verified member made officer and administrator, so the console
        signed in as them sees the whole town the night runs in."""
        person = self.plan.officer
        registered = self.http.call(
            "POST",
            "/auth/register",
            {
                "name": person.name,
                "id_number": person.id_number,
                "phone": person.phone,
                "password": self.officer.password,
                "consent": CONSENT,
            },
        )
        if registered.status not in (201, 409):
            raise SetupFailed(f"the demo officer's registration: {registered.status}")
        if self.officer.login().status != 200:
            raise SetupFailed(
                "the demo officer cannot log in: the phone belongs to an account made with "
                "another administrator password or seed"
            )
        member_id = self.officer.member_id
        if self.officer.member["status"] == "pending":
            verify = self.admin.post(f"/members/{member_id}/verify", {"decision": "approve"})
            _created(verify, "verifying the demo officer")
        if not {"officer", "admin"} <= set(self.officer.member["roles"]):
            roles = {"roles": ["member", "officer", "admin"]}
            _created(self.admin.post(f"/members/{member_id}/roles", roles), "the demo officer")
        self.officer.login()

    def enrol(self, member: Member) -> Patroller | None:
        """Register (or find) the member, have the administrator verify them, and go on duty
        at home with a first fix. None when the member cannot take part."""
        home = self.plan.streets.nodes[member.home]
        password = credentials(self.secret, self.plan.seed, member.index)
        registered = self.http.call(
            "POST",
            "/auth/register",
            {
                "name": member.name,
                "id_number": member.id_number,
                "phone": member.phone,
                "password": password,
                "team_id": self.org_ids[self.plan.teams[member.team].key],
                "home": {"lat": home[0], "lon": home[1]},
                "skills": ["first_aid"] if member.index % 7 == 0 else [],
                "consent": CONSENT,
            },
        )
        session = Session(self.http, phone=member.phone, password=password)
        if registered.status not in (201, 409) or session.login().status != 200:
            log.warning("member %d cannot take part (%s)", member.index, registered.status)
            return None
        if session.member["status"] == "pending":
            verify = self.admin.post(
                f"/members/{session.member_id}/verify", {"decision": "approve"}
            )
            if verify.status != 200:
                return None
        elif session.member["status"] != "verified":
            return None
        # The verification ended the first token; the session renews itself on the 401.
        if session.post("/duty/start").status not in (200, 409):
            return None
        patroller = Patroller(
            member=member,
            session=session,
            walker=Walker(home),
            decisions=self.plan.decisions(member),
            rng=self.plan.rng("member", member.index, "walk"),
            on_duty=True,
        )
        if session.post("/location", {"fixes": [patroller.fix(0.0)]}).status != 202:
            return None
        return patroller

    def set_up_class(self, patrollers: list[Patroller]) -> dict[str, Any]:
        """A class (期) of the trainees: a week of day training at the base and night patrols
        across the town, the demo officer its instructor. Returns the cohort ({} when the night
        has no trainees)."""
        trainees = [p for p in patrollers if p.member.trainee]
        if not trainees:
            return {}
        today = datetime.now(LOCAL_TZ).date()
        sessions = []
        for day in range(7):
            midnight = datetime.combine(today + timedelta(days=day), datetime.min.time(), LOCAL_TZ)
            sessions.append(_session(midnight, 9, 12, kind="training", topic="警务技能"))
            sessions.append(_session(midnight, 19, 23, kind="patrol", area=TOWN))
        centre = TOWN["center"]
        draft = {
            "name": f"瑞安轮值轮训 {today:%Y%m%d} 期",
            "site": {"name": "轮训基地", "location": centre, "radius_m": 300},
            "starts_on": today.isoformat(),
            "ends_on": (today + timedelta(days=6)).isoformat(),
            "instructor_ids": [self.officer.member_id],
            "sessions": sessions,
        }
        cohort = _created(self.officer.post("/cohorts", draft), "the class")
        enrolment = {"member_ids": [p.session.member_id for p in trainees]}
        trainees_added = self.officer.post(f"/cohorts/{cohort['cohort_id']}/trainees", enrolment)
        _created(trainees_added, "enrolling the trainees")
        return cohort

    def set_up_roster(self, patrollers: list[Patroller]) -> int:
        """The shop-and-company units' duty roster (each sends members in rotation); each
        member on it keeps their first shift to file patrol logs against. Returns how many
        shifts it generated."""
        units = sorted(self.org_ids[t.key] for t in self.plan.teams if t.roster)
        team_ids = {self.org_ids[self.plan.teams[p.member.team].key] for p in patrollers}
        if not team_ids.intersection(units):
            return 0
        today = datetime.now(LOCAL_TZ).date()
        roster = self.officer.post(
            "/rosters",
            {
                "name": f"玉海商铺企业联防 {today:%Y%m%d}",
                "org_ids": units,
                "area": TOWN,
                "shifts": {"weekdays": [1, 2, 3, 4, 5, 6, 7], "from": "19:00", "to": "23:00"},
                "per_org_per_month": 10,
                "starts_on": today.isoformat(),
            },
        )
        if roster.status != 201:
            log.warning("the roster was not created: %s %s", roster.status, roster.body)
            return 0
        by_member = {p.session.member_id: p for p in patrollers}
        for shift in sorted(roster.body["generated"], key=lambda s: s["starts_at"]):
            patroller = by_member.get(shift["member_id"])
            if patroller is not None and not patroller.shift_id:
                patroller.shift_id = shift["shift_id"]
        return len(roster.body["generated"])

    def _pages(self, path: str, items: str) -> list[dict[str, Any]]:
        found: list[dict[str, Any]] = []
        cursor = ""
        while True:
            reply = self.admin.get(f"{path}?limit=200{cursor}")
            if reply.status != 200:
                raise SetupFailed(f"GET {path}: {reply.status} {reply.body}")
            found += reply.body[items]
            if not reply.body.get("next_cursor"):
                return found
            cursor = f"&cursor={reply.body['next_cursor']}"


def _created(reply: Reply, what: str) -> dict[str, Any]:
    if reply.status not in (200, 201):
        raise SetupFailed(f"{what}: {reply.status} {reply.body}")
    return reply.body  # type: ignore[no-any-return]


def _session(midnight: datetime, start: int, end: int, **fields: Any) -> dict[str, Any]:
    def stamp(hour: int) -> str:
        moment = (midnight + timedelta(hours=hour)).astimezone(UTC)
        return moment.isoformat().replace("+00:00", "Z")

    return {"starts_at": stamp(start), "ends_at": stamp(end), **fields}
