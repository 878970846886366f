"""What happens to one message for one consumer group, the same in every adapter.

Decode it, skip a type the group does not handle, call the handler with bounded retries, and
dead-letter what cannot be parsed or keeps failing. A handler failing with ``Unavailable`` (the
store, the bus or another service is down) is retried until it succeeds or the bus closes: an
outage is no fault of the message. Adapters only decide where messages come from
and when progress is committed.
"""

from __future__ import annotations

import contextlib
import enum
import logging
import threading
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field

from google.protobuf.message import Message

from shouwang.bus import BatchHandler, Handler, RetryPolicy
from shouwang.bus.metrics import events_handled, handler_seconds
from shouwang.errors import Unavailable
from shouwang.events import (
    TYPE_HEADER,
    Event,
    PoisonMessage,
    UnknownEventType,
    WireMessage,
    decode,
)
from shouwang.foreground import Foreground, Pace

log = logging.getLogger(__name__)

# Headers added to a dead-lettered message, on top of its original ones.
DLQ_REASON = "dlq_reason"
DLQ_GROUP = "dlq_group"
DLQ_ORIGINAL_TOPIC = "dlq_original_topic"
DLQ_ATTEMPTS = "dlq_attempts"

_MAX_REASON_CHARS = 500
# While a dependency stays down, one warning for the first try and then one per this many.
_OUTAGE_LOG_EVERY = 30


@dataclass(frozen=True)
class Subscription:
    topic: str
    group: str
    handler: Handler
    payload_types: Mapping[str, type[Message]]
    from_latest: bool = False
    batch_handler: BatchHandler | None = None
    background: frozenset[str] = frozenset()  # event types whose runs step aside
    pace: Pace = field(default_factory=Pace, compare=False)
    # Set once the consumer has handled what the topic held when it began (a latch).
    caught_up: threading.Event = field(default_factory=threading.Event, compare=False)


def group_caught_up(subscriptions: Sequence[Subscription], group: str) -> bool:
    """Whether every subscription of ``group`` has caught up (False for a group with none)."""
    mine = [s for s in subscriptions if s.group == group]
    return bool(mine) and all(s.caught_up.is_set() for s in mine)


class Outcome(enum.Enum):
    OK = "ok"
    RETRIED = "retried"
    DEAD_LETTERED = "dead_lettered"
    SKIPPED = "skipped"
    # The bus is closing while the handler was still failing: do not commit, redeliver later.
    INTERRUPTED = "interrupted"
    # A dependency stayed down for the delivery's outage wait: do not commit, deliver it again.
    WAITING = "waiting"


# Outcomes after which the message is neither committed nor passed: it is delivered again.
_UNFINISHED = frozenset({Outcome.INTERRUPTED, Outcome.WAITING})


def dead_letter_message(
    message: WireMessage, *, topic: str, group: str, reason: str, attempts: int
) -> WireMessage:
    """The original message with headers saying where it came from and why it was given up."""
    headers = dict(message.headers)
    headers[DLQ_REASON] = reason[:_MAX_REASON_CHARS].encode()
    headers[DLQ_GROUP] = group.encode()
    headers[DLQ_ORIGINAL_TOPIC] = topic.encode()
    headers[DLQ_ATTEMPTS] = str(attempts).encode()
    return WireMessage(key=message.key, headers=headers, value=message.value)


def deliver(
    message: WireMessage,
    subscription: Subscription,
    *,
    retry: RetryPolicy,
    stopping: threading.Event,
    dead_letter: Callable[[WireMessage], None],
) -> Outcome:
    """Hand one message to the subscription's handler; the caller commits unless INTERRUPTED.

    ``dead_letter`` must be durable when it returns; if it raises, the exception propagates and
    the caller must not commit.
    """
    topic, group = subscription.topic, subscription.group
    try:
        event = decode(message, subscription.payload_types)
    except UnknownEventType:
        events_handled.labels(topic, group, Outcome.SKIPPED.value).inc()
        return Outcome.SKIPPED
    except PoisonMessage as error:
        log.warning("poison message on %s for group %s: %s", topic, group, error)
        dead_letter(
            dead_letter_message(
                message, topic=topic, group=group, reason=f"poison: {error}", attempts=0
            )
        )
        events_handled.labels(topic, group, Outcome.DEAD_LETTERED.value).inc()
        return Outcome.DEAD_LETTERED

    timer = handler_seconds.labels(topic, group)
    attempt = 0  # failures of the message's own handling: these lead to the dead-letter topic
    outages = 0  # failures because a dependency is down: these never do
    outage_ends = time.monotonic() + retry.outage_wait_s
    while True:
        started = time.perf_counter()
        try:
            subscription.handler(event)
        except Unavailable as error:
            # The store, the bus or another service is away: not the message's fault, so the
            # group waits for it, in order, rather than dead-letter whatever arrived meanwhile.
            timer.observe(time.perf_counter() - started)
            outages += 1
            if outages == 1 or outages % _OUTAGE_LOG_EVERY == 0:
                log.warning(
                    "handler for %s in group %s waits for a dependency on event %s "
                    "(%d tries so far): %s",
                    topic,
                    group,
                    event.id,
                    outages,
                    error,
                )
            if time.monotonic() >= outage_ends:
                events_handled.labels(topic, group, Outcome.WAITING.value).inc()
                return Outcome.WAITING
            if stopping.wait(retry.backoff(outages)):
                return Outcome.INTERRUPTED
            continue
        except Exception as error:
            timer.observe(time.perf_counter() - started)
            attempt += 1
            if attempt >= retry.max_attempts:
                log.exception(
                    "handler for %s in group %s gave up on event %s after %d attempts",
                    topic,
                    group,
                    event.id,
                    attempt,
                )
                reason = f"handler failed: {type(error).__name__}: {error}"
                dead_letter(
                    dead_letter_message(
                        message, topic=topic, group=group, reason=reason, attempts=attempt
                    )
                )
                events_handled.labels(topic, group, Outcome.DEAD_LETTERED.value).inc()
                return Outcome.DEAD_LETTERED
            log.warning(
                "handler for %s in group %s failed on event %s (attempt %d): %r",
                topic,
                group,
                event.id,
                attempt,
                error,
            )
            if stopping.wait(retry.backoff(attempt)):
                return Outcome.INTERRUPTED
        else:
            timer.observe(time.perf_counter() - started)
            outcome = Outcome.OK if attempt == outages == 0 else Outcome.RETRIED
            events_handled.labels(topic, group, outcome.value).inc()
            return outcome


def deliver_run(
    messages: Sequence[WireMessage],
    subscription: Subscription,
    *,
    retry: RetryPolicy,
    stopping: threading.Event,
    dead_letter: Callable[[WireMessage], None],
    foreground: Foreground | None = None,
) -> int:
    """Hand consecutive messages to the subscription; returns how many are finished (the caller
    commits that many and delivers the rest again), fewer than all only when the bus is closing
    or a dependency stayed down for the outage wait. A run of the
    subscription's background event types first steps aside for the ``foreground``.

    With a batch handler the decodable events go to it in one call; if it raises, they are
    handed to the per-event handler one by one instead (retries, dead letters), which the batch
    handler's contract makes equivalent.
    """
    if foreground is not None and _all_background(messages, subscription.background):
        subscription.pace.step_aside(foreground)
    if subscription.batch_handler is None:
        for done, message in enumerate(messages):
            outcome = deliver(
                message, subscription, retry=retry, stopping=stopping, dead_letter=dead_letter
            )
            if outcome in _UNFINISHED:
                return done
        return len(messages)
    topic, group = subscription.topic, subscription.group
    events: list[Event] = []
    decodable: list[tuple[int, WireMessage]] = []  # (place in the run, message)
    for place, message in enumerate(messages):
        try:
            events.append(decode(message, subscription.payload_types))
            decodable.append((place, message))
        except (UnknownEventType, PoisonMessage):
            # deliver() skips or dead-letters it, exactly as without a batch handler
            deliver(message, subscription, retry=retry, stopping=stopping, dead_letter=dead_letter)
    if not events:
        return len(messages)
    started = time.perf_counter()
    try:
        subscription.batch_handler(events)
    except Exception as error:
        log.warning(
            "batch handler for %s in group %s failed on %d events, handling them one by one: %r",
            topic,
            group,
            len(events),
            error,
        )
        for place, message in decodable:
            outcome = deliver(
                message, subscription, retry=retry, stopping=stopping, dead_letter=dead_letter
            )
            if outcome in _UNFINISHED:
                return place  # the caller commits the messages before this one
        return len(messages)
    handler_seconds.labels(topic, group).observe(time.perf_counter() - started)
    events_handled.labels(topic, group, Outcome.OK.value).inc(len(events))
    return len(messages)


def _all_background(messages: Sequence[WireMessage], types: frozenset[str]) -> bool:
    return bool(types) and all(
        message.headers.get(TYPE_HEADER, b"").decode(errors="replace") in types
        for message in messages
    )


def start_consumers(
    subscriptions: list[Subscription],
    consume: Callable[[Subscription], None],
    foreground: Foreground | None = None,
) -> list[threading.Thread]:
    """One daemon thread per subscription running ``consume`` (both adapters consume so), as
    the ``foreground``'s background work."""

    def in_background(subscription: Subscription) -> None:
        with foreground.background() if foreground else contextlib.nullcontext():
            consume(subscription)

    threads = []
    for subscription in subscriptions:
        thread = threading.Thread(
            target=in_background,
            args=(subscription,),
            name=f"bus-{subscription.group}-{subscription.topic}",
            daemon=True,
        )
        thread.start()
        threads.append(thread)
    return threads
