"""The cluster event bus on Apache Kafka (kafka-python 3): CloudEvents in binary mode.

Offsets are committed by hand, after the handler returned or the message was dead-lettered:
after every poll batch and at least every ``_COMMIT_INTERVAL_S`` within one. kafka-python drives
group rebalances from inside ``poll()``, and everything handled is committed before the next
``poll()``, so a partition taken away in a rebalance loses nothing; when a commit is refused
anyway (a rebalance under way, or this member evicted), the new owner of a partition redelivers
from the last commit, which idempotent handlers absorb, and the offsets of the partitions this
member keeps are committed after the rebalance. No rebalance listener is needed: kafka-python 3
runs listeners on its IO thread, where a blocking ``commit()`` raises.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Collection, Iterable, Mapping, Sequence

from google.protobuf.message import Message
from kafka import KafkaAdminClient, KafkaConsumer, KafkaProducer, OffsetAndMetadata, TopicPartition
from kafka.errors import (
    BrokerNotAvailableError,
    CommitFailedError,
    KafkaError,
    RebalanceInProgressError,
    TopicAlreadyExistsError,
    for_code,
)

from shouwang.bus import DLQ_SUFFIX, BatchHandler, Handler, RetryPolicy, dead_letter_topic
from shouwang.bus.delivery import Subscription, deliver_run, group_caught_up, start_consumers
from shouwang.bus.kafka_protocol import make_every_response_version
from shouwang.bus.metrics import events_published
from shouwang.errors import Unavailable
from shouwang.events import Event, LogPosition, WireMessage, encode
from shouwang.foreground import Foreground

log = logging.getLogger(__name__)

make_every_response_version()  # on this thread, before any client's: see kafka_protocol

# Consumer tuning. The broker answers a fetch as soon as one record arrives (fetch_min_bytes 1),
# so the fetch wait bounds only how often an idle consumer asks again: 500 ms rather than 100 ms
# took an idle cluster's eight processes from 41 % to 17 % of a core, and delivery was no slower
# (publish → handler p50 25 ms against 36 ms, on a loaded machine); a 6 s session
# (the broker's default group.min.session.timeout.ms) with 1 s heartbeats lets a group notice a
# crashed member quickly (heartbeats run on kafka-python's IO thread, so slow handlers do not
# miss them); 100 records per poll bounds the redelivery after a crash and the time between
# polls. max_poll_interval_ms stays at 5 minutes to leave room for handler retries (an outage is
# waited out in RetryPolicy.outage_wait_s turns, each followed by a poll).
_CONSUMER_CONFIG = {
    "enable_auto_commit": False,
    "auto_offset_reset": "earliest",
    "fetch_max_wait_ms": 500,
    "session_timeout_ms": 6_000,
    "heartbeat_interval_ms": 1_000,
    "max_poll_records": 100,
    "max_poll_interval_ms": 300_000,
    "allow_auto_create_topics": False,
    # A consumer that joins while its topic is still being created (another service created
    # it a moment ago) gets no partitions and only rejoins when its metadata refreshes: make
    # that seconds, not the default five minutes.
    "metadata_max_age_ms": 3_000,
}
_POLL_TIMEOUT_MS = 500  # also how long close() may wait for a consumer thread
_COMMIT_INTERVAL_S = 1.0
_PUBLISH_TIMEOUT_S = 30.0
_ERROR_BACKOFF_S = 1.0
_TOPIC_READY_TIMEOUT_MS = 30_000


def is_outage(error: KafkaError) -> bool:
    """Whether a send failed because the broker is away rather than because of what was sent
    (too large, not allowed): kafka-python marks the passing kinds ``retriable``."""
    return error.retriable or isinstance(error, BrokerNotAvailableError)


class KafkaEventBus:
    """An ``EventBus`` on Kafka: one producer per bus, one consumer thread per subscription."""

    def __init__(
        self,
        bootstrap_servers: str,
        *,
        client_id: str,
        retry: RetryPolicy = RetryPolicy(),  # noqa: B008 - frozen dataclass, safe as a default
        topic_partitions: int = 3,
        foreground: Foreground | None = None,
    ) -> None:
        self._bootstrap_servers = bootstrap_servers
        self._foreground = foreground
        self._client_id = client_id
        self._retry = retry
        self._topic_partitions = topic_partitions
        self._subscriptions: list[Subscription] = []
        self._threads: list[threading.Thread] = []
        self._stopping = threading.Event()
        self._closed = False
        self._topics_lock = threading.Lock()
        self._known_topics: set[str] = set()
        self._admin: KafkaAdminClient | None = None
        # acks=all with idempotence: an acknowledged send is on every in-sync replica, and the
        # producer's own retries never duplicate a message.
        self._producer = KafkaProducer(
            bootstrap_servers=bootstrap_servers,
            client_id=client_id,
            acks="all",
            enable_idempotence=True,
        )

    def publish(self, topic: str, events: Sequence[Event]) -> None:
        self.publish_wire(topic, [encode(event) for event in events])

    def publish_wire(self, topic: str, messages: Sequence[WireMessage]) -> None:
        """Send already-encoded messages (dead letters, replays); acknowledged when this returns.

        Raises ``Unavailable`` when the broker cannot take them now (down, or a partition without
        its leader yet): callers answer 503 and consumers wait rather than dead-letter."""
        try:
            self._ensure_topics([topic])
            futures = [
                self._producer.send(
                    topic,
                    key=message.key or None,
                    value=message.value,
                    headers=list(message.headers.items()),
                )
                for message in messages
            ]
            self._producer.flush(timeout=_PUBLISH_TIMEOUT_S)
            for future in futures:
                future.get(timeout=_PUBLISH_TIMEOUT_S)  # raises the send's KafkaError
        except KafkaError as error:
            if is_outage(error):
                raise Unavailable(detail="the event bus cannot be reached") from error
            raise
        events_published.labels(topic).inc(len(futures))

    def subscribe(
        self,
        topic: str,
        *,
        group: str,
        handler: Handler,
        payload_types: Mapping[str, type[Message]],
        from_latest: bool = False,
        batch_handler: BatchHandler | None = None,
        background: Collection[str] = (),
    ) -> None:
        if self._threads:
            raise RuntimeError("subscribe before start()")
        self._subscriptions.append(
            Subscription(
                topic,
                group,
                handler,
                dict(payload_types),
                from_latest,
                batch_handler,
                frozenset(background),
            )
        )

    def start(self) -> None:
        self._ensure_topics(s.topic for s in self._subscriptions)
        self._threads += start_consumers(self._subscriptions, self._consume, self._foreground)

    def caught_up(self, group: str) -> bool:
        return group_caught_up(self._subscriptions, group)

    def close(self) -> None:
        if self._closed:
            return
        self._closed = True
        self._stopping.set()
        for thread in self._threads:
            thread.join()
        self._producer.close(timeout=_PUBLISH_TIMEOUT_S)
        if self._admin is not None:
            self._admin.close()

    def _ensure_topics(self, topics: Iterable[str]) -> None:
        """Create each topic and its dead-letter topic unless this bus already did."""
        with self._topics_lock:
            wanted: set[str] = set()
            for topic in topics:
                wanted.add(topic)
                if not topic.endswith(DLQ_SUFFIX):
                    wanted.add(dead_letter_topic(topic))
            missing = sorted(wanted - self._known_topics)
            if not missing:
                return
            if self._admin is None:
                self._admin = KafkaAdminClient(
                    bootstrap_servers=self._bootstrap_servers, client_id=self._client_id
                )
            # replication_factor -1: the cluster's default.replication.factor decides.
            spec = {"num_partitions": self._topic_partitions, "replication_factor": -1}
            response = self._admin.create_topics(
                {name: spec for name in missing}, raise_errors=False
            )
            for result in response["topics"]:
                code = result["error_code"]
                if code not in (0, TopicAlreadyExistsError.errno):
                    # The code's own class, so a broker still starting (not yet the controller)
                    # reads as an outage, not as a failure of the topic.
                    raise for_code(code)(
                        f"cannot create topic {result['name']}: {code} {result['error_message']}"
                    )
            self._admin.wait_for_topics(missing, timeout_ms=_TOPIC_READY_TIMEOUT_MS)
            self._known_topics.update(missing)

    def _consume(self, subscription: Subscription) -> None:
        while not self._stopping.is_set():
            try:
                self._consume_until_stopped(subscription)
            except Exception:
                log.exception(
                    "consumer %s on %s failed; rejoining from its last commit",
                    subscription.group,
                    subscription.topic,
                )
                self._stopping.wait(_ERROR_BACKOFF_S)

    def _consume_until_stopped(self, subscription: Subscription) -> None:
        consumer = KafkaConsumer(
            bootstrap_servers=self._bootstrap_servers,
            client_id=f"{self._client_id}-{subscription.group}",
            group_id=subscription.group,
            **{
                **_CONSUMER_CONFIG,
                "auto_offset_reset": "latest" if subscription.from_latest else "earliest",
            },
        )
        # A member whose commits a rebalance has refused for an outage-wait turn and a session
        # more is taken for stuck and built anew from the group's commit. Seen with kafka-python
        # 3.0.12 on a loaded machine: a leader rejoins because its metadata changed
        # (need_rejoin() compares snapshots, rejoin_needed stays False), the assignment it
        # computes makes the snapshots equal again, and when the join outlives that poll() the
        # next one no longer asks for it: the member stays "rebalancing" with its heartbeats
        # off, is evicted, and never rejoins, while it goes on fetching. A rebalance of healthy
        # members is over in seconds, but one waiting on a member slow to poll (between polls a
        # member may wait out outages record by record, up to max_poll_interval_ms) is rebuilt
        # needlessly: a rejoin and events delivered again, nothing lost. A stuck member with
        # nothing to commit (an idle topic, no partitions) is not caught.
        stuck_after_s = self._retry.outage_wait_s + _CONSUMER_CONFIG["session_timeout_ms"] / 1000
        offsets = _PendingOffsets(consumer, stuck_after_s=stuck_after_s)
        catching_up = _CatchUp(consumer, subscription)
        try:
            consumer.subscribe([subscription.topic])
            self._await_partition_metadata(consumer, subscription.topic)
            while not self._stopping.is_set():
                batch = consumer.poll(timeout_ms=_POLL_TIMEOUT_MS)
                held_back = False
                for partition, records in batch.items():
                    done = (
                        0
                        if held_back
                        else self._handle_partition(offsets, subscription, partition, records)
                    )
                    if done < len(records):
                        # Stopping, or a message waiting out an outage: what was fetched and not
                        # handled is read again by the next poll (polling keeps the membership).
                        held_back = True
                        consumer.seek(partition, records[done].offset)
                offsets.commit()
                offsets.raise_if_stuck()
                catching_up.check()
        finally:
            offsets.commit()
            consumer.close(autocommit=False)

    def _await_partition_metadata(self, consumer: KafkaConsumer, topic: str) -> None:
        """Join the group (the first poll) only once metadata fetched after subscribing lists
        the topic's partitions. Without them a group leader gives nobody partitions and may not
        notice the topic until a later rebalance (seen as "No partition metadata for topic").
        Fetched after subscribing, they are in the coordinator's snapshot of the topic before
        its first join; taken from the cache instead, the snapshot changed just after the join
        and the leader rejoined at once (kafka-python 3.0.12; 8–12 of a points replay's 26–30
        joins) — the rejoin that can leave it stuck (see ``stuck_after_s``)."""
        deadline = time.monotonic() + _TOPIC_READY_TIMEOUT_MS / 1000
        # topics() always asks the broker; partitions_for_topic() then reads what it answered.
        while not (topic in consumer.topics() and consumer.partitions_for_topic(topic)):
            if time.monotonic() > deadline or self._stopping.wait(0.1):
                return  # join anyway: the metadata refresh is the fallback

    def _handle_partition(
        self,
        offsets: _PendingOffsets,
        subscription: Subscription,
        partition: TopicPartition,
        records: list,
    ) -> int:
        """Handle one partition's records in order; how many are finished (fewer than all when
        the bus is closing or a dependency stayed down for the outage wait)."""
        dead_letter = self._dead_letter_to(subscription.topic)
        # A batch handler takes the partition's records at once; a per-event one a record at a
        # time, so that commits stay due every _COMMIT_INTERVAL_S however slow it is.
        step = len(records) if subscription.batch_handler else 1
        for start in range(0, len(records), step):
            run = records[start : start + step]
            messages = [
                WireMessage(
                    key=r.key or b"",
                    headers=dict(r.headers or ()),
                    value=r.value,
                    position=LogPosition(r.topic, r.partition, r.offset),
                )
                for r in run
            ]
            # A dead letter that cannot be written raises out of here: the consumer is rebuilt and
            # starts again from this record, which was not committed.
            done = deliver_run(
                messages,
                subscription,
                retry=self._retry,
                stopping=self._stopping,
                dead_letter=dead_letter,
                foreground=self._foreground,
            )
            if done:
                offsets.handled(partition, run[done - 1].offset)
                offsets.commit_if_due()
            if done < len(run) or self._stopping.is_set():
                return start + done
        return len(records)

    def _dead_letter_to(self, topic: str) -> Callable[[WireMessage], None]:
        return lambda message: self.publish_wire(dead_letter_topic(topic), [message])


class _CatchUp:
    """Sets the subscription's ``caught_up`` once the consumer has read each partition it was
    first given up to the end that partition had then. The ends are asked once (a consumer
    that never catches up, under steady traffic, costs no request per poll)."""

    def __init__(self, consumer: KafkaConsumer, subscription: Subscription) -> None:
        self._consumer = consumer
        self._caught_up = subscription.caught_up
        self._ends: dict[TopicPartition, int] = {}

    def check(self) -> None:
        if self._caught_up.is_set():
            return
        try:
            if not self._ends:
                assigned = list(self._consumer.assignment())
                if not assigned:
                    return
                self._ends = self._consumer.end_offsets(assigned)
            if all(self._consumer.position(p) >= end for p, end in self._ends.items()):
                self._caught_up.set()
        except KafkaError:  # the broker is away, or a partition moved: ask again after a poll
            return


class _PendingOffsets:
    """Offsets handled but not yet committed, for one consumer."""

    def __init__(
        self,
        consumer: KafkaConsumer,
        *,
        stuck_after_s: float = float("inf"),
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._consumer = consumer
        self._pending: dict[TopicPartition, OffsetAndMetadata] = {}
        self._clock = clock
        self._last_commit = clock()
        self._stuck_after_s = stuck_after_s
        self._put_off_since: float | None = None  # the first of the refusals by a rebalance

    def raise_if_stuck(self) -> None:
        """Raise ConsumerStuck when commits have been refused by a rebalance for longer than
        ``stuck_after_s``."""
        if self._put_off_since is None:
            return
        refused_s = self._clock() - self._put_off_since
        if refused_s > self._stuck_after_s:
            raise ConsumerStuck(f"commits refused by a rebalance for {refused_s:.0f} s")

    def handled(self, partition: TopicPartition, offset: int) -> None:
        # Kafka's committed offset is the next one to read; -1: no leader epoch to report.
        self._pending[partition] = OffsetAndMetadata(offset + 1, "", -1)

    def commit_if_due(self) -> None:
        if self._clock() - self._last_commit >= _COMMIT_INTERVAL_S:
            self.commit()

    def commit(self) -> None:
        self._last_commit = self._clock()
        if not self._pending:  # after every poll: most find nothing to commit
            return
        held = self._consumer.assignment()
        pending = {tp: at for tp, at in self._pending.items() if tp in held}
        self._pending = {}
        if not pending:  # what was refused is no longer this member's to commit
            self._put_off_since = None
            return
        try:
            self._consumer.commit(pending)
            self._put_off_since = None
        except KafkaError as error:
            if not _put_off_by_a_rebalance(error):
                self._put_off_since = None
                # Typically CommitFailedError after this member was evicted: whoever owns its
                # partitions now (itself, once it rejoins) starts from the previous commit, and
                # handlers are idempotent.
                log.warning("offset commit failed, the events will be redelivered: %r", error)
                return
            # This member stays in the group, and the partitions it keeps through the rebalance
            # keep their positions (kafka-python 3): nothing would deliver their events again
            # and the group's offset would stay behind them until new ones came. Committed
            # again after it; those it loses are dropped then (``held``).
            self._pending = pending
            if self._put_off_since is None:
                log.warning("offset commit put off by a rebalance, retried after it: %r", error)
                self._put_off_since = self._clock()


class ConsumerStuck(RuntimeError):
    """A consumer refused its commits by a rebalance for too long (left out of its group
    without noticing, or waiting on a slow member): closed and built again."""


def _put_off_by_a_rebalance(error: KafkaError) -> bool:
    """A commit refused while the group rebalances, the member keeping its generation: raised
    by kafka-python as is, or inside a CommitFailedError when the broker answered so."""
    return isinstance(error, RebalanceInProgressError) or (
        isinstance(error, CommitFailedError)
        and bool(error.args)
        and isinstance(error.args[0], RebalanceInProgressError)
    )
