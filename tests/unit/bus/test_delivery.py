"""What a consumer group does with one message, shared by both bus adapters; no broker needed."""

from __future__ import annotations

import threading
import uuid
from datetime import UTC, datetime

import pytest
from google.protobuf.wrappers_pb2 import StringValue
from prometheus_client import REGISTRY

from shouwang.bus import RetryPolicy
from shouwang.bus.delivery import Outcome, Subscription, deliver
from shouwang.errors import Unavailable
from shouwang.events import Event, WireMessage, encode

NOTED = "shouwang.test.noted.v1"
NO_WAIT = RetryPolicy(max_attempts=3, first_backoff_s=0.0, max_backoff_s=0.0)


class FlakyHandler:
    def __init__(self, failures: int, error: Exception | None = None) -> None:
        self.failures = failures
        self.error = error or RuntimeError("store unavailable")
        self.calls = 0

    def __call__(self, event: Event) -> None:
        self.calls += 1
        if self.calls <= self.failures:
            raise self.error


@pytest.fixture
def topic() -> str:
    return f"unit-{uuid.uuid4().hex[:12]}"


def message(key: str = "member-7") -> WireMessage:
    event = Event(
        type=NOTED,
        source="/tests/unit",
        subject=key,
        data=StringValue(value="x"),
        time=datetime.now(UTC),
    )
    return encode(event)


def run(
    wire: WireMessage,
    topic: str,
    handler: FlakyHandler,
    *,
    retry: RetryPolicy = NO_WAIT,
    stopping: threading.Event | None = None,
) -> tuple[Outcome, list[WireMessage]]:
    letters: list[WireMessage] = []
    outcome = deliver(
        wire,
        Subscription(topic, "points", handler, {NOTED: StringValue}),
        retry=retry,
        stopping=stopping or threading.Event(),
        dead_letter=letters.append,
    )
    return outcome, letters


def handled(topic: str, outcome: str) -> float | None:
    return REGISTRY.get_sample_value(
        "shouwang_events_handled_total", {"topic": topic, "group": "points", "outcome": outcome}
    )


def test_event_handled_at_the_first_attempt_counts_as_ok(topic: str) -> None:
    outcome, letters = run(message(), topic, FlakyHandler(failures=0))

    assert (outcome, letters) == (Outcome.OK, [])
    assert handled(topic, "ok") == 1


def test_event_handled_after_failures_counts_once_as_retried(topic: str) -> None:
    handler = FlakyHandler(failures=2)

    outcome, letters = run(message(), topic, handler)

    assert (outcome, letters, handler.calls) == (Outcome.RETRIED, [], 3)
    assert handled(topic, "retried") == 1
    assert handled(topic, "ok") is None


def test_event_whose_handler_keeps_failing_is_dead_lettered_with_its_reason(topic: str) -> None:
    wire = message()

    outcome, [letter] = run(wire, topic, FlakyHandler(failures=99))

    assert outcome is Outcome.DEAD_LETTERED
    assert (letter.key, letter.value) == (wire.key, wire.value)
    assert letter.headers["dlq_reason"] == b"handler failed: RuntimeError: store unavailable"
    assert letter.headers["dlq_group"] == b"points"
    assert letter.headers["dlq_original_topic"] == topic.encode()
    assert letter.headers["dlq_attempts"] == b"3"
    assert handled(topic, "dead_lettered") == 1


def test_closing_bus_interrupts_retries_without_dead_lettering(topic: str) -> None:
    stopping = threading.Event()
    stopping.set()

    outcome, letters = run(message(), topic, FlakyHandler(failures=1), stopping=stopping)

    assert (outcome, letters) == (Outcome.INTERRUPTED, [])


def test_handler_waiting_for_a_dependency_is_retried_past_the_attempts_never_dead_lettered(
    topic: str,
) -> None:
    # A broker or store outage outlasting NO_WAIT's three attempts (the fault suite's Kafka
    # restart dead-lettered a bridge event this way).
    handler = FlakyHandler(failures=10, error=Unavailable(detail="the event bus cannot be reached"))

    outcome, letters = run(message(), topic, handler)

    assert (outcome, letters, handler.calls) == (Outcome.RETRIED, [], 11)
    assert handled(topic, "dead_lettered") is None


def test_closing_bus_interrupts_the_wait_for_a_dependency_without_dead_lettering(
    topic: str,
) -> None:
    stopping = threading.Event()
    handler = FlakyHandler(failures=10**9, error=Unavailable())
    stop_later = threading.Timer(0.2, stopping.set)
    stop_later.start()
    short_waits = RetryPolicy(max_attempts=3, first_backoff_s=0.01, max_backoff_s=0.01)

    outcome, letters = run(message(), topic, handler, retry=short_waits, stopping=stopping)

    assert (outcome, letters) == (Outcome.INTERRUPTED, [])
    assert handler.calls > short_waits.max_attempts


def test_an_outage_outlasting_the_wait_hands_the_message_back_undelivered(topic: str) -> None:
    # The adapter then delivers it again (tests/contract: in order, on both buses).
    handler = FlakyHandler(failures=10**9, error=Unavailable())
    brief = RetryPolicy(max_attempts=3, first_backoff_s=0.01, max_backoff_s=0.01, outage_wait_s=0.1)

    outcome, letters = run(message(), topic, handler, retry=brief)

    assert (outcome, letters) == (Outcome.WAITING, [])
    assert handled(topic, "waiting") == 1


def test_metrics_never_carry_the_event_key(topic: str) -> None:
    run(message(key="member-secret-42"), topic, FlakyHandler(failures=1))

    labels = [
        value
        for metric in REGISTRY.collect()
        if metric.name.startswith("shouwang_event")
        for sample in metric.samples
        for value in sample.labels.values()
    ]
    assert topic in labels
    assert not any("member-secret-42" in value for value in labels)


def test_backoff_stays_at_its_cap_however_long_an_outage_lasts() -> None:
    policy = RetryPolicy(first_backoff_s=0.05, max_backoff_s=2.0)

    assert [policy.backoff(n) for n in (1, 2, 10_000)] == [0.05, 0.1, 2.0]
