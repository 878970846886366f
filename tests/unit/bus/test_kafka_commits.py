"""Offsets a rebalance refused to commit are committed after it for the partitions this member
kept (kafka-python 3 keeps their positions, so nothing delivers those events again), and a
member refused for longer than a rebalance takes is called stuck; no broker needed: a consumer
that answers ``assignment`` and ``commit`` as kafka-python's does."""

from __future__ import annotations

import pytest
from kafka import TopicPartition
from kafka.consumer.subscription_state import SubscriptionState
from kafka.errors import CommitFailedError, KafkaTimeoutError, RebalanceInProgressError

from shouwang.bus.kafka import ConsumerStuck, _PendingOffsets

KEPT, LOST = TopicPartition("shouwang.tasks.v1", 0), TopicPartition("shouwang.tasks.v1", 1)


class Consumer:
    def __init__(self, *refusals: Exception) -> None:
        self.held = {KEPT, LOST}
        self.refusals = list(refusals)
        self.committed: dict[TopicPartition, int] = {}

    def assignment(self) -> set[TopicPartition]:
        return set(self.held)

    def commit(self, offsets: dict) -> None:
        if self.refusals:
            raise self.refusals.pop(0)
        self.committed.update({tp: at.offset for tp, at in offsets.items()})


def test_a_commit_a_rebalance_refused_is_made_after_it_for_the_partitions_kept():
    # kafka-python raises the first itself, the second when the broker answers so.
    for refusal in (RebalanceInProgressError(), CommitFailedError(RebalanceInProgressError())):
        consumer = Consumer(refusal)
        offsets = _PendingOffsets(consumer)
        offsets.handled(KEPT, 41)
        offsets.handled(LOST, 7)
        offsets.commit()
        assert consumer.committed == {}
        consumer.held = {KEPT}  # the rebalance gave LOST to another member
        offsets.commit()
        assert consumer.committed == {KEPT: 42}


def test_an_offset_handled_after_the_refusal_wins_over_the_refused_one():
    consumer = Consumer(RebalanceInProgressError())
    offsets = _PendingOffsets(consumer)
    offsets.handled(KEPT, 41)
    offsets.commit()
    offsets.handled(KEPT, 45)
    offsets.commit()
    assert consumer.committed == {KEPT: 46}


def test_other_failures_are_not_retried():
    # Evicted (the member's positions start again from the group's commit when it rejoins), or
    # the coordinator away.
    for failure in (CommitFailedError(), KafkaTimeoutError()):
        consumer = Consumer(failure)
        offsets = _PendingOffsets(consumer)
        offsets.handled(KEPT, 41)
        offsets.commit()
        offsets.commit()
        assert consumer.committed == {}


def test_kafka_python_keeps_the_position_of_a_partition_kept_through_a_rebalance():
    """What the retry relies on: a kept partition is not read again from the group's commit."""
    subscription = SubscriptionState()
    subscription.subscribe(topics=[KEPT.topic])
    subscription.assign_from_subscribed([KEPT, LOST])
    subscription.seek(KEPT, 42)
    subscription.assign_from_subscribed([KEPT])
    assert subscription.assignment[KEPT].position.offset == 42


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def refused(refusals: int, partition: TopicPartition) -> tuple[Clock, Consumer, _PendingOffsets]:
    """A handled offset whose first commits a rebalance refuses, on a clock the test moves."""
    clock = Clock()
    consumer = Consumer(*[RebalanceInProgressError()] * refusals)
    offsets = _PendingOffsets(consumer, stuck_after_s=36, clock=clock)
    offsets.handled(partition, 41)
    offsets.commit()
    return clock, consumer, offsets


def test_a_member_refused_by_a_rebalance_for_longer_than_one_takes_is_stuck():
    clock, _, offsets = refused(100, KEPT)
    for _ in range(36):  # a commit after every poll, the group rebalancing all along
        clock.now += 1
        offsets.commit()
        offsets.raise_if_stuck()
    clock.now += 1
    offsets.commit()
    with pytest.raises(ConsumerStuck, match="37 s"):
        offsets.raise_if_stuck()


def test_a_commit_made_after_the_rebalance_ends_the_count():
    clock, consumer, offsets = refused(1, KEPT)
    clock.now += 30
    offsets.commit()  # the rebalance is over
    clock.now += 30
    offsets.raise_if_stuck()
    assert consumer.committed == {KEPT: 42}


def test_a_rebalance_that_took_the_partitions_away_ends_the_count():
    clock, consumer, offsets = refused(1, LOST)
    consumer.held = {KEPT}
    offsets.commit()
    clock.now += 60
    offsets.raise_if_stuck()
    assert consumer.committed == {}
