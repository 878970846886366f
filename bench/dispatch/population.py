"""Who is on duty: a few dozen real members (registered, verified, on duty through the API) whose
streams the benchmark watches and who race for claims, beside the thousands whose fixes keep
arriving (``bench.dispatch.phones``); and where they all stand.
"""

from __future__ import annotations

import math
import random
import time
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any

from shouwang.location.v1 import location_pb2 as pb
from shouwang.location.v1.location_pb2_grpc import LocationServiceStub
from tests.support.api import Api, Reply, fix_at, new_person, wait_for
from tests.support.cluster import ADMIN_PASSWORD, ADMIN_PHONE

CENTRE = (30.2741, 120.1551)  # Hangzhou
CITY_KM = 30.0  # background members are spread over a 30 × 30 km square
# Real members stay in the central 20 × 20 km: a `members` task ranks at most 10,000 on-duty
# candidates nearest its location (timers._named), so a corner could fall outside that with 10k.
REAL_KM = 20.0


@dataclass(frozen=True)
class Spot:
    lat: float
    lon: float


def spot_in_square(rng: random.Random, side_km: float) -> Spot:
    half = side_km / 2
    north, east = rng.uniform(-half, half), rng.uniform(-half, half)
    lat = CENTRE[0] + north / 111.32
    return Spot(lat, CENTRE[1] + east / (111.32 * math.cos(math.radians(CENTRE[0]))))


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
    reply = post(api, "/api/v1/auth/login", {"phone": phone, "password": password})
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
        for _ in range(3):  # a retried registration that had gone through meets a 409
            person = new_person()
            registered = post(api, "/api/v1/auth/register", person)
            if registered.status == 201:
                break
        else:
            raise RuntimeError(f"register failed: {registered.status} {registered.body}")
        member_id = registered.body["member_id"]
        verified = post(
            api, f"/api/v1/members/{member_id}/verify", {"decision": "approve"}, token=admin
        )
        if verified.status != 200:
            raise RuntimeError(f"verify failed: {verified.status} {verified.body}")
        token = login(api, person["phone"], person["password"])
        started = post(api, "/api/v1/duty/start", token=token)
        if started.status != 200:
            raise RuntimeError(f"duty start failed: {started.status} {started.body}")
        return RealMember(member_id, token, spot, person["phone"], person["password"])

    with ThreadPoolExecutor(max_workers=2) as pool:
        members = list(pool.map(one, spots))
    refresh_real(api, members)
    return members


def post(api: Api, path: str, body: Any = None, **kwargs: Any) -> Reply:
    """``api.post``, tried again while the server answers 503 (an upstream call timed out on a
    machine busy with other work)."""
    for wait in (0.5, 1.0, 2.0, 4.0, 8.0, 0.0):
        reply = api.post(path, body, **kwargs)
        if reply.status != 503 or not wait:
            return reply
        time.sleep(wait)
    return reply


def refresh_real(api: Api, members: Sequence[RealMember]) -> None:
    for member in members:
        reply = post(
            api,
            "/api/v1/location",
            {"fixes": [fix_at(member.spot.lat, member.spot.lon, accuracy_m=5.0)]},
            token=member.token,
        )
        if reply.status != 202:  # (a retried report that had gone through accepts nothing)
            raise RuntimeError(f"location report refused: {reply.status} {reply.body}")


def eligible(location: LocationServiceStub, member: RealMember) -> bool:
    """Whether location would offer the member a task at their spot (fresh, not busy)."""
    found = location.Nearest(
        pb.NearestRequest(lat=member.spot.lat, lon=member.spot.lon, radius_m=5, k=1)
    )
    return [c.member_id for c in found.candidates] == [member.member_id]


def wait_until_eligible(location: LocationServiceStub, members: Sequence[RealMember]) -> None:
    wait_for(
        lambda: all(eligible(location, m) for m in members),
        timeout_s=60,
        interval_s=0.1,
        what="real members eligible in location",
    )
