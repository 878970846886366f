"""The event-bus port: publish CloudEvents to topics, consume them in groups, at least once.

Guarantees every adapter gives (checked by ``tests/contract/test_bus_contract.py``):
- ``publish`` returns only once the events are durable; events with the same key (the event's
  subject) are delivered to a group in the order they were published;
- each consumer group receives every event; a group's progress is committed only after its handler
  returned, so a handler that raised or a process that died sees the event again;
- a handler that keeps failing is retried a bounded number of times, then the message goes to the
  dead-letter topic ``<topic>.dlq`` and the group moves on; a message that cannot be parsed goes
  there at once; a handler failing with ``shouwang.errors.Unavailable`` (a dependency is down)
  is retried until it succeeds or the bus closes, never dead-lettered (delivered again every
  ``RetryPolicy.outage_wait_s``, the group holding its place); the Kafka adapter's ``publish``
  raises ``Unavailable`` when the broker cannot be reached;
- a subscription may also give a batch handler, called with runs of consecutive events of the
  topic (in order) where there are several to deliver; it must be equivalent to calling the
  per-event handler on each in turn, which is what happens to the run when it raises;
- a run made only of a subscription's ``background`` event types waits while the process serves
  requests someone is waiting on (``shouwang.foreground``): for a bounded time, and then not
  again for as long, so the group keeps at least half its pace.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Mapping, Sequence
from dataclasses import dataclass
from typing import Protocol

from google.protobuf.message import Message

from shouwang.events import Event

Handler = Callable[[Event], None]
BatchHandler = Callable[[list[Event]], None]

DLQ_SUFFIX = ".dlq"


def dead_letter_topic(topic: str) -> str:
    return topic + DLQ_SUFFIX


@dataclass(frozen=True)
class RetryPolicy:
    """How often a failing handler is retried before its message is dead-lettered."""

    max_attempts: int = 5
    first_backoff_s: float = 0.05
    max_backoff_s: float = 2.0
    # How long one delivery waits out a dependency's outage before it hands the message back
    # (not committed, delivered again): well under Kafka's poll interval, so a long outage keeps
    # the consumer in its group instead of getting it evicted.
    outage_wait_s: float = 30.0

    def backoff(self, attempt: int) -> float:
        # The exponent capped: an outage's retries count past where 2.0 ** n overflows a float.
        return min(self.max_backoff_s, self.first_backoff_s * 2.0 ** min(attempt - 1, 64))


class EventBus(Protocol):
    def publish(self, topic: str, events: Sequence[Event]) -> None:
        """Append events to a topic; durable when this returns."""
        ...

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
        """Deliver the topic's events to ``handler`` as consumer group ``group`` once started.

        ``payload_types`` maps each CloudEvent type the consumer understands to its protobuf
        message; a type outside it is skipped (committed) so producers may add new types.
        A group with nothing committed starts at the topic's beginning, or, ``from_latest``, at
        its end: for state that only matters live (positions pushed to screens), where reading
        days of retention on every start would be wasted work. ``batch_handler``, when given,
        takes runs of events instead (one store write for many, where that matters).
        ``background``: event types that can be a moment late (a city's fixes); a run made only
        of them steps aside for the requests the bus's ``Foreground`` counts (none in a process
        without one), a run holding anything else (a member gone busy) does not.
        """
        ...

    def start(self) -> None:
        """Start consuming for every subscription."""
        ...

    def caught_up(self, group: str) -> bool:
        """Whether every subscription of ``group`` has handled what its topic held when it
        started (at once for one that starts at the end): a reader that serves what it consumed
        (the gateway's push streams) is ready only then. It stays true once it is."""
        ...

    def close(self) -> None:
        """Stop consuming (finishing the event in hand), commit, flush; idempotent."""
        ...
