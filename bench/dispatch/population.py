"""Who is on duty: thousands of background members placed straight into location over gRPC, and a
few dozen real members (registered, verified, on duty through the API) whose streams we watch.

Registering thousands through the API would cost ~25 ms of argon2 each, and dispatch only asks
location who is near; so background members exist in location alone, with fresh fixes.
"""

from __future__ import annotations

import math
import random
import time
from collections.abc import Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

from shouwang.ids import new_id
from shouwang.location.v1 import location_pb2 as pb
from shouwang.location.v1.location_pb2_grpc import LocationServiceStub
from shouwang.rpc import connect
from tests.support.api import Api, fix_at, verified_member, wait_for
from tests.support.cluster import ADMIN_PASSWORD, ADMIN_PHONE

CENTRE = (30.2741, 120.1551)  # Hangzhou
CITY_KM = 30.0  # background members are spread over a 30 × 30 km square
# Real members stay in the central 20 × 20 km: a `members` task ranks at most 10,000 on-duty
# candidates nearest its location (timers._named), so a corner could fall outside that with 10k.
REAL_KM = 20.0
# StartDuty waits on store writes and a bus flush; concurrent callers only contend (in cluster
# mode 4 at once were slower in total than 1), so one at a time.
DUTY_CALLERS = 1
STREAM_MEMBERS = 500


@dataclass(frozen=True)
class Spot:
    lat: float
    lon: float


def spot_in_square(rng: random.Random, side_km: float) -> Spot:
    half = side_km / 2
    north, east = rng.uniform(-half, half), rng.uniform(-half, half)
    lat = CENTRE[0] + north / 111.32
    return Spot(lat, CENTRE[1] + east / (111.32 * math.cos(math.radians(CENTRE[0]))))


class Background:
    """Members who are only positions in location: put on duty once, fixes refreshed on demand."""

    def __init__(self, location_addr: str, *, seed: int = 7) -> None:
        self.location = LocationServiceStub(connect(location_addr, timeout_s=120.0))
        self.rng = random.Random(seed)
        self.members: dict[str, Spot] = {}
        self.stamped_at = 0.0  # epoch seconds on the oldest fix of the last refresh

    def grow_to(self, count: int) -> None:
        missing = count - len(self.members)
        new = {new_id(): spot_in_square(self.rng, CITY_KM) for _ in range(missing)}
        with ThreadPoolExecutor(max_workers=DUTY_CALLERS) as pool:
            list(pool.map(lambda m: self.location.StartDuty(pb.DutyRequest(member_id=m)), new))
        self.members.update(new)
        self.refresh()

    def refresh(self) -> None:
        """Every member reports a fix stamped now, where they stand; returns once location has
        placed a sample of them in its live view (fixes reach it through the bus). Storing the
        tracks of the burst goes on meanwhile (another consumer), as it would on a real shift:
        the timed dispatches that follow share the store with it."""
        started_ms = int(time.time() * 1000)
        members = list(self.members.items())
        for i in range(0, len(members), STREAM_MEMBERS):  # a stream is one call, with a deadline
            self.location.IngestFixes(_fixes(members[i : i + STREAM_MEMBERS], started_ms))
        sample = self.rng.sample(sorted(self.members), min(50, len(self.members)))
        sample += [member_id for member_id, _ in members[-20:]]
        wait_for(
            lambda: all(self._placed_since(m, started_ms) for m in sample),
            timeout_s=120,
            interval_s=0.2,
            what="background fixes in location's live view",
        )
        self.stamped_at = started_ms / 1000

    def _placed_since(self, member_id: str, since_ms: int) -> bool:
        spot = self.members[member_id]
        age_s = math.ceil((time.time() * 1000 - since_ms) / 1000) + 1
        found = self.location.Nearest(
            pb.NearestRequest(lat=spot.lat, lon=spot.lon, radius_m=5, k=3, max_age_s=age_s)
        )
        return any(c.member_id == member_id for c in found.candidates)


def _fixes(members: list[tuple[str, Spot]], ts_ms: int) -> Iterator[pb.ReportFixesRequest]:
    for member_id, spot in members:
        fix = pb.RawFix(lat=spot.lat, lon=spot.lon, ts_ms=ts_ms, accuracy_m=10.0, has_accuracy=True)
        yield pb.ReportFixesRequest(member_id=member_id, fixes=[fix])


@dataclass
class RealMember:
    member_id: str
    token: str
    spot: Spot
    phone: str
    password: str


def admin_token(api: Api) -> str:
    return login(api, ADMIN_PHONE, ADMIN_PASSWORD)


def login(api: Api, phone: str, password: str) -> str:
    reply = api.post("/api/v1/auth/login", {"phone": phone, "password": password})
    if reply.status != 200:
        raise RuntimeError(f"login failed: {reply.status} {reply.body}")
    return reply.body["access_token"]


def renew_tokens(api: Api, members: Sequence[RealMember]) -> None:
    """Fresh access tokens (they live 15 minutes; a push stream ends when its token expires)."""
    with ThreadPoolExecutor(max_workers=4) as pool:
        tokens = list(pool.map(lambda m: login(api, m.phone, m.password), members))
    for member, token in zip(members, tokens, strict=True):
        member.token = token


def enlist(api: Api, admin: str, count: int, *, seed: int = 11) -> list[RealMember]:
    """Register, verify and put ``count`` members on duty, each at their own spot."""
    rng = random.Random(seed)
    spots = [spot_in_square(rng, REAL_KM) for _ in range(count)]

    def one(spot: Spot) -> RealMember:
        member_id, token, person = verified_member(api, admin)
        started = api.post("/api/v1/duty/start", token=token)
        if started.status != 200:
            raise RuntimeError(f"duty start failed: {started.status} {started.body}")
        return RealMember(member_id, token, spot, person["phone"], person["password"])

    with ThreadPoolExecutor(max_workers=4) as pool:
        members = list(pool.map(one, spots))
    refresh_real(api, members)
    return members


def refresh_real(api: Api, members: Sequence[RealMember]) -> None:
    for member in members:
        reply = api.post(
            "/api/v1/location",
            {"fixes": [fix_at(member.spot.lat, member.spot.lon, accuracy_m=5.0)]},
            token=member.token,
        )
        if reply.status != 202 or reply.body["accepted"] != 1:
            raise RuntimeError(f"location report refused: {reply.status} {reply.body}")


def wait_until_eligible(location: LocationServiceStub, members: Sequence[RealMember]) -> None:
    """Until location would offer each real member a task at their spot (fresh, not busy)."""

    def eligible(member: RealMember) -> bool:
        found = location.Nearest(
            pb.NearestRequest(lat=member.spot.lat, lon=member.spot.lon, radius_m=5, k=1)
        )
        return [c.member_id for c in found.candidates] == [member.member_id]

    wait_for(
        lambda: all(eligible(m) for m in members),
        timeout_s=60,
        interval_s=0.1,
        what="real members eligible in location",
    )
