"""CONTRACT.md "Duty and location" through the HTTP API of an embedded all-in-one: going on duty,
reporting fixes (typed errors by path, the service's per-fix verdicts by index), the live view
and an officer's reading of a track."""

from __future__ import annotations

import itertools
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from urllib.parse import quote

import pytest

import allinone
from tests.support.api import Api, fix_at, new_person, verified_member, wait_for

ADMIN_PHONE = "13800000000"
ADMIN_PASSWORD = "Admin-Password-1"
_places = itertools.count()


@pytest.fixture(scope="module")
def api(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Api]:
    with pytest.MonkeyPatch.context() as env:
        env.setenv("SHOUWANG_ADMIN_PHONE", ADMIN_PHONE)
        env.setenv("SHOUWANG_ADMIN_PASSWORD", ADMIN_PASSWORD)
        running = allinone.start(port=0, data_dir=tmp_path_factory.mktemp("duty"))
    try:
        yield Api(running.url)
    finally:
        running.stop()


@pytest.fixture(scope="module")
def admin(api: Api) -> str:
    login = api.post("/api/v1/auth/login", {"phone": ADMIN_PHONE, "password": ADMIN_PASSWORD})
    return login.body["access_token"]


@pytest.fixture
def member(api: Api, admin: str) -> tuple[str, str]:
    """A verified member on duty: (member_id, token)."""
    member_id, token, _ = verified_member(api, admin)
    assert api.post("/api/v1/duty/start", token=token).status == 200
    return member_id, token


def place() -> tuple[float, float]:
    return 26.0 + next(_places) * 0.5, 119.3


def fields_of(reply: object) -> set[str]:
    return {error["field"] for error in reply.body.get("errors", [])}  # type: ignore[attr-defined]


def test_a_pending_member_may_not_go_on_duty(api: Api) -> None:
    _, token = api.register_and_login(new_person())

    reply = api.post("/api/v1/duty/start", token=token)

    assert reply.status == 403, reply.body


def test_going_on_and_off_duty_answers_the_duty_state(api: Api, admin: str) -> None:
    _, token, _ = verified_member(api, admin)

    started = api.post("/api/v1/duty/start", token=token)
    ended = api.post("/api/v1/duty/end", token=token)

    assert started.status == 200 and started.body["on_duty"] is True, started.body
    assert started.body["started_at"]
    assert ended.status == 200 and ended.body["on_duty"] is False, ended.body


def test_a_fix_of_the_wrong_type_is_named_by_its_path(api: Api, member: tuple[str, str]) -> None:
    lat, lon = place()
    fixes = [fix_at(lat, lon) for _ in range(4)]
    fixes[3]["lat"] = "north"
    fixes[1]["heading_deg"] = 361
    fixes[2]["ts"] = "2026-01-01T10:00:00"  # no timezone

    reply = api.post("/api/v1/location", {"fixes": fixes}, token=member[1])

    assert reply.status == 422, reply.body
    assert fields_of(reply) == {"fixes[3].lat", "fixes[1].heading_deg", "fixes[2].ts"}


@pytest.mark.parametrize("count", [0, 501])
def test_a_batch_holds_one_to_five_hundred_fixes(
    api: Api, member: tuple[str, str], count: int
) -> None:
    lat, lon = place()

    reply = api.post("/api/v1/location", {"fixes": [fix_at(lat, lon)] * count}, token=member[1])

    assert reply.status == 422, reply.body
    assert fields_of(reply) == {"fixes"}


def test_out_of_range_coordinates_are_type_errors(api: Api, member: tuple[str, str]) -> None:
    reply = api.post(
        "/api/v1/location", {"fixes": [fix_at(91, 0), fix_at(0, -181)]}, token=member[1]
    )

    assert reply.status == 422, reply.body
    assert fields_of(reply) == {"fixes[0].lat", "fixes[1].lon"}


def test_fixes_the_service_refuses_are_listed_by_index_and_the_others_kept(
    api: Api, member: tuple[str, str]
) -> None:
    lat, lon = place()
    fixes = [fix_at(lat, lon, ago_s=2 * 86400), fix_at(lat, lon, accuracy_m=10)]

    reply = api.post("/api/v1/location", {"fixes": fixes, "crs": "wgs84"}, token=member[1])

    assert reply.status == 202, reply.body
    assert reply.body["accepted"] == 1
    assert [r["index"] for r in reply.body["rejected"]] == [0]
    assert "24 hours" in reply.body["rejected"][0]["reason"]


@pytest.mark.parametrize("bbox", ["", "1,2,3", "a,b,c,d", "0,50,10,40", "0,0,200,10"])
def test_a_bad_bbox_is_a_field_error(api: Api, admin: str, bbox: str) -> None:
    reply = api.get(f"/api/v1/live/members?bbox={quote(bbox)}", token=admin)

    assert reply.status == 422, reply.body
    assert fields_of(reply) == {"bbox"}


def test_the_live_view_shows_a_member_with_a_fresh_fix(
    api: Api, admin: str, member: tuple[str, str]
) -> None:
    lat, lon = place()
    api.post("/api/v1/location", {"fixes": [fix_at(lat, lon)]}, token=member[1])
    bbox = f"{lon - 0.01},{lat - 0.01},{lon + 0.01},{lat + 0.01}"

    # A fix answered 202 reaches the live index through the bus, a moment later.
    live = wait_for(
        lambda: (
            (reply := api.get(f"/api/v1/live/members?bbox={bbox}", token=admin)).body.get(
                "features"
            )
            and reply
        ),
        what="the member on the live map",
    )
    summary = api.get("/api/v1/live/summary", token=admin)

    assert live.status == 200, live.body
    assert live.body["type"] == "FeatureCollection"
    (feature,) = live.body["features"]
    assert feature["properties"]["member_id"] == member[0]
    assert feature["geometry"]["coordinates"] == [pytest.approx(lon), pytest.approx(lat)]
    assert summary.status == 200 and summary.body["on_duty"] >= 1, summary.body


def test_a_members_track_is_read_with_a_reason_and_not_cached(
    api: Api, admin: str, member: tuple[str, str]
) -> None:
    lat, lon = place()
    api.post("/api/v1/location", {"fixes": [fix_at(lat, lon, ago_s=5)]}, token=member[1])
    now = datetime.now(UTC)
    span = f"from={quote((now - timedelta(hours=1)).isoformat())}&to={quote(now.isoformat())}"

    path = f"/api/v1/members/{member[0]}/track?{span}&reason=incident+review"

    # The track keeper stores fixes from the location events, a moment after the report.
    track = wait_for(
        lambda: (reply := api.get(path, token=admin)).body.get("fixes") and reply,
        what="the fix in the track",
    )

    assert track.status == 200, track.body
    assert track.headers["Cache-Control"] == "no-store"
    assert [f["lat"] for f in track.body["fixes"]] == [pytest.approx(lat)]


def test_a_batch_sent_again_after_a_lost_reply_is_kept_once(
    api: Api, admin: str, member: tuple[str, str]
) -> None:
    """The app resends a batch unchanged when its reply was lost; the track's buckets take ids
    derived from the fixes, so the second copy adds nothing."""
    lat, lon = place()
    batch = {"fixes": [fix_at(lat, lon, ago_s=20), fix_at(lat + 0.0001, lon, ago_s=10)]}
    first = api.post("/api/v1/location", batch, token=member[1])
    again = api.post("/api/v1/location", batch, token=member[1])
    assert (first.status, again.status) == (202, 202)
    # A later batch (without a key) shows the track has caught up with everything sent before it.
    api.post("/api/v1/location", {"fixes": [fix_at(lat + 0.0002, lon)]}, token=member[1])
    now = datetime.now(UTC)
    span = f"from={quote((now - timedelta(hours=1)).isoformat())}&to={quote(now.isoformat())}"
    path = f"/api/v1/members/{member[0]}/track?{span}&reason=incident+review"
    track = wait_for(
        lambda: len((reply := api.get(path, token=admin)).body.get("fixes", [])) >= 3 and reply,
        what="the three fixes in the track",
    )
    assert [f["lat"] for f in track.body["fixes"]] == [
        pytest.approx(lat),
        pytest.approx(lat + 0.0001),
        pytest.approx(lat + 0.0002),
    ]


def test_a_track_longer_than_a_day_or_without_a_reason_is_refused(
    api: Api, admin: str, member: tuple[str, str]
) -> None:
    now = datetime.now(UTC)
    span = f"from={quote((now - timedelta(days=2)).isoformat())}&to={quote(now.isoformat())}"

    too_long = api.get(f"/api/v1/members/{member[0]}/track?{span}&reason=x", token=admin)
    no_reason = api.get(f"/api/v1/members/{member[0]}/track?{span}", token=admin)

    assert too_long.status == 422 and fields_of(too_long) == {"to"}, too_long.body
    assert no_reason.status == 422 and "reason" in fields_of(no_reason), no_reason.body


def test_members_may_not_see_the_live_view(api: Api, member: tuple[str, str]) -> None:
    assert api.get("/api/v1/live/summary", token=member[1]).status == 403
