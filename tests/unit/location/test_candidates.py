"""Candidates of a station's task: the nearest eligible members of that station only."""

from __future__ import annotations

from services.location import queries
from services.location.live_view import LiveView, Placement
from shouwang.location.v1 import location_pb2 as pb

LAT, LON, NOW = 27.8, 120.65, 1_000_000.0


def view_of(members: list[tuple[str, str, float]]) -> LiveView:
    """A live view of on-duty members: (member id, station id, metres north of the scene)."""
    view = LiveView()
    for member_id, station_id, north_m in members:
        view.go_on_duty(member_id, Placement("", station_id, "", ()))
        view.place(member_id, LAT + north_m / 111_195, LON, NOW, suspect=False)
    return view


def nearest(view: LiveView, *, k: int, stations: list[str]) -> list[str]:
    request = pb.NearestRequest(lat=LAT, lon=LON, k=k, radius_m=5000, station_ids=stations)
    return [member for member, _ in queries.nearest(view, request, now_s=NOW)]


def test_members_of_other_stations_nearer_than_ours_are_passed_over() -> None:
    theirs = [(f"theirs-{i}", "s2", 10.0 + i) for i in range(50)]
    view = view_of([*theirs, ("ours-far", "s1", 900), ("ours-near", "s1", 400)])
    assert nearest(view, k=2, stations=["s1"]) == ["ours-near", "ours-far"]


def test_members_of_no_station_are_no_stations_candidates() -> None:
    view = view_of([("stationless", "", 10), ("ours", "s1", 500)])
    assert nearest(view, k=5, stations=["s1"]) == ["ours"]
    assert nearest(view, k=5, stations=[""]) == []


def test_without_stations_everyone_is_a_candidate() -> None:
    view = view_of([("stationless", "", 10), ("ours", "s1", 500), ("theirs", "s2", 700)])
    assert nearest(view, k=5, stations=[]) == ["stationless", "ours", "theirs"]


def test_named_members_are_answered_however_many_others_are_nearer() -> None:
    crowd = [(f"crowd-{i}", "", 10.0) for i in range(300)]
    view = view_of([*crowd, ("named-far", "", 3000), ("named-near", "", 200)])
    view.index.set_busy("crowd-0", True)
    request = pb.NearestRequest(
        lat=LAT,
        lon=LON,
        k=3,
        radius_m=5000,
        member_ids=["named-far", "named-near", "crowd-0", "unknown"],
    )
    found = queries.nearest(view, request, now_s=NOW)
    assert [member for member, _ in found] == ["named-near", "named-far"]  # crowd-0 is busy
    assert [round(metres) for _, metres in found] == [200, 3000]


def test_named_members_keep_the_radius_and_the_fix_age() -> None:
    view = view_of([("near", "", 100), ("beyond", "", 6000)])
    view.go_on_duty("stale", Placement("", "", "", ()))
    view.place("stale", LAT, LON, NOW - 121, suspect=False)  # older than the default 120 s
    named = ["near", "beyond", "stale"]
    request = pb.NearestRequest(lat=LAT, lon=LON, k=3, radius_m=5000, member_ids=named)
    assert [member for member, _ in queries.nearest(view, request, now_s=NOW)] == ["near"]
