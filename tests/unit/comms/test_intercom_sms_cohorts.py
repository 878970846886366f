"""What #15 finished: bulletins with ``sms`` texted to their recipients through the SMS port with
numbers from identity's signed lookup (never stored or published by comms), once per member
even when the job runs again; push-to-talk clips in group messages (metadata-only events);
cohort groups made of the trainees and instructors training names."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest

from services.comms import groups, handlers
from services.comms.sms import FileSmsProvider
from shouwang.comms.v1 import comms_pb2 as pb
from shouwang.errors import InvalidArgument, Unavailable
from shouwang.training.v1 import training_pb2
from tests.unit.comms.conftest import OFFICER, Comms, bulletin_request, member
from tests.unit.comms.fakes import FakeTraining, Resident

KEY = b"s" * 32
PHONES = {"a": "+8613900000001", "b": "+8613900000002", "c": "+8613900000003"}


@pytest.fixture
def texting(tmp_path: Path) -> Iterator[tuple[Comms, Path]]:
    outbox = tmp_path / "sms.jsonl"
    running = Comms(
        tmp_path / "data",
        sms_provider=FileSmsProvider(outbox),
        phone_lookup_key=KEY,
        training=FakeTraining(),
    )
    running.identity.lookup_key = KEY
    running.identity.phones.update(PHONES)
    running.identity.members.update(
        {m: Resident(m, team_id="t-1") for m in "abcd"} | {"s": Resident("s", team_id="t-1")}
    )
    yield running, outbox
    running.close()


def texts(path: Path) -> list[dict]:
    if not path.exists():
        return []
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]


def everything_stored(comms: Comms) -> str:
    store = comms.adapters.store
    names = [
        "comms_bulletins",
        "comms_bulletin_recipients",
        "comms_sms_queue",
        "comms_sms_optouts",
        "comms_sms_counts",
        "comms_sms_log",
        "comms_group_messages",
    ]
    return "\n".join(
        json.dumps(d, ensure_ascii=False) for n in names for d in store.collection(n).find({})
    )


def test_a_bulletin_with_sms_texts_its_recipients_with_phones_once(texting):
    comms, outbox = texting
    comms.ports.sms.opt_out("c")
    request = bulletin_request(everyone=True)
    request.sms = True
    bulletin = handlers.publish_bulletin(comms.ports, OFFICER, request)
    assert texts(outbox) == []  # sent after publishing, by the job
    assert handlers.send_bulletin_texts(comms.ports) == 1
    sent = texts(outbox)
    assert sorted(t["to"] for t in sent) == [PHONES["a"], PHONES["b"]]
    assert all(t["reference"] == bulletin.bulletin_id for t in sent)
    assert sent[0]["text"].startswith("【守望】预警：Flooded underpass")
    statuses = {d.member_id: d.status for d in comms.ports.sms.deliveries(bulletin.bulletin_id)}
    assert statuses == {
        "a": "sent",
        "b": "sent",
        "c": "opted_out",
        "d": "no_phone",
        "s": "no_phone",
    }
    # Only members who may get a text were looked up; nothing of the numbers stayed in comms.
    assert sorted(m for batch in comms.identity.lookups for m in batch) == ["a", "b", "d", "s"]
    stored = everything_stored(comms)
    assert stored and not any(p in stored or p[3:] in stored for p in PHONES.values())
    published = [
        json.dumps(str(e.data)) for _, e in comms.bus.published
    ]  # every event comms published
    assert not any(p[3:] in e for e in published for p in PHONES.values())
    # The queue is empty: another run (or replica) texts nobody again.
    assert handlers.send_bulletin_texts(comms.ports) == 0
    comms.ports.bulletins.sms_queue.insert({"_id": bulletin.bulletin_id, "lease_until": 0})
    assert handlers.send_bulletin_texts(comms.ports) == 1
    assert len(texts(outbox)) == 2


def test_the_hourly_limit_holds_across_bulletins(texting):
    comms, outbox = texting
    for _ in range(4):
        request = bulletin_request(everyone=True)
        request.sms = True
        handlers.publish_bulletin(comms.ports, OFFICER, request)
    handlers.send_bulletin_texts(comms.ports)
    assert sorted(t["to"] for t in texts(outbox)).count(PHONES["a"]) == 3


def test_a_bulletin_without_sms_texts_nobody_and_sms_needs_a_provider(texting, comms: Comms):
    running, outbox = texting
    handlers.publish_bulletin(running.ports, OFFICER, bulletin_request(everyone=True))
    assert handlers.send_bulletin_texts(running.ports) == 0 and texts(outbox) == []
    request = bulletin_request(everyone=True)
    request.sms = True
    with pytest.raises(InvalidArgument) as refused:
        handlers.publish_bulletin(comms.ports, OFFICER, request)  # built without SMS
    assert [e.field for e in refused.value.errors] == ["sms"]


def test_a_refused_lookup_texts_nobody_and_is_tried_again_after_the_lease(texting):
    comms, outbox = texting
    comms.identity.lookup_key = b"another-key-entirely-32-bytes-xx"
    request = bulletin_request(everyone=True)
    request.sms = True
    handlers.publish_bulletin(comms.ports, OFFICER, request)
    for _ in range(4):  # identity refuses: texts nobody, uses up nobody's hourly texts
        assert handlers.send_bulletin_texts(comms.ports) == 0
        comms.clock.advance(handlers.SMS_LEASE_MS / 1000)
    assert texts(outbox) == []
    comms.identity.lookup_key = KEY
    assert handlers.send_bulletin_texts(comms.ports) == 1
    assert sorted(t["to"] for t in texts(outbox)) == sorted(PHONES.values())


# Push-to-talk ------------------------------------------------------------------------------------


def test_a_voice_clip_is_a_message_with_metadata_only_events(texting):
    comms, _ = texting
    group = groups.create_group(
        comms.ports, OFFICER, pb.CreateGroupRequest(name="Patrol", member_ids=["a", "b"])
    )
    clip = groups.post_message(
        comms.ports,
        member("a"),
        pb.PostMessageRequest(
            group_id=group.group_id, voice_media_id="clip-1", voice_duration_ms=2300
        ),
    )
    assert (clip.voice_media_id, clip.voice_duration_ms) == ("clip-1", 2300)
    event = comms.bus.of_type("shouwang.group.message")[-1].data
    assert event.has_voice and event.voice_duration_ms == 2300
    assert "clip-1" not in str(event)
    history = groups.list_messages(comms.ports, member("b"), group.group_id, size=10, cursor="")
    assert [m.voice_media_id for m in history.items] == ["clip-1"]
    from services.comms.media import may_see_media

    assert may_see_media(comms.ports, member("b"), "clip-1")
    assert not may_see_media(comms.ports, member("d"), "clip-1")
    with pytest.raises(InvalidArgument):
        groups.post_message(
            comms.ports,
            member("a"),
            pb.PostMessageRequest(
                group_id=group.group_id, voice_media_id="clip-2", voice_duration_ms=61_000
            ),
        )


# Cohort groups -----------------------------------------------------------------------------------


def test_a_cohort_group_holds_its_trainees_and_instructors(texting):
    comms, _ = texting
    comms.identity.members["s"] = Resident("s", status="suspended")
    comms.ports.training.cohorts["co-1"] = training_pb2.Cohort(
        cohort_id="co-1",
        station_id="st-1",
        trainee_ids=["a", "b", "s"],
        instructor_ids=["c"],
    )
    group = groups.create_group(
        comms.ports,
        OFFICER,
        pb.CreateGroupRequest(name="第12期", cohort_id="co-1", member_ids=["d"]),
    )
    assert group.cohort_id == "co-1"
    assert sorted(group.member_ids) == ["a", "b", "c", "d"]  # the suspended trainee is left out
    stored = comms.ports.groups.get(group.group_id)
    assert stored is not None and stored.cohort_id == "co-1"
    elsewhere = type(OFFICER)(
        "officer-9", frozenset({"officer"}), frozenset({"st-9"}), False, "st-9"
    )
    with pytest.raises(InvalidArgument) as refused:
        groups.create_group(
            comms.ports, elsewhere, pb.CreateGroupRequest(name="x", cohort_id="co-1")
        )
    assert [e.field for e in refused.value.errors] == ["cohort_id"]


def test_cohort_groups_need_the_training_service(comms: Comms):
    with pytest.raises(Unavailable):
        groups.create_group(comms.ports, OFFICER, pb.CreateGroupRequest(name="x", cohort_id="c"))
