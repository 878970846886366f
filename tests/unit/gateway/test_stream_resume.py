"""Resuming a stream on another replica (or a restarted one), which read the topics' partitions
in another order: every event the viewer may see arrives exactly once across the hops."""

from __future__ import annotations

import random
from datetime import timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from services.gateway.resume import BadCursor, Cursor, parse_stream_id, stream_id
from services.gateway.stream import StreamHub, Subscription, Viewer, frames_of
from shouwang.clock import ManualClock
from shouwang.events import Event, LogPosition
from shouwang.tasks.v1 import events_pb2

clock = ManualClock()
MEMBER = Viewer("m1")
TOPIC = "shouwang.tasks.v1"


def offered(member_id: str, event_id: str, position: LogPosition, *, age_s: float = 0) -> Event:
    data = events_pb2.TaskOffered(
        task_id=f"task-{event_id}",
        station_id="station-a",
        offers=[events_pb2.Offer(member_id=member_id, distance_m=10.0, wave=1)],
    )
    return Event(
        type="shouwang.task.offered",
        source="/test",
        subject=f"task-{event_id}",
        data=data,
        time=clock.now() - timedelta(seconds=age_s),
        id=event_id,
        position=position,
    )


def topic_log(members: list[str], partitions: list[int]) -> list[Event]:
    """Events in the order they were published; offsets count per partition."""
    next_offset: dict[int, int] = {}
    log = []
    for number, (member_id, partition) in enumerate(zip(members, partitions, strict=True)):
        offset = next_offset.get(partition, 0)
        next_offset[partition] = offset + 1
        log.append(offered(member_id, f"ev-{number}", LogPosition(TOPIC, partition, offset)))
    return log


def read_order(log: list[Event], rnd: random.Random) -> list[Event]:
    """One replica's order of reading: each partition in order, the partitions interleaved."""
    queues: dict[int, list[Event]] = {}
    for event in log:
        assert event.position is not None
        queues.setdefault(event.position.partition, []).append(event)
    order = []
    while queues:
        partition = rnd.choice(sorted(queues))
        order.append(queues[partition].pop(0))
        if not queues[partition]:
            del queues[partition]
    return order


def received(subscription: Subscription, first_frames: list[bytes]) -> list[tuple[str, str]]:
    """(event id, the frame's full id) of what a stream was sent, in order."""
    frames = frames_of([*first_frames, *(subscription.take(0) or [])])
    return [(parse_stream_id(frame_id)[0], frame_id) for frame_id, _, _ in frames]


def replica(order: list[Event]) -> StreamHub:
    hub = StreamHub(clock=clock)
    for event in order:
        hub.on_event(event)
    return hub


@given(
    # The first event is the viewer's, so that the client has an id to resume from.
    members=st.lists(st.sampled_from(["m1", "m2"]), max_size=30).map(lambda m: ["m1", *m]),
    partition_seed=st.randoms(use_true_random=False),
    order_seed=st.randoms(use_true_random=False),
    cuts=st.lists(st.floats(0, 1), min_size=4, max_size=4),
)
def test_every_event_arrives_exactly_once_across_replicas_that_read_in_other_orders(
    members: list[str],
    partition_seed: random.Random,
    order_seed: random.Random,
    cuts: list[float],
) -> None:
    log = topic_log(members, [partition_seed.randrange(3) for _ in members])
    expected = sorted(e.id for e in log if e.data.offers[0].member_id == "m1")  # type: ignore[attr-defined]
    first_read, second_read, third_read = (read_order(log, order_seed) for _ in range(3))

    # Replica A: the stream is open from the start; A has read part of the log.
    a = StreamHub(clock=clock)
    on_a = a.open(MEMBER)
    first_for_viewer = next(
        n for n, e in enumerate(first_read) if e.data.offers[0].member_id == "m1"
    )  # type: ignore[attr-defined]
    for event in first_read[: max(first_for_viewer + 1, round(cuts[0] * len(log)))]:
        a.on_event(event)
    got = received(on_a.subscription, on_a.first_frames)
    got = got[: max(1, round(cuts[1] * len(got)))]  # the connection drops part-way through

    # Replica B has read part of the log when the client reconnects, the rest live after.
    b = StreamHub(clock=clock)
    read_before = round(cuts[2] * len(log))
    for event in second_read[:read_before]:
        b.on_event(event)
    on_b = b.open(MEMBER, last_event_id=got[-1][1])
    for event in second_read[read_before:]:
        b.on_event(event)
    assert not on_b.reset
    from_b = received(on_b.subscription, on_b.first_frames)
    from_b = from_b[: round(cuts[3] * len(from_b))]
    got += from_b

    # Replica C, caught up, takes the client from B's last frame (or A's).
    c = replica(third_read)
    on_c = c.open(MEMBER, last_event_id=got[-1][1])
    got += received(on_c.subscription, on_c.first_frames)

    assert sorted(event_id for event_id, _ in got) == expected


def test_a_resume_on_the_same_replica_still_replays_after_a_bare_event_id() -> None:
    log = topic_log(["m1", "m1", "m1"], [0, 1, 0])
    hub = replica(log)

    opened = hub.open(MEMBER, last_event_id="ev-0")

    assert [event_id for event_id, _ in received(opened.subscription, opened.first_frames)] == [
        "ev-1",
        "ev-2",
    ]


def test_a_cursor_from_before_what_the_buffer_still_holds_resets_the_stream() -> None:
    hub = StreamHub(clock=clock, buffer_events=2)
    for event in topic_log(["m1"] * 4, [0, 0, 0, 0]):
        hub.on_event(event)

    opened = hub.open(MEMBER, last_event_id=stream_id("ev-0", Cursor({(TOPIC, 0): 0})))

    assert opened.reset
    [(reset_id, event_type, _)] = frames_of(opened.first_frames)
    assert event_type == "stream.reset"
    assert parse_stream_id(reset_id) == ("ev-3", Cursor({(TOPIC, 0): 3}))


def test_events_too_old_to_push_count_as_forgotten() -> None:
    hub = StreamHub(clock=clock, buffer_seconds=60)
    hub.on_event(offered("m1", "old", LogPosition(TOPIC, 0, 0), age_s=120))
    hub.on_event(offered("m1", "new", LogPosition(TOPIC, 0, 1)))

    assert hub.open(MEMBER, last_event_id=stream_id("x", Cursor({(TOPIC, 1): 5}))).reset
    resumed = hub.open(Viewer("m1"), last_event_id=stream_id("old", Cursor({(TOPIC, 0): 0})))
    assert not resumed.reset
    assert [e for e, _ in received(resumed.subscription, resumed.first_frames)] == ["new"]


@pytest.mark.parametrize(
    "last_event_id",
    [
        "ev~" + "t:0:1," * 600,
        "ev~tasks:zero:1",
        "ev~tasks:0",
        "ev~:0:1",
        "ev~tasks:0:-1",
        "ev~tasks:0:²",  # a digit to str.isdigit(), not to int()
        "ev~tasks:0:" + "9" * 5000,  # beyond the digits int() parses
        "ev~tasks:0:1," + "x" * 9000,
    ],
)
def test_a_cursor_that_does_not_parse_resets_the_stream(last_event_id: str) -> None:
    hub = replica(topic_log(["m1"], [0]))

    with pytest.raises(BadCursor):
        parse_stream_id(last_event_id)
    assert hub.open(MEMBER, last_event_id=last_event_id).reset
    assert hub.stream_count == 1


def test_a_redelivered_event_is_not_pushed_again_once_it_has_left_the_buffer() -> None:
    hub = StreamHub(clock=clock, buffer_events=1)
    stream = hub.open(MEMBER).subscription
    first, second = topic_log(["m1", "m1"], [0, 0])

    for event in (first, second, first):  # the first again, as after a rebalance
        hub.on_event(event)

    assert [e for e, _ in received(stream, [])] == ["ev-0", "ev-1"]


def test_after_a_reset_live_events_within_the_clients_cursor_are_not_sent_again() -> None:
    hub = StreamHub(clock=clock, buffer_events=1)
    log = topic_log(["m1"] * 4, [0, 0, 1, 1])
    for event in log[:3]:  # the first is evicted: a cursor before it cannot be served
        hub.on_event(event)
    client_had = Cursor({(TOPIC, 1): 1})  # both of partition 1, from another replica

    opened = hub.open(MEMBER, last_event_id=stream_id("ev-3", client_had))
    hub.on_event(log[3])

    assert opened.reset
    [(reset_id, _, _)] = frames_of(opened.first_frames)
    assert parse_stream_id(reset_id)[1] == Cursor({(TOPIC, 0): 1, (TOPIC, 1): 1})
    assert received(opened.subscription, []) == []


def test_a_resumed_stream_is_reset_when_an_event_it_may_lack_is_skipped() -> None:
    hub = replica(topic_log(["m1"], [0]))  # the hub has not read partition 1 yet
    ahead = Cursor({(TOPIC, 0): 0, (TOPIC, 1): 2})
    resumed = hub.open(MEMBER, last_event_id=stream_id("ev-0", ahead))
    further = Cursor({(TOPIC, 0): 5, (TOPIC, 1): 5})
    up_to_date = hub.open(Viewer("m2"), last_event_id=stream_id("x", further))

    hub.skip(offered("m1", "unreadable", LogPosition(TOPIC, 1, 1)))  # within both cursors
    assert resumed.subscription.take(0) == [] and up_to_date.subscription.take(0) == []
    hub.skip(offered("m1", "too-old", LogPosition(TOPIC, 0, 3)))  # beyond the first's

    assert [t for _, t, _ in frames_of(resumed.subscription.take(0) or [])] == ["stream.reset"]
    assert up_to_date.subscription.take(0) == []
