"""In-process fakes of the two services comms calls: location (who is on duty inside an area
now) and identity (members with their team and grid, grids, orgs), answering the requests comms
makes as the real ones do, pages included, from what a test placed in them."""

from __future__ import annotations

import json
from dataclasses import dataclass, field

from shapely.geometry import Point, shape

from shouwang.errors import Forbidden, NotFound
from shouwang.events import Event
from shouwang.geo import haversine_m
from shouwang.identity.v1 import identity_pb2
from shouwang.location.v1 import location_pb2
from shouwang.service_auth import phone_lookup_content, verified_service
from shouwang.training.v1 import training_pb2

PAGE = 2  # small, so every caller has to follow next_page_token


@dataclass
class FakeLocation:
    on_duty: dict[str, tuple[float, float]] = field(default_factory=dict)

    def Within(self, request: location_pb2.WithinRequest) -> location_pb2.Candidates:  # noqa: N802
        area = request.area
        inside = []
        for member_id, (lat, lon) in self.on_duty.items():
            if area.HasField("circle"):
                c = area.circle
                hit = haversine_m(c.lat, c.lon, lat, lon) <= c.radius_m
            else:
                hit = shape(json.loads(area.polygon_geojson)).covers(Point(lon, lat))
            if hit:
                inside.append(location_pb2.Candidate(member_id=member_id))
        return location_pb2.Candidates(candidates=inside)


@dataclass
class Resident:
    member_id: str
    team_id: str = ""
    grid_id: str = ""
    station_id: str = ""
    status: str = "verified"


def _page(items: list, token: str) -> tuple[list, str]:
    start = int(token or 0)
    rest = items[start : start + PAGE]
    return rest, str(start + PAGE) if start + PAGE < len(items) else ""


@dataclass
class FakeIdentity:
    members: dict[str, Resident] = field(default_factory=dict)
    grids: list[identity_pb2.Grid] = field(default_factory=list)
    orgs: list[identity_pb2.Org] = field(default_factory=list)
    # Officers keep to their station's members, as identity's ListMembers does.
    calls: list[str] = field(default_factory=list)
    # LookupPhones: the numbers, and the key comms must sign with (as identity checks it).
    phones: dict[str, str] = field(default_factory=dict)
    lookup_key: bytes = b""
    lookups: list[list[str]] = field(default_factory=list)

    def LookupPhones(self, request, metadata=None) -> identity_pb2.PhoneList:  # noqa: N802
        content = phone_lookup_content(list(request.member_ids), request.purpose, request.reference)
        if not verified_service(
            self.lookup_key, metadata, method="LookupPhones", content=content, allowed=("comms",)
        ):
            raise Forbidden(detail="only the comms service looks phones up")
        self.lookups.append(list(request.member_ids))
        return identity_pb2.PhoneList(
            phones=[
                identity_pb2.MemberPhone(member_id=m, phone=self.phones[m])
                for m in request.member_ids
                if m in self.phones and self.members.get(m, Resident(m)).status == "verified"
            ]
        )

    def ListMembers(self, request: identity_pb2.ListMembersRequest) -> identity_pb2.MemberList:  # noqa: N802
        assert "officer" in request.actor.roles or "admin" in request.actor.roles
        self.calls.append("ListMembers")
        matching = [
            m
            for m in self.members.values()
            if (not request.status or m.status == request.status)
            and (not request.team_id or m.team_id == request.team_id)
            and (not request.grid_id or m.grid_id == request.grid_id)
        ]
        items, token = _page(matching, request.page_token)
        return identity_pb2.MemberList(
            members=[
                identity_pb2.Member(
                    member_id=m.member_id,
                    team_id=m.team_id,
                    grid_id=m.grid_id,
                    station_id=m.station_id,
                    status=m.status,
                )
                for m in items
            ],
            next_page_token=token,
        )

    def GetMembers(self, request: identity_pb2.GetMembersRequest) -> identity_pb2.MemberList:  # noqa: N802
        found = [self.members[m] for m in request.member_ids if m in self.members]
        return identity_pb2.MemberList(
            members=[identity_pb2.Member(member_id=m.member_id, status=m.status) for m in found]
        )

    def ListGrids(self, request: identity_pb2.ListGridsRequest) -> identity_pb2.GridList:  # noqa: N802
        assert request.actor.roles
        matching = [
            g for g in self.grids if not request.parent_id or g.parent_id == request.parent_id
        ]
        items, token = _page(matching, request.page_token)
        return identity_pb2.GridList(grids=items, next_page_token=token)

    def ListOrgs(self, request: identity_pb2.ListOrgsRequest) -> identity_pb2.OrgList:  # noqa: N802
        items, token = _page(self.orgs, request.page_token)
        return identity_pb2.OrgList(orgs=items, next_page_token=token)


@dataclass
class FakeTraining:
    """Training's GetCohort: a cohort's trainees and instructors, to callers who may see it
    (officers of its station, its instructors and trainees), as training answers."""

    cohorts: dict[str, training_pb2.Cohort] = field(default_factory=dict)

    def GetCohort(self, request: training_pb2.CohortRequest) -> training_pb2.Cohort:  # noqa: N802
        cohort = self.cohorts.get(request.cohort_id)
        caller = request.caller
        officer = bool({"officer", "admin"} & set(caller.roles))
        if cohort is None or not (
            (officer and (caller.city_wide or cohort.station_id in caller.scope_org_ids))
            or caller.member_id in (*cohort.instructor_ids, *cohort.trainee_ids)
        ):
            raise NotFound(detail="no such cohort")
        return cohort


class RecordingBus:
    """The embedded bus, with every published event kept for the test to read."""

    def __init__(self, bus) -> None:  # type: ignore[no-untyped-def]
        self.bus = bus
        self.published: list[tuple[str, Event]] = []

    def publish(self, topic: str, events) -> None:  # type: ignore[no-untyped-def]
        self.published += [(topic, e) for e in events]
        self.bus.publish(topic, events)

    def __getattr__(self, name: str):  # type: ignore[no-untyped-def]
        return getattr(self.bus, name)

    def of_type(self, event_type: str) -> list[Event]:
        return [e for _, e in self.published if e.type == event_type]
