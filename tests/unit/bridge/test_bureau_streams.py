"""Pseudonymous streams per bureau: what each bureau receives, and the policy that says so."""

from __future__ import annotations

import base64
from datetime import UTC, datetime
from pathlib import Path

import pytest
import yaml

from services.bridge import bootstrap
from services.bridge.model import bureau_key, for_bureau, pseudonym
from services.bridge.policy import BureauPolicy, PolicyError, load_policy, parse_policy
from shouwang.events import Event
from shouwang.location.v1 import events_pb2 as location_events
from shouwang.runtime import embedded_adapters
from shouwang.tasks.v1 import events_pb2 as task_events
from tests.support.api import wait_for

MASTER = b"k" * 32
TASKS = "shouwang.tasks.v1"
AT = datetime(2026, 11, 30, 20, tzinfo=UTC)


def policy(**overrides: object) -> BureauPolicy:
    fields = {
        "name": "traffic",
        "topics": ("shouwang.tasks.v1", "shouwang.location.v1"),
        "position_decimals": 2,
        "drop": frozenset(),
    }
    return BureauPolicy(**{**fields, **overrides})  # type: ignore[arg-type]


def offered(*member_ids: str) -> Event:
    data = task_events.TaskOffered(task_id="t1", wave=1, lat=27.784321, lon=120.651234)
    for member_id in member_ids:
        data.offers.add(member_id=member_id, distance_m=120.5, wave=1)
    return Event("shouwang.task.offered", "shouwang/tasks", "t1", data, AT, id="e1")


def updated(member_id: str) -> Event:
    data = location_events.LocationUpdated(member_id=member_id, lat=27.78432, lon=120.65123)
    return Event("shouwang.location.updated", "shouwang/location", member_id, data, AT, id="e2")


def test_member_ids_become_the_bureaus_own_stable_pseudonyms() -> None:
    key = bureau_key(MASTER, "traffic")
    out = for_bureau(offered("m1", "m2"), policy(), key, subject_is_member=False)
    names = [offer.member_id for offer in out.data.offers]
    assert names == [pseudonym(key, "m1"), pseudonym(key, "m2")]
    assert "m1" not in out.data.SerializeToString().decode(errors="replace")
    again = for_bureau(offered("m1", "m2"), policy(), key, subject_is_member=False)
    assert [offer.member_id for offer in again.data.offers] == names


def test_two_bureaus_cannot_join_their_data() -> None:
    traffic = for_bureau(
        updated("m1"), policy(), bureau_key(MASTER, "traffic"), subject_is_member=True
    )
    fire = for_bureau(
        updated("m1"), policy(name="fire"), bureau_key(MASTER, "fire"), subject_is_member=True
    )
    assert traffic.data.member_id != fire.data.member_id
    assert traffic.subject == traffic.data.member_id != "m1"


def test_positions_are_coarsened_to_the_bureaus_precision() -> None:
    out = for_bureau(
        updated("m1"), policy(position_decimals=1), bureau_key(MASTER, "t"), subject_is_member=True
    )
    assert (out.data.lat, out.data.lon) == (27.8, 120.7)


def test_dropped_fields_are_gone_and_the_rest_kept() -> None:
    dropping = policy(drop=frozenset({("shouwang.tasks.v1.Offer", "distance_m")}))
    out = for_bureau(offered("m1"), dropping, bureau_key(MASTER, "t"), subject_is_member=False)
    assert out.data.offers[0].distance_m == 0 and out.data.task_id == "t1"


def test_a_replayed_event_keeps_its_id_so_the_bureau_can_drop_the_duplicate() -> None:
    key = bureau_key(MASTER, "traffic")
    first = for_bureau(offered("m1"), policy(), key, subject_is_member=False)
    replay = for_bureau(offered("m1"), policy(), key, subject_is_member=False)
    other_bureau = for_bureau(offered("m1"), policy(name="fire"), key, subject_is_member=False)
    assert first.id == replay.id != "e1"
    assert other_bureau.id != first.id


def test_a_valid_policy_is_read() -> None:
    raw = {
        "bureau": {
            "traffic": {
                "topics": ["shouwang.tasks.v1"],
                "position_decimals": 2,
                "drop": ["shouwang.tasks.v1.TaskOffered.title"],
            }
        }
    }
    [read] = parse_policy(raw)
    assert read.drop == {("shouwang.tasks.v1.TaskOffered", "title")}
    assert read.external_topic("shouwang.tasks.v1") == "ext.traffic.shouwang.tasks.v1"


@pytest.mark.parametrize(
    ("table", "named"),
    [
        ({"topics": ["shouwang.nope.v1"]}, "topic 'shouwang.nope.v1' is not one of"),
        ({"topics": []}, "topics must be a non-empty list"),
        ({"topics": ["shouwang.tasks.v1"], "position_decimals": 9}, "position_decimals"),
        (
            {"topics": ["shouwang.tasks.v1"], "drop": ["shouwang.tasks.v1.TaskOffered.nope"]},
            "no field 'nope' in TaskOffered",
        ),
        (
            {"topics": ["shouwang.tasks.v1"], "drop": ["shouwang.points.v1.PointsAwarded.delta"]},
            "does not receive",
        ),
        ({"topics": ["shouwang.tasks.v1"], "colour": "red"}, "unknown keys ['colour']"),
    ],
)
def test_a_wrong_policy_stops_the_bridge_naming_the_problem(table: dict, named: str) -> None:
    with pytest.raises(
        PolicyError, match=named.replace("[", r"\[").replace("]", r"\]").replace(".", r"\.")
    ):
        parse_policy({"bureau": {"traffic": table}})


def test_the_bridge_republishes_to_the_bureaus_topic(tmp_path: Path) -> None:
    adapters = embedded_adapters(tmp_path)
    received: list[Event] = []
    adapters.bus.subscribe(
        "ext.traffic.shouwang.location.v1",
        group="bureau-traffic",
        handler=received.append,
        payload_types={"shouwang.location.updated": location_events.LocationUpdated},
    )
    bootstrap.build(
        adapters,
        policies=[policy(topics=("shouwang.location.v1",))],
        master_key=base64.b64encode(MASTER).decode(),
    )
    adapters.bus.start()
    try:
        adapters.bus.publish("shouwang.location.v1", [updated("m1"), updated("m1")])
        wait_for(lambda: len(received) == 2, what="both events on the bureau's topic")
    finally:
        adapters.close()
    assert {event.id for event in received} == {received[0].id}  # the duplicate is recognisable
    assert received[0].data.member_id == pseudonym(bureau_key(MASTER, "traffic"), "m1")
    assert received[0].subject == received[0].data.member_id


def test_the_example_policy_is_valid() -> None:
    example = Path(__file__).parents[3] / "examples" / "bureau-policy.toml"
    assert [policy.name for policy in load_policy(example)] == ["traffic-police", "civil-affairs"]


def test_the_documented_kafka_user_reads_only_its_bureaus_topics() -> None:
    """docs/bureau-streams.md's Strimzi KafkaUser: read-only, on exactly the topics the bridge
    writes for that bureau — not another bureau's, not the internal ones."""
    doc = (Path(__file__).resolve().parents[3] / "docs" / "bureau-streams.md").read_text()
    (block,) = [b.split("```", 1)[0] for b in doc.split("```yaml\n")[1:]]
    user = yaml.safe_load(block)
    assert user["kind"] == "KafkaUser"
    (topic_acl,) = [
        a for a in user["spec"]["authorization"]["acls"] if a["resource"]["type"] == "topic"
    ]
    assert set(topic_acl["operations"]) <= {"Read", "Describe"}
    assert topic_acl["resource"]["patternType"] == "prefix"
    prefix = topic_acl["resource"]["name"]
    mine, other = policy(name="traffic-police"), policy(name="traffic-police-hq")

    def readable(topic: str) -> bool:
        return topic.startswith(prefix)

    assert all(readable(mine.external_topic(t)) for t in mine.topics)
    assert not any(readable(other.external_topic(t)) for t in other.topics)
    assert not readable("shouwang.tasks.v1") and not readable("shouwang.location.v1")
