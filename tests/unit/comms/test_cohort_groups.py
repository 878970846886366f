"""A cohort's groups follow its enrolments: trainees training enrols after a group was made for
the cohort join every open group of it (verified ones, once per enrolment, however often the
event comes), and receive from the next message on."""

from __future__ import annotations

import time
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest

from services.comms import groups
from shouwang.clock import to_timestamp
from shouwang.comms.v1 import comms_pb2 as pb
from shouwang.events import Event
from shouwang.ids import new_id
from shouwang.training.v1 import events_pb2 as training_events
from shouwang.training.v1 import training_pb2
from shouwang.training.v1.event_types import TRAINING_TOPIC
from tests.unit.comms.conftest import OFFICER, Comms, member
from tests.unit.comms.fakes import FakeTraining, Resident


@pytest.fixture
def comms(tmp_path: Path) -> Iterator[Comms]:
    running = Comms(tmp_path, training=FakeTraining())
    running.identity.members.update(
        {m: Resident(m) for m in ("a", "b", "c", "d", "e")}
        | {"s": Resident("s", status="suspended")}
    )
    running.ports.training.cohorts["co-1"] = training_pb2.Cohort(  # type: ignore[union-attr]
        cohort_id="co-1", station_id="st-1", trainee_ids=["a"], instructor_ids=["c"]
    )
    yield running
    running.close()


def cohort_group(comms: Comms, *, expires_in_s: float = 0, cohort_id: str = "co-1") -> str:
    request = pb.CreateGroupRequest(name="第12期", cohort_id=cohort_id)
    if expires_in_s:
        request.expires_at.CopyFrom(
            to_timestamp(comms.clock.now() + timedelta(seconds=expires_in_s))
        )
    return groups.create_group(comms.ports, OFFICER, request).group_id


def enrolled(comms: Comms, *member_ids: str, cohort_id: str = "co-1") -> Event:
    return Event(
        type="shouwang.cohort.enrolled",
        source="/shouwang/training",
        subject=cohort_id,
        time=comms.clock.now(),
        id=new_id(),
        data=training_events.CohortEnrolled(
            cohort_id=cohort_id,
            station_id="st-1",
            member_ids=list(member_ids),
            at=to_timestamp(comms.clock.now()),
        ),
    )


def members_of(comms: Comms, group_id: str) -> list[str]:
    group = comms.ports.groups.get(group_id)
    assert group is not None
    return sorted(group.member_ids)


def last_recipients(comms: Comms) -> set[str]:
    return set(comms.bus.of_type("shouwang.group.message")[-1].data.recipient_ids)  # type: ignore[attr-defined]


def test_trainees_enrolled_later_join_every_open_group_of_the_cohort(comms: Comms):
    main, closing = cohort_group(comms), cohort_group(comms, expires_in_s=60)
    hand_picked = groups.create_group(
        comms.ports, OFFICER, pb.CreateGroupRequest(name="夜巡", member_ids=["d"])
    ).group_id
    comms.clock.advance(61)  # the second group has ended

    groups.on_training_event(comms.ports, enrolled(comms, "b", "s", "ghost"))

    assert members_of(comms, main) == ["a", "b", "c"]  # not the suspended or unknown ids
    assert members_of(comms, closing) == ["a", "c"]
    assert members_of(comms, hand_picked) == ["d"]
    groups.post_message(comms.ports, member("a"), pb.PostMessageRequest(group_id=main, text="集合"))
    assert last_recipients(comms) == {OFFICER.member_id, "a", "b", "c"}
    listed = groups.list_groups(comms.ports, member("b"), size=10, cursor="").items
    assert [g.group_id for g in listed] == [main]


def test_a_replayed_enrolment_adds_nobody_twice(comms: Comms):
    group_id = cohort_group(comms)
    event = enrolled(comms, "b")
    groups.on_training_event(comms.ports, event)
    groups.change_members(comms.ports, OFFICER, group_id, add=[], remove=["b"])

    groups.on_training_event(comms.ports, event)  # redelivered after the officer removed b

    assert members_of(comms, group_id) == ["a", "c"]
    groups.on_training_event(comms.ports, enrolled(comms, "b", "d"))  # a later enrolment
    assert members_of(comms, group_id) == ["a", "b", "c", "d"]
    stored = comms.adapters.store.collection("comms_groups").get(group_id)
    assert stored is not None and stored["member_ids"].count("b") == 1


def test_an_enrolment_in_another_cohort_changes_nothing(comms: Comms):
    group_id = cohort_group(comms)
    groups.on_training_event(comms.ports, enrolled(comms, "b", cohort_id="co-2"))
    assert members_of(comms, group_id) == ["a", "c"]


def test_comms_follows_the_training_topic(comms: Comms):
    """The bootstrap subscribes the handler: an enrolment published by training reaches the
    group through the bus."""
    group_id = cohort_group(comms)
    comms.adapters.bus.start()
    comms.bus.publish(TRAINING_TOPIC, [enrolled(comms, "e")])
    deadline = time.monotonic() + 10
    while "e" not in members_of(comms, group_id) and time.monotonic() < deadline:
        time.sleep(0.02)
    assert members_of(comms, group_id) == ["a", "c", "e"]
