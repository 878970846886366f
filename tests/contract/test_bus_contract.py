"""The event-bus contract (see ``shouwang/bus/__init__.py``), run against every adapter."""

from __future__ import annotations

import base64
import json
import os
import signal
import sqlite3
import subprocess
import sys
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from google.protobuf.wrappers_pb2 import StringValue
from kafka import KafkaConsumer, TopicPartition

from shouwang.bus import EventBus, RetryPolicy, dead_letter_topic
from shouwang.bus.embedded import SqliteEventBus
from shouwang.bus.kafka import KafkaEventBus
from shouwang.errors import Unavailable
from shouwang.events import Event, WireMessage, encode
from shouwang.foreground import Foreground
from tests.support.api import wait_for

REPO_ROOT = Path(__file__).resolve().parents[2]
CONSUMER_PROCESS = Path(__file__).with_name("bus_consumer_process.py")
CONSUMER_ENV = {**os.environ, "PYTHONPATH": str(REPO_ROOT)}

NOTED = "shouwang.test.noted.v1"  # the type every test consumer understands
PAYLOAD_TYPES = {NOTED: StringValue}
FAST_RETRY = RetryPolicy(max_attempts=3, first_backoff_s=0.01, max_backoff_s=0.05)
DEADLINE_S = 30.0


# --- adapters under test -------------------------------------------------------------------


class BusUnderTest:
    """Builds buses of one adapter and reaches around them where the port has no API."""

    def __init__(self) -> None:
        self._buses: list[SqliteEventBus | KafkaEventBus] = []

    def new_bus(
        self, *, retry: RetryPolicy = FAST_RETRY, foreground: Foreground | None = None
    ) -> SqliteEventBus | KafkaEventBus:
        bus = self._build(retry, foreground)
        self._buses.append(bus)
        return bus

    def publish_raw(self, topic: str, messages: list[WireMessage]) -> None:
        """Append messages as an arbitrary (possibly broken) producer would."""
        self.new_bus().publish_wire(topic, messages)

    def dead_letters(self, topic: str) -> list[WireMessage]:
        """Everything on ``<topic>.dlq`` right now."""
        raise NotImplementedError

    def consumer_process_args(self) -> list[str]:
        raise NotImplementedError

    def close(self) -> None:
        for bus in self._buses:
            bus.close()

    def _build(
        self, retry: RetryPolicy, foreground: Foreground | None
    ) -> SqliteEventBus | KafkaEventBus:
        raise NotImplementedError


class EmbeddedBusUnderTest(BusUnderTest):
    def __init__(self, path: Path) -> None:
        super().__init__()
        self.path = path

    def _build(self, retry: RetryPolicy, foreground: Foreground | None) -> SqliteEventBus:
        return SqliteEventBus(self.path, retry=retry, foreground=foreground)

    def dead_letters(self, topic: str) -> list[WireMessage]:
        with sqlite3.connect(self.path) as connection:
            rows = connection.execute(
                "SELECT key, headers, value FROM messages WHERE topic = ? ORDER BY seq",
                (dead_letter_topic(topic),),
            ).fetchall()
        return [
            WireMessage(
                key=key,
                headers={k: base64.b64decode(v) for k, v in json.loads(headers).items()},
                value=value,
            )
            for key, headers, value in rows
        ]

    def consumer_process_args(self) -> list[str]:
        return ["--embedded", str(self.path)]


class KafkaBusUnderTest(BusUnderTest):
    def __init__(self, bootstrap_servers: str) -> None:
        super().__init__()
        self.bootstrap_servers = bootstrap_servers

    def _build(self, retry: RetryPolicy, foreground: Foreground | None) -> KafkaEventBus:
        client_id = f"contract-{uuid.uuid4().hex[:8]}"
        return KafkaEventBus(
            self.bootstrap_servers, client_id=client_id, retry=retry, foreground=foreground
        )

    def dead_letters(self, topic: str) -> list[WireMessage]:
        dlq = dead_letter_topic(topic)
        consumer = KafkaConsumer(bootstrap_servers=self.bootstrap_servers, group_id=None)
        try:
            partitions = [TopicPartition(dlq, p) for p in consumer.partitions_for_topic(dlq)]
            consumer.assign(partitions)
            consumer.seek_to_beginning(*partitions)
            end = consumer.end_offsets(partitions)
            found: list[WireMessage] = []
            deadline = time.monotonic() + DEADLINE_S
            while any(consumer.position(p) < end[p] for p in partitions):
                assert time.monotonic() < deadline, f"could not read {dlq}"
                for records in consumer.poll(timeout_ms=200).values():
                    found.extend(
                        WireMessage(key=r.key or b"", headers=dict(r.headers), value=r.value)
                        for r in records
                    )
            return found
        finally:
            consumer.close()

    def consumer_process_args(self) -> list[str]:
        return ["--kafka", self.bootstrap_servers]


@pytest.fixture(params=["embedded", pytest.param("kafka", marks=pytest.mark.integration)])
def adapter(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[BusUnderTest]:
    if request.param == "embedded":
        under_test: BusUnderTest = EmbeddedBusUnderTest(tmp_path / "bus.sqlite3")
    else:
        under_test = KafkaBusUnderTest(request.getfixturevalue("kafka_bootstrap_servers"))
    yield under_test
    under_test.close()


@pytest.fixture
def topic() -> str:
    return f"contract-{uuid.uuid4().hex[:12]}"


# --- helpers ---------------------------------------------------------------------------------


class Received:
    """A handler that records what it was given and lets a test wait for it."""

    def __init__(self, fail: Callable[[Event], bool] = lambda event: False) -> None:
        self.events: list[Event] = []
        self.attempts: list[str] = []  # event ids, one per handler call
        self._fail = fail
        self._changed = threading.Condition()

    def __call__(self, event: Event) -> None:
        with self._changed:
            self.attempts.append(event.id)
            self._changed.notify_all()
        if self._fail(event):
            raise RuntimeError(f"handler refuses {event.id}")
        with self._changed:
            self.events.append(event)
            self._changed.notify_all()

    def ids(self) -> list[str]:
        with self._changed:
            return [event.id for event in self.events]

    def wait_for_ids(self, ids: list[str]) -> None:
        wanted = set(ids)
        with self._changed:
            arrived = self._changed.wait_for(
                lambda: wanted <= {event.id for event in self.events}, timeout=DEADLINE_S
            )
            missing = len(wanted - {event.id for event in self.events})
        assert arrived, f"{missing} of {len(wanted)} events never reached the handler"


def group() -> str:
    return f"group-{uuid.uuid4().hex[:12]}"


def noted(key: str, text: str, *, event_type: str = NOTED) -> Event:
    return Event(
        type=event_type,
        source="/tests/contract",
        subject=key,
        data=StringValue(value=text),
        time=datetime.now(UTC),
    )


def consuming(
    adapter: BusUnderTest,
    topic: str,
    handler: Received,
    *,
    group_name: str | None = None,
    retry: RetryPolicy = FAST_RETRY,
) -> EventBus:
    bus = adapter.new_bus(retry=retry)
    bus.subscribe(topic, group=group_name or group(), handler=handler, payload_types=PAYLOAD_TYPES)
    bus.start()
    return bus


def wait_for_dead_letters(adapter: BusUnderTest, topic: str, count: int) -> list[WireMessage]:
    deadline = time.monotonic() + DEADLINE_S
    while len(letters := adapter.dead_letters(topic)) < count:
        assert time.monotonic() < deadline, f"{len(letters)} of {count} dead letters arrived"
        time.sleep(0.05)
    return letters


# --- the contract ----------------------------------------------------------------------------


def test_published_event_reaches_the_handler_with_its_attributes_intact(
    adapter: BusUnderTest, topic: str
) -> None:
    received = Received()
    bus = consuming(adapter, topic, received)
    event = noted("member-1", "arrived at the east gate")

    bus.publish(topic, [event])

    received.wait_for_ids([event.id])
    assert received.events == [event]


def test_events_with_the_same_key_are_handled_in_publish_order(
    adapter: BusUnderTest, topic: str
) -> None:
    received = Received()
    bus = consuming(adapter, topic, received)
    keys = [f"task-{n}" for n in range(5)]
    events = [noted(key, str(i)) for i in range(50) for key in keys]

    for start in range(0, len(events), 50):
        bus.publish(topic, events[start : start + 50])

    received.wait_for_ids([e.id for e in events])
    for key in keys:
        handled = [int(e.data.value) for e in received.events if e.subject == key]
        assert handled == list(range(50)), key


def test_each_group_receives_every_event(adapter: BusUnderTest, topic: str) -> None:
    dispatch, points = Received(), Received()
    consuming(adapter, topic, dispatch)
    bus = consuming(adapter, topic, points)
    events = [noted(f"member-{n % 3}", str(n)) for n in range(20)]

    bus.publish(topic, events)

    dispatch.wait_for_ids([e.id for e in events])
    points.wait_for_ids([e.id for e in events])


def test_a_consumed_event_carries_its_log_position_the_same_in_every_group(
    adapter: BusUnderTest, topic: str
) -> None:
    first, second = Received(), Received()
    consuming(adapter, topic, first)
    bus = consuming(adapter, topic, second)
    events = [noted(f"member-{n % 3}", str(n)) for n in range(20)]

    bus.publish(topic, events)

    first.wait_for_ids([e.id for e in events])
    second.wait_for_ids([e.id for e in events])
    positions = {e.id: e.position for e in first.events}
    assert positions == {e.id: e.position for e in second.events}
    assert all(p is not None and p.topic == topic for p in positions.values())
    assert len(set(positions.values())) == len(events)  # no two events share a position
    for key in {e.subject for e in events}:
        in_order = [positions[e.id] for e in first.events if e.subject == key]
        assert [p.offset for p in in_order] == sorted(p.offset for p in in_order)  # type: ignore[union-attr]


def test_handler_that_fails_twice_gets_the_event_again_and_nothing_after_it_is_skipped(
    adapter: BusUnderTest, topic: str
) -> None:
    events = [noted("task-1", str(n)) for n in range(5)]
    flaky = events[1]
    received = Received(fail=lambda e: e.id == flaky.id and received.attempts.count(e.id) <= 2)
    bus = consuming(adapter, topic, received, retry=RetryPolicy(max_attempts=5))

    bus.publish(topic, events)

    received.wait_for_ids([e.id for e in events])
    # At least once: a rebalance on a loaded broker may redeliver, never reorder or skip.
    assert list(dict.fromkeys(received.ids())) == [e.id for e in events]
    assert received.attempts.count(flaky.id) >= 3


def test_event_whose_handler_keeps_failing_is_dead_lettered_and_later_events_are_handled(
    adapter: BusUnderTest, topic: str
) -> None:
    doomed, after = noted("task-1", "doomed"), noted("task-1", "after")
    received = Received(fail=lambda e: e.id == doomed.id)
    group_name = group()
    bus = consuming(adapter, topic, received, group_name=group_name)

    bus.publish(topic, [doomed, after])

    received.wait_for_ids([after.id])
    [letter] = wait_for_dead_letters(adapter, topic, 1)
    assert letter.headers["ce_id"] == doomed.id.encode()
    assert letter.value == encode(doomed).value
    assert letter.headers["dlq_original_topic"] == topic.encode()
    assert letter.headers["dlq_group"] == group_name.encode()
    assert letter.headers["dlq_attempts"] == str(FAST_RETRY.max_attempts).encode()
    assert b"handler refuses" in letter.headers["dlq_reason"]
    assert received.attempts.count(doomed.id) == FAST_RETRY.max_attempts


def test_event_waiting_out_an_outage_is_delivered_again_in_order_and_never_dead_lettered(
    adapter: BusUnderTest, topic: str
) -> None:
    """A dependency down for several outage waits: the event is handed back and delivered
    again each time (on Kafka: read again by the next poll), the events after it wait, and
    nothing reaches the dead-letter topic however many attempts it took."""
    stuck, after = noted("task-1", "stuck"), noted("task-1", "after")
    back_at = time.monotonic() + 1.5
    outage = RetryPolicy(
        max_attempts=2, first_backoff_s=0.01, max_backoff_s=0.05, outage_wait_s=0.3
    )

    def down_for_a_while(event: Event) -> bool:
        if event.id == stuck.id and time.monotonic() < back_at:
            raise Unavailable(detail="the document store cannot be reached")
        return False

    received = Received(fail=down_for_a_while)
    bus = consuming(adapter, topic, received, retry=outage)

    bus.publish(topic, [stuck, after])

    received.wait_for_ids([stuck.id, after.id])
    assert list(dict.fromkeys(received.ids())) == [stuck.id, after.id]
    assert received.attempts.count(stuck.id) > 1 + outage.max_attempts
    assert adapter.dead_letters(topic) == []


@pytest.mark.parametrize("poison", ["not_a_cloud_event", "payload_does_not_parse"])
def test_poison_message_is_dead_lettered_at_once_and_the_consumer_keeps_going(
    adapter: BusUnderTest, topic: str, poison: str
) -> None:
    received = Received()
    consuming(adapter, topic, received)
    if poison == "not_a_cloud_event":
        message = WireMessage(key=b"task-1", headers={}, value=b"\x00 not a cloud event")
    else:
        wire = encode(noted("task-1", "garbled"))
        message = WireMessage(key=wire.key, headers=wire.headers, value=b"\xff\xff\xff")
    after = noted("task-1", "after")

    adapter.publish_raw(topic, [message])
    adapter.publish_raw(topic, [encode(after)])

    received.wait_for_ids([after.id])
    [letter] = wait_for_dead_letters(adapter, topic, 1)
    assert letter.value == message.value
    assert letter.headers["dlq_reason"].startswith(b"poison")
    assert letter.headers["dlq_attempts"] == b"0"
    assert len(received.attempts) == 1


def test_unknown_event_types_are_skipped(adapter: BusUnderTest, topic: str) -> None:
    received = Received()
    bus = consuming(adapter, topic, received)
    unknown = noted("task-1", "from a newer producer", event_type="shouwang.test.future.v9")
    known = noted("task-1", "known")

    bus.publish(topic, [unknown, known])

    received.wait_for_ids([known.id])
    assert received.attempts == [known.id]
    assert adapter.dead_letters(topic) == []


def test_a_group_from_the_latest_skips_what_came_before_and_gets_what_follows(
    adapter: BusUnderTest, topic: str
) -> None:
    publisher = adapter.new_bus()
    before = [noted("member-1", f"old {n}") for n in range(5)]
    publisher.publish(topic, before)
    received = Received()
    bus = adapter.new_bus()
    bus.subscribe(
        topic, group=group(), handler=received, payload_types=PAYLOAD_TYPES, from_latest=True
    )
    bus.start()
    # The consumer starts at the end once it has joined: probe until it shows it has.
    deadline = time.monotonic() + DEADLINE_S
    while not received.ids():
        assert time.monotonic() < deadline, "the consumer never joined"
        publisher.publish(topic, [noted("member-1", "probe")])
        time.sleep(0.2)
    after = [noted("member-1", f"new {n}") for n in range(5)]
    publisher.publish(topic, after)

    received.wait_for_ids([e.id for e in after])
    assert not {e.id for e in before} & set(received.ids())


def test_a_group_is_caught_up_only_once_it_has_handled_what_the_topic_held(
    adapter: BusUnderTest, topic: str
) -> None:
    held = [noted(f"member-{n % 3}", str(n)) for n in range(60)]
    adapter.new_bus().publish(topic, held)
    handled_when_caught_up: list[int] = []
    received = Received()
    bus = adapter.new_bus()
    name = group()

    def slow(event: Event) -> None:
        time.sleep(0.01)  # 60 events: 0.6 s at least, so "caught up" can be seen too early
        received(event)

    bus.subscribe(topic, group=name, handler=slow, payload_types=PAYLOAD_TYPES)
    latest = group()
    bus.subscribe(topic, group=latest, handler=Received(), payload_types=PAYLOAD_TYPES,
                  from_latest=True)  # fmt: skip
    assert not bus.caught_up(name) and not bus.caught_up("no-such-group")
    bus.start()
    deadline = time.monotonic() + DEADLINE_S
    while not bus.caught_up(name):
        assert time.monotonic() < deadline, "never caught up"
        time.sleep(0.01)
    handled_when_caught_up.append(len(received.ids()))
    assert handled_when_caught_up == [len(held)]
    while not bus.caught_up(latest):  # from the end: as soon as it has joined
        assert time.monotonic() < deadline, "the group from the latest never caught up"
        time.sleep(0.01)
    adapter.new_bus().publish(topic, [noted("member-1", "later")])
    assert bus.caught_up(name)  # a latch: new events do not take it back


def test_new_consumer_of_a_group_resumes_after_the_last_committed_event(
    adapter: BusUnderTest, topic: str
) -> None:
    group_name = group()
    keys = ["task-1", "task-2", "task-3"]
    first_events = [noted(key, f"first {n}") for n in range(4) for key in keys]
    later_events = [noted(key, f"later {n}") for n in range(4) for key in keys]
    first = Received()
    first_bus = consuming(adapter, topic, first, group_name=group_name)
    first_bus.publish(topic, first_events)
    first.wait_for_ids([e.id for e in first_events])
    first_bus.close()

    later = Received()
    later_bus = consuming(adapter, topic, later, group_name=group_name)
    later_bus.publish(topic, later_events)

    # Every key has later events behind its first ones, so a redelivered first event would have
    # arrived before the later events did.
    later.wait_for_ids([e.id for e in later_events])
    assert sorted(later.ids()) == sorted(e.id for e in later_events)


def test_consumer_killed_mid_stream_is_finished_by_a_restarted_one_applying_each_event_once(
    adapter: BusUnderTest, topic: str, tmp_path: Path
) -> None:
    events = [noted(f"member-{n % 4}", str(n)) for n in range(60)]
    record = tmp_path / "record.sqlite3"
    command = [
        sys.executable,
        str(CONSUMER_PROCESS),
        *adapter.consumer_process_args(),
        *("--topic", topic, "--group", group(), "--record", str(record)),
    ]
    publisher = adapter.new_bus()
    publisher.publish(topic, events)

    doomed = subprocess.Popen(command, env=CONSUMER_ENV)
    try:
        wait_until(
            lambda: applied_count(record) >= 10 or doomed.poll() is not None,
            what="the first consumer to get going",
        )
        assert doomed.poll() is None, "the first consumer died on its own"
    finally:
        doomed.send_signal(signal.SIGKILL)
        doomed.wait()
    assert applied_count(record) < len(events), "the first consumer was not killed mid-stream"

    restarted = subprocess.run(
        [*command, "--until", str(len(events))], env=CONSUMER_ENV, timeout=DEADLINE_S
    )

    assert restarted.returncode == 0
    with sqlite3.connect(record) as connection:
        applied = [row[0] for row in connection.execute("SELECT event_id FROM applied")]
        delivered = {row[0] for row in connection.execute("SELECT event_id FROM deliveries")}
    assert sorted(applied) == sorted(e.id for e in events)
    assert delivered == set(applied)


def applied_count(record: Path) -> int:
    try:
        with sqlite3.connect(record, timeout=5) as connection:
            return connection.execute("SELECT count(*) FROM applied").fetchone()[0]
    except sqlite3.OperationalError:  # the consumer has not created its record yet
        return 0


def wait_until(condition: Callable[[], bool], *, what: str) -> None:
    deadline = time.monotonic() + DEADLINE_S
    while not condition():
        assert time.monotonic() < deadline, f"timed out waiting for {what}"
        time.sleep(0.02)


def test_a_background_group_steps_aside_while_a_request_is_served_and_the_others_do_not(
    adapter: BusUnderTest, topic: str
) -> None:
    foreground = Foreground(max_wait_s=DEADLINE_S)
    bus = adapter.new_bus(foreground=foreground)
    background, ordinary = Received(), Received()
    bus.subscribe(
        topic, group=group(), handler=background, payload_types=PAYLOAD_TYPES, background={NOTED}
    )
    bus.subscribe(topic, group=group(), handler=ordinary, payload_types=PAYLOAD_TYPES)
    bus.start()
    event = noted("member-1", "a fix")

    with foreground.serving():
        adapter.new_bus().publish(topic, [event])
        ordinary.wait_for_ids([event.id])
        wait_for(lambda: foreground.stepping_aside == 1, timeout_s=DEADLINE_S, what="a wait")
        assert background.ids() == []  # it holds the event and waits for the request

    background.wait_for_ids([event.id])
    assert foreground.stepping_aside == 0


def test_a_run_holding_other_than_background_types_does_not_step_aside(
    adapter: BusUnderTest, topic: str
) -> None:
    """A member gone busy must reach the live index at once, fixes around it or not."""
    foreground = Foreground(max_wait_s=DEADLINE_S)
    bus = adapter.new_bus(foreground=foreground)
    received = Received()
    bus.subscribe(
        topic, group=group(), handler=received, payload_types=PAYLOAD_TYPES, background={"other"}
    )
    bus.start()
    event = noted("member-1", "gone busy")

    with foreground.serving():
        adapter.new_bus().publish(topic, [event])
        received.wait_for_ids([event.id])
        assert foreground.stepping_aside == 0


def test_handlers_run_as_the_foregrounds_background_work(adapter: BusUnderTest, topic: str) -> None:
    """So that the embedded store serves requests before a consumer's writes."""
    foreground = Foreground()
    bus = adapter.new_bus(foreground=foreground)
    in_background: list[bool] = []

    def handler(event: Event) -> None:
        in_background.append(foreground.in_background())

    bus.subscribe(topic, group=group(), handler=handler, payload_types=PAYLOAD_TYPES)
    bus.start()
    adapter.new_bus().publish(topic, [noted("member-1", "a fix")])

    wait_for(lambda: in_background, timeout_s=DEADLINE_S, what="the event handled")
    assert in_background == [True]
    assert not foreground.in_background()  # this thread, which published it, is not
