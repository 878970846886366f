"""The CloudEvents envelope around every protobuf payload, and its Kafka binary-mode encoding.

Both bus adapters store exactly what Kafka carries (``ce_*`` headers, key = aggregate id,
protobuf bytes as the value), so the embedded run exercises the same codec as the cluster.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime

from cloudevents.core.bindings import kafka as ce_kafka
from cloudevents.core.formats.json import JSONFormat
from cloudevents.core.v1.event import CloudEvent
from google.protobuf.message import DecodeError, Message

from shouwang.ids import new_id

TYPE_HEADER = "ce_type"  # the CloudEvents Kafka binding's header for the event type
CONTENT_TYPE = "application/protobuf"


class _ProtobufPassthroughFormat(JSONFormat):
    """JSONFormat for attribute handling, but data always comes back as the raw value bytes.

    JSONFormat.read_data turns a body that happens to be valid UTF-8 into ``str``, and most small
    protobuf messages are valid UTF-8.
    """

    def read_data(self, body: bytes, datacontenttype: str | None) -> bytes | None:
        return bytes(body) if body else None


_FORMAT = _ProtobufPassthroughFormat()


@dataclass(frozen=True)
class LogPosition:
    """Where a consumed message sits in its topic: the same on every consumer that reads it,
    whatever order the consumer happened to read the topic's partitions in."""

    topic: str
    partition: int
    offset: int


@dataclass(frozen=True)
class Event:
    """A domain event: a CloudEvent whose data is a protobuf message."""

    type: str
    source: str
    subject: str  # the aggregate id; also the Kafka key, so one aggregate's events stay ordered
    data: Message
    time: datetime
    id: str = field(default_factory=new_id)
    # Set by the bus on a consumed event; None on one being published.
    position: LogPosition | None = field(default=None, compare=False)


@dataclass(frozen=True)
class WireMessage:
    """What a broker stores: Kafka binary content mode."""

    key: bytes
    headers: dict[str, bytes]
    value: bytes
    position: LogPosition | None = None  # where a consumer read it from


class PoisonMessage(Exception):
    """A message that can never be handled: not a CloudEvent, or a payload that does not parse."""


class UnknownEventType(Exception):
    """A well-formed event of a type this consumer does not handle; consumers skip these."""


def encode(event: Event) -> WireMessage:
    cloud_event = CloudEvent(
        attributes={
            "id": event.id,
            "source": event.source,
            "type": event.type,
            "subject": event.subject,
            "time": event.time,
            "datacontenttype": CONTENT_TYPE,
            "dataschema": f"proto:{event.data.DESCRIPTOR.full_name}",
        },
        data=event.data.SerializeToString(),
    )
    message = ce_kafka.to_binary(cloud_event, _FORMAT, key_mapper=lambda e: e.get_subject())
    key = message.key.encode() if isinstance(message.key, str) else (message.key or b"")
    return WireMessage(key=key, headers=dict(message.headers), value=message.value)


def decode(message: WireMessage, payload_types: Mapping[str, type[Message]]) -> Event:
    """Parse a wire message for a consumer that understands ``payload_types``.

    Raises ``PoisonMessage`` when it can never be handled, ``UnknownEventType`` when it is simply
    not for this consumer.
    """
    try:
        cloud_event = ce_kafka.from_binary(
            ce_kafka.KafkaMessage(headers=message.headers, key=message.key, value=message.value),
            _FORMAT,
        )
    except Exception as error:  # the SDK raises several unrelated types for bad headers
        raise PoisonMessage(f"not a binary-mode CloudEvent: {type(error).__name__}") from error
    event_type = cloud_event.get_type()
    payload_type = payload_types.get(event_type)
    if payload_type is None:
        raise UnknownEventType(event_type)
    raw = cloud_event.get_data() or b""
    if not isinstance(raw, bytes):
        raise PoisonMessage("payload is not protobuf bytes")
    try:
        data = payload_type.FromString(raw)
    except DecodeError as error:
        raise PoisonMessage(
            f"payload does not parse as {payload_type.DESCRIPTOR.full_name}"
        ) from error
    time = cloud_event.get_time()
    if time is None:
        raise PoisonMessage("event without ce_time")
    return Event(
        type=event_type,
        source=cloud_event.get_source(),
        subject=cloud_event.get_subject() or message.key.decode(errors="replace"),
        data=data,
        time=time,
        id=cloud_event.get_id(),
        position=message.position,
    )
