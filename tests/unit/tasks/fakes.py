"""In-process fakes of the two services tasks calls: location (who is on duty where, busy,
scene fences) and identity (who is eligible, in which station). They answer as the real ones do
for the requests tasks makes, from what a test placed in them."""

from __future__ import annotations

import json
import threading
from dataclasses import dataclass, field

from shapely.geometry import Point, shape

from shouwang.geo import haversine_m
from shouwang.identity.v1 import identity_pb2
from shouwang.location.v1 import location_pb2


@dataclass
class Patroller:
    member_id: str
    lat: float
    lon: float
    station_id: str = ""
    skills: frozenset[str] = frozenset()
    busy: bool = False


@dataclass
class FakeLocation:
    """The live view: on-duty members with a fresh fix, nearest first, busy ones skipped."""

    members: dict[str, Patroller] = field(default_factory=dict)
    fences: dict[str, location_pb2.RegisterGeofenceRequest] = field(default_factory=dict)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def place(self, member_id: str, lat: float, lon: float, **details: object) -> None:
        self.members[member_id] = Patroller(member_id, lat, lon, **details)  # type: ignore[arg-type]

    def Nearest(self, request: location_pb2.NearestRequest) -> location_pb2.Candidates:  # noqa: N802
        with self._lock:
            found = sorted(
                (distance, member.member_id)
                for member in self.members.values()
                if self._eligible(member, request)
                and (distance := haversine_m(request.lat, request.lon, member.lat, member.lon))
                <= request.radius_m
            )
        return location_pb2.Candidates(
            candidates=[
                location_pb2.Candidate(member_id=member_id, distance_m=float(distance))
                for distance, member_id in found[: request.k]
            ]
        )

    def SetBusy(self, request: location_pb2.SetBusyRequest) -> location_pb2.SetBusyResponse:  # noqa: N802
        with self._lock:
            self.members[request.member_id].busy = request.busy
        return location_pb2.SetBusyResponse()

    def RegisterGeofence(  # noqa: N802
        self, request: location_pb2.RegisterGeofenceRequest
    ) -> location_pb2.Geofence:
        with self._lock:
            self.fences[request.fence_id] = request
        return location_pb2.Geofence()

    def RemoveGeofence(  # noqa: N802
        self, request: location_pb2.RemoveGeofenceRequest
    ) -> location_pb2.RemoveGeofenceResponse:
        with self._lock:
            self.fences.pop(request.fence_id, None)
        return location_pb2.RemoveGeofenceResponse()

    def _eligible(self, member: Patroller, request: location_pb2.NearestRequest) -> bool:
        if member.busy or member.member_id in request.exclude_member_ids:
            return False
        if request.member_ids and member.member_id not in request.member_ids:
            return False
        if not set(request.skills) <= member.skills:
            return False
        if request.station_ids and member.station_id not in request.station_ids:
            return False
        return not request.HasField("area") or _inside(request.area, member)


def _inside(area: location_pb2.Area, member: Patroller) -> bool:
    if area.HasField("circle"):
        c = area.circle
        return haversine_m(c.lat, c.lon, member.lat, member.lon) <= c.radius_m
    return bool(shape(json.loads(area.polygon_geojson)).covers(Point(member.lon, member.lat)))


@dataclass
class FakeIdentity:
    """Members by id: verified unless suspended, each in a station (or none)."""

    stations: dict[str, str] = field(default_factory=dict)
    suspended: set[str] = field(default_factory=set)

    def CheckEligibility(  # noqa: N802
        self, request: identity_pb2.CheckEligibilityRequest
    ) -> identity_pb2.Eligibility:
        if request.member_id not in self.stations:
            return identity_pb2.Eligibility(eligible=False, reason="no such member")
        if request.member_id in self.suspended:
            return identity_pb2.Eligibility(eligible=False, status="suspended", reason="suspended")
        return identity_pb2.Eligibility(eligible=True, status="verified")

    def GetMember(self, request: identity_pb2.GetMemberRequest) -> identity_pb2.Member:  # noqa: N802
        return identity_pb2.Member(
            member_id=request.member_id, station_id=self.stations.get(request.member_id, "")
        )
