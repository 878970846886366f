"""Bulletins on the comms service built for real: who an audience reaches (area, grids, orgs,
everyone), the events pushed, members' lists with read flags, receipts counted once, expiry."""

from __future__ import annotations

import json

import pytest
from google.protobuf.timestamp_pb2 import Timestamp

from services.comms import events, handlers
from services.comms.grpc_api import bulletin_message
from shouwang.comms.v1 import events_pb2
from shouwang.errors import Forbidden, Gone, InvalidArgument, NotFound
from shouwang.identity.v1 import identity_pb2
from tests.unit.comms.conftest import (
    OFFICER,
    PLACE,
    Comms,
    bulletin_request,
    member,
    north,
    square_geojson,
)
from tests.unit.comms.fakes import Resident


def recipients_of(comms: Comms, bulletin_id: str) -> set[str]:
    found: set[str] = set()
    for event in comms.bus.of_type("shouwang.bulletin.published"):
        data: events_pb2.BulletinPublished = event.data  # type: ignore[assignment]
        if data.bulletin_id == bulletin_id:
            found |= set(data.recipient_ids)
    return found


def publish(comms: Comms, **audience: object) -> str:
    return handlers.publish_bulletin(comms.ports, OFFICER, bulletin_request(**audience)).bulletin_id


def test_a_drawn_area_reaches_members_on_duty_just_inside_it_and_not_just_outside(comms: Comms):
    # The area runs from 0 to 500 m north of PLACE; members 2 m either side of its north edge.
    comms.location.on_duty = {"inside": north(498), "outside": north(502), "south": north(-2)}
    bulletin_id = publish(comms, area=square_geojson(0, 500))
    assert recipients_of(comms, bulletin_id) == {"inside"}


def test_a_circle_reaches_members_just_inside_its_radius(comms: Comms):
    comms.location.on_duty = {"inside": north(297), "outside": north(303)}
    bulletin_id = publish(comms, area=(PLACE, 300.0))
    assert recipients_of(comms, bulletin_id) == {"inside"}


def test_an_area_reaches_the_residents_of_the_grids_it_covers_whole(comms: Comms):
    covered = identity_pb2.Grid(grid_id="g-in", level=3, geometry_json=square_geojson(100, 200))
    straddling = identity_pb2.Grid(
        grid_id="g-edge", level=3, geometry_json=square_geojson(450, 550)
    )
    comms.identity.grids = [covered, straddling]
    comms.identity.members = {
        "home-in": Resident("home-in", grid_id="g-in"),
        "home-in-pending": Resident("home-in-pending", grid_id="g-in", status="pending"),
        "home-edge": Resident("home-edge", grid_id="g-edge"),
    }
    bulletin_id = publish(comms, area=square_geojson(0, 500))
    assert recipients_of(comms, bulletin_id) == {"home-in"}


def test_grids_reach_the_members_of_the_grids_under_them(comms: Comms):
    comms.identity.grids = [
        identity_pb2.Grid(grid_id="district", level=1),
        identity_pb2.Grid(grid_id="street", level=2, parent_id="district"),
        identity_pb2.Grid(grid_id="block", level=3, parent_id="street"),
        identity_pb2.Grid(grid_id="elsewhere", level=3),
    ]
    comms.identity.members = {
        "a": Resident("a", grid_id="block"),
        "b": Resident("b", grid_id="block"),
        "c": Resident("c", grid_id="street"),
        "d": Resident("d", grid_id="elsewhere"),
    }
    assert recipients_of(comms, publish(comms, grid_ids=["district"])) == {"a", "b", "c"}
    assert recipients_of(comms, publish(comms, grid_ids=["block"])) == {"a", "b"}


def test_orgs_reach_a_teams_members_and_a_stations_teams(comms: Comms):
    comms.identity.orgs = [
        identity_pb2.Org(org_id="st-1", kind="station"),
        identity_pb2.Org(org_id="t-1", kind="team", parent_id="st-1"),
        identity_pb2.Org(org_id="t-2", kind="team", parent_id="st-1"),
        identity_pb2.Org(org_id="st-2", kind="station"),
        identity_pb2.Org(org_id="t-3", kind="team", parent_id="st-2"),
    ]
    comms.identity.members = {
        "a": Resident("a", team_id="t-1"),
        "b": Resident("b", team_id="t-2"),
        "c": Resident("c", team_id="t-3"),
    }
    assert recipients_of(comms, publish(comms, org_ids=["st-1"])) == {"a", "b"}
    assert recipients_of(comms, publish(comms, org_ids=["t-3"])) == {"c"}


def test_everyone_means_every_verified_member_each_once(comms: Comms):
    comms.location.on_duty = {"a": north(10)}
    comms.identity.members = {
        m: Resident(m, status="suspended" if m == "s" else "verified") for m in "abcdes"
    }
    bulletin_id = publish(comms, everyone=True, area=(PLACE, 100.0))
    published = comms.bus.of_type("shouwang.bulletin.published")
    assert recipients_of(comms, bulletin_id) == set("abcde")
    assert sum(len(e.data.recipient_ids) for e in published) == 5  # type: ignore[attr-defined]
    assert comms.ports.bulletins.get(bulletin_id).recipient_count == 5  # type: ignore[union-attr]


def test_a_member_lists_what_was_addressed_to_them_and_reads_it_once(comms: Comms):
    comms.identity.members = {m: Resident(m, team_id="t-1") for m in ("a", "b")}
    comms.identity.orgs = [identity_pb2.Org(org_id="t-1", kind="team")]
    to_team = publish(comms, org_ids=["t-1"])
    comms.clock.advance(1)
    comms.location.on_duty = {"c": north(10)}
    to_area = publish(comms, area=(PLACE, 100.0))

    items, _ = handlers.list_bulletins(comms.ports, member("a"), kind="", size=10, cursor="")
    assert [(i.bulletin.bulletin_id, i.read) for i in items] == [(to_team, False)]
    items, _ = handlers.list_bulletins(comms.ports, member("c"), kind="", size=10, cursor="")
    assert [i.bulletin.bulletin_id for i in items] == [to_area]

    handlers.read_bulletin(comms.ports, member("a"), to_team)
    handlers.read_bulletin(comms.ports, member("a"), to_team)  # a second receipt changes nothing
    items, _ = handlers.list_bulletins(comms.ports, member("a"), kind="", size=10, cursor="")
    assert [i.read for i in items] == [True]
    with pytest.raises(NotFound):
        handlers.read_bulletin(comms.ports, member("c"), to_team)

    officer_view, _ = handlers.list_bulletins(comms.ports, OFFICER, kind="", size=10, cursor="")
    counts = {
        i.bulletin.bulletin_id: (i.bulletin.recipient_count, i.bulletin.read_count)
        for i in officer_view
    }
    assert counts == {to_team: (2, 1), to_area: (1, 0)}
    assert bulletin_message(officer_view[0], officer=True).read_count in (0, 1)


def test_lists_page_newest_first_and_filter_by_kind(comms: Comms):
    comms.identity.members = {"a": Resident("a", team_id="t-1")}
    comms.identity.orgs = [identity_pb2.Org(org_id="t-1", kind="team")]
    made = []
    for kind in ("alert", "news", "alert", "knowledge", "alert"):
        request = bulletin_request(org_ids=["t-1"])
        request.kind = kind
        made.append(handlers.publish_bulletin(comms.ports, OFFICER, request).bulletin_id)
        comms.clock.advance(1)
    seen, cursor = [], ""
    while True:
        items, cursor = handlers.list_bulletins(
            comms.ports, member("a"), kind="alert", size=2, cursor=cursor
        )
        seen += [i.bulletin.bulletin_id for i in items]
        if not cursor:
            break
    assert seen == [made[4], made[2], made[0]]


def test_an_expired_bulletin_leaves_members_lists(comms: Comms):
    comms.identity.members = {"a": Resident("a", team_id="t-1")}
    comms.identity.orgs = [identity_pb2.Org(org_id="t-1", kind="team")]
    request = bulletin_request(org_ids=["t-1"])
    expires = Timestamp()
    expires.FromDatetime(comms.clock.now())
    expires.seconds += 3600
    request.expires_at.CopyFrom(expires)
    bulletin = handlers.publish_bulletin(comms.ports, OFFICER, request)
    lasting = handlers.publish_bulletin(comms.ports, OFFICER, bulletin_request(org_ids=["t-1"]))

    def listed() -> list[str]:
        items, _ = handlers.list_bulletins(comms.ports, member("a"), kind="", size=5, cursor="")
        return sorted(i.bulletin.bulletin_id for i in items)

    comms.clock.advance(3599)
    assert handlers.tell_expiries(comms.ports) == 0
    assert listed() == sorted([bulletin.bulletin_id, lasting.bulletin_id])
    comms.clock.advance(1)
    assert listed() == [lasting.bulletin_id]
    with pytest.raises(Gone):
        handlers.read_bulletin(comms.ports, member("a"), bulletin.bulletin_id)
    # Its expiry is told once, whichever sweep gets there first.
    assert handlers.tell_expiries(comms.ports) == 1
    assert handlers.tell_expiries(comms.ports) == 0
    (expired,) = comms.bus.of_type("shouwang.bulletin.expired")
    assert expired.data.bulletin_id == bulletin.bulletin_id  # type: ignore[attr-defined]
    assert expired.id == f"bulletin-expired:{bulletin.bulletin_id}"


def test_only_officers_publish_and_only_to_someone(comms: Comms):
    with pytest.raises(Forbidden):
        handlers.publish_bulletin(comms.ports, member("a"), bulletin_request(everyone=True))
    with pytest.raises(InvalidArgument) as refused:
        handlers.publish_bulletin(comms.ports, OFFICER, bulletin_request())
    assert [e.field for e in refused.value.errors] == ["audience"]
    bad = json.dumps({"type": "Polygon", "coordinates": [[[0, 0], [1, 1], [1, 0], [0, 1], [0, 0]]]})
    with pytest.raises(InvalidArgument) as refused:
        handlers.publish_bulletin(comms.ports, OFFICER, bulletin_request(area=bad))
    assert refused.value.errors[0].field == "audience.area"
    assert comms.bus.of_type("shouwang.bulletin.published") == []


def test_a_bulletin_to_many_goes_out_in_batches_each_under_the_limit():
    from services.comms.model import Audience, Bulletin

    bulletin = Bulletin("b1", "news", "t", "b", (), Audience(everyone=True), 0, 0, "st-1", "o")
    ids = [f"m{i}" for i in range(2 * events.RECIPIENTS_PER_EVENT + 1)]
    batches = events.bulletin_published(bulletin, ids)
    sizes = [len(e.data.recipient_ids) for _, e in batches]  # type: ignore[attr-defined]
    assert sizes == [events.RECIPIENTS_PER_EVENT, events.RECIPIENTS_PER_EVENT, 1]
    assert len({e.id for _, e in batches}) == 3
    assert [e.id for _, e in events.bulletin_published(bulletin, [])] != []
