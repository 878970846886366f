"""Who is on duty for the capacity runs: members placed straight into location over gRPC
(StartDuty, then a fix each through IngestFixes), spread over a 30 × 30 km city (the load's HTTP
client and logins are bench.dispatch's). Registering thousands through the API would cost seconds
of argon2 each minute of the run, and dispatch only asks location who is near."""

from __future__ import annotations

import math
import random
import time
from collections.abc import Iterator

from bench.dispatch.population import Spot, spot_in_square
from shouwang.ids import new_id
from shouwang.location.v1 import location_pb2 as pb
from shouwang.location.v1.location_pb2_grpc import LocationServiceStub
from shouwang.rpc import connect
from tests.support.api import wait_for

CITY_KM = 30.0
STREAM_MEMBERS = 100  # fixes per IngestFixes call (each call has a deadline)


class OnDuty:
    """Members who are only positions in location: put on duty once, fixes refreshed on demand."""

    def __init__(self, location_addr: str, *, seed: int = 7) -> None:
        self.location = LocationServiceStub(connect(location_addr, timeout_s=120.0))
        self.rng = random.Random(seed)
        self.members: dict[str, Spot] = {}
        self.stamped_at = 0.0  # epoch seconds of the last refresh's fixes

    def grow_to(self, count: int) -> None:
        for _ in range(count - len(self.members)):
            member_id = new_id()
            self.location.StartDuty(pb.DutyRequest(member_id=member_id))
            self.members[member_id] = spot_in_square(self.rng, CITY_KM)
        self.refresh()

    def refresh(self) -> None:
        """A fix stamped now for every member; returns once location shows a sample of them."""
        started_ms = int(time.time() * 1000)
        members = list(self.members.items())
        for i in range(0, len(members), STREAM_MEMBERS):
            self.location.IngestFixes(_fixes(members[i : i + STREAM_MEMBERS], started_ms))
        sample = self.rng.sample(members, min(30, len(members)))
        wait_for(
            lambda: all(self._placed_since(m, s, started_ms) for m, s in sample),
            timeout_s=180,
            interval_s=0.2,
            what="fixes in location's live view",
        )
        self.stamped_at = started_ms / 1000

    def _placed_since(self, member_id: str, spot: Spot, since_ms: int) -> bool:
        age_s = math.ceil((time.time() * 1000 - since_ms) / 1000) + 1
        found = self.location.Nearest(
            pb.NearestRequest(lat=spot.lat, lon=spot.lon, radius_m=5, k=3, max_age_s=age_s)
        )
        return any(c.member_id == member_id for c in found.candidates)


def _fixes(members: list[tuple[str, Spot]], ts_ms: int) -> Iterator[pb.ReportFixesRequest]:
    for member_id, spot in members:
        fix = pb.RawFix(lat=spot.lat, lon=spot.lon, ts_ms=ts_ms, accuracy_m=10.0, has_accuracy=True)
        yield pb.ReportFixesRequest(member_id=member_id, fixes=[fix])
