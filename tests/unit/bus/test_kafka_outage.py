"""Which Kafka send failures the bus reports as an outage (``Unavailable``); no broker needed."""

from __future__ import annotations

import pytest
from kafka.errors import (
    BrokerNotAvailableError,
    KafkaConnectionError,
    KafkaError,
    KafkaTimeoutError,
    MessageSizeTooLargeError,
    NotLeaderForPartitionError,
    TopicAuthorizationFailedError,
)

from shouwang.bus.kafka import is_outage


@pytest.mark.parametrize(
    "error",
    [
        KafkaTimeoutError(),
        KafkaConnectionError(),
        NotLeaderForPartitionError(),
        BrokerNotAvailableError(),
    ],
)
def test_broker_away_or_partition_moving_is_an_outage(error: KafkaError) -> None:
    assert is_outage(error)


@pytest.mark.parametrize("error", [MessageSizeTooLargeError(), TopicAuthorizationFailedError()])
def test_what_was_sent_or_who_sent_it_is_not_an_outage(error: KafkaError) -> None:
    assert not is_outage(error)
