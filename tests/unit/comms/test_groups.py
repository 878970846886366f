"""Groups on the comms service built for real: who creates them, messages to the members as they
are at the time (membership changes take effect at once), metadata-only events, history newest
first, ended groups read-only, and map drawings added and deleted by officers."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest

from services.comms import groups
from services.comms.handlers import Caller
from shouwang.clock import to_timestamp
from shouwang.comms.v1 import comms_pb2 as pb
from shouwang.errors import Forbidden, Gone, InvalidArgument, NotFound
from shouwang.events import Event
from shouwang.tasks.v1 import events_pb2 as task_events
from tests.unit.comms.conftest import OFFICER, Comms, member
from tests.unit.comms.fakes import Resident

LEADER = Caller("leader-1", frozenset({"member", "team_leader"}), frozenset(), False, "st-1")
ELSEWHERE = Caller("officer-9", frozenset({"officer"}), frozenset({"st-9"}), False, "st-9")


@pytest.fixture(autouse=True)
def residents(comms: Comms) -> None:
    comms.identity.members.update(
        {m: Resident(m) for m in "abcd"} | {"s": Resident("s", status="suspended")}
    )


def make_group(comms: Comms, caller: Caller = LEADER, **fields: object) -> str:
    request = pb.CreateGroupRequest(name="Night market", member_ids=["a", "b"])
    for name, value in fields.items():
        if name == "expires_in_s":
            stamp = to_timestamp(comms.clock.now() + timedelta(seconds=value))  # type: ignore[arg-type]
            request.expires_at.CopyFrom(stamp)
        else:
            setattr(request, name, value)
    return groups.create_group(comms.ports, caller, request).group_id


def say(comms: Comms, caller: Caller, group_id: str, text: str = "", **fields: object):
    request = pb.PostMessageRequest(group_id=group_id, text=text)
    if "location" in fields:
        lat, lon = fields.pop("location")  # type: ignore[misc]
        request.location.CopyFrom(pb.Point(lat=lat, lon=lon))
    request.media_ids.extend(fields.pop("media_ids", []))  # type: ignore[arg-type]
    return groups.post_message(comms.ports, caller, request)


def message_events(comms: Comms):
    return [e.data for e in comms.bus.of_type("shouwang.group.message")]


def test_officers_and_team_leaders_create_groups_members_do_not(comms: Comms):
    make_group(comms, LEADER)
    make_group(comms, OFFICER)
    with pytest.raises(Forbidden):
        make_group(comms, member("a"))
    with pytest.raises(InvalidArgument) as refused:
        groups.create_group(
            comms.ports, LEADER, pb.CreateGroupRequest(name="x", member_ids=["a", "ghost", "s"])
        )
    assert [e.field for e in refused.value.errors] == ["member_ids[1]", "member_ids[2]"]
    created = comms.bus.of_type("shouwang.group.created")
    assert [list(e.data.member_ids) for e in created] == [["a", "b"], ["a", "b"]]  # type: ignore[attr-defined]


def test_a_message_reaches_the_members_and_its_event_carries_no_content(comms: Comms):
    group_id = make_group(comms)
    sent = say(comms, member("a"), group_id, "穿红衣服的人往北走了", location=(27.8, 120.65))
    (event,) = message_events(comms)
    assert set(event.recipient_ids) == {"leader-1", "a", "b"}
    assert (event.message_id, event.sender_id, event.has_text, event.has_location) == (
        sent.message_id,
        "a",
        True,
        True,
    )
    wire = event.SerializeToString()
    assert "红衣服".encode() not in wire and b"120.65" not in wire
    assert not hasattr(event, "text") and not hasattr(event, "media_ids")
    fetched = groups.get_message(comms.ports, group_id, sent.message_id)
    assert fetched.text == "穿红衣服的人往北走了" and set(fetched.recipient_ids) == set(
        event.recipient_ids
    )


def test_membership_changes_take_effect_with_the_next_message(comms: Comms):
    group_id = make_group(comms)
    groups.change_members(comms.ports, LEADER, group_id, add=["c"], remove=["b"])
    say(comms, member("a"), group_id, "after the change")
    assert set(message_events(comms)[-1].recipient_ids) == {"leader-1", "a", "c"}
    with pytest.raises(NotFound):
        say(comms, member("b"), group_id, "still here?")
    with pytest.raises(NotFound):
        groups.list_messages(comms.ports, member("b"), group_id, size=10, cursor="")
    with pytest.raises(Forbidden):
        groups.change_members(comms.ports, member("a"), group_id, add=["d"], remove=[])
    with pytest.raises(InvalidArgument):
        groups.change_members(comms.ports, LEADER, group_id, add=["ghost"], remove=[])
    listed = groups.list_groups(comms.ports, member("c"), size=10, cursor="").items
    assert [g.group_id for g in listed] == [group_id]
    assert groups.list_groups(comms.ports, member("b"), size=10, cursor="").items == []


def test_history_pages_newest_first(comms: Comms):
    group_id = make_group(comms)
    for n in range(5):
        say(comms, member("a"), group_id, f"message {n}")
        comms.clock.advance(1)
    seen, cursor = [], ""
    while True:
        page = groups.list_messages(comms.ports, member("b"), group_id, size=2, cursor=cursor)
        seen += [m.text for m in page.items]
        cursor = page.next_cursor
        if not cursor:
            break
    assert seen == [f"message {n}" for n in (4, 3, 2, 1, 0)]


def test_an_ended_group_is_read_only_and_stays_readable_to_officers_of_its_station(comms: Comms):
    group_id = make_group(comms, expires_in_s=600)
    say(comms, member("a"), group_id, "before the end")
    comms.clock.advance(600)
    with pytest.raises(Gone):
        say(comms, member("a"), group_id, "after the end")
    page = groups.list_messages(comms.ports, OFFICER, group_id, size=10, cursor="")
    assert [m.text for m in page.items] == ["before the end"]
    with pytest.raises(NotFound):
        groups.list_messages(comms.ports, ELSEWHERE, group_id, size=10, cursor="")


def test_messages_need_some_content(comms: Comms):
    group_id = make_group(comms)
    with pytest.raises(InvalidArgument):
        say(comms, member("a"), group_id, "   ")
    say(comms, member("a"), group_id, location=(27.8, 120.65))
    assert len(message_events(comms)) == 1


def feature(geometry: dict, **properties: object) -> str:
    return json.dumps({"type": "Feature", "geometry": geometry, "properties": properties})


def test_officers_draw_on_a_groups_map_and_deletions_go_out_too(comms: Comms):
    group_id = make_group(comms)
    line = feature(
        {"type": "LineString", "coordinates": [[120.65, 27.8], [120.66, 27.81]]},
        label="封控线",
        color="#ff0000",
    )
    drawn = groups.add_drawing(comms.ports, OFFICER, group_id, line)
    point = groups.add_drawing(
        comms.ports, OFFICER, group_id, feature({"type": "Point", "coordinates": [120.65, 27.8]})
    )
    assert [d.drawing_id for d in groups.list_drawings(comms.ports, member("a"), group_id)] == [
        drawn.drawing_id,
        point.drawing_id,
    ]
    groups.delete_drawing(comms.ports, OFFICER, group_id, drawn.drawing_id)
    assert [d.drawing_id for d in groups.list_drawings(comms.ports, member("a"), group_id)] == [
        point.drawing_id
    ]
    with pytest.raises(NotFound):
        groups.delete_drawing(comms.ports, OFFICER, group_id, drawn.drawing_id)
    changes = [
        (e.data.drawing_id, e.data.change, set(e.data.recipient_ids))  # type: ignore[attr-defined]
        for e in comms.bus.of_type("shouwang.group.drawing")
    ]
    everyone = {"leader-1", "a", "b"}
    assert changes == [
        (drawn.drawing_id, "added", everyone),
        (point.drawing_id, "added", everyone),
        (drawn.drawing_id, "deleted", everyone),
    ]


def test_only_officers_of_the_station_draw_and_only_what_we_draw(comms: Comms):
    group_id = make_group(comms)
    polygon = feature(
        {
            "type": "Polygon",
            "coordinates": [[[120.65, 27.8], [120.66, 27.8], [120.66, 27.81], [120.65, 27.8]]],
        }
    )
    for caller in (member("a"), LEADER, ELSEWHERE):
        with pytest.raises((Forbidden, NotFound)):
            groups.add_drawing(comms.ports, caller, group_id, polygon)
    bad = [
        json.dumps({"type": "Polygon", "coordinates": []}),
        feature({"type": "MultiPoint", "coordinates": [[1, 2]]}),
        feature({"type": "Point", "coordinates": [200, 0]}),
        feature({"type": "Point", "coordinates": [1, 2]}, owner="someone"),
        "not json",
    ]
    for text in bad:
        with pytest.raises(InvalidArgument):
            groups.add_drawing(comms.ports, OFFICER, group_id, text)
    assert comms.bus.of_type("shouwang.group.drawing") == []


def task_event(comms: Comms, change: str, task_id: str = "t1", member_id: str = "") -> Event:
    if change == "closed":
        data = task_events.TaskClosed(task_id=task_id, station_id="st-1")
    else:
        data = task_events.TaskUpdated(
            task_id=task_id, status=change, station_id="st-1", member_id=member_id, title="走失老人"
        )
    return Event(
        type=f"shouwang.task.{change}",
        source="/shouwang/tasks",
        subject=task_id,
        time=comms.clock.now(),
        data=data,
    )


def test_a_tasks_claimants_share_its_group_which_ends_with_the_task(comms: Comms):
    for member_id in ("a", "b", "a"):  # a redelivered claim changes nothing
        groups.on_task_event(comms.ports, task_event(comms, "claimed", member_id=member_id))
    group = comms.ports.groups.get("task-t1")
    assert group is not None
    assert (group.name, group.task_id, group.station_id, set(group.member_ids)) == (
        "走失老人",
        "t1",
        "st-1",
        {"a", "b"},
    )
    assert len(comms.bus.of_type("shouwang.group.created")) == 1
    say(comms, member("b"), "task-t1", "到了")
    assert set(message_events(comms)[-1].recipient_ids) == {"a", "b"}
    assert [
        g.group_id for g in groups.list_groups(comms.ports, OFFICER, size=5, cursor="").items
    ] == ["task-t1"]

    comms.clock.advance(60)
    groups.on_task_event(comms.ports, task_event(comms, "closed"))
    comms.clock.advance(1)
    with pytest.raises(Gone):
        say(comms, member("a"), "task-t1", "still there?")
    assert [
        m.text
        for m in groups.list_messages(comms.ports, OFFICER, "task-t1", size=5, cursor="").items
    ] == ["到了"]
    groups.on_task_event(comms.ports, task_event(comms, "cancelled", task_id="never-claimed"))
    assert comms.ports.groups.get("task-never-claimed") is None
